#include "datatransfer.h"

#include "documentsfolder.h"

#include "rolepolicy.h"

#include "io/accountimport.h"
#include "io/exporter.h"
#include "records/entity.h"
#include "store/store.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QVariantMap>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {

/// A local path from a file dialog's URL, or from plain text.
QString localPath(const QUrl &file)
{
    return file.isLocalFile() ? file.toLocalFile() : file.scheme().isEmpty() ? file.path() : QString();
}

} // namespace

DataTransfer::DataTransfer(QObject *parent)
    : QObject(parent)
{ }

void DataTransfer::setSession(Session *session)
{
    if (session == m_session)
        return;
    m_session = session;
    emit sessionChanged();
}

void DataTransfer::setRole(const QString &role)
{
    if (role == m_role)
        return;
    m_role = role;
    emit roleChanged();
}

QStringList DataTransfer::entities() const
{
    QStringList names;
    for (const EntitySpec &spec : allEntities()) {
        if (RolePolicy::mayRead(m_role, spec.entity))
            names << spec.name;
    }
    return names;
}

QStringList DataTransfer::formats() const
{
    if (RolePolicy::mayEditAll(m_role))
        return {u"json"_s, u"csv"_s, u"markdown"_s};
    return {u"json"_s, u"csv"_s};
}

bool DataTransfer::finish(bool ok, const QString &message, QVariantList skipped)
{
    m_failed = !ok;
    m_message = message;
    m_skipped = std::move(skipped);
    emit finished();
    return ok;
}

QUrl DataTransfer::documentsFolderUrl() const
{
    return QUrl::fromLocalFile(documentsFolder());
}

QUrl DataTransfer::suggestedFileUrl(const QString &format, const QString &entity) const
{
    const QString folder = documentsFolder();
    const QString extension = format == u"markdown"_s ? u"md"_s : format == u"csv"_s ? u"csv"_s : u"json"_s;
    const QString name = entityFromName(entity) ? u"fieldnotes-export-%1.%2"_s.arg(entity, extension)
                                                : u"fieldnotes-export.%1"_s.arg(extension);
    return QUrl::fromLocalFile(QDir(folder).filePath(name));
}

bool DataTransfer::exportTo(const QString &format, const QString &entity, const QUrl &file)
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store)
        return finish(false, tr("Unlock the store first."));
    std::optional<Entity> only;
    if (!entity.isEmpty()) {
        only = entityFromName(entity);
        if (!only)
            return finish(false, tr("Unknown kind of record: %1.").arg(entity.left(40)));
    }
    if (format != u"json"_s && format != u"csv"_s && format != u"markdown"_s)
        return finish(false, tr("Choose JSON, CSV or Markdown."));
    if (format == u"csv"_s && !only)
        return finish(false, tr("A CSV file holds one kind of record: choose which."));
    // Sales never receives conversations or guides; what this device still holds of them is not for its user.
    if (only && !RolePolicy::mayRead(m_role, *only))
        return finish(false, tr("Sales does not see this kind of record: nothing was exported."));
    if (!formats().contains(format))
        return finish(false, tr("Sales exports JSON or CSV here; an account's brief exports as Markdown or PDF."));
    const QString path = localPath(file);
    if (path.isEmpty())
        return finish(false, tr("Choose a file on this device."));
    Result<QByteArray> data = !RolePolicy::mayEditAll(m_role) ? exportVisible(*store, format, only)
                              : format == u"json"_s          ? Exporter::exportJson(*store, only)
                              : format == u"csv"_s           ? Exporter::exportCsv(*store, *only)
                                                             : Exporter::exportMarkdown(*store, only);
    if (!data)
        return finish(false, data.error().message);
    // The reason is the system's ("Permission denied", "No space left on device"); nothing is written on failure.
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return finish(false, tr("Nothing was exported: cannot write %1 (%2).").arg(path, out.errorString()));
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out.write(*data);
    if (!out.commit())
        return finish(false, tr("Nothing was exported: cannot write %1 (%2).").arg(path, out.errorString()));
    return finish(true, tr("Exported to %1. This file is not encrypted: keep it somewhere safe.").arg(path));
}

