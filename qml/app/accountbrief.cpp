#include "accountbrief.h"

#include "documentsfolder.h"

#include "io/exporter.h"
#include "store/store.h"
#include "textformat.h"

#include <QCoreApplication>
#include <QDir>
#include <QHash>
#include <QJsonArray>
#include <QPageSize>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTextDocument>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {

constexpr int kPage = 1000;

QString trBrief(const char *text)
{
    return QCoreApplication::translate("AccountBrief", text);
}

QString localTime(const QString &isoUtc)
{
    const QDateTime time = QDateTime::fromString(isoUtc, Qt::ISODateWithMs);
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s) : QString();
}

QString leadLine(const BriefContent::Lead &lead)
{
    QStringList labels;
    if (const QString priority = TextFormat::priorityLabel(lead.priority); !priority.isEmpty())
        labels << priority;
    if (const QString horizon = TextFormat::horizonLabel(lead.horizon); !horizon.isEmpty())
        labels << horizon;
    return labels.join(u" · "_s);
}

QString contactLine(const BriefContent::Contact &contact)
{
    QStringList parts;
    for (const QString &part : {contact.title, contact.email, contact.phone}) {
        if (!part.isEmpty())
            parts << part;
    }
    return parts.join(u" · "_s);
}

QString conversationLine(const BriefContent::Conversation &conversation)
{
    QStringList parts;
    if (const QString when = localTime(conversation.occurredAt); !when.isEmpty())
        parts << when;
    if (!conversation.channel.isEmpty())
        parts << TextFormat::channelLabel(conversation.channel);
    return parts.join(u" · "_s);
}

QString importanceText(int importance)
{
    return importance > 0 ? trBrief("importance %1/5").arg(importance) : QString();
}

QString subtitleOf(const BriefContent &brief)
{
    QStringList parts;
    for (const QString &part : {brief.domain, brief.segment}) {
        if (!part.isEmpty())
            parts << part;
    }
    if (!brief.ownerEmail.isEmpty())
        parts << trBrief("Sales owner: %1").arg(brief.ownerEmail);
    return parts.join(u" · "_s);
}

int insightTotal(const BriefContent &brief)
{
    int count = 0;
    for (const BriefContent::Group &group : brief.groups)
        count += int(group.insights.size());
    return count;
}

} // namespace

AccountBrief::AccountBrief(QObject *parent) : QObject(parent) { }

QString AccountBrief::groupTitle(const QString &kind)
{
    static const char *const titles[][2] = {
        {"need", QT_TRANSLATE_NOOP("AccountBrief", "Needs")},
        {"pain", QT_TRANSLATE_NOOP("AccountBrief", "Pains")},
        {"delight", QT_TRANSLATE_NOOP("AccountBrief", "What delights them")},
        {"value", QT_TRANSLATE_NOOP("AccountBrief", "What they value")},
        {"competitor", QT_TRANSLATE_NOOP("AccountBrief", "Competitors")},
        {"trend", QT_TRANSLATE_NOOP("AccountBrief", "Market direction")},
        {"request", QT_TRANSLATE_NOOP("AccountBrief", "Requests")},
    };
    for (const auto &title : titles) {
        if (kind == QLatin1StringView(title[0]))
            return tr(title[1]);
    }
    return TextFormat::kindLabel(kind);
}

