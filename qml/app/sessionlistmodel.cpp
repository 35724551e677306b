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
    if (m_changing || !canFetchMore(parent))
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
    const QScopedValueRollback changing(m_changing, true);
    beginInsertRows(QModelIndex(), int(offset), int(offset + staged - 1));
    appendStaged();
    endInsertRows();
    emit countChanged();
}

void SessionListModel::reload()
{
    // As many rows as were shown, so an edit does not collapse a long scrolled list.
    load(std::max(loadedRows(), qsizetype(kPageSize)));
}

void SessionListModel::filterChanged()
{
    // A new filter starts at the first page.
    load(kPageSize);
}

void SessionListModel::load(qsizetype wanted)
{
    const qsizetype before = loadedRows();
    bool exhausted = true;
    QString error;
    // Read before anything changes: the view shows the old rows until the new ones replace them.
    auto read = readPage(0, int(std::min<qsizetype>(wanted, 1000))); // without a store: no rows
    if (!read)
        error = read.error().message;
    else
        exhausted = store() == nullptr || !paged() || *read < wanted;
    replaceWithStaged(); // on an error nothing is staged: the list empties, with the message
    m_exhausted = exhausted;
    setError(error);
    if (loadedRows() != before)
        emit countChanged();
}

void SessionListModel::replaceWithStaged()
{
    const QScopedValueRollback changing(m_changing, true);
    beginResetModel();
    clearRows();
    appendStaged();
    endResetModel();
}

QSet<qsizetype> SessionListModel::longestIncreasingRun(const QList<qsizetype> &sequence)
{
    // Patience sorting: tails[k] is the index of the smallest last value of an increasing run of length k + 1.
    std::vector<qsizetype> tails;
    std::vector<qsizetype> previous(size_t(sequence.size()), -1);
    for (qsizetype i = 0; i < sequence.size(); ++i) {
        const auto at = std::lower_bound(tails.begin(), tails.end(), sequence.at(i),
                                         [&](qsizetype index, qsizetype value) { return sequence.at(index) < value; });
        if (at != tails.begin())
            previous[size_t(i)] = *(at - 1);
        if (at == tails.end())
            tails.push_back(i);
        else
            *at = i;
    }
    QSet<qsizetype> run;
    for (qsizetype i = tails.empty() ? -1 : tails.back(); i >= 0; i = previous[size_t(i)])
        run.insert(i);
    return run;
}

void SessionListModel::setError(const QString &message)
{
    if (message == m_error)
        return;
    m_error = message;
    emit errorMessageChanged();
}

} // namespace fieldnotes::app
