#include "appsettings.h"
#include "appsetup.h"
#include "session.h"
#include "synccontroller.h"

#include <QPointer>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include <memory>

Q_IMPORT_QML_PLUGIN(FieldnotesPlugin)

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

/// What QML sees of the three singletons, read by one engine.
std::unique_ptr<QObject> readSingletons(QQmlEngine &engine)
{
    static const QByteArray reader = R"(
        import QtQml
        import Fieldnotes
        QtObject {
            property QtObject session: AppSession
            property QtObject sync: AppSync
            property QtObject preferences: Preferences
            property bool noStore: AppSession.state === AppSession.NoStore
            property bool localOnly: AppSync.status === AppSync.LocalOnly
            property bool dark: Preferences.darkTheme
        }
    )";
    QQmlComponent component(&engine);
    component.setData(reader, QUrl(u"qrc:/tst_singletoninstance/Reader.qml"_s));
    std::unique_ptr<QObject> object(component.create());
    if (!object)
        qWarning("%s", qPrintable(component.errorString()));
    return object;
}

} // namespace

/**
 * AppSession, AppSync and Preferences are declared in the module and hand every engine the objects main() (or a
 * test's setup) registered, owned by C++: several engines at once or one after another, none of them deletes them.
 */
class TestSingletonInstance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void everyEngineGetsTheSameObjects()
    {
        Objects objects(m_dir.filePath(u"a"_s));
        QQmlEngine first;
        QQmlEngine second;
        app::AppSetup::configureEngine(first);
        app::AppSetup::configureEngine(second);
        const auto fromFirst = readSingletons(first);
        const auto fromSecond = readSingletons(second);
        QVERIFY(fromFirst && fromSecond);
        for (QObject *reader : {fromFirst.get(), fromSecond.get()}) {
            QCOMPARE(reader->property("session").value<QObject *>(), objects.session.get());
            QCOMPARE(reader->property("sync").value<QObject *>(), objects.sync.get());
            QCOMPARE(reader->property("preferences").value<QObject *>(), objects.settings.get());
            QVERIFY(reader->property("noStore").toBool());
            QVERIFY(reader->property("localOnly").toBool());
        }
        QCOMPARE(QJSEngine::objectOwnership(objects.session.get()), QJSEngine::CppOwnership);
        QCOMPARE(QJSEngine::objectOwnership(objects.sync.get()), QJSEngine::CppOwnership);
        QCOMPARE(QJSEngine::objectOwnership(objects.settings.get()), QJSEngine::CppOwnership);
    }

    void destroyingAnEngineKeepsTheObjects()
    {
        Objects objects(m_dir.filePath(u"b"_s));
        // Held by guards only: were an engine to delete them, the guards would say so (and nothing is freed twice).
        QPointer<app::Session> session = objects.session.release();
        QPointer<app::AppSettings> settings = objects.settings.release();
        QPointer<app::SyncController> sync = objects.sync.release();
        auto second = std::make_unique<QQmlEngine>();
        app::AppSetup::configureEngine(*second);
        const auto fromSecond = readSingletons(*second);
        QVERIFY(fromSecond);
        {
            QQmlEngine first;
            app::AppSetup::configureEngine(first);
            QVERIFY(readSingletons(first));
        }
        QVERIFY(session && settings && sync);

        // The engine still alive keeps working with them, and so does a new one.
        settings->setDarkTheme(true);
        QVERIFY(fromSecond->property("dark").toBool());
        {
            QQmlEngine third;
            app::AppSetup::configureEngine(third);
            const auto fromThird = readSingletons(third);
            QVERIFY(fromThird);
            QCOMPARE(fromThird->property("session").value<QObject *>(), session.data());
            QVERIFY(fromThird->property("dark").toBool());
        }
        second.reset();
        QVERIFY(session && settings && sync);
        delete sync.data();
        delete settings.data();
        delete session.data();
    }

    void aNewEngineGetsNewlyRegisteredObjects()
    {
        Objects before(m_dir.filePath(u"c"_s));
        QQmlEngine early;
        app::AppSetup::configureEngine(early);
        const auto fromEarly = readSingletons(early);
        Objects after(m_dir.filePath(u"d"_s));
        QQmlEngine late;
        app::AppSetup::configureEngine(late);
        const auto fromLate = readSingletons(late);
        QVERIFY(fromEarly && fromLate);
        QCOMPARE(fromLate->property("session").value<QObject *>(), after.session.get());
        // An engine keeps the objects it got first.
        QCOMPARE(fromEarly->property("session").value<QObject *>(), before.session.get());
    }

private:
    /// The app's three objects, registered for the engines made after them (as main() and the test setups do).
    struct Objects
    {
        explicit Objects(const QString &dir)
            : settings(std::make_unique<app::AppSettings>(dir + u"/settings.ini"_s))
            , session(std::make_unique<app::Session>(dir + u"/store"_s, nullptr))
            , sync(std::make_unique<app::SyncController>(session.get(), nullptr, nullptr))
        {
            app::AppSetup::registerSingletons(session.get(), settings.get(), sync.get());
        }
        std::unique_ptr<app::AppSettings> settings;
        std::unique_ptr<app::Session> session;
        std::unique_ptr<app::SyncController> sync;
    };

    QTemporaryDir m_dir;
};

QTEST_MAIN(TestSingletonInstance)
#include "tst_singletoninstance.moc"
