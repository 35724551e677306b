#include "io/accountimport.h"

#include "io/csvreader.h"
#include "records/recordid.h"
#include "records/validator.h"
#include "store/store.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>
#include <array>
#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

enum Target { AccountName, Domain, Segment, Owner, ContactName, ContactTitle, ContactEmail, ContactPhone, TargetCount };

/** Where one kind of column goes, and the header names (normalised, in order of preference) that mean it. */
struct TargetSpec
{
    Entity entity;
    QString field;
    QStringList aliases;
};

const std::array<TargetSpec, TargetCount> &targets()
{
    static const std::array<TargetSpec, TargetCount> specs{{
        {Entity::Account, u"name"_s,
         {u"name"_s, u"account"_s, u"accountname"_s, u"company"_s, u"companyname"_s, u"organization"_s,
          u"organisation"_s}},
        {Entity::Account, u"domain"_s, {u"domain"_s, u"website"_s}},
        {Entity::Account, u"segment"_s, {u"segment"_s, u"industry"_s}},
        {Entity::Account, u"owner_email"_s, {u"owneremail"_s, u"owner"_s, u"accountowner"_s}},
        {Entity::Contact, u"name"_s, {u"contactname"_s, u"contact"_s, u"fullname"_s}},
        {Entity::Contact, u"title"_s, {u"contacttitle"_s, u"title"_s, u"jobtitle"_s}},
        {Entity::Contact, u"email"_s, {u"contactemail"_s, u"email"_s}},
        {Entity::Contact, u"phone"_s, {u"contactphone"_s, u"phone"_s}},
    }};
    return specs;
}

QString normalisedHeader(const QString &header)
{
    QString key;
    key.reserve(header.size());
    for (const QChar c : header) {
        if (c.isSpace() || c == u'_' || c == u'-')
            continue;
        key.append(c.toCaseFolded());
    }
    return key;
}

QString columnLabel(const QStringList &header, int column)
{
    const QString name = header.value(column).simplified();
    return name.isEmpty() ? u"column %1"_s.arg(column + 1) : name.left(100);
}

QString foldKey(const QString &text)
{
    return text.trimmed().toCaseFolded();
}

/** A record this import creates or adds fields to: what is known of it, and what the import writes. */
struct Draft
{
    QString id;
    bool existing = false;
    QJsonObject known; ///< stored fields plus what the import adds
    QJsonObject changes; ///< fields the import writes (all of them for a new record)

    // First non-empty value wins: a field is only taken when the record does not have it yet.
    void fill(const QJsonObject &fields)
    {
        for (auto it = fields.begin(); it != fields.end(); ++it) {
            if (known.contains(it.key()))
                continue;
            known.insert(it.key(), it.value());
            changes.insert(it.key(), it.value());
        }
    }
};

/** An account of the import with its contacts and how to find a contact again. */
struct AccountDraft : Draft
{
    QList<Draft> contacts;
    QHash<QString, int> contactByEmail;
    QHash<QString, int> contactByName;

    void index(int i)
    {
        const QJsonObject &fields = contacts.at(i).known;
        const QString email = foldKey(fields.value(u"email"_s).toString());
        if (!email.isEmpty() && !contactByEmail.contains(email))
            contactByEmail.insert(email, i);
        const QString name = foldKey(fields.value(u"name"_s).toString());
        if (!name.isEmpty() && !contactByName.contains(name))
            contactByName.insert(name, i);
    }

    int findContact(const QJsonObject &fields) const
    {
        const QString email = foldKey(fields.value(u"email"_s).toString());
        const QString name = foldKey(fields.value(u"name"_s).toString());
        if (!email.isEmpty()) {
            if (const auto it = contactByEmail.constFind(email); it != contactByEmail.cend())
                return *it;
            const int byName = contactByName.value(name, -1);
            return byName >= 0 && !contacts.at(byName).known.contains(u"email"_s) ? byName : -1;
        }
        return contactByName.value(name, -1);
    }
};

bool isDomain(const QString &text)
{
    if (text.isEmpty() || !text.contains(u'.') || text.contains(u".."_s) || text.startsWith(u'.')
        || text.startsWith(u'-') || text.endsWith(u'-'))
        return false;
    for (const QChar c : text) {
        if (!c.isLetterOrNumber() && c != u'-' && c != u'.')
            return false;
    }
    return true;
}

} // namespace

