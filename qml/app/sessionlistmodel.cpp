#include "sessionlistmodel.h"

#include "session.h"

namespace fieldnotes::app {

SessionListModel::SessionListModel(QObject *parent) : QAbstractListModel(parent) { }

SessionListModel::~SessionListModel() = default;

void SessionListModel::setSession(Session *session)
{
    if (session == m_session)
        return;
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (m_session) {
        connect(m_session, &Session::storeOpened, this, &SessionListModel::reload);
        connect(m_session, &Session::storeClosed, this, &SessionListModel::reload);
        connect(m_session, &Session::recordsChanged, this, [this](const QString &entity) {
            if (showsEntity(entity))
                reload();
        });
    }
    reload();
    emit sessionChanged();
}

Store *SessionListModel::store() const
{
    return m_session ? m_session->store() : nullptr;
}

int SessionListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(loadedRows());
}

bool SessionListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_exhausted && store() != nullptr;
}

void SessionListModel::fetchMore(const QModelIndex &parent)
{
    if (m_resetting || !canFetchMore(parent))
        return;
    const qsizetype offset = loadedRows();
    auto read = readPage(offset, kPageSize);
    if (!read) {
        m_exhausted = true;
        setError(read.error().message);
        return;
    }
    m_exhausted = !paged() || *read < kPageSize;
    const qsizetype staged = stagedRows();
    if (staged == 0)
        return;
    beginInsertRows(QModelIndex(), int(offset), int(offset + staged - 1));
    appendStaged();
    endInsertRows();
    emit countChanged();
}

void SessionListModel::reload()
{
    const qsizetype wanted = std::max<qsizetype>(loadedRows(), kPageSize);
    beginResetModel();
    clearRows();
    m_exhausted = store() == nullptr;
    setError(QString());
    if (!m_exhausted) {
        // Reload as many rows as were shown, so an edit does not collapse a long scrolled list.
        auto read = readPage(0, int(std::min<qsizetype>(wanted, 1000)));
        if (read) {
            appendStaged();
            m_exhausted = !paged() || *read < wanted;
        } else {
            m_exhausted = true;
            setError(read.error().message);
        }
    }
    m_resetting = true;
    endResetModel();
    m_resetting = false;
    emit countChanged();
}

void SessionListModel::filterChanged()
{
    // A new filter starts at the first page.
    beginResetModel();
    clearRows();
    m_resetting = true;
    endResetModel();
    m_resetting = false;
    reload();
}

void SessionListModel::setError(const QString &message)
{
    if (message == m_error)
        return;
    m_error = message;
    emit errorMessageChanged();
}

} // namespace fieldnotes::app
