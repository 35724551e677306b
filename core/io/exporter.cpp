#include "io/exporter.h"

#include "store/store.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QSet>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

QString field(const Record &record, const QString &name)
{
    return record.fields.value(name).toString();
}

QString normaliseNewlines(QString text)
{
    text.replace(u"\r\n"_s, u"\n"_s);
    text.replace(u'\r', u'\n');
    return text;
}

// Newlines become spaces: the text stays on the one line it is written on.
QString oneLine(const QString &text)
{
    return normaliseNewlines(text).replace(u'\n', u' ').trimmed();
}

// A backslash before whatever would make this line a heading, quote, list item, fence, table, thematic break,
// setext underline or HTML block. CommonMark lets every ASCII punctuation character be escaped this way.
QString escapeLineStart(const QString &line)
{
    qsizetype lead = 0;
    while (lead < line.size() && (line.at(lead) == u' ' || line.at(lead) == u'\t'))
        ++lead;
    if (lead >= line.size())
        return line;
    static const QString markers = u"#>-+*=`~|<_"_s;
    if (markers.contains(line.at(lead)))
        return line.left(lead) + u'\\' + line.mid(lead);
    qsizetype digits = lead;
    while (digits < line.size() && digits - lead < 10 && line.at(digits).isDigit())
        ++digits;
    if (digits > lead && digits < line.size() && (line.at(digits) == u'.' || line.at(digits) == u')'))
        return line.left(digits) + u'\\' + line.mid(digits);
    return line;
}

// A paragraph of record text: each line escaped at its start; blank lines stay paragraph breaks.
QString paragraph(const QString &text)
{
    QStringList lines = normaliseNewlines(text.trimmed()).split(u'\n');
    for (QString &line : lines)
        line = escapeLineStart(line);
    return lines.join(u'\n');
}

QString quoteBlock(const QString &text)
{
    QStringList lines = normaliseNewlines(text.trimmed()).split(u'\n');
    for (QString &line : lines) {
        const QString escaped = escapeLineStart(line);
        line = escaped.trimmed().isEmpty() ? u">"_s : u"> "_s + escaped;
    }
    return lines.join(u'\n');
}

QString heading(int level, const QString &text)
{
    QString content = Exporter::markdownInline(text);
    // Trailing #s would be read as the heading's closing sequence.
    if (content.endsWith(u'#')) {
        qsizetype start = content.size();
        while (start > 0 && content.at(start - 1) == u'#')
            --start;
        content.insert(start, u'\\');
    }
    return QString(level, u'#') + u' ' + content;
}

QString capitalised(const QString &text)
{
    return text.isEmpty() ? text : text.left(1).toUpper() + text.mid(1);
}

QString yesNo(const QJsonValue &value)
{
    return value.toBool() ? u"yes"_s : u"no"_s;
}

QString horizonLabel(const QString &horizon)
{
    if (horizon == u"quarter"_s)
        return u"this quarter"_s;
    if (horizon == u"year"_s)
        return u"next year"_s;
    return horizon;
}

/** Appends "- Label: value" for fields that are set. */
class ItemList
{
public:
    void add(const QString &label, const QString &value)
    {
        if (!value.isEmpty())
            m_lines << u"- %1: %2"_s.arg(label, oneLine(value));
    }
    bool isEmpty() const { return m_lines.isEmpty(); }
    QString text() const { return m_lines.join(u'\n'); }

private:
    QStringList m_lines;
};

/** The whole store grouped for the Markdown document. */
class MarkdownWriter
{
public:
    MarkdownWriter(std::optional<Entity> only) : m_only(only) { }

    bool includes(Entity entity) const { return !m_only || *m_only == entity; }

    Result<void> load(Store &store)
    {
        for (const EntitySpec &spec : allEntities()) {
            auto records = store.list(spec.entity);
            if (!records)
                return records.error();
            m_records.insert(spec.entity, std::move(*records));
        }
        for (const Record &account : m_records.value(Entity::Account))
            m_accountIds.insert(account.id);
        for (const Record &contact : m_records.value(Entity::Contact))
            m_contactNames.insert(contact.id, oneLine(field(contact, u"name"_s)));
        for (const Record &tag : m_records.value(Entity::Tag))
            m_tagNames.insert(tag.id, oneLine(field(tag, u"name"_s)));
        for (Entity entity : {Entity::Contact, Entity::Conversation, Entity::Insight, Entity::Lead}) {
            for (const Record &record : m_records.value(entity)) {
                const QString accountId = field(record, u"account_id"_s);
                m_byAccount[m_accountIds.contains(accountId) ? accountId : QString()][entity] << record;
            }
        }
        return {};
    }

