#include "firstframereporter.h"

#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTest>

#include <chrono>

using namespace Qt::Literals::StringLiterals;
using fieldnotes::app::FirstFrameReporter;

namespace {

qint64 steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

/** `fieldnotes --report-first-frame`: the first frame is reported once, only after the list has rows. */
class TestFirstFrameReporter : public QObject
{
    Q_OBJECT

private slots:
    void reportsTheFirstFrameWithRows()
    {
        QQmlEngine engine;
        QQmlComponent component(&engine);
        component.setData(R"(
            import QtQuick
            Window {
                width: 300; height: 300; visible: true
                property int rows: 0
                Item {
                    anchors.fill: parent
                    ListView {
                        objectName: "conversationList"
                        anchors.fill: parent
                        model: rows
                        delegate: Rectangle { width: 300; height: 20; color: "steelblue" }
                    }
                }
            })"_ba,
            QUrl(u"file:///tst_firstframereporter.qml"_s));
        std::unique_ptr<QObject> root(component.create());
        QVERIFY2(root, qPrintable(component.errorString()));
        auto *window = qobject_cast<QQuickWindow *>(root.get());
        QVERIFY(window);

        int reports = 0;
        FirstFrameReporter::Line reported;
        FirstFrameReporter reporter(window, u"conversationList"_s, [&](qint64 ns, int rows) {
            ++reports;
            reported = {ns, rows};
        });
        QSignalSpy swapped(window, &QQuickWindow::frameSwapped);
        QVERIFY(QTest::qWaitForWindowExposed(window));
        QTRY_VERIFY(swapped.count() > 0); // frames are swapped on this platform
        QTest::qWait(50);
        QCOMPARE(reports, 0); // an empty list is not the first frame

        const qint64 before = steadyNs();
        root->setProperty("rows", 3);
        QTRY_COMPARE(reports, 1);
        QCOMPARE(reported.rows, 3);
        QVERIFY(reported.swappedNs >= before);
        QVERIFY(reported.swappedNs <= steadyNs());

        root->setProperty("rows", 5);
        window->requestUpdate();
        QTest::qWait(100);
        QCOMPARE(reports, 1); // once
    }

    void lineRoundTrip()
    {
        const QByteArray line = FirstFrameReporter::formatLine(123456789012, 50);
        QCOMPARE(line, "first-frame steady_ns=123456789012 rows=50"_ba);
        const auto parsed = FirstFrameReporter::parseLine(line + "\n");
        QVERIFY(parsed);
        QCOMPARE(parsed->swappedNs, 123456789012);
        QCOMPARE(parsed->rows, 50);
        QVERIFY(!FirstFrameReporter::parseLine("qml: something else"));
        QVERIFY(!FirstFrameReporter::parseLine("first-frame steady_ns=x rows=1"));
        QVERIFY(!FirstFrameReporter::parseLine("first-frame steady_ns=5 rows=0"));
    }
};

QTEST_MAIN(TestFirstFrameReporter)
#include "tst_firstframereporter.moc"
