#include "protocol/protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>
#include <QUuid>

#include <array>
#include <cmath>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::protocol;

namespace {

const QString kId = u"6f1c2d3e-0000-4000-8000-000000000001"_s;
const QString kRecord = u"6f1c2d3e-0000-4000-8000-0000000000aa"_s;
const QString kHlc = u"1732780800000-0000-dev1"_s;
const QString kHlc2 = u"1732780800001-0003-dev2"_s;

QJsonObject validMutation()
{
    return QJsonObject {
        {u"id"_s, kId},
        {u"entity"_s, u"insight"_s},
        {u"record_id"_s, kRecord},
        {u"op"_s, u"upsert"_s},
        {u"hlc"_s, kHlc},
        {u"fields"_s, QJsonObject {{u"kind"_s, u"need"_s}, {u"text"_s, u"Wants offline"_s}, {u"importance"_s, 4}}},
        {u"base"_s, QJsonObject {{u"text"_s, kHlc2}, {u"kind"_s, QJsonValue::Null}}},
    };
}

QByteArray body(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray pushOf(const QJsonObject &mutation)
{
    return body(QJsonObject {{u"mutations"_s, QJsonArray {mutation}}});
}

QJsonObject with(QJsonObject object, const QString &key, const QJsonValue &value)
{
    if (value.isUndefined())
        object.remove(key);
    else
        object.insert(key, value);
    return object;
}

QJsonObject withField(const QString &field, const QJsonValue &value)
{
    QJsonObject m = validMutation();
    QJsonObject fields = m.value(u"fields"_s).toObject();
    fields.insert(field, value);
    m.insert(u"fields"_s, fields);
    m.remove(u"base"_s);
    return m;
}

QJsonObject validChange()
{
    return QJsonObject {
        {u"entity"_s, u"tag"_s},
        {u"record_id"_s, kRecord},
        {u"deleted"_s, false},
        {u"fields"_s, QJsonObject {{u"name"_s, u"pricing"_s}, {u"color"_s, u"#1E88E5"_s}}},
        {u"field_hlcs"_s, QJsonObject {{u"name"_s, kHlc}, {u"color"_s, kHlc}}},
        {u"hlc"_s, kHlc},
        {u"conflicts"_s,
            QJsonArray {QJsonObject {
                {u"field"_s, u"name"_s}, {u"value"_s, u"prices"_s}, {u"hlc"_s, kHlc2}, {u"device_id"_s, u"dev2"_s}}}},
    };
}

QByteArray pageOf(const QJsonObject &change)
{
    return body(QJsonObject {{u"changes"_s, QJsonArray {change}}, {u"cursor"_s, u"abc"_s}, {u"has_more"_s, false}});
}

QByteArray nested(int depth)
{
    return "{\"mutations\":" + QByteArray(depth, '[') + "1" + QByteArray(depth, ']') + "}";
}

// Random text for the push body tests: what JSON must escape (quotes, backslashes, every control character), what it
// writes as UTF-8 (Latin-1, CJK, right-to-left, combining marks, U+2028, U+FEFF, U+FFFF, pairs for emoji) and, with
// `loneSurrogates`, what UTF-8 cannot hold (QJsonDocument writes those as \udxxx).
QString randomText(QRandomGenerator &random, int maxLength, bool loneSurrogates)
{
    static const QList<char16_t> specials {u'"', u'\\', u'/', 0x7f, 0x80, 0xa0, 0xe9, 0x5d0, 0x627, 0x301, 0x2028,
                                           0x2029, 0x4e2d, 0xfeff, 0xfffd, 0xffff};
    QString text;
    if (random.bounded(8) == 0)
        text += QChar(char16_t(0xfeff)); // which Qt's parser drops at the start of a string
    const int length = int(random.bounded(quint32(maxLength + 1)));
    while (text.size() < length) {
        switch (random.bounded(8)) {
        case 0:
            text += QChar(char16_t(random.bounded(0x20))); // a control character
            break;
        case 1:
            text += QChar(specials.at(random.bounded(quint32(specials.size()))));
            break;
        case 2:
            text += QString::fromUcs4(std::array<char32_t, 1> {char32_t(0x1f600 + random.bounded(80))}.data(), 1);
            break;
        case 3:
            if (loneSurrogates) {
                text += QChar(char16_t(random.bounded(2) ? 0xd83d : 0xde00)); // a high or a low one alone
                break;
            }
            [[fallthrough]];
        default:
            text += QChar(char16_t(0x20 + random.bounded(0x5f))); // printable ASCII
        }
    }
    return text;
}

// A member name: any ASCII, control characters, quotes and backslashes included. (Names beyond ASCII are out of
// scope: QJsonDocument's parser orders them by UTF-8, QJsonObject::insert by UTF-16, so such text does not read back
// in the order it was written. The outbox's names are field names.)
QString randomKey(QRandomGenerator &random)
{
    QString key;
    for (int i = 1 + int(random.bounded(8)); i > 0; --i)
        key += QChar(char16_t(random.bounded(4) == 0 ? random.bounded(0x20) : 0x20 + random.bounded(0x60)));
    return key;
}

QJsonValue randomValue(QRandomGenerator &random, int depth)
{
    static const QList<double> numbers {0, -0.0, 1, -1, 5, 3.25, -1e-7, 1e20, 1.7976931348623157e308, 5e-324,
                                        9007199254740993.0, 0.1, 123456789012.0, std::nan(""), INFINITY};
    switch (random.bounded(depth > 0 ? 8 : 6)) {
    case 0:
        return QJsonValue::Null;
    case 1:
        return random.bounded(2) == 1;
    case 2:
        return numbers.at(random.bounded(quint32(numbers.size())));
    case 3:
        return qint64(random.bounded(2000)) - 1000;
    case 4:
    case 5:
        return randomText(random, 40, true);
    case 6: {
        QJsonArray array;
        for (int i = int(random.bounded(4)); i > 0; --i)
            array.append(randomValue(random, depth - 1));
        return array;
    }
    default: {
        QJsonObject object;
        for (int i = int(random.bounded(4)); i > 0; --i)
            object.insert(randomKey(random), randomValue(random, depth - 1));
        return object;
    }
    }
}

QByteArray compactObject(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}


// A value `spec` admits, as a client writes it: text with what JSON escapes and what UTF-8 carries (emoji, U+2028,
// U+FEFF inside), ids in lowercase. With `odd`, a value that needs care: text starting with U+FEFF (which Qt's parser
// drops), an id in uppercase (stored lowercased: the plain reader leaves such a body to Qt's path).
QJsonValue validValue(QRandomGenerator &random, const FieldSpec &spec, bool odd)
{
    const auto text = [&](int maxLength) {
        QString t = randomText(random, maxLength, false);
        for (QChar &c : t) {
            if (c.unicode() < 0x20 && c != u'\t' && c != u'\n' && c != u'\r')
                c = u'?';
            if (c.unicode() == 0x7f || c.unicode() == 0xfeff)
                c = u'!';
        }
        if (odd)
            t.prepend(QChar(char16_t(0xfeff)));
        return t;
    };
    const auto uuid = [&] {
        const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        return odd ? id.toUpper() : id;
    };
    if (random.bounded(10) == 0 && !spec.requiredOnCreate)
        return QJsonValue::Null;
    switch (spec.type) {
    case FieldType::Text: {
        const QString t = text(60).left(spec.maxLength > 0 ? spec.maxLength : 60);
        return t.trimmed().isEmpty() && spec.requiredOnCreate ? u"x"_s : t;
    }
    case FieldType::Uuid:
        return uuid();
    case FieldType::UuidList: {
        QJsonArray ids;
        for (int i = int(random.bounded(3)); i > 0; --i)
            ids.append(uuid());
        return ids;
    }
    case FieldType::TextList: {
        QJsonArray items;
        for (int i = int(random.bounded(3)); i > 0; --i)
            items.append(text(20));
        return items;
    }
    case FieldType::Choice:
        return spec.choices.at(random.bounded(quint32(spec.choices.size())));
    case FieldType::Integer:
        return spec.minimum + int(random.bounded(quint32(spec.maximum - spec.minimum + 1)));
    case FieldType::Boolean:
        return random.bounded(2) == 1;
    case FieldType::Timestamp:
        return u"2026-11-28T09:30:%1Z"_s.arg(random.bounded(60), 2, 10, QChar(u'0'));
    case FieldType::Email:
        return u"ana%1@example.com"_s.arg(random.bounded(100));
    case FieldType::Color:
        return u"#1E88E5"_s;
    }
    return QJsonValue::Null;
}

// A push body as a client writes it (PushBodyWriter), of valid mutations; `odd` is set if one of them holds a value
// that needs care (see validValue).
QByteArray clientPushBody(QRandomGenerator &random, int count, bool *odd)
{
    const QList<Entity> entities {Entity::Account, Entity::Contact, Entity::Conversation, Entity::Insight,
                                  Entity::Tag, Entity::Lead, Entity::Guide};
    PushBodyWriter writer;
    *odd = false;
    for (int i = 0; i < count; ++i) {
        const Entity entity = entities.at(random.bounded(quint32(entities.size())));
        const Op op = random.bounded(6) == 0 ? Op::Delete : Op::Upsert;
        QJsonObject fields;
        QJsonObject base;
        for (const FieldSpec &spec : entitySpec(entity).fields) {
            if (op == Op::Delete || random.bounded(3) == 0)
                continue;
            const bool oddValue = random.bounded(150) == 0;
            *odd = *odd || oddValue;
            fields.insert(spec.name, validValue(random, spec, oddValue));
            if (random.bounded(4) == 0) {
                const bool none = random.bounded(3) == 0;
                base.insert(spec.name, none ? QJsonValue(QJsonValue::Null)
                                            : QJsonValue(Hlc {1732780800000 + random.bounded(1000), 3, u"dev9"_s}.toString()));
            }
        }
        const Hlc hlc {1732780800000 + qint64(random.bounded(100000)), int(random.bounded(10000)), u"dev1"_s};
        writer.append(QUuid::createUuid().toByteArray(QUuid::WithoutBraces), entity,
                      QUuid::createUuid().toByteArray(QUuid::WithoutBraces), op, hlc.toString().toUtf8(),
                      op == Op::Upsert ? compactObject(fields) : QByteArray(),
                      op == Op::Upsert ? compactObject(base) : QByteArray());
    }
    const QByteArray body = writer.take();
    return random.bounded(2) == 0 ? body : PushBodyWriter::withCursor(body, u"c%1"_s.arg(random.bounded(1000)));
}

// Whatever the plain reader reads, Qt's path reads the same (`what` names the body in a failure).
void checkPlainReadsAsQt(const QByteArray &body, const QString &what, bool *readPlainly = nullptr)
{
    const auto plain = detail::readPlainPushRequest(body);
    if (readPlainly)
        *readPlainly = plain.has_value();
    if (!plain)
        return;
    const auto qt = detail::readPushRequestWithQt(body);
    if (!qt.ok())
        QFAIL(qPrintable(what + u": Qt refuses: "_s + qt.error().message));
    QVERIFY2(qt->cursor == plain->cursor, qPrintable(what));
    QVERIFY2(qt->mutations.size() == plain->mutations.size(), qPrintable(what));
    for (qsizetype i = 0; i < qt->mutations.size(); ++i)
        QVERIFY2(qt->mutations.at(i) == plain->mutations.at(i), qPrintable(what + u": mutation %1"_s.arg(i)));
}
} // namespace

/** Tests the wire types' strict decoding and exact encoding (SYNC-API.md). */
class TestProtocol : public QObject
{
    Q_OBJECT

private slots:
    void decodesValidMutation()
    {
        auto request = decodePushRequest(pushOf(validMutation()));
        QVERIFY2(request.ok(), qPrintable(request.ok() ? QString() : request.error().message));
        QCOMPARE(request->mutations.size(), 1);
        const Mutation &m = request->mutations.first();
        QCOMPARE(m.id, kId);
        QCOMPARE(m.entity, Entity::Insight);
        QCOMPARE(m.recordId, kRecord);
        QCOMPARE(m.op, Op::Upsert);
        QCOMPARE(m.hlc.toString(), kHlc);
        QCOMPARE(m.fields.value(u"importance"_s).toInt(), 4);
        QCOMPARE(m.base.size(), 2);
        QCOMPARE(m.base.value(u"text"_s)->toString(), kHlc2);
        QVERIFY(m.base.contains(u"kind"_s) && !m.base.value(u"kind"_s).has_value());
    }