    QString write()
    {
        m_blocks << u"# Fieldnotes export"_s;
        for (const Record &account : m_records.value(Entity::Account)) {
            const auto &children = m_byAccount.value(account.id);
            if (!includes(Entity::Account) && !hasIncluded(children))
                continue;
            m_blocks << heading(2, field(account, u"name"_s));
            if (includes(Entity::Account)) {
                ItemList items;
                items.add(u"Domain"_s, field(account, u"domain"_s));
                items.add(u"Segment"_s, field(account, u"segment"_s));
                items.add(u"Owner"_s, field(account, u"owner_email"_s));
                if (!items.isEmpty())
                    m_blocks << items.text();
            }
            writeChildren(children);
        }
        if (const auto orphans = m_byAccount.value(QString()); hasIncluded(orphans)) {
            m_blocks << u"## Not tied to an account"_s;
            writeChildren(orphans);
        }
        if (includes(Entity::Tag) && !m_records.value(Entity::Tag).isEmpty()) {
            m_blocks << u"## Tags"_s;
            QStringList lines;
            for (const Record &tag : m_records.value(Entity::Tag)) {
                const QString color = field(tag, u"color"_s);
                lines << u"- "_s + Exporter::markdownInline(field(tag, u"name"_s))
                        + (color.isEmpty() ? QString() : u" (%1)"_s.arg(color));
            }
            m_blocks << lines.join(u'\n');
        }
        if (includes(Entity::Guide) && !m_records.value(Entity::Guide).isEmpty()) {
            m_blocks << u"## Interview guides"_s;
            for (const Record &guide : m_records.value(Entity::Guide)) {
                m_blocks << heading(3, field(guide, u"title"_s));
                QStringList lines;
                const QJsonArray questions = guide.fields.value(u"questions"_s).toArray();
                for (qsizetype i = 0; i < questions.size(); ++i)
                    lines << u"%1. %2"_s.arg(i + 1).arg(Exporter::markdownInline(questions.at(i).toString()));
                if (!lines.isEmpty())
                    m_blocks << lines.join(u'\n');
            }
        }
        if (m_blocks.size() == 1)
            m_blocks << u"No records."_s;
        return m_blocks.join(u"\n\n"_s) + u'\n';
    }

private:
    using Children = QMap<Entity, QList<Record>>;

    bool hasIncluded(const Children &children) const
    {
        for (auto it = children.begin(); it != children.end(); ++it) {
            if (includes(it.key()) && !it.value().isEmpty())
                return true;
        }
        return false;
    }

    void writeChildren(const Children &children)
    {
        if (const auto contacts = children.value(Entity::Contact); includes(Entity::Contact) && !contacts.isEmpty())
            writeContacts(contacts);
        if (const auto list = children.value(Entity::Conversation);
            includes(Entity::Conversation) && !list.isEmpty())
            writeConversations(list);
        if (const auto insights = children.value(Entity::Insight); includes(Entity::Insight) && !insights.isEmpty())
            writeInsights(insights);
        if (const auto leads = children.value(Entity::Lead); includes(Entity::Lead) && !leads.isEmpty())
            writeLeads(leads);
    }

    void writeContacts(const QList<Record> &contacts)
    {
        m_blocks << u"### Contacts"_s;
        QStringList lines;
        for (const Record &contact : contacts) {
            QStringList parts{Exporter::markdownInline(field(contact, u"name"_s))};
            for (const QString &name : {u"title"_s, u"email"_s, u"phone"_s}) {
                if (const QString value = oneLine(field(contact, name)); !value.isEmpty())
                    parts << value;
            }
            lines << u"- "_s + parts.join(u" — "_s);
        }
        m_blocks << lines.join(u'\n');
    }

    void writeConversations(const QList<Record> &conversations)
    {
        m_blocks << u"### Conversations"_s;
        for (const Record &conversation : conversations) {
            const QString title = field(conversation, u"title"_s);
            m_blocks << heading(4, title.trimmed().isEmpty() ? u"Untitled conversation"_s : title);
            ItemList items;
            items.add(u"Date"_s, field(conversation, u"occurred_at"_s));
            items.add(u"Channel"_s, field(conversation, u"channel"_s).replace(u'_', u' '));
            items.add(u"Contacts"_s, names(conversation.fields.value(u"contact_ids"_s), m_contactNames));
            if (conversation.fields.contains(u"consent"_s))
                items.add(u"Consent"_s, yesNo(conversation.fields.value(u"consent"_s)));
            items.add(u"Status"_s, field(conversation, u"status"_s));
            if (!items.isEmpty())
                m_blocks << items.text();
            if (const QString notes = field(conversation, u"notes"_s); !notes.trimmed().isEmpty())
                m_blocks << quoteBlock(notes);
        }
    }