Result<BriefContent> AccountBrief::build(Store &store, const QString &accountId, bool publishedOnly,
                                         const QDateTime &now)
{
    BriefContent brief;
    brief.accountId = accountId;
    brief.generatedAt = now;
    brief.publishedOnly = publishedOnly;
    if (accountId.isEmpty())
        return brief;
    auto account = store.get(Entity::Account, accountId);
    if (!account) {
        if (account.error().code == ErrorCode::NotFound)
            return brief;
        return account.error();
    }
    if (account->deleted)
        return brief;
    const auto field = [](const Record &record, const char16_t *name) {
        return record.fields.value(QStringView(name)).toString();
    };
    brief.name = field(*account, u"name");
    brief.domain = field(*account, u"domain");
    brief.segment = field(*account, u"segment");
    brief.ownerEmail = field(*account, u"owner_email");

    // Insights, newest change first: the quotes are the first ones with a quote; groups keep that order within an
    // importance.
    QHash<QString, QList<BriefContent::Insight>> byKind;
    Store::InsightFilter filter;
    filter.accountId = accountId;
    if (publishedOnly)
        filter.published = true;
    filter.limit = kPage;
    for (filter.offset = 0;; filter.offset += kPage) {
        auto page = store.insightSummaries(filter);
        if (!page)
            return page.error();
        for (const Store::InsightSummary &row : std::as_const(*page)) {
            const BriefContent::Insight insight{row.id, row.kind, row.text, row.quote, row.importance, row.published};
            if (!row.quote.trimmed().isEmpty() && brief.quotes.size() < kMaxQuotes)
                brief.quotes << insight;
            byKind[row.kind] << insight;
        }
        if (page->size() < kPage)
            break;
    }
    QStringList kinds = TextFormat::insightKinds();
    for (auto it = byKind.cbegin(); it != byKind.cend(); ++it) {
        if (!kinds.contains(it.key()))
            kinds << it.key(); // a kind a newer version knows: still shown, after ours
    }
    for (const QString &kind : std::as_const(kinds)) {
        QList<BriefContent::Insight> insights = byKind.value(kind);
        if (insights.isEmpty())
            continue;
        std::stable_sort(insights.begin(), insights.end(), [](const auto &a, const auto &b) {
            return a.importance > b.importance;
        });
        brief.groups << BriefContent::Group{kind, groupTitle(kind), insights};
    }

    Store::LeadFilter leads;
    leads.accountId = accountId;
    leads.status = u"open"_s;
    leads.limit = kPage;
    auto openLeads = store.leadSummaries(leads);
    if (!openLeads)
        return openLeads.error();
    for (const Store::LeadSummary &lead : std::as_const(*openLeads))
        brief.openLeads << BriefContent::Lead{lead.id, lead.recommendation, lead.priority, lead.horizon};

    ListQuery ofAccount;
    ofAccount.accountId = accountId;
    auto contacts = store.list(Entity::Contact, ofAccount);
    if (!contacts)
        return contacts.error();
    for (const Record &contact : std::as_const(*contacts)) {
        brief.contacts << BriefContent::Contact{field(contact, u"name"), field(contact, u"title"),
                                                field(contact, u"email"), field(contact, u"phone")};
    }

    // A summary row only: the notes are never read for the brief. Conversations are marketing's: what sales sees has
    // none, even where this device's store holds some (its user became a sales rep, or a marketer previews).
    if (publishedOnly)
        return brief;
    Store::ConversationFilter last;
    last.accountId = accountId;
    last.limit = 1;
    auto conversations = store.conversationSummaries(last);
    if (!conversations)
        return conversations.error();
    if (!conversations->isEmpty()) {
        const Store::ConversationSummary &c = conversations->constFirst();
        brief.lastConversation = BriefContent::Conversation{c.id, c.title, c.occurredAt, c.channel};
    }
    return brief;
}