QJsonObject ImportReport::toJson() const
{
    const auto rowsJson = [](const QList<SkippedRow> &lines) {
        QJsonArray array;
        for (const SkippedRow &row : lines)
            array.append(QJsonObject{{u"line"_s, row.line}, {u"reason"_s, row.reason}});
        return array;
    };
    return QJsonObject{{u"rows"_s, rows},
                       {u"accounts_created"_s, accountsCreated},
                       {u"accounts_reused"_s, accountsReused},
                       {u"contacts_created"_s, contactsCreated},
                       {u"skipped"_s, rowsJson(skipped)},
                       {u"dropped_values"_s, rowsJson(droppedValues)},
                       {u"ignored_columns"_s, QJsonArray::fromStringList(ignoredColumns)}};
}

QString AccountImport::domainFromWebsite(const QString &website)
{
    QString text = website.trimmed().toLower();
    if (const qsizetype scheme = text.indexOf(u"://"_s); scheme > 0) {
        bool isScheme = true;
        for (qsizetype i = 0; i < scheme; ++i) {
            const QChar c = text.at(i);
            isScheme = isScheme && (c.isLetterOrNumber() || c == u'+' || c == u'.' || c == u'-');
        }
        if (isScheme)
            text = text.mid(scheme + 3);
    } else if (text.startsWith(u"//"_s)) {
        text = text.mid(2);
    }
    for (const QChar end : {u'/', u'?', u'#', u'\\'}) {
        if (const qsizetype at = text.indexOf(end); at >= 0)
            text.truncate(at);
    }
    if (const qsizetype at = text.lastIndexOf(u'@'); at >= 0)
        text = text.mid(at + 1);
    if (const qsizetype colon = text.indexOf(u':'); colon >= 0)
        text.truncate(colon);
    if (text.startsWith(u"www."_s))
        text = text.mid(4);
    while (text.endsWith(u'.'))
        text.chop(1);
    return isDomain(text) ? text : QString();
}

Result<ImportReport> AccountImport::importFile(Store &store, const QString &path)
{
    auto table = CsvReader::readFile(path);
    if (!table)
        return table.error();
    return importTable(store, *table);
}

Result<ImportReport> AccountImport::importData(Store &store, const QByteArray &csv)
{
    auto table = CsvReader::parse(csv);
    if (!table)
        return table.error();
    return importTable(store, *table);
}

