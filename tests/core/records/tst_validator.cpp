#include "records/validator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {
QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}
} // namespace

/** Tests the field rules shared by client and server (SYNC-API.md, "Fields by entity"). */
class TestValidator : public QObject
{
    Q_OBJECT

private slots:
    void entityNamesRoundTrip()
    {
        QCOMPARE(entityNames(),
                 QStringList({u"account"_s, u"contact"_s, u"conversation"_s, u"insight"_s, u"tag"_s, u"lead"_s,
                              u"guide"_s}));
        for (const QString &name : entityNames())
            QCOMPARE(entityName(*entityFromName(name)), name);
        QVERIFY(!entityFromName(u"Account").has_value());
        QVERIFY(!entityFromName(u"user").has_value());
    }

    void acceptsValidRecords_data()
    {
        QTest::addColumn<QString>("entity");
        QTest::addColumn<QByteArray>("fields");
        QTest::newRow("account") << u"account"_s
                                 << QByteArray(R"({"name":"Acme","domain":"acme.example","owner_email":"r@x.io"})");
        QTest::newRow("contact") << u"contact"_s
                                 << QByteArray(R"({"name":"Ana","account_id":"6f1c2d3e-0000-4000-8000-000000000001"})");
        QTest::newRow("conversation")
            << u"conversation"_s
            << QByteArray(R"({"title":"Visit","occurred_at":"2026-11-28T09:30:00Z","channel":"in_person", "consent":true,"notes":"line one\nline two","status":"draft", "contact_ids":["6f1c2d3e-0000-4000-8000-000000000001"]})");
        QTest::newRow("insight") << u"insight"_s
                                 << QByteArray(R"({"kind":"need","text":"Wants offline","importance":5, "published":false,"tags":[]})");
        QTest::newRow("tag") << u"tag"_s << QByteArray("{\"name\":\"pricing\",\"color\":\"#1E88E5\"}");  // no '#' in a raw string: moc 6.4 misreads it
        QTest::newRow("lead") << u"lead"_s
                              << QByteArray(R"({"account_id":"6f1c2d3e-0000-4000-8000-000000000001", "recommendation":"Call","priority":1,"horizon":"quarter", "status":"open"})");
        QTest::newRow("guide") << u"guide"_s << QByteArray(R"({"title":"Discovery","questions":["What do you value?"]})");
        QTest::newRow("null clears optional") << u"account"_s << QByteArray(R"({"name":"A","domain":null})");
        QTest::newRow("fraction time") << u"conversation"_s << QByteArray(R"({"occurred_at":"2026-01-01T00:00:00.5Z"})");
    }
    void acceptsValidRecords()
    {
        QFETCH(QString, entity);
        QFETCH(QByteArray, fields);
        const QJsonObject object = json(fields.constData());
        QVERIFY(!object.isEmpty());
        const auto result = Validator::validateFields(*entityFromName(entity), object, Validator::Mode::Create);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
    }