QString AccountBrief::toMarkdown(const BriefContent &brief)
{
    const auto inline_ = [](const QString &text) { return Exporter::markdownInline(text); };
    QStringList out;
    out << u"# "_s + inline_(tr("%1: account brief").arg(brief.name)) << QString();
    if (const QString subtitle = subtitleOf(brief); !subtitle.isEmpty())
        out << inline_(subtitle) << QString();
    out << u"_"_s
            + inline_(brief.publishedOnly ? tr("Prepared %1 with Fieldnotes; published insights only.")
                                          : tr("Prepared %1 with Fieldnotes."))
                  .arg(brief.generatedAt.toString(u"yyyy-MM-dd HH:mm"_s))
            + u"_"_s
        << QString();

    out << u"## "_s + tr("Open leads") << QString();
    if (brief.openLeads.isEmpty())
        out << tr("No open leads.");
    for (const BriefContent::Lead &lead : brief.openLeads) {
        const QString labels = leadLine(lead);
        out << u"- "_s + (labels.isEmpty() ? QString() : u"**"_s + labels + u":** "_s)
                + inline_(lead.recommendation);
    }
    out << QString();

    out << u"## "_s + tr("Insights") << QString();
    if (brief.groups.isEmpty())
        out << tr("No insights yet.") << QString();
    for (const BriefContent::Group &group : brief.groups) {
        out << u"### "_s + inline_(group.title) << QString();
        for (const BriefContent::Insight &insight : group.insights) {
            QStringList notes;
            if (const QString importance = importanceText(insight.importance); !importance.isEmpty())
                notes << importance;
            if (!brief.publishedOnly && !insight.published)
                notes << tr("not published to sales");
            out << u"- "_s + inline_(insight.text)
                    + (notes.isEmpty() ? QString() : u" _("_s + notes.join(u", "_s) + u")_"_s);
        }
        out << QString();
    }

    if (!brief.quotes.isEmpty()) {
        out << u"## "_s + tr("Latest quotes") << QString();
        for (const BriefContent::Insight &quote : brief.quotes) {
            out << u"> \u201C"_s + Exporter::markdownInline(quote.quote).trimmed() + u"\u201D"_s << u">"_s
                << u"> \u2014 "_s + TextFormat::kindLabel(quote.kind) << QString();
        }
    }

    out << u"## "_s + tr("Contacts") << QString();
    if (brief.contacts.isEmpty())
        out << tr("No contacts yet.");
    for (const BriefContent::Contact &contact : brief.contacts) {
        const QString details = contactLine(contact);
        out << u"- **"_s + inline_(contact.name) + u"**"_s + (details.isEmpty() ? QString() : u", "_s + inline_(details));
    }
    out << QString();

    if (brief.lastConversation) {
        const BriefContent::Conversation &c = *brief.lastConversation;
        out << u"## "_s + tr("Last conversation") << QString();
        const QString title = c.title.isEmpty() ? tr("Untitled conversation") : c.title;
        const QString details = conversationLine(c);
        out << inline_(title) + (details.isEmpty() ? QString() : u" \u2014 "_s + inline_(details)) << QString();
    }
    return out.join(u'\n');
}

QString AccountBrief::toHtml(const BriefContent &brief)
{
    const auto e = [](const QString &text) { return text.toHtmlEscaped(); };
    QString html = u"<html><head><meta charset=\"utf-8\"><title>%1</title><style>"
                   u"body { font-family: sans-serif; font-size: 10pt; } h1 { font-size: 18pt; } "
                   u"h2 { font-size: 13pt; margin-top: 14pt; } h3 { font-size: 11pt; margin-top: 8pt; } "
                   u".muted { color: #5f6368; } blockquote { font-style: italic; }"
                   u"</style></head><body>"_s.arg(e(tr("%1: account brief").arg(brief.name)));
    html += u"<h1>%1</h1>"_s.arg(e(tr("%1: account brief").arg(brief.name)));
    if (const QString subtitle = subtitleOf(brief); !subtitle.isEmpty())
        html += u"<p>%1</p>"_s.arg(e(subtitle));
    html += u"<p class=\"muted\"><i>%1</i></p>"_s.arg(
        e((brief.publishedOnly ? tr("Prepared %1 with Fieldnotes; published insights only.")
                               : tr("Prepared %1 with Fieldnotes."))
              .arg(brief.generatedAt.toString(u"yyyy-MM-dd HH:mm"_s))));

    html += u"<h2>%1</h2>"_s.arg(e(tr("Open leads")));
    if (brief.openLeads.isEmpty()) {
        html += u"<p>%1</p>"_s.arg(e(tr("No open leads.")));
    } else {
        html += u"<ul>"_s;
        for (const BriefContent::Lead &lead : brief.openLeads) {
            const QString labels = leadLine(lead);
            html += u"<li>"_s + (labels.isEmpty() ? QString() : u"<b>%1:</b> "_s.arg(e(labels)))
                    + e(lead.recommendation) + u"</li>"_s;
        }
        html += u"</ul>"_s;
    }

    html += u"<h2>%1</h2>"_s.arg(e(tr("Insights")));
    if (brief.groups.isEmpty())
        html += u"<p>%1</p>"_s.arg(e(tr("No insights yet.")));
    for (const BriefContent::Group &group : brief.groups) {
        html += u"<h3>%1</h3><ul>"_s.arg(e(group.title));
        for (const BriefContent::Insight &insight : group.insights) {
            QStringList notes;
            if (const QString importance = importanceText(insight.importance); !importance.isEmpty())
                notes << importance;
            if (!brief.publishedOnly && !insight.published)
                notes << tr("not published to sales");
            html += u"<li>"_s + e(insight.text)
                    + (notes.isEmpty() ? QString() : u" <span class=\"muted\">(%1)</span>"_s.arg(e(notes.join(u", "_s))))
                    + u"</li>"_s;
        }
        html += u"</ul>"_s;
    }

    if (!brief.quotes.isEmpty()) {
        html += u"<h2>%1</h2>"_s.arg(e(tr("Latest quotes")));
        for (const BriefContent::Insight &quote : brief.quotes) {
            html += u"<blockquote>\u201C%1\u201D<br/><span class=\"muted\">\u2014 %2</span></blockquote>"_s.arg(
                e(quote.quote.trimmed()), e(TextFormat::kindLabel(quote.kind)));
        }
    }

    html += u"<h2>%1</h2>"_s.arg(e(tr("Contacts")));
    if (brief.contacts.isEmpty()) {
        html += u"<p>%1</p>"_s.arg(e(tr("No contacts yet.")));
    } else {
        html += u"<ul>"_s;
        for (const BriefContent::Contact &contact : brief.contacts) {
            const QString details = contactLine(contact);
            html += u"<li><b>%1</b>%2</li>"_s.arg(e(contact.name),
                                                   details.isEmpty() ? QString() : u", "_s + e(details));
        }
        html += u"</ul>"_s;
    }

    if (brief.lastConversation) {
        const BriefContent::Conversation &c = *brief.lastConversation;
        const QString details = conversationLine(c);
        html += u"<h2>%1</h2><p>%2%3</p>"_s.arg(e(tr("Last conversation")),
                                                e(c.title.isEmpty() ? tr("Untitled conversation") : c.title),
                                                details.isEmpty() ? QString() : u" \u2014 "_s + e(details));
    }
    html += u"</body></html>"_s;
    return html;
}