Result<ImportReport> AccountImport::importTable(Store &store, const CsvTable &table)
{
    if (table.records.isEmpty()) {
        return makeError(ErrorCode::InvalidInput,
                         u"The file is empty; its first row must name the columns (e.g. Account Name, Website)."_s);
    }
    const QStringList &header = table.records.constFirst().fields;

    // Map columns to fields: the most preferred alias wins, then the leftmost column.
    std::array<int, TargetCount> column;
    std::array<int, TargetCount> rank;
    column.fill(-1);
    rank.fill(std::numeric_limits<int>::max());
    for (int c = 0; c < header.size(); ++c) {
        const QString key = normalisedHeader(header.at(c));
        for (int t = 0; t < TargetCount; ++t) {
            const int alias = int(targets()[t].aliases.indexOf(key));
            if (alias >= 0 && alias < rank[t]) {
                rank[t] = alias;
                column[t] = c;
            }
        }
    }
    if (column[AccountName] < 0) {
        return makeError(ErrorCode::InvalidInput,
                         u"The file has no account name column; name one column Name, Account, Account Name, Company, "
                         u"Company Name or Organization. Nothing was imported."_s);
    }
    if (column[ContactName] < 0) {
        // Without a name there is no contact: a company phone or a generic email is not a person.
        column[ContactTitle] = column[ContactEmail] = column[ContactPhone] = -1;
    }

    ImportReport report;
    report.rows = int(table.records.size()) - 1;
    for (int c = 0; c < header.size(); ++c) {
        if (std::find(column.begin(), column.end(), c) == column.end())
            report.ignoredColumns << columnLabel(header, c);
    }

    // Accounts already in the store, by folded name; the first in list order wins if names repeat.
    auto stored = store.list(Entity::Account);
    if (!stored)
        return stored.error();
    QHash<QString, int> storedByName;
    for (int i = 0; i < stored->size(); ++i) {
        const QString key = foldKey(stored->at(i).fields.value(u"name"_s).toString());
        if (!key.isEmpty() && !storedByName.contains(key))
            storedByName.insert(key, i);
    }

    QList<AccountDraft> accounts;
    QHash<QString, int> accountByName;
    for (qsizetype r = 1; r < table.records.size(); ++r) {
        const CsvRecord &row = table.records.at(r);
        const auto skip = [&](const QString &reason) { report.skipped << SkippedRow{row.line, reason}; };
        const auto value = [&](Target t) { return column[t] < 0 ? QString() : row.fields.value(column[t]).trimmed(); };

        const QString name = value(AccountName);
        if (name.isEmpty()) {
            skip(u"Line %1: the account name (column \"%2\") is empty."_s.arg(row.line).arg(
                columnLabel(header, column[AccountName])));
            continue;
        }
        QJsonObject accountFields;
        QJsonObject contactFields;
        QString invalid;
        for (int t = 0; t < TargetCount && invalid.isEmpty(); ++t) {
            QString text = value(Target(t));
            if (text.isEmpty())
                continue;
            const TargetSpec &target = targets()[t];
            if (t == Domain) {
                text = domainFromWebsite(text);
                if (text.isEmpty()) {
                    invalid = u"Line %1, column \"%2\": account.domain must be a domain or web address like "
                              u"example.com."_s.arg(row.line).arg(columnLabel(header, column[t]));
                    break;
                }
            }
            const FieldSpec *spec = entitySpec(target.entity).field(target.field);
            Q_ASSERT(spec);
            if (auto valid = Validator::validateValue(target.entity, *spec, text); !valid) {
                if (t == Owner) {
                    report.droppedValues << SkippedRow{
                        row.line, u"Line %1, column \"%2\": not an email address, so the account gets no owner."_s
                                      .arg(row.line)
                                      .arg(columnLabel(header, column[t]))};
                    continue;
                }
                invalid = u"Line %1, column \"%2\": %3."_s.arg(row.line).arg(columnLabel(header, column[t]),
                                                                   valid.error().message);
                break;
            }
            (target.entity == Entity::Account ? accountFields : contactFields).insert(target.field, text);
        }
        if (!invalid.isEmpty()) {
            skip(invalid);
            continue;
        }
        if (!contactFields.isEmpty() && !contactFields.contains(u"name"_s)) {
            skip(u"Line %1: the row has contact details but no contact name (column \"%2\" is empty)."_s.arg(row.line)
                     .arg(columnLabel(header, column[ContactName])));
            continue;
        }

        const QString key = foldKey(name);
        int accountIndex = accountByName.value(key, -1);
        if (accountIndex < 0) {
            AccountDraft draft;
            if (const int s = storedByName.value(key, -1); s >= 0) {
                const Record &record = stored->at(s);
                draft.id = record.id;
                draft.existing = true;
                draft.known = record.fields;
                auto contacts = store.list(Entity::Contact, ListQuery{record.id});
                if (!contacts)
                    return contacts.error();
                for (const Record &contact : std::as_const(*contacts)) {
                    draft.contacts << Draft{contact.id, true, contact.fields, {}};
                    draft.index(int(draft.contacts.size()) - 1);
                }
            } else {
                draft.id = newRecordId();
            }
            accountIndex = int(accounts.size());
            accounts << std::move(draft);
            accountByName.insert(key, accountIndex);
        }
        AccountDraft &account = accounts[accountIndex];
        account.fill(accountFields);
        if (contactFields.isEmpty())
            continue;
        int contactIndex = account.findContact(contactFields);
        if (contactIndex < 0) {
            Draft contact;
            contact.id = newRecordId();
            contact.fill(QJsonObject{{u"account_id"_s, account.id}});
            account.contacts << contact;
            contactIndex = int(account.contacts.size()) - 1;
        }
        account.contacts[contactIndex].fill(contactFields);
        account.index(contactIndex);
    }

    QList<Store::PutItem> items;
    for (const AccountDraft &account : std::as_const(accounts)) {
        if (account.existing)
            ++report.accountsReused;
        else
            ++report.accountsCreated;
        if (!account.changes.isEmpty())
            items << Store::PutItem{Entity::Account, account.id, account.changes};
        for (const Draft &contact : account.contacts) {
            if (!contact.existing)
                ++report.contactsCreated;
            if (!contact.changes.isEmpty())
                items << Store::PutItem{Entity::Contact, contact.id, contact.changes};
        }
    }
    if (!items.isEmpty()) {
        if (auto ids = store.putMany(items); !ids) {
            return makeError(ids.error().code,
                             u"Nothing was imported: %1"_s.arg(ids.error().message));
        }
    }
    return report;
}

} // namespace fieldnotes
