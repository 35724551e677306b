#include "io/csvreader.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

QList<QStringList> rows(const CsvTable &table)
{
    QList<QStringList> result;
    for (const CsvRecord &record : table.records)
        result << record.fields;
    return result;
}

QList<int> lines(const CsvTable &table)
{
    QList<int> result;
    for (const CsvRecord &record : table.records)
        result << record.line;
    return result;
}

} // namespace

/** Tests RFC 4180 parsing, the quirks of real exports, the line numbers and the limits of CsvReader. */
class TestCsvReader : public QObject
{
    Q_OBJECT

private slots:
    void simpleFileWithAndWithoutTrailingNewline()
    {
        for (const QByteArray &data : {QByteArray("a,b,c\n1,2,3\n"), QByteArray("a,b,c\n1,2,3")}) {
            auto table = CsvReader::parse(data);
            QVERIFY(table.ok());
            QCOMPARE(table->separator, ',');
            QCOMPARE(rows(*table), (QList<QStringList>{{u"a"_s, u"b"_s, u"c"_s}, {u"1"_s, u"2"_s, u"3"_s}}));
            QCOMPARE(lines(*table), (QList<int>{1, 2}));
        }
    }

    void quotedCommasAndEscapedQuotes()
    {
        auto table = CsvReader::parse("name,note\n\"Acme, Inc.\",\"He said \"\"hi\"\"\"\n\"\"\"\",\"\"\n");
        QVERIFY(table.ok());
        QCOMPARE(rows(*table), (QList<QStringList>{{u"name"_s, u"note"_s},
                                                   {u"Acme, Inc."_s, u"He said \"hi\""_s},
                                                   {u"\""_s, QString()}}));
    }

    void quotedNewlinesAndStartLines()
    {
        // LF inside quotes, CRLF inside quotes, CRLF line ends; the records start on lines 1, 2, 5 and 7.
        auto table = CsvReader::parse("h1,h2\r\n\"a\nb\nc\",x\r\n\"d\r\ne\",y\r\nlast,z");
        QVERIFY(table.ok());
        QCOMPARE(rows(*table), (QList<QStringList>{{u"h1"_s, u"h2"_s},
                                                   {u"a\nb\nc"_s, u"x"_s},
                                                   {u"d\ne"_s, u"y"_s},
                                                   {u"last"_s, u"z"_s}}));
        QCOMPARE(lines(*table), (QList<int>{1, 2, 5, 7}));
    }

    void crlfFile()
    {
        auto table = CsvReader::parse("a,b\r\n1,2\r\n3,4\r\n");
        QVERIFY(table.ok());
        QCOMPARE(rows(*table),
                 (QList<QStringList>{{u"a"_s, u"b"_s}, {u"1"_s, u"2"_s}, {u"3"_s, u"4"_s}}));
        QCOMPARE(lines(*table), (QList<int>{1, 2, 3}));
    }

    void loneCarriageReturnsEndLines()
    {
        auto table = CsvReader::parse("a,b\r1,2\r");
        QVERIFY(table.ok());
        QCOMPARE(rows(*table), (QList<QStringList>{{u"a"_s, u"b"_s}, {u"1"_s, u"2"_s}}));
        QCOMPARE(lines(*table), (QList<int>{1, 2}));
    }

    void bomIsStripped()
    {
        auto with = CsvReader::parse("\xEF\xBB\xBFname,city\nZoë,Köln\n");
        auto without = CsvReader::parse("name,city\nZoë,Köln\n");
        QVERIFY(with.ok());
        QVERIFY(without.ok());
        QCOMPARE(rows(*with), rows(*without));
        QCOMPARE(with->records.constFirst().fields.constFirst(), u"name"_s);
        QCOMPARE(with->records.at(1).fields, (QStringList{u"Zoë"_s, u"Köln"_s}));
    }

    void semicolonsAreDetected()
    {
        auto table = CsvReader::parse("Name;Umsatz;Stadt\n\"Müller; Söhne\";1,5;Köln\n");
        QVERIFY(table.ok());
        QCOMPARE(table->separator, ';');
        QCOMPARE(rows(*table), (QList<QStringList>{{u"Name"_s, u"Umsatz"_s, u"Stadt"_s},
                                                   {u"Müller; Söhne"_s, u"1,5"_s, u"Köln"_s}}));
        // A header with commas keeps the comma even when it also has semicolons.
        auto mixed = CsvReader::parse("a;b,c\n1;2,3\n");
        QVERIFY(mixed.ok());
        QCOMPARE(mixed->separator, ',');
        QCOMPARE(mixed->records.at(1).fields, (QStringList{u"1;2"_s, u"3"_s}));
        // A semicolon inside a quoted header does not count.
        auto quoted = CsvReader::parse("\"a;b\"\n1\n");
        QVERIFY(quoted.ok());
        QCOMPARE(quoted->separator, ',');
        // An explicit separator wins over detection.
        auto forced = CsvReader::parse("a;b\n", ',');
        QVERIFY(forced.ok());
        QCOMPARE(forced->records.constFirst().fields, QStringList{u"a;b"_s});
    }

