#include "records/hlc.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/** Tests the hybrid logical clock: string form, ordering, monotonicity under a clock that goes back. */
class TestHlc : public QObject
{
    Q_OBJECT

private slots:
    void formatsAsInTheContract()
    {
        const Hlc hlc{1732780800000, 7, u"3f1c"_s};
        QCOMPARE(hlc.toString(), u"1732780800000-0007-3f1c"_s);
        QCOMPARE(Hlc::parse(hlc.toString()), hlc);
        const Hlc small{5, 0, u"a"_s};
        QCOMPARE(small.toString(), u"0000000000005-0000-a"_s);
    }

    void rejectsMalformedStamps_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << QString();
        QTest::newRow("short millis") << u"173278080000-0000-a"_s;
        QTest::newRow("no device") << u"1732780800000-0000-"_s;
        QTest::newRow("letters") << u"17327808000x0-0000-a"_s;
        QTest::newRow("sign") << u"-732780800000-0000-a"_s;
        QTest::newRow("dash in device") << u"1732780800000-0000-a-b"_s;
        QTest::newRow("arabic digits") << u"\u0661732780800000-0000-a"_s;
    }
    void rejectsMalformedStamps()
    {
        QFETCH(QString, text);
        QVERIFY(!Hlc::parse(text).has_value());
    }

    void stringOrderIsTimeOrder()
    {
        const QList<Hlc> ordered{{999, 9999, u"z"_s}, {1000, 0, u"a"_s}, {1000, 1, u"a"_s}, {1000, 1, u"b"_s},
                                 {10000000000, 0, u"a"_s}};
        for (int i = 1; i < ordered.size(); ++i) {
            QVERIFY(ordered[i - 1] < ordered[i]);
            QVERIFY(ordered[i - 1].toString() < ordered[i].toString());
        }
    }

    void monotonicWhenTheWallClockGoesBack()
    {
        qint64 wall = 5000;
        HlcClock clock(u"dev"_s, [&] { return wall; });
        const Hlc a = clock.now();
        QCOMPARE(a.millis, 5000);
        QCOMPARE(a.counter, 0);
        wall = 4000; // the user set the clock back
        const Hlc b = clock.now();
        QVERIFY(a < b);
        QCOMPARE(b.millis, 5000);
        QCOMPARE(b.counter, 1);
        wall = 6000;
        const Hlc c = clock.now();
        QCOMPARE(c.millis, 6000);
        QCOMPARE(c.counter, 0);
    }

    void counterOverflowBorrowsTheNextMillisecond()
    {
        HlcClock clock(u"dev"_s, [] { return qint64(100); });
        Hlc last = clock.now();
        for (int i = 0; i < Hlc::kMaxCounter + 5; ++i) {
            const Hlc next = clock.now();
            QVERIFY(last < next);
            QVERIFY(next.counter <= Hlc::kMaxCounter);
            last = next;
        }
        QCOMPARE(last.millis, 101);
    }

    void observeMovesPastRemoteStamps()
    {
        HlcClock clock(u"mine"_s, [] { return qint64(1000); });
        clock.observe(Hlc{90000, 3, u"theirs"_s});
        const Hlc next = clock.now();
        const Hlc theirs{90000, 3, u"theirs"_s};
        QVERIFY(next > theirs);
        QCOMPARE(next.deviceId, u"mine"_s);
        clock.observe(Hlc{10, 0, u"old"_s}); // older stamps change nothing
        QVERIFY(clock.now() > next);
    }

    void validDeviceIds()
    {
        QVERIFY(HlcClock::isValidDeviceId(u"3f1c9a_B"_s));
        QVERIFY(!HlcClock::isValidDeviceId(QString()));
        QVERIFY(!HlcClock::isValidDeviceId(u"a-b"_s));
        QVERIFY(!HlcClock::isValidDeviceId(QString(65, u'a')));
        QVERIFY(!HlcClock::isValidDeviceId(u"ä"_s));
    }
};

QTEST_GUILESS_MAIN(TestHlc)
#include "tst_hlc.moc"