    void rejectsInvalidFields_data()
    {
        QTest::addColumn<QString>("entity");
        QTest::addColumn<QByteArray>("fields");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown field") << u"account"_s << QByteArray(R"({"name":"A","size":3})") << u"size"_s;
        QTest::newRow("missing required") << u"account"_s << QByteArray(R"({"domain":"a.b"})") << u"account.name"_s;
        QTest::newRow("required null") << u"account"_s << QByteArray(R"({"name":null})") << u"account.name"_s;
        QTest::newRow("required blank") << u"account"_s << QByteArray(R"({"name":"   "})") << u"account.name"_s;
        QTest::newRow("wrong type") << u"account"_s << QByteArray(R"({"name":42})") << u"account.name"_s;
        QTest::newRow("importance 0") << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","importance":0})")
                                      << u"1 to 5"_s;
        QTest::newRow("importance 6") << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","importance":6})")
                                      << u"1 to 5"_s;
        QTest::newRow("importance fraction")
            << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","importance":2.5})") << u"importance"_s;
        QTest::newRow("importance huge")
            << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","importance":1e300})") << u"importance"_s;
        QTest::newRow("importance string")
            << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","importance":"5"})") << u"importance"_s;
        QTest::newRow("unknown kind") << u"insight"_s << QByteArray(R"({"kind":"gossip","text":"t"})") << u"kind"_s;
        QTest::newRow("published not bool")
            << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","published":1})") << u"published"_s;
        QTest::newRow("tags not array") << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","tags":"x"})")
                                        << u"tags"_s;
        QTest::newRow("tag not uuid") << u"insight"_s << QByteArray(R"({"kind":"need","text":"t","tags":["x"]})")
                                      << u"tags"_s;
        QTest::newRow("channel") << u"conversation"_s << QByteArray(R"({"channel":"fax"})") << u"channel"_s;
        QTest::newRow("local time") << u"conversation"_s << QByteArray(R"({"occurred_at":"2026-11-28T09:30:00"})")
                                    << u"occurred_at"_s;
        QTest::newRow("impossible date") << u"conversation"_s
                                         << QByteArray(R"({"occurred_at":"2026-02-30T09:30:00Z"})") << u"occurred_at"_s;
        QTest::newRow("priority 4")
            << u"lead"_s
            << QByteArray(R"({"account_id":"6f1c2d3e-0000-4000-8000-000000000001","recommendation":"r","priority":4})")
            << u"1 to 3"_s;
        QTest::newRow("lead without account") << u"lead"_s << QByteArray(R"({"recommendation":"r"})")
                                              << u"account_id"_s;
        QTest::newRow("bad account ref") << u"contact"_s << QByteArray(R"({"name":"n","account_id":"1 OR 1=1"})")
                                         << u"account_id"_s;
        QTest::newRow("colour") << u"tag"_s << QByteArray(R"({"name":"n","color":"blue"})") << u"color"_s;
        QTest::newRow("email") << u"contact"_s << QByteArray(R"({"name":"n","email":"not an email"})") << u"email"_s;
        QTest::newRow("control char") << u"account"_s << QByteArray("{\"name\":\"a\\u0007b\"}") << u"control"_s;
        QTest::newRow("nested object") << u"account"_s << QByteArray(R"({"name":{"$gt":""}})") << u"account.name"_s;
        QTest::newRow("questions not strings") << u"guide"_s << QByteArray(R"({"title":"g","questions":[1]})")
                                               << u"questions"_s;
    }
    void rejectsInvalidFields()
    {
        QFETCH(QString, entity);
        QFETCH(QByteArray, fields);
        QFETCH(QString, mentions);
        const auto result =
            Validator::validateFields(*entityFromName(entity), json(fields.constData()), Validator::Mode::Create);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::InvalidInput);
        QVERIFY2(result.error().message.contains(mentions), qPrintable(result.error().message));
    }

    void updateNeedsNoRequiredFields()
    {
        QVERIFY(Validator::validateFields(Entity::Account, json(R"({"domain":"a.b"})"), Validator::Mode::Update).ok());
        QVERIFY(!Validator::validateFields(Entity::Account, json(R"({"name":null})"), Validator::Mode::Update).ok());
    }

    void lengthLimits()
    {
        QJsonObject account{{u"name"_s, QString(501, u'x')}};
        QVERIFY(!Validator::validateFields(Entity::Account, account, Validator::Mode::Create).ok());
        account[u"name"_s] = QString(500, u'x');
        QVERIFY(Validator::validateFields(Entity::Account, account, Validator::Mode::Create).ok());
    }

    // The shapes are checked by hand (no regular expression): exactly the shape, nothing before or after it.
    void shapesOfIdsTimesAndColours()
    {
        QVERIFY(Validator::isUuid(u"0f8fad5b-d9cb-469f-a165-70867728950e"));
        QVERIFY(Validator::isUuid(u"0F8FAD5B-D9CB-469F-A165-70867728950E"));
        const QStringList badIds {u""_s, u"0f8fad5b-d9cb-469f-a165-70867728950"_s,
            u"0f8fad5b-d9cb-469f-a165-70867728950e0"_s, u"0f8fad5bd-9cb-469f-a165-70867728950e"_s,
            u"0f8fad5b-d9cb-469f-a165-70867728950g"_s, u"0f8fad5b-d9cb-469f-a165-70867728950e\n"_s,
            u" 0f8fad5b-d9cb-469f-a165-70867728950e"_s, u"0f8fad5b_d9cb_469f_a165_70867728950e"_s,
            u"\uff10f8fad5b-d9cb-469f-a165-70867728950e"_s};
        for (const QString &bad : badIds)
            QVERIFY2(!Validator::isUuid(bad), qPrintable(bad));

        for (const QString &good : {u"2026-11-28T09:30:00Z"_s, u"2026-11-28T09:30:00.1Z"_s,
                 u"2026-11-28T09:30:00.12Z"_s, u"2024-02-29T23:59:59.999Z"_s})
            QVERIFY2(Validator::isTimestamp(good), qPrintable(good));
        const QStringList badTimes {u""_s, u"2026-11-28T09:30Z"_s, u"2026-11-28T09:30:00"_s,
            u"2026-11-28T09:30:00.Z"_s, u"2026-11-28T09:30:00.1234Z"_s, u"2026-11-28 09:30:00Z"_s,
            u"2026-11-28T09:30:00Z\n"_s, u"2026-13-28T09:30:00Z"_s, u"2025-02-29T09:30:00Z"_s,
            u"2026-11-28T24:30:00Z"_s, u"2026-11-28T09:30:00+01:00"_s, u"\u0662026-11-28T09:30:00Z"_s};
        for (const QString &bad : badTimes)
            QVERIFY2(!Validator::isTimestamp(bad), qPrintable(bad));

        const auto colour = [](const QString &value) {
            const QJsonObject fields {{u"name"_s, u"n"_s}, {u"color"_s, value}};
            return Validator::validateFields(Entity::Tag, fields, Validator::Mode::Create).ok();
        };
        QVERIFY(colour(u"#1E88E5"_s));
        QVERIFY(colour(u"#1e88e5"_s));
        for (const QString &bad : {u"1E88E5"_s, u"#1E88E"_s, u"#1E88E5F"_s, u"#1E88G5"_s, u"#1E88E5\n"_s})
            QVERIFY2(!colour(bad), qPrintable(bad));
    }
};

QTEST_GUILESS_MAIN(TestValidator)
#include "tst_validator.moc"