Result<QByteArray> DataTransfer::exportVisible(Store &store, const QString &format, std::optional<Entity> only) const
{
    if (format == u"csv"_s) {
        if (!only)
            return makeError(ErrorCode::InvalidInput, tr("A CSV file holds one kind of record: choose which."));
        if (!RolePolicy::readsPerRecord(m_role, *only))
            return Exporter::exportCsv(store, *only);
        // Exporter::exportCsv's layout, with the rows the role sees.
        auto records = store.list(*only);
        if (!records)
            return records.error();
        const EntitySpec &spec = entitySpec(*only);
        QStringList header {u"id"_s};
        for (const FieldSpec &field : spec.fields)
            header << field.name;
        QString out = header.join(u',') + u"\r\n"_s;
        for (const Record &record : std::as_const(*records)) {
            if (!RolePolicy::mayRead(m_role, *only, record.fields))
                continue;
            QStringList cells {Exporter::csvCell(record.id)};
            for (const FieldSpec &field : spec.fields)
                cells << Exporter::csvCell(record.fields.value(field.name));
            out += cells.join(u',') + u"\r\n"_s;
        }
        return out.toUtf8();
    }
    if (format != u"json"_s)
        return makeError(ErrorCode::InvalidInput,
                         tr("Sales exports JSON or CSV here; an account's brief exports as Markdown or PDF."));
    // JSON: Exporter::exportJson's document with the entities, and of them the records, the role sees.
    QJsonObject document;
    QJsonObject records;
    for (const EntitySpec &spec : allEntities()) {
        if ((only && *only != spec.entity) || !RolePolicy::mayRead(m_role, spec.entity))
            continue;
        auto part = Exporter::exportJson(store, spec.entity);
        if (!part)
            return part.error();
        const QJsonObject partDocument = QJsonDocument::fromJson(*part).object();
        QJsonArray visible;
        const QJsonArray all = partDocument.value(u"records"_s).toObject().value(spec.name).toArray();
        for (const QJsonValue &record : all) {
            if (RolePolicy::mayRead(m_role, spec.entity, record.toObject()))
                visible.append(record);
        }
        records.insert(spec.name, visible);
        if (document.isEmpty())
            document = partDocument;
    }
    document.insert(u"records"_s, records);
    return QJsonDocument(document).toJson(QJsonDocument::Indented);
}

bool DataTransfer::importAccounts(const QUrl &file)
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store)
        return finish(false, tr("Unlock the store first."));
    const QString path = localPath(file);
    if (path.isEmpty())
        return finish(false, tr("Choose a file on this device."));
    auto report = AccountImport::importFile(*store, path);
    if (!report)
        return finish(false, report.error().message);
    QVariantList skipped;
    for (const SkippedRow &row : report->skipped)
        skipped << QVariantMap{{u"line"_s, row.line}, {u"reason"_s, row.reason}, {u"skipped"_s, true}};
    for (const SkippedRow &row : report->droppedValues)
        skipped << QVariantMap{{u"line"_s, row.line}, {u"reason"_s, row.reason}, {u"skipped"_s, false}};
    if (report->accountsCreated > 0 || report->contactsCreated > 0 || report->accountsReused > 0) {
        m_session->notifyRecordsChanged(Entity::Account);
        m_session->notifyRecordsChanged(Entity::Contact);
    }
    return finish(true,
                  tr("%n row(s) read: ", "", report->rows)
                      + tr("%n account(s) created, ", "", report->accountsCreated)
                      + tr("%n existing account(s) matched, ", "", report->accountsReused)
                      + tr("%n contact(s) created, ", "", report->contactsCreated)
                      + tr("%n row(s) skipped.", "", int(report->skipped.size())),
                  skipped);
}

} // namespace fieldnotes::app
