// The app's one composition root: the platform keystore, the settings, the session and the QML engine.

#include "app/appsettings.h"
#include "app/appsetup.h"
#include "app/firstframereporter.h"
#include "app/session.h"
#include "app/synccontroller.h"
#include "platform/networkmonitor.h"
#include "base/securebuffer.h"
#include "crypto/keyvault.h"
#include "platform/keystore.h"
#include "platform/memorykeystore.h"
#include "platform/paths.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtQml/QQmlExtensionPlugin>

#include <cstdio>

Q_IMPORT_QML_PLUGIN(FieldnotesPlugin)

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

/// A throw-away unlocked store for --self-test, so every page loads with a store behind it.
bool openSelfTestStore(app::Session &session, const QString &dir)
{
    auto passphrase = SecureBuffer::fromByteArray(QByteArray("self-test passphrase"));
    auto key = StoreDirectory::initialize(dir, passphrase, KdfParams::fastForTests());
    if (!key)
        return false;
    auto store = Store::open(dir, *key);
    if (!store)
        return false;
    session.adoptStore(std::move(*store));
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    disableCoreDumps();
    QGuiApplication application(argc, argv);
    // The CLI uses the same names, so both find the same stores.
    QCoreApplication::setOrganizationName(u"Fieldnotes"_s);
    QCoreApplication::setApplicationName(u"fieldnotes"_s);
    QGuiApplication::setApplicationDisplayName(u"Fieldnotes"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Fieldnotes: capture customer conversations, offline and encrypted."_s);
    parser.addHelpOption();
    const QCommandLineOption dataDirOption(u"data-dir"_s, u"The store directory (default: the local store)."_s,
                                           u"DIR"_s);
    const QCommandLineOption selfTestOption(u"self-test"_s, u"Load every page on a temporary store, then quit."_s);
    const QCommandLineOption sizeOption(u"window-size"_s, u"Start with this window size (e.g. 400x800: a phone)."_s,
                                        u"WxH"_s);
    // For fieldnotes-bench app: prints one line with the time (steady clock) the first frame that shows conversations
    // was swapped. It reveals nothing but that time and the number of rows.
    const QCommandLineOption firstFrameOption(u"report-first-frame"_s,
                                              u"Print when the first frame with the conversations list was shown."_s);
    parser.addOptions({dataDirOption, selfTestOption, sizeOption, firstFrameOption});
    parser.process(application);
    const bool selfTest = parser.isSet(selfTestOption);
    // Before any QML: the plural forms of every "%n …" text come from the English translation.
    if (!app::AppSetup::installTranslations()) {
        std::fprintf(stderr, "fieldnotes: the translations are missing from this build\n");
        if (selfTest)
            return 1;
    }

    QTemporaryDir selfTestDir;
    QString dir = parser.isSet(dataDirOption) ? parser.value(dataDirOption) : Paths::localStoreDirectory();
    if (selfTest)
        dir = selfTestDir.filePath(u"store"_s);
    dir = QDir::cleanPath(QDir(dir).absolutePath());

    // The self-test must not touch the user's keystore or settings.
    std::unique_ptr<KeyStore> keyStore =
        selfTest ? std::unique_ptr<KeyStore>(std::make_unique<MemoryKeyStore>()) : createPlatformKeyStore();
    app::AppSettings settings(selfTest ? selfTestDir.filePath(u"settings.ini"_s) : QString());
    app::Session session(dir, keyStore.get());
    const auto applyTimeout = [&] { session.setIdleTimeoutSeconds(settings.lockTimeoutMinutes() * 60); };
    applyTimeout();
    QObject::connect(&settings, &app::AppSettings::lockTimeoutMinutesChanged, &session, applyTimeout);
    application.installEventFilter(&session);
    QObject::connect(&application, &QGuiApplication::applicationStateChanged, &session,
                     &app::Session::handleApplicationState);
    QObject::connect(&application, &QCoreApplication::aboutToQuit, &session, &app::Session::lock);

    app::AppSetup::useMaterialStyle();
    NetworkMonitor network;
    app::SyncController sync(&session, selfTest ? nullptr : keyStore.get(), &network);
    app::AppSetup::registerSingletons(&session, &settings, &sync);
    QQmlApplicationEngine engine;

    if (selfTest) {
        if (!openSelfTestStore(session, dir)) {
            std::fprintf(stderr, "self-test: could not create a store\n");
            return 1;
        }
        return app::AppSetup::runSelfTest(engine, session);
    }

    app::AppSetup::configureEngine(engine);
    engine.load(QUrl(u"qrc:/qt/qml/Fieldnotes/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;
    if (parser.isSet(sizeOption)) {
        const QStringList size = parser.value(sizeOption).split(u'x');
        if (size.size() == 2 && size.at(0).toInt() > 0 && size.at(1).toInt() > 0) {
            engine.rootObjects().constFirst()->setProperty("width", size.at(0).toInt());
            engine.rootObjects().constFirst()->setProperty("height", size.at(1).toInt());
        }
    }
    std::unique_ptr<app::FirstFrameReporter> firstFrame;
    if (parser.isSet(firstFrameOption)) {
        firstFrame = std::make_unique<app::FirstFrameReporter>(
            qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst()), u"conversationList"_s,
            [](qint64 swappedNs, int rows) {
                const QByteArray line = app::FirstFrameReporter::formatLine(swappedNs, rows) + '\n';
                std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
                std::fflush(stdout);
            });
    }
    if (session.state() == app::Session::State::Locked && session.remembered())
        session.unlockWithKeystore();
    return QGuiApplication::exec();
}