Result<void> AccountBrief::writeMarkdown(const BriefContent &brief, const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{ErrorCode::Io, tr("Nothing was saved: cannot write %1 (%2).").arg(path, file.errorString())};
    file.write(toMarkdown(brief).toUtf8());
    if (!file.commit())
        return Error{ErrorCode::Io, tr("Nothing was saved: cannot write %1 (%2).").arg(path, file.errorString())};
    return {};
}

Result<void> AccountBrief::writePdf(const BriefContent &brief, const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{ErrorCode::Io, tr("Nothing was saved: cannot write %1 (%2).").arg(path, file.errorString())};
    {
        QPdfWriter writer(&file);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(18, 18, 18, 18), QPageLayout::Millimeter);
        writer.setResolution(300);
        writer.setTitle(tr("%1: account brief").arg(brief.name));
        writer.setCreator(u"Fieldnotes"_s);
        QTextDocument document;
        document.setHtml(toHtml(brief));
        document.print(&writer);
    }
    if (file.size() == 0 || !file.commit())
        return Error{ErrorCode::Io, tr("Nothing was saved: cannot write %1 (%2).").arg(path, file.errorString())};
    return {};
}

void AccountBrief::setSession(Session *session)
{
    if (session == m_session)
        return;
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (m_session) {
        connect(m_session, &Session::storeOpened, this, &AccountBrief::reload);
        connect(m_session, &Session::storeClosed, this, &AccountBrief::reload);
        connect(m_session, &Session::recordsChanged, this, [this](const QString &entity) {
            if (entity != u"tag"_s && entity != u"guide"_s)
                reload();
        });
    }
    reload();
    emit sessionChanged();
}

void AccountBrief::setAccountId(const QString &id)
{
    if (id == m_accountId)
        return;
    m_accountId = id;
    reload();
    emit accountIdChanged();
}

void AccountBrief::setPublishedOnly(bool publishedOnly)
{
    if (publishedOnly == m_publishedOnly)
        return;
    m_publishedOnly = publishedOnly;
    reload();
    emit publishedOnlyChanged();
}

void AccountBrief::reload()
{
    Store *store = m_session ? m_session->store() : nullptr;
    BriefContent content;
    content.accountId = m_accountId;
    content.publishedOnly = m_publishedOnly;
    if (store) {
        auto built = build(*store, m_accountId, m_publishedOnly);
        if (!built) {
            setError(built.error().message);
        } else {
            content = std::move(*built);
            setError(QString());
        }
    }
    // Locked: nothing of the data stays in memory.
    m_content = std::move(content);
    emit contentChanged();
}

QString AccountBrief::subtitle() const
{
    return subtitleOf(m_content);
}