    void blankLinesAreSkipped()
    {
        auto table = CsvReader::parse("\na,b\n\n\r\n1,2\n\n");
        QVERIFY(table.ok());
        QCOMPARE(rows(*table), (QList<QStringList>{{u"a"_s, u"b"_s}, {u"1"_s, u"2"_s}}));
        QCOMPARE(lines(*table), (QList<int>{2, 5}));
        QVERIFY(CsvReader::parse("").ok());
        QVERIFY(CsvReader::parse("")->records.isEmpty());
        QVERIFY(CsvReader::parse("\n\r\n")->records.isEmpty());
    }

    void emptyFields()
    {
        auto table = CsvReader::parse("a,,c\n,,\n\"\",x,\n");
        QVERIFY(table.ok());
        QCOMPARE(rows(*table), (QList<QStringList>{{u"a"_s, QString(), u"c"_s},
                                                   {QString(), QString(), QString()},
                                                   {QString(), u"x"_s, QString()}}));
        // A line holding only a quoted empty field is a record, not a blank line.
        auto quotedEmpty = CsvReader::parse("h\n\"\"\n");
        QVERIFY(quotedEmpty.ok());
        QCOMPARE(quotedEmpty->records.size(), 2);
    }

    void fieldAtEndOfFileWithoutNewline()
    {
        auto table = CsvReader::parse("a,b\n1,\"two\nlines\"");
        QVERIFY(table.ok());
        QCOMPARE(table->records.at(1).fields, (QStringList{u"1"_s, u"two\nlines"_s}));
        auto trailingSeparator = CsvReader::parse("a,b\n1,");
        QVERIFY(trailingSeparator.ok());
        QCOMPARE(trailingSeparator->records.at(1).fields, (QStringList{u"1"_s, QString()}));
    }

    void strayQuotesAreKeptAsText()
    {
        auto table = CsvReader::parse("a,b\n5\" disk,\"x\"y\n");
        QVERIFY(table.ok());
        QCOMPARE(table->records.at(1).fields, (QStringList{u"5\" disk"_s, u"xy"_s}));
    }

    void unterminatedQuoteNamesTheLineItStarted()
    {
        auto table = CsvReader::parse("a,b\n1,2\n3,\"open\nmore\nstill open\n");
        QVERIFY(!table.ok());
        QCOMPARE(table.error().code, ErrorCode::InvalidInput);
        QVERIFY2(table.error().message.startsWith(u"Line 3 "_s), qPrintable(table.error().message));
        QVERIFY(!table.error().message.contains(u"open"_s.toUpper()));
    }

    void invalidUtf8NamesTheLine()
    {
        // Latin-1 "ü" (0xFC) on line 3, and an overlong encoding of "/" on line 2.
        for (const auto &[data, line] : {std::pair{QByteArray("a,b\nok,1\nM\xFCller,2\n"), 3},
                                         std::pair{QByteArray("a\n\xC0\xAF\n"), 2},
                                         std::pair{QByteArray("a\n\"x\ny\"\n\xED\xA0\x80\n"), 4}}) {
            auto table = CsvReader::parse(data);
            QVERIFY(!table.ok());
            QCOMPARE(table.error().code, ErrorCode::InvalidInput);
            QVERIFY2(table.error().message.startsWith(u"Line %1 "_s.arg(line)), qPrintable(table.error().message));
            QVERIFY(table.error().message.contains(u"UTF-8"_s));
        }
        // Four-byte sequences (emoji) are fine.
        auto emoji = CsvReader::parse("a\n\xF0\x9F\x98\x80\n");
        QVERIFY(emoji.ok());
        QCOMPARE(emoji->records.at(1).fields.constFirst(), u"\U0001F600"_s);
    }

    void refusesHugeFieldsAndFiles()
    {
        QByteArray big = "a\n\"";
        big.append(QByteArray(CsvReader::kMaxFieldBytes + 1, 'x'));
        big.append("\"\n");
        auto quoted = CsvReader::parse(big);
        QVERIFY(!quoted.ok());
        QVERIFY2(quoted.error().message.startsWith(u"Line 2 "_s), qPrintable(quoted.error().message));
        QVERIFY(quoted.error().message.contains(u"1 MiB"_s));

        QByteArray plain = "a\nb\n";
        plain.append(QByteArray(CsvReader::kMaxFieldBytes + 1, 'y'));
        auto unquoted = CsvReader::parse(plain);
        QVERIFY(!unquoted.ok());
        QVERIFY2(unquoted.error().message.startsWith(u"Line 3 "_s), qPrintable(unquoted.error().message));

        // Exactly at the limit is fine.
        QByteArray limit = "a\n";
        limit.append(QByteArray(CsvReader::kMaxFieldBytes, 'z'));
        QVERIFY(CsvReader::parse(limit).ok());

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(u"huge.csv"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(CsvReader::kMaxFileBytes + 1)); // sparse: nothing is written
        file.close();
        auto huge = CsvReader::readFile(file.fileName());
        QVERIFY(!huge.ok());
        QVERIFY(huge.error().message.contains(u"64 MiB"_s));
    }

    void readsFiles()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(u"accounts.csv"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("\xEF\xBB\xBFName;Stadt\r\nAcme;Köln\r\n");
        file.close();
        auto table = CsvReader::readFile(file.fileName());
        QVERIFY(table.ok());
        QCOMPARE(rows(*table), (QList<QStringList>{{u"Name"_s, u"Stadt"_s}, {u"Acme"_s, u"Köln"_s}}));
        auto missing = CsvReader::readFile(dir.filePath(u"missing.csv"_s));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestCsvReader)
#include "tst_csvreader.moc"