    void writeInsights(const QList<Record> &insights)
    {
        m_blocks << u"### Insights"_s;
        for (const Record &insight : insights) {
            m_blocks << heading(4, capitalised(field(insight, u"kind"_s)));
            ItemList items;
            if (insight.fields.contains(u"importance"_s))
                items.add(u"Importance"_s, u"%1/5"_s.arg(insight.fields.value(u"importance"_s).toInt()));
            items.add(u"Published"_s, yesNo(insight.fields.value(u"published"_s)));
            items.add(u"Tags"_s, names(insight.fields.value(u"tags"_s), m_tagNames));
            m_blocks << items.text();
            if (const QString text = field(insight, u"text"_s); !text.trimmed().isEmpty())
                m_blocks << paragraph(text);
            if (const QString quote = field(insight, u"quote"_s); !quote.trimmed().isEmpty())
                m_blocks << quoteBlock(quote);
        }
    }

    void writeLeads(const QList<Record> &leads)
    {
        m_blocks << u"### Leads"_s;
        int number = 0;
        for (const Record &lead : leads) {
            m_blocks << u"#### Lead %1"_s.arg(++number);
            ItemList items;
            if (lead.fields.contains(u"priority"_s))
                items.add(u"Priority"_s, QString::number(lead.fields.value(u"priority"_s).toInt()));
            items.add(u"Horizon"_s, horizonLabel(field(lead, u"horizon"_s)));
            items.add(u"Status"_s, field(lead, u"status"_s));
            if (!items.isEmpty())
                m_blocks << items.text();
            if (const QString text = field(lead, u"recommendation"_s); !text.trimmed().isEmpty())
                m_blocks << paragraph(text);
            if (const QString outcome = field(lead, u"outcome"_s); !outcome.trimmed().isEmpty())
                m_blocks << u"Outcome:"_s << quoteBlock(outcome);
        }
    }

    static QString names(const QJsonValue &ids, const QHash<QString, QString> &known)
    {
        QStringList result;
        for (const QJsonValue &id : ids.toArray()) {
            if (const QString name = known.value(id.toString().toLower()); !name.isEmpty())
                result << name;
        }
        return result.join(u", "_s);
    }

    std::optional<Entity> m_only;
    QMap<Entity, QList<Record>> m_records;
    QSet<QString> m_accountIds;
    QHash<QString, QString> m_contactNames;
    QHash<QString, QString> m_tagNames;
    QHash<QString, Children> m_byAccount; ///< account id ("" for none or unknown) -> its records by entity
    QStringList m_blocks;
};

} // namespace

QString Exporter::csvCell(const QJsonValue &value)
{
    QString text;
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    case QJsonValue::Bool:
        text = value.toBool() ? u"true"_s : u"false"_s;
        break;
    case QJsonValue::Double: {
        const double number = value.toDouble();
        text = number == static_cast<double>(static_cast<qint64>(number)) ? QString::number(static_cast<qint64>(number))
                                                                            : QString::number(number, 'g', 17);
        break;
    }
    case QJsonValue::String:
        text = value.toString();
        break;
    case QJsonValue::Array:
        text = QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        break;
    case QJsonValue::Object:
        text = QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        break;
    }
    static const QString formulaStarts = u"=+-@\t\r"_s;
    if (!text.isEmpty() && formulaStarts.contains(text.at(0)))
        text.prepend(u'\'');
    if (text.contains(u',') || text.contains(u'"') || text.contains(u'\r') || text.contains(u'\n'))
        text = u'"' + text.replace(u'"', u"\"\""_s) + u'"';
    return text;
}

QString Exporter::markdownInline(const QString &text)
{
    return escapeLineStart(oneLine(text));
}

Result<QByteArray> Exporter::exportJson(Store &store, std::optional<Entity> only)
{
    QJsonObject records;
    for (const EntitySpec &spec : allEntities()) {
        if (only && *only != spec.entity)
            continue;
        auto list = store.list(spec.entity);
        if (!list)
            return list.error();
        QJsonArray array;
        for (const Record &record : std::as_const(*list))
            array.append(record.toJson());
        records.insert(spec.name, array);
    }
    const QJsonObject document{
        {u"format"_s, u"fieldnotes-export"_s},
        {u"version"_s, 1},
        {u"exported_at"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {u"records"_s, records},
    };
    return QJsonDocument(document).toJson(QJsonDocument::Indented);
}

Result<QByteArray> Exporter::exportCsv(Store &store, Entity entity)
{
    const EntitySpec &spec = entitySpec(entity);
    auto list = store.list(entity);
    if (!list)
        return list.error();
    QStringList header{u"id"_s};
    for (const FieldSpec &f : spec.fields)
        header << f.name;
    QString out = header.join(u',') + u"\r\n"_s;
    for (const Record &record : std::as_const(*list)) {
        QStringList cells{csvCell(record.id)};
        for (const FieldSpec &f : spec.fields)
            cells << csvCell(record.fields.value(f.name));
        out += cells.join(u',') + u"\r\n"_s;
    }
    return out.toUtf8();
}

Result<QByteArray> Exporter::exportMarkdown(Store &store, std::optional<Entity> only)
{
    MarkdownWriter writer(only);
    if (auto loaded = writer.load(store); !loaded)
        return loaded.error();
    return writer.write().toUtf8();
}

} // namespace fieldnotes