QVariantList AccountBrief::groups() const
{
    QVariantList groups;
    for (const BriefContent::Group &group : m_content.groups) {
        QVariantList insights;
        for (const BriefContent::Insight &insight : group.insights) {
            insights << QVariantMap{{u"insightId"_s, insight.id},
                                    {u"text"_s, insight.text},
                                    {u"quote"_s, insight.quote},
                                    {u"importance"_s, insight.importance},
                                    {u"published"_s, insight.published}};
        }
        groups << QVariantMap{{u"kind"_s, group.kind}, {u"title"_s, group.title}, {u"insights"_s, insights}};
    }
    return groups;
}

QVariantList AccountBrief::quotes() const
{
    QVariantList quotes;
    for (const BriefContent::Insight &quote : m_content.quotes) {
        quotes << QVariantMap{{u"insightId"_s, quote.id},
                              {u"quote"_s, quote.quote.trimmed()},
                              {u"kindLabel"_s, TextFormat::kindLabel(quote.kind)}};
    }
    return quotes;
}

QVariantList AccountBrief::openLeads() const
{
    QVariantList leads;
    for (const BriefContent::Lead &lead : m_content.openLeads) {
        leads << QVariantMap{{u"leadId"_s, lead.id},
                             {u"recommendation"_s, lead.recommendation},
                             {u"priority"_s, lead.priority},
                             {u"priorityLabel"_s, TextFormat::priorityLabel(lead.priority)},
                             {u"horizonLabel"_s, TextFormat::horizonLabel(lead.horizon)},
                             {u"labels"_s, leadLine(lead)}};
    }
    return leads;
}

QVariantList AccountBrief::contacts() const
{
    QVariantList contacts;
    for (const BriefContent::Contact &contact : m_content.contacts) {
        contacts << QVariantMap{{u"name"_s, contact.name},
                                {u"title"_s, contact.title},
                                {u"email"_s, contact.email},
                                {u"phone"_s, contact.phone},
                                {u"details"_s, contactLine(contact)}};
    }
    return contacts;
}

QVariantMap AccountBrief::lastConversation() const
{
    if (!m_content.lastConversation)
        return {};
    const BriefContent::Conversation &c = *m_content.lastConversation;
    return {{u"conversationId"_s, c.id},
            {u"title"_s, c.title.isEmpty() ? tr("Untitled conversation") : c.title},
            {u"when"_s, TextFormat::dateText(c.occurredAt)},
            {u"channelLabel"_s, TextFormat::channelLabel(c.channel)}};
}

int AccountBrief::insightCount() const
{
    return insightTotal(m_content);
}

QString AccountBrief::suggestedFileName(const QString &extension) const
{
    QString base = tr("%1 brief").arg(m_content.name.isEmpty() ? tr("Account") : m_content.name);
    static const QRegularExpression unsafe(u"[\\\\/:*?\"<>|\\x00-\\x1f]"_s);
    base.replace(unsafe, u"_"_s);
    return base.trimmed().left(120) + u'.' + extension;
}

QUrl AccountBrief::suggestedFileUrl(const QString &extension) const
{
    return QUrl::fromLocalFile(QDir(documentsFolder()).filePath(suggestedFileName(extension)));
}

QString AccountBrief::displayPath(const QUrl &file)
{
    return QDir::toNativeSeparators(file.isLocalFile() ? file.toLocalFile() : file.toString());
}

bool AccountBrief::exportMarkdown(const QUrl &file)
{
    return exportTo(file, &AccountBrief::writeMarkdown);
}

bool AccountBrief::exportPdf(const QUrl &file)
{
    return exportTo(file, &AccountBrief::writePdf);
}

bool AccountBrief::exportTo(const QUrl &file, Result<void> (*write)(const BriefContent &, const QString &))
{
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.scheme().isEmpty() ? file.path() : QString();
    if (path.isEmpty()) {
        setError(tr("Choose a file on this device."));
        return false;
    }
    if (!found()) {
        setError(tr("There is no account to export."));
        return false;
    }
    if (auto written = write(m_content, path); !written) {
        setError(written.error().message);
        return false;
    }
    setError(QString());
    return true;
}

void AccountBrief::setError(const QString &message)
{
    if (message == m_error)
        return;
    m_error = message;
    emit errorMessageChanged();
}

} // namespace fieldnotes::app
