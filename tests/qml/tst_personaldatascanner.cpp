#include "personaldatascanner.h"
#include "textformat.h"

#include <QScopeGuard>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using fieldnotes::app::PersonalDataScanner;
using Kind = PersonalDataScanner::Kind;

/** Tests the personal-data flags of the publish review, the snippet highlighting and the list dates (TextFormat). */
class TestPersonalDataScanner : public QObject
{
    Q_OBJECT

private slots:
    void finds_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("found");
        QTest::addColumn<QList<int>>("kinds"); // 0 email, 1 phone
        QTest::newRow("plain") << u"They need faster calibration."_s << QStringList{} << QList<int>{};
        QTest::newRow("email") << u"Write to jane.doe+x@acme.example now"_s
                               << QStringList{u"jane.doe+x@acme.example"_s} << QList<int>{0};
        QTest::newRow("unicode email") << u"müller@bäckerei.de"_s << QStringList{u"müller@bäckerei.de"_s}
                                       << QList<int>{0};
        QTest::newRow("intl phone") << u"Call +49 170 1234567."_s << QStringList{u"+49 170 1234567"_s}
                                    << QList<int>{1};
        QTest::newRow("us phone") << u"(555) 123-4567 after 5"_s << QStringList{u"(555) 123-4567"_s}
                                  << QList<int>{1};
        QTest::newRow("both") << u"a@b.io or 030/123 45 67"_s << QStringList{u"a@b.io"_s, u"030/123 45 67"_s}
                              << QList<int>{0, 1};
        QTest::newRow("iso date") << u"Met on 2026-11-28 09:30"_s << QStringList{} << QList<int>{};
        QTest::newRow("dotted date") << u"since 10.01.2026"_s << QStringList{} << QList<int>{};
        QTest::newRow("short numbers") << u"15000 units, 3 sites, 42%"_s << QStringList{} << QList<int>{};
        QTest::newRow("year range") << u"2026 - 2030 plan"_s << QStringList{} << QList<int>{};
        QTest::newRow("too long") << u"serial 1234567890123456789"_s << QStringList{} << QList<int>{};
        QTest::newRow("not an email") << u"user@localhost"_s << QStringList{} << QList<int>{};
    }

    void finds()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, found);
        QFETCH(QList<int>, kinds);
        const auto findings = PersonalDataScanner::scan(text);
        QStringList texts;
        QList<int> kindList;
        for (const auto &f : findings) {
            texts << text.mid(f.start, f.length);
            kindList << (f.kind == Kind::Email ? 0 : 1);
        }
        QCOMPARE(texts, found);
        QCOMPARE(kindList, kinds);
    }

    // A conversation's time is to the minute in every locale, also in C's, whose short formats have seconds.
    void datesShowMinutes_data()
    {
        QTest::addColumn<QString>("locale");
        QTest::addRow("C") << u"C"_s;
        QTest::addRow("en_US") << u"en_US"_s;
        QTest::addRow("de_DE") << u"de_DE"_s;
        QTest::addRow("fi_FI") << u"fi_FI"_s;
    }
    void datesShowMinutes()
    {
        QFETCH(QString, locale);
        const QLocale before;
        QLocale::setDefault(QLocale(locale));
        const auto restore = qScopeGuard([&] { QLocale::setDefault(before); });
        using fieldnotes::app::TextFormat::dateText;
        const QDateTime at = QDateTime::fromString(u"2026-11-20T09:30:45Z"_s, Qt::ISODate).toLocalTime();
        const QString clock = QLocale(locale).toString(at.time(), u"m"_s); // "30"
        for (const QDateTime &now : {at, at.addDays(1), at.addDays(30)}) {
            const QString text = dateText(u"2026-11-20T09:30:45Z"_s, now);
            QVERIFY2(text.contains(clock), qPrintable(text));
            QVERIFY2(!text.contains(u"45"_s), qPrintable(text)); // no seconds
        }
    }

    void highlightsAreEscaped()
    {
        using fieldnotes::app::TextFormat::highlightedHtml;
        QCOMPARE(highlightedHtml(u"a <b> c"_s, {{2, 3}}), u"a <b>&lt;b&gt;</b> c"_s);
        QCOMPARE(highlightedHtml(u"abc"_s, {{1, 5}}), u"abc"_s); // out of range: ignored
        QCOMPARE(highlightedHtml(u"one two"_s, {{0, 3}, {4, 3}}), u"<b>one</b> <b>two</b>"_s);
    }
};

QTEST_GUILESS_MAIN(TestPersonalDataScanner)
#include "tst_personaldatascanner.moc"