    void requiredOnCreateIsTheServersJob()
    {
        // Only the changed fields travel: an insight update without the required kind and text is valid here.
        QJsonObject only = with(
            with(validMutation(), u"fields"_s, QJsonObject {{u"quote"_s, u"q"_s}}), u"base"_s, QJsonValue::Undefined);
        QVERIFY(decodeMutation(only).ok());
        // base may only name fields the mutation changes.
        QVERIFY(!decodeMutation(with(validMutation(), u"fields"_s, QJsonObject {{u"quote"_s, u"q"_s}})).ok());
    }

    void decodesDelete()
    {
        QJsonObject m = with(with(validMutation(), u"op"_s, u"delete"_s), u"fields"_s, QJsonValue::Undefined);
        m.remove(u"base"_s);
        auto decoded = decodeMutation(m);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->op, Op::Delete);
        QVERIFY(decoded->fields.isEmpty());
        QCOMPARE(toJson(*decoded), m);
    }

    void normalisesIdsToLowercase()
    {
        QJsonObject m = with(validMutation(), u"record_id"_s, kRecord.toUpper());
        m = with(m, u"id"_s, kId.toUpper());
        m.remove(u"base"_s);
        QJsonObject fields = m.value(u"fields"_s).toObject();
        fields.insert(u"account_id"_s, kRecord.toUpper());
        fields.insert(u"tags"_s, QJsonArray {kId.toUpper()});
        m.insert(u"fields"_s, fields);
        auto decoded = decodeMutation(m);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->recordId, kRecord);
        QCOMPARE(decoded->id, kId);
        QCOMPARE(decoded->fields.value(u"account_id"_s).toString(), kRecord);
        QCOMPARE(decoded->fields.value(u"tags"_s).toArray().first().toString(), kId);
    }

    void everyEntityDecodes()
    {
        const QList<QPair<QString, QJsonObject>> samples {
            {u"account"_s, {{u"name"_s, u"Acme"_s}, {u"owner_email"_s, u"a@b.io"_s}}},
            {u"contact"_s, {{u"name"_s, u"Ana"_s}, {u"account_id"_s, kRecord}}},
            {u"conversation"_s, {{u"occurred_at"_s, u"2026-11-28T09:30:00Z"_s}, {u"consent"_s, true}}},
            {u"insight"_s, {{u"kind"_s, u"pain"_s}, {u"text"_s, u"t"_s}, {u"published"_s, true}}},
            {u"tag"_s, {{u"name"_s, u"x"_s}}},
            {u"lead"_s, {{u"account_id"_s, kRecord}, {u"recommendation"_s, u"r"_s}, {u"priority"_s, 3}}},
            {u"guide"_s, {{u"title"_s, u"g"_s}, {u"questions"_s, QJsonArray {u"q?"_s}}}},
        };
        for (const auto &[entity, fields] : samples) {
            QJsonObject m = with(with(validMutation(), u"entity"_s, entity), u"fields"_s, fields);
            m.remove(u"base"_s);
            auto decoded = decodeMutation(m);
            QVERIFY2(decoded.ok(), qPrintable(entity));
            QCOMPARE(toJson(*decoded), m);
        }
    }

    void rejectsInvalidPush_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("expected");

        const QJsonObject m = validMutation();
        QTest::newRow("not json") << QByteArray("{\"mutations\": [") << u"malformed JSON"_s;
        QTest::newRow("empty") << QByteArray() << u"malformed JSON"_s;
        QTest::newRow("array root") << QByteArray("[]") << u"must be a JSON object"_s;
        QTest::newRow("unknown top key") << body({{u"mutations"_s, QJsonArray {}}, {u"extra"_s, 1}})
                                         << u"body.extra: unknown key"_s;
        QTest::newRow("no mutations") << QByteArray("{}") << u"mutations: is required"_s;
        QTest::newRow("mutations not array") << QByteArray("{\"mutations\":{}}") << u"mutations: must be an array"_s;
        QTest::newRow("mutation not object")
            << QByteArray("{\"mutations\":[3]}") << u"mutations[0]: must be an object"_s;
        QTest::newRow("unknown mutation key") << pushOf(with(m, u"color"_s, 1)) << u"mutations[0].color: unknown key"_s;
        QTest::newRow("odd unknown key") << pushOf(with(m, u"a b\n"_s, 1)) << u"mutations[0]: unknown key"_s;
        QTest::newRow("id missing") << pushOf(with(m, u"id"_s, QJsonValue::Undefined))
                                    << u"mutations[0].id: is required"_s;
        QTest::newRow("id not uuid") << pushOf(with(m, u"id"_s, u"1234"_s)) << u"mutations[0].id: must be a UUID"_s;
        QTest::newRow("id number") << pushOf(with(m, u"id"_s, 5)) << u"mutations[0].id: must be a string"_s;
        QTest::newRow("entity unknown") << pushOf(with(m, u"entity"_s, u"user"_s))
                                        << u"mutations[0].entity: must be one of"_s;
        QTest::newRow("entity case") << pushOf(with(m, u"entity"_s, u"Insight"_s)) << u"mutations[0].entity"_s;
        QTest::newRow("record_id bad") << pushOf(with(m, u"record_id"_s, u"{6f1c2d3e-0000-4000-8000-0000000000aa}"_s))
                                       << u"mutations[0].record_id: must be"_s;
        QTest::newRow("op bad") << pushOf(with(m, u"op"_s, u"insert"_s))
                                << u"mutations[0].op: must be upsert or delete"_s;
        QTest::newRow("op missing") << pushOf(with(m, u"op"_s, QJsonValue::Undefined))
                                    << u"mutations[0].op: is required"_s;
        QTest::newRow("hlc garbage") << pushOf(with(m, u"hlc"_s, u"yesterday"_s))
                                     << u"mutations[0].hlc: must be an hlc"_s;
        QTest::newRow("hlc number") << pushOf(with(m, u"hlc"_s, 1732780800000.0))
                                    << u"mutations[0].hlc: must be an hlc"_s;
        QTest::newRow("hlc bad device") << pushOf(with(m, u"hlc"_s, u"1732780800000-0000-dev-1"_s))
                                        << u"mutations[0].hlc"_s;
        QTest::newRow("hlc short millis")
            << pushOf(with(m, u"hlc"_s, u"173278080000-0000-dev1"_s)) << u"mutations[0].hlc"_s;
        QTest::newRow("fields missing") << pushOf(with(m, u"fields"_s, QJsonValue::Undefined))
                                        << u"mutations[0].fields: is required"_s;
        QTest::newRow("fields array") << pushOf(with(m, u"fields"_s, QJsonArray {}))
                                      << u"mutations[0].fields: must be an object"_s;
        QTest::newRow("fields on delete")
            << pushOf(with(with(m, u"op"_s, u"delete"_s), u"base"_s, QJsonValue::Undefined))
            << u"mutations[0].fields: must be absent for a delete"_s;
        QTest::newRow("unknown field") << pushOf(withField(u"size"_s, 3))
                                       << u"mutations[0].fields: insight has no field"_s;
        QTest::newRow("importance 6") << pushOf(withField(u"importance"_s, 6))
                                      << u"mutations[0].fields.importance: must be an integer from 1 to 5"_s;
        QTest::newRow("importance text") << pushOf(withField(u"importance"_s, u"SECRETVALUE"_s))
                                         << u"mutations[0].fields.importance: must be an integer from 1 to 5"_s;
        QTest::newRow("text wrong type") << pushOf(withField(u"text"_s, 42))
                                         << u"mutations[0].fields.text: must be a string"_s;
        QTest::newRow("required null") << pushOf(withField(u"text"_s, QJsonValue::Null))
                                       << u"mutations[0].fields.text"_s;
        QTest::newRow("kind choice") << pushOf(withField(u"kind"_s, u"SECRETVALUE"_s))
                                     << u"mutations[0].fields.kind: must be one of"_s;
        QTest::newRow("tags not uuids") << pushOf(withField(u"tags"_s, QJsonArray {u"SECRETVALUE"_s}))
                                        << u"mutations[0].fields.tags"_s;
        QTest::newRow("control char") << pushOf(withField(u"quote"_s, u"a\u0001SECRETVALUE"_s))
                                      << u"mutations[0].fields.quote: must not contain control characters"_s;
        QTest::newRow("base not object") << pushOf(with(m, u"base"_s, QJsonArray {}))
                                         << u"mutations[0].base: must be an object"_s;
        QTest::newRow("base unchanged field") << pushOf(with(m, u"base"_s, QJsonObject {{u"quote"_s, kHlc}}))
                                              << u"mutations[0].base.quote: names no field"_s;
        QTest::newRow("base bad hlc") << pushOf(with(m, u"base"_s, QJsonObject {{u"text"_s, u"SECRETVALUE"_s}}))
                                      << u"mutations[0].base.text: must be an hlc"_s;
        QTest::newRow("second mutation") << body({{u"mutations"_s, QJsonArray {m, with(m, u"op"_s, 1)}}})
                                         << u"mutations[1].op: must be a string"_s;
        QTest::newRow("cursor not string") << body({{u"mutations"_s, QJsonArray {m}}, {u"cursor"_s, 7}})
                                           << u"body.cursor: must be a string"_s;
        QTest::newRow("cursor too long")
            << body({{u"mutations"_s, QJsonArray {m}}, {u"cursor"_s, QString(kMaxCursorLength + 1, u'a')}})
            << u"body.cursor: must be at most"_s;
        QTest::newRow("too deep") << nested(9) << u"nested more than"_s;
        QTest::newRow("very deep") << nested(100000) << u"nested more than"_s;
        QJsonArray many;
        for (int i = 0; i < 1001; ++i)
            many.append(m);
        QTest::newRow("1001 mutations") << body({{u"mutations"_s, many}}) << u"at most 1000"_s;
        QByteArray big = "{\"mutations\":[],\"x\":\"" + QByteArray(kMaxBodyBytes, 'a') + "\"}";
        QTest::newRow("too large") << big << u"larger than"_s;
    }
    void rejectsInvalidPush()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, expected);
        auto result = decodePushRequest(input);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::InvalidInput);
        QVERIFY2(result.error().message.contains(expected), qPrintable(result.error().message));
        QVERIFY2(!result.error().message.contains(u"SECRETVALUE"_s), qPrintable(result.error().message));
    }

    void acceptsDepthOfTheSchema()
    {
        // The deepest legal message: a pull page with a conflict whose value is a list.
        QJsonObject change = validChange();
        change.insert(u"entity"_s, u"guide"_s);
        change.insert(u"fields"_s, QJsonObject {{u"title"_s, u"g"_s}});
        change.insert(u"field_hlcs"_s, QJsonObject {{u"title"_s, kHlc}});
        change.insert(u"conflicts"_s,
            QJsonArray {QJsonObject {{u"field"_s, u"questions"_s}, {u"value"_s, QJsonArray {u"a"_s}}, {u"hlc"_s, kHlc2},
                {u"device_id"_s, u"dev2"_s}}});
        auto page = decodePullPage(pageOf(change));
        QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().message));
        QCOMPARE(page->changes.first().conflicts.first().value.toArray().first().toString(), u"a"_s);
    }

    void encodesExactJson()
    {
        Mutation m;
        m.id = kId;
        m.entity = Entity::Tag;
        m.recordId = kRecord;
        m.hlc = *Hlc::parse(kHlc);
        m.fields = QJsonObject {{u"name"_s, u"x"_s}};
        m.base.insert(u"name"_s, std::nullopt);
        const QByteArray expected
            = "{\"mutations\":[{\"base\":{\"name\":null},\"entity\":\"tag\",\"fields\":{\"name\":\"x\"},"
              "\"hlc\":\"1732780800000-0000-dev1\",\"id\":\""
            + kId.toUtf8() + "\",\"op\":\"upsert\",\"record_id\":\"" + kRecord.toUtf8() + "\"}]}";
        QCOMPARE(encode(PushRequest {{m}, {}}), expected);
        QCOMPARE(encode(PushResponse {{MutationResult {kId, MutationStatus::Applied, {}, {}, {}}}, {}}),
            QByteArray("{\"results\":[{\"id\":\"" + kId.toUtf8() + "\",\"status\":\"applied\"}]}"));
        QCOMPARE(encode(ApiError {ApiErrorCode::DeviceRevoked, u"revoked"_s, true}),
            QByteArray("{\"error\":\"device_revoked\",\"message\":\"revoked\",\"wipe\":true}"));
    }

    // The client writes its push body from the outbox's stored JSON text (PushBodyWriter): byte for byte what
    // encode() writes for the mutations read from that text, as the client read them before (QJsonDocument), for any
    // content of `fields` (nested, escaped, numbers, lone surrogates, U+FEFF first), any `base`, deletes, and ids and
    // stamps whose text would need escaping.
    void pushBodyWriterWritesWhatEncodeWrites()
    {
        QRandomGenerator random(20261128);
        const QList<Entity> entities {Entity::Account, Entity::Contact, Entity::Conversation, Entity::Insight,
                                      Entity::Tag, Entity::Lead, Entity::Guide};
        for (int round = 0; round < 300; ++round) {
            PushRequest request;
            PushBodyWriter writer;
            const int count = round == 0 ? 0 : int(random.bounded(6)) + (round % 50 == 0 ? 500 : 1);
            for (int i = 0; i < count; ++i) {
                Mutation m;
                // Ids and stamps are UTF-8 in the outbox: any text but lone surrogates (not UTF-8 at all).
                const bool oddIds = random.bounded(4) == 0;
                m.id = oddIds ? randomText(random, 40, false) : QUuid::createUuid().toString(QUuid::WithoutBraces);
                m.recordId = oddIds ? randomText(random, 40, false) : QUuid::createUuid().toString(QUuid::WithoutBraces);
                m.entity = entities.at(random.bounded(quint32(entities.size())));
                m.op = random.bounded(5) == 0 ? Op::Delete : Op::Upsert;
                m.hlc = Hlc {qint64(random.bounded(2000000000)) * 1000, int(random.bounded(10000)),
                             u"dev%1"_s.arg(random.bounded(100))};
                for (int f = int(random.bounded(5)); f > 0; --f)
                    m.fields.insert(randomKey(random), randomValue(random, 3));
                QJsonObject base;
                for (int b = int(random.bounded(3)); b > 0; --b) {
                    const QString field = randomKey(random);
                    const bool none = random.bounded(3) == 0;
                    const Hlc stamp {1'000'000'000'000 + qint64(random.bounded(2000000000)) * 1000, 7, u"dev2"_s};
                    m.base.insert(field, none ? std::nullopt : std::optional<Hlc>(stamp));
                    base.insert(field, none ? QJsonValue(QJsonValue::Null) : QJsonValue(stamp.toString()));
                }
                // As the outbox holds them: QJsonDocument's compact text (an upsert without a base has "{}"); a
                // delete has neither (NULL, no base), or both here.
                const bool stored = m.op == Op::Upsert || random.bounded(2) == 0;
                if (!stored)
                    m.base.clear();
                // The reference: the mutation as read back from that text.
                Mutation read = m;
                read.fields = QJsonDocument::fromJson(compactObject(m.fields)).object();
                read.base.clear();
                if (stored) {
                    const QJsonObject baseRead = QJsonDocument::fromJson(compactObject(base)).object();
                    for (auto it = baseRead.begin(); it != baseRead.end(); ++it)
                        read.base.insert(it.key(), it.value().isString() ? Hlc::parse(it.value().toString()) : std::nullopt);
                }
                request.mutations << read;
                writer.append(m.id.toUtf8(), m.entity, m.recordId.toUtf8(), m.op, m.hlc.toString().toUtf8(),
                              stored ? compactObject(m.fields) : QByteArray(),
                              stored ? compactObject(base) : QByteArray());
            }
            QCOMPARE(writer.count(), count);
            const QByteArray expected = encode(request);
            const QByteArray written = writer.take();
            if (written != expected) {
                qsizetype at = 0;
                while (at < written.size() && at < expected.size() && written.at(at) == expected.at(at))
                    ++at;
                QFAIL(qPrintable(u"round %1: bodies differ at byte %2: %3 | %4"_s.arg(round).arg(at).arg(
                    QString::fromUtf8(written.mid(std::max<qsizetype>(0, at - 40), 80)),
                    QString::fromUtf8(expected.mid(std::max<qsizetype>(0, at - 40), 80)))));
            }
            QCOMPARE(writer.count(), 0); // take() starts a new body

            // With the device's cursor (decision 0025): still what encode() writes.
            request.cursor = u"AbC-_%1"_s.arg(round);
            QCOMPARE(PushBodyWriter::withCursor(written, request.cursor), encode(request));
            QCOMPARE(PushBodyWriter::withCursor(written, QString()), written);
        }
    }

    // decodePushRequest reads a client's body with its own reader, the fields of each mutation with QJsonDocument
    // (decision 0029): the same request as Qt's path, for every body a client writes; only bodies with a value that
    // needs care may take Qt's path.
    void plainPushBodiesReadAsQtReadsThem()
    {
        QRandomGenerator random(20261129);
        int plainly = 0;
        for (int round = 0; round < 200; ++round) {
            bool odd = false;
            const QByteArray body = clientPushBody(random, round % 40 == 0 ? 500 : 1 + int(random.bounded(8)), &odd);
            bool readPlainly = false;
            checkPlainReadsAsQt(body, u"round %1"_s.arg(round), &readPlainly);
            if (QTest::currentTestFailed())
                return;
            QVERIFY2(readPlainly || odd, qPrintable(u"round %1: a client's body took Qt's path"_s.arg(round)));
            plainly += readPlainly ? 1 : 0;
            const auto qt = detail::readPushRequestWithQt(body);
            QVERIFY2(qt.ok(), qPrintable(qt.ok() ? QString() : qt.error().message));
        }
        QVERIFY(plainly > 150);
    }

    // Bodies a few bytes away from a client's: whatever the plain reader still reads, Qt reads the same; the rest is
    // Qt's to read or refuse, with its messages.
    void plainReaderAgreesWithQtOnDamagedBodies()
    {
        QRandomGenerator random(29112026);
        static const QByteArray kBytes("\"\\,:{}[]01.e-+ntfu A\x00\x1f\x7f\x80\xc3\xa9\xef\xbb\xbf\xed");
        int plainly = 0;
        for (int round = 0; round < 300; ++round) {
            bool odd = false;
            const QByteArray original = clientPushBody(random, 1 + int(random.bounded(3)), &odd);
            for (int edit = 0; edit < 40; ++edit) {
                QByteArray body = original;
                for (int n = 1 + int(random.bounded(3)); n > 0; --n) {
                    if (body.isEmpty())
                        break;
                    const qsizetype at = random.bounded(quint32(body.size()));
                    const char byte = kBytes.at(random.bounded(quint32(kBytes.size())));
                    switch (random.bounded(4)) {
                    case 0:
                        body[at] = byte;
                        break;
                    case 1:
                        body.insert(at, byte);
                        break;
                    case 2:
                        body.remove(at, 1 + random.bounded(4));
                        break;
                    default: { // a span repeated: keys and members twice
                        const qsizetype length = std::min<qsizetype>(body.size() - at, 1 + random.bounded(60));
                        body.insert(at, body.mid(at, length));
                    }
                    }
                }
                bool readPlainly = false;
                checkPlainReadsAsQt(body, u"round %1 edit %2: %3"_s.arg(round).arg(edit).arg(QString::fromLatin1(body.toPercentEncoding())), &readPlainly);
                if (QTest::currentTestFailed())
                    return;
                plainly += readPlainly ? 1 : 0;
                const auto decoded = decodePushRequest(body);
                const auto qt = detail::readPushRequestWithQt(body);
                QCOMPARE(decoded.ok(), qt.ok());
                if (!qt.ok())
                    QCOMPARE(decoded.error().message, qt.error().message);
            }
        }
        QVERIFY(plainly > 100); // some edits leave a body that is still plain and valid
    }

    // Unusual bodies, valid or not, read by either path: decodePushRequest's answer is Qt's path's, request or
    // message.
    void unusualPushBodiesReadAsQtReadsThem_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("valid");
        const QByteArray head = "{\"mutations\":[{\"entity\":\"insight\",\"hlc\":\"1732780800000-0000-dev1\",\"id\":\""
            + kId.toUtf8() + "\",\"op\":\"upsert\",\"record_id\":\"" + kRecord.toUtf8() + "\",\"fields\":";
        const auto withFields = [&](const QByteArray &fields) { return head + fields + "}]}"; };
        QTest::newRow("U+FEFF first") << withFields("{\"kind\":\"need\",\"text\":\"\xef\xbb\xbfhi\"}") << true;
        QTest::newRow("escaped pair") << withFields("{\"kind\":\"need\",\"text\":\"\\ud83d\\ude00\"}") << true;
        QTest::newRow("lone half") << withFields("{\"kind\":\"need\",\"text\":\"\\ud83d\"}") << true;
        QTest::newRow("fraction") << withFields("{\"kind\":\"need\",\"importance\":2.0}") << true;
        QTest::newRow("exponent") << withFields("{\"kind\":\"need\",\"importance\":2e0}") << true;
        QTest::newRow("16 digits") << withFields("{\"kind\":\"need\",\"importance\":1000000000000000}") << false;
        QTest::newRow("leading zero") << withFields("{\"kind\":\"need\",\"importance\":02}") << false;
        QTest::newRow("escaped key") << withFields("{\"kind\":\"need\",\"te\\u0078t\":\"t\"}") << true;
        QTest::newRow("field twice") << withFields("{\"kind\":\"need\",\"kind\":\"pain\"}") << true;
        QTest::newRow("object value") << withFields("{\"kind\":{}}") << false;
        QTest::newRow("nested list") << withFields("{\"kind\":\"need\",\"tags\":[[]]}") << false;
        QTest::newRow("unknown field") << withFields("{\"kind\":\"need\",\"colour\":1}") << false;
        QTest::newRow("upper-case id") << withFields("{\"kind\":\"need\",\"account_id\":\"" + kRecord.toUpper().toUtf8() + "\"}") << true;
        QTest::newRow("raw tab") << withFields("{\"kind\":\"need\",\"text\":\"a\tb\"}") << true; // Qt reads a raw tab
        QTest::newRow("bad UTF-8") << withFields("{\"kind\":\"need\",\"text\":\"\xc3(\"}") << false;
        QTest::newRow("trailing comma") << withFields("{\"kind\":\"need\",}") << false;
        QTest::newRow("garbage after") << withFields("{\"kind\":\"need\"}") + "x" << false;
        QTest::newRow("BOM before") << QByteArray("\xef\xbb\xbf") + withFields("{\"kind\":\"need\"}") << true; // skipped by Qt
        QTest::newRow("mutations twice")
            << QByteArray("{\"mutations\":[],\"mutations\":[]}") << true; // Qt keeps one
        QTest::newRow("unknown member") << QByteArray("{\"mutations\":[],\"x\":1}") << false;
        QTest::newRow("cursor not text") << QByteArray("{\"mutations\":[],\"cursor\":1}") << false;
        QTest::newRow("brackets in text") << withFields("{\"kind\":\"need\",\"text\":\"]}{[\\\"\\\\\"}") << true;
        QTest::newRow("escaped op")
            << QByteArray(head).replace("\"upsert\"", "\"upser\\u0074\"") + "{\"kind\":\"need\"}}]}" << true;
        QTest::newRow("deep fields") << withFields("{\"kind\":\"need\",\"tags\":[[[[[[1]]]]]]}") << false;
        QTest::newRow("unclosed text") << withFields("{\"kind\":\"need\",\"text\":\"abc}") << false;
        QTest::newRow("spaces everywhere")
            << QByteArray(" { \"mutations\" : [ ] , \"cursor\" : \"c\" } \n") << true;
    }

    void unusualPushBodiesReadAsQtReadsThem()
    {
        QFETCH(QByteArray, body);
        QFETCH(bool, valid);
        checkPlainReadsAsQt(body, QString::fromLatin1(QTest::currentDataTag()));
        const auto qt = detail::readPushRequestWithQt(body);
        QCOMPARE(qt.ok(), valid);
        const auto decoded = decodePushRequest(body);
        QCOMPARE(decoded.ok(), valid);
        if (valid)
            QCOMPARE(decoded->mutations, qt->mutations);
        else
            QCOMPARE(decoded.error().message, qt.error().message);
    }

    // The push's cursor (decision 0025) is optional both ways: absent, the messages are the contract's, byte for byte.
    void pushCursorIsOptional()
    {
        auto plain = decodePushRequest(pushOf(validMutation()));
        QVERIFY(plain.ok());
        QVERIFY(plain->cursor.isEmpty());
        QVERIFY(!encode(*plain).contains("cursor"));

        auto withCursor = decodePushRequest(
            body({{u"mutations"_s, QJsonArray {validMutation()}}, {u"cursor"_s, u"c1"_s}}));
        QVERIFY(withCursor.ok());
        QCOMPARE(withCursor->cursor, u"c1"_s);
        QCOMPARE(withCursor->mutations, plain->mutations);

        PushResponse response {{{kId, MutationStatus::Applied, {}, {}, {}}}, {}};
        QVERIFY(!encode(response).contains("cursor"));
        response.cursor = u"next"_s;
        auto decoded = decodePushResponse(encode(response));
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->cursor, u"next"_s);
        QCOMPARE(decoded->results, response.results);

        const QByteArray results = "\"results\":[{\"id\":\"" + QString(kId).toUtf8() + "\",\"status\":\"applied\"}]";
        QVERIFY(!decodePushResponse("{\"cursor\":\"\"," + results + "}").ok());
        QVERIFY(!decodePushResponse("{\"cursor\":5," + results + "}").ok());
    }

    void pushRoundTrip()
    {
        auto first = decodePushRequest(pushOf(validMutation()));
        QVERIFY(first.ok());
        auto second = decodePushRequest(encode(*first));
        QVERIFY(second.ok());
        QCOMPARE(second->mutations, first->mutations);
        QCOMPARE(toJson(second->mutations.first()), validMutation());
    }

    void resultsRoundTrip()
    {
        PushResponse response {{
            {kId, MutationStatus::Applied, {}, {}, {}},
            {kId, MutationStatus::Duplicate, {}, {}, {}},
            {kId, MutationStatus::Superseded, {u"text"_s, u"kind"_s}, {}, {}},
            {kId, MutationStatus::Rejected, {}, u"forbidden"_s, u"sales may only change status and outcome"_s},
        }, {}};
        auto decoded = decodePushResponse(encode(response));
        QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
        QCOMPARE(decoded->results, response.results);
    }

    // encode(PushResponse) writes the answer without QJsonDocument: the same bytes, for every kind of result and id.
    void pushAnswerIsWhatQJsonDocumentWrites()
    {
        QRandomGenerator random(7);
        for (int round = 0; round < 200; ++round) {
            PushResponse response;
            if (round % 3 == 0)
                response.cursor = round % 2 ? randomText(random, 20, false) : u"AbC-_09"_s;
            QJsonArray results;
            for (int i = int(random.bounded(8)); i > 0; --i) {
                MutationResult r;
                r.id = random.bounded(4) == 0 ? randomText(random, 30, false)
                                              : QUuid::createUuid().toString(QUuid::WithoutBraces);
                r.status = MutationStatus(random.bounded(4));
                if (r.status == MutationStatus::Superseded)
                    r.lostFields = {u"text"_s, u"kind"_s};
                if (r.status == MutationStatus::Rejected) {
                    r.error = u"forbidden"_s;
                    r.message = randomText(random, 30, false);
                }
                response.results << r;
                results.append(toJson(r));
                QCOMPARE(encodeResult(r), QJsonDocument(toJson(r)).toJson(QJsonDocument::Compact));
            }
            QJsonObject expected {{u"results"_s, results}};
            if (!response.cursor.isEmpty())
                expected.insert(u"cursor"_s, response.cursor);
            QCOMPARE(encode(response), QJsonDocument(expected).toJson(QJsonDocument::Compact));
        }
    }

    void rejectsInvalidResults_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("expected");
        const QString id = kId;
        QTest::newRow("status") << ("{\"results\":[{\"id\":\"" + id.toUtf8() + "\",\"status\":\"ok\"}]}")
                                << u"results[0].status"_s;
        QTest::newRow("rejected no error")
            << ("{\"results\":[{\"id\":\"" + id.toUtf8() + "\",\"status\":\"rejected\"}]}")
            << u"results[0].error: is required"_s;
        QTest::newRow("error when applied")
            << ("{\"results\":[{\"id\":\"" + id.toUtf8() + "\",\"status\":\"applied\",\"error\":\"forbidden\"}]}")
            << u"results[0].error: is only allowed"_s;
        QTest::newRow("lost not array") << ("{\"results\":[{\"id\":\"" + id.toUtf8()
            + "\",\"status\":\"superseded\",\"lost_fields\":\"text\"}]}")
                                        << u"results[0].lost_fields"_s;
        QTest::newRow("unknown key") << ("{\"results\":[{\"id\":\"" + id.toUtf8()
            + "\",\"status\":\"applied\",\"x\":1}]}")
                                     << u"results[0].x: unknown key"_s;
        QTest::newRow("missing") << QByteArray("{}") << u"results: is required"_s;
    }
    void rejectsInvalidResults()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, expected);
        auto result = decodePushResponse(input);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.contains(expected), qPrintable(result.error().message));
    }

    void pullPageRoundTrip()
    {
        auto page = decodePullPage(pageOf(validChange()));
        QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().message));
        QCOMPARE(page->changes.size(), 1);
        const Change &c = page->changes.first();
        QCOMPARE(c.entity, Entity::Tag);
        QCOMPARE(c.fieldHlcs.value(u"name"_s).toString(), kHlc);
        QCOMPARE(c.conflicts.first().deviceId, u"dev2"_s);
        QCOMPARE(encode(*page), pageOf(validChange()));

        Change removed;
        removed.entity = Entity::Insight;
        removed.recordId = kRecord;
        removed.deleted = true;
        removed.hlc = *Hlc::parse(kHlc);
        const QByteArray encoded = encode(PullPage {{removed}, u"c"_s, true});
        QVERIFY(!encoded.contains("\"fields\""));
        auto back = decodePullPage(encoded);
        QVERIFY(back.ok());
        QCOMPARE(back->changes.first(), removed);
        QVERIFY(back->hasMore);
    }

    void rejectsInvalidChanges_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("expected");
        const QJsonObject c = validChange();
        QTest::newRow("deleted with fields")
            << pageOf(with(c, u"deleted"_s, true)) << u"changes[0].fields: must be absent"_s;
        QTest::newRow("no fields") << pageOf(with(c, u"fields"_s, QJsonValue::Undefined))
                                   << u"changes[0].fields: is required"_s;
        QTest::newRow("deleted not bool")
            << pageOf(with(c, u"deleted"_s, 0)) << u"changes[0].deleted: must be true or false"_s;
        QTest::newRow("no hlc") << pageOf(with(c, u"hlc"_s, QJsonValue::Undefined)) << u"changes[0].hlc: is required"_s;
        QTest::newRow("field_hlcs unknown")
            << pageOf(with(c, u"field_hlcs"_s, QJsonObject {{u"size"_s, kHlc}})) << u"changes[0].field_hlcs.size"_s;
        QTest::newRow("bad field value") << pageOf(with(c, u"fields"_s, QJsonObject {{u"color"_s, u"red"_s}}))
                                         << u"changes[0].fields.color"_s;
        QJsonObject badConflict {{u"field"_s, u"name"_s}, {u"value"_s, 1}, {u"hlc"_s, kHlc}, {u"device_id"_s, u"d"_s}};
        QTest::newRow("conflict value") << pageOf(with(c, u"conflicts"_s, QJsonArray {badConflict}))
                                        << u"changes[0].conflicts[0].value"_s;
        badConflict.insert(u"value"_s, u"ok"_s);
        badConflict.insert(u"device_id"_s, u"d-1"_s);
        QTest::newRow("conflict device") << pageOf(with(c, u"conflicts"_s, QJsonArray {badConflict}))
                                         << u"changes[0].conflicts[0].device_id"_s;
        QTest::newRow("unknown key") << pageOf(with(c, u"seq"_s, 3)) << u"changes[0].seq: unknown key"_s;
        QTest::newRow("no cursor") << body({{u"changes"_s, QJsonArray {}}, {u"has_more"_s, false}}) << u"body.cursor"_s;
        QTest::newRow("no has_more") << body({{u"changes"_s, QJsonArray {}}, {u"cursor"_s, u""_s}})
                                     << u"body.has_more"_s;
    }
    void rejectsInvalidChanges()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, expected);
        auto result = decodePullPage(input);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.contains(expected), qPrintable(result.error().message));
    }

    // decodeChange checks a usual change without building paths or copies; whatever it accepts or refuses must be
    // what the full checks accept or refuse, with the whole message the same.
    void pullMessagesAreExact_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("expected");
        const QJsonObject c = validChange();
        const auto withFields = [&](const QJsonObject &fields) { return pageOf(with(c, u"fields"_s, fields)); };
        const auto withHlcs = [&](const QJsonValue &hlcs) { return pageOf(with(c, u"field_hlcs"_s, hlcs)); };
        QTest::newRow("unknown field") << withFields({{u"name"_s, u"a"_s}, {u"size"_s, 3}})
                                       << u"changes[0].fields: tag has no field \"size\"; known fields: name, color"_s;
        QTest::newRow("unknown odd key")
            << withFields({{u"name"_s, u"a"_s}, {u"na me"_s, 3}})
            << u"changes[0].fields: tag has no field \"na me\"; known fields: name, color"_s;
        QTest::newRow("bad value after good") << withFields({{u"name"_s, u"a"_s}, {u"color"_s, u"red"_s}})
                                              << u"changes[0].fields.color: must be a colour like #1E88E5"_s;
        QTest::newRow("required null") << withFields({{u"name"_s, QJsonValue::Null}})
                                       << u"changes[0].fields.name: is required and cannot be null"_s;
        QTest::newRow("fields not object") << pageOf(with(c, u"fields"_s, QJsonArray {}))
                                           << u"changes[0].fields: must be an object"_s;
        QTest::newRow("field_hlcs not object") << withHlcs(u"x"_s) << u"changes[0].field_hlcs: must be an object"_s;
        QTest::newRow("field hlc not string") << withHlcs(QJsonObject {{u"name"_s, 1}})
                                              << u"changes[0].field_hlcs.name: must be an hlc string"_s;
        QTest::newRow("field hlc malformed")
            << withHlcs(QJsonObject {{u"name"_s, u"1732780800000-00000-dev1"_s}})
            << u"changes[0].field_hlcs.name: must be an hlc like 1732780800000-0000-<device id>"_s;
        QTest::newRow("field hlc too long") << withHlcs(QJsonObject {{u"name"_s, kHlc + QString(90, u'x')}})
                                            << u"changes[0].field_hlcs.name: must be an hlc like "
                                               "1732780800000-0000-<device id>"_s;
        QTest::newRow("hlc not string") << pageOf(with(c, u"hlc"_s, 5)) << u"changes[0].hlc: must be an hlc string"_s;
        QTest::newRow("record_id not uuid") << pageOf(with(c, u"record_id"_s, u"abc"_s))
                                            << u"changes[0].record_id: must be a UUID"_s;
        QTest::newRow("record_id not string") << pageOf(with(c, u"record_id"_s, 1))
                                              << u"changes[0].record_id: must be a string"_s;
        QTest::newRow("no deleted") << pageOf(with(c, u"deleted"_s, QJsonValue::Undefined))
                                    << u"changes[0].deleted: is required"_s;
        QTest::newRow("unknown key and bad entity")
            << pageOf(with(with(c, u"seq"_s, 3), u"entity"_s, u"x"_s)) << u"changes[0].seq: unknown key"_s;
        QTest::newRow("second change") << body(QJsonObject {{u"changes"_s, QJsonArray {c, with(c, u"hlc"_s, 1)}},
                                                            {u"cursor"_s, u"abc"_s}, {u"has_more"_s, false}})
                                       << u"changes[1].hlc: must be an hlc string"_s;
    }
    void pullMessagesAreExact()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, expected);
        auto result = decodePullPage(input);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().message, expected);
    }

    void pullNormalisesAndKeepsFields()
    {
        QJsonObject insight {{u"entity"_s, u"insight"_s}, {u"record_id"_s, kRecord.toUpper()}, {u"deleted"_s, false},
                             {u"hlc"_s, kHlc}};
        const QJsonObject fields {{u"kind"_s, u"need"_s},
                                  {u"text"_s, u"Wants offline"_s},
                                  {u"quote"_s, QJsonValue::Null},
                                  {u"account_id"_s, kId.toUpper()},
                                  {u"tags"_s, QJsonArray {kId, kRecord.toUpper()}},
                                  {u"importance"_s, 3},
                                  {u"published"_s, true}};
        insight.insert(u"fields"_s, fields);
        auto page = decodePullPage(pageOf(insight));
        QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().message));
        const Change &c = page->changes.first();
        QCOMPARE(c.recordId, kRecord);
        QCOMPARE(c.fields.value(u"account_id"_s).toString(), kId);
        QCOMPARE(c.fields.value(u"tags"_s).toArray(), (QJsonArray {kId, kRecord}));
        QVERIFY(c.fields.value(u"quote"_s).isNull());
        QCOMPARE(c.fields.size(), fields.size());

        // Already lowercase: the decoded fields are the sent ones.
        insight.insert(u"fields"_s, with(with(fields, u"account_id"_s, kId), u"tags"_s, QJsonArray {kId}));
        page = decodePullPage(pageOf(insight));
        QVERIFY(page.ok());
        QCOMPARE(page->changes.first().fields, insight.value(u"fields"_s).toObject());

        // A key sent twice: decoded as the JSON parser reads the object.
        const QByteArray twice
            = pageOf(validChange()).replace("\"name\":\"pricing\"", "\"name\":\"a\",\"name\":\"b\"");
        page = decodePullPage(twice);
        const QJsonObject parsed = QJsonDocument::fromJson(twice)
                                       .object()
                                       .value(u"changes"_s)
                                       .toArray()
                                       .first()
                                       .toObject()
                                       .value(u"fields"_s)
                                       .toObject();
        QVERIFY(page.ok());
        QCOMPARE(page->changes.first().fields, parsed);
    }

    void login()
    {
        const LoginRequest request {u"a@b.io"_s, u"pw"_s, u"Laptop"_s};
        auto back = decodeLoginRequest(encode(request));
        QVERIFY(back.ok());
        QCOMPARE(back->email, request.email);
        QCOMPARE(back->deviceName, request.deviceName);
        QVERIFY(!decodeLoginRequest("{\"email\":\"a\",\"password\":\"p\"}").ok());
        QVERIFY(!decodeLoginRequest("{\"email\":\"a\",\"password\":\"p\",\"device_name\":\"d\",\"admin\":true}").ok());
        QVERIFY(!decodeLoginRequest("{\"email\":\"a\",\"password\":1,\"device_name\":\"d\"}").ok());
        auto wrong = decodeLoginRequest("{\"email\":\"a\",\"password\":\"SECRETVALUE\",\"device_name\":5}");
        QVERIFY(!wrong.ok() && !wrong.error().message.contains(u"SECRETVALUE"_s));

        const LoginResponse response {u"tok"_s, kId, {kRecord, u"a@b.io"_s, u"sales"_s, kId}};
        auto decoded = decodeLoginResponse(encode(response));
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->user.role, u"sales"_s);
        QCOMPARE(decoded->user.teamId, kId);
        QVERIFY(!decodeLoginResponse("{\"token\":\"t\",\"device_id\":\"x\",\"user\":{}}").ok());
    }

    void apiErrors()
    {
        QCOMPARE(httpStatus(ApiErrorCode::BadRequest), 400);
        QCOMPARE(httpStatus(ApiErrorCode::DeviceRevoked), 401);
        QCOMPARE(httpStatus(ApiErrorCode::TooLarge), 413);
        QCOMPARE(httpStatus(ApiErrorCode::RateLimited), 429);
        QCOMPARE(apiErrorCodeName(ApiErrorCode::UnsupportedMediaType), u"unsupported_media_type"_s);
        auto e = decodeApiError("{\"error\":\"forbidden\",\"message\":\"no\"}");
        QVERIFY(e.ok());
        QCOMPARE(e->code, ApiErrorCode::Forbidden);
        QVERIFY(!decodeApiError("{\"error\":\"teapot\",\"message\":\"no\"}").ok());
    }
};

QTEST_GUILESS_MAIN(TestProtocol)
#include "tst_protocol.moc"
