#include "appsetup.h"

#include "appsettings.h"
#include "session.h"
#include "singletoninstance.h"
#include "synccontroller.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QLocale>
#include <QPointer>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTranslator>

#include <atomic>
#include <cstdio>
#include <memory>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app::AppSetup {

namespace {

std::atomic<int> g_problems {0};
QtMessageHandler g_previousHandler = nullptr;

void countingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type != QtDebugMsg && type != QtInfoMsg)
        ++g_problems;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

void settle()
{
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

} // namespace

void registerSingletons(Session *session, AppSettings *settings, SyncController *sync)
{
    SingletonInstance<Session>::provide(session);
    SingletonInstance<AppSettings>::provide(settings);
    // Without a keystore there is no sign-in: the controller then only ever says "local only".
    if (!sync)
        sync = new SyncController(session, nullptr, nullptr, session);
    SingletonInstance<SyncController>::provide(sync);
}

void configureEngine(QQmlEngine &engine)
{
    engine.addImportPath(u"qrc:/qt/qml"_s);
}

void useMaterialStyle()
{
    QQuickStyle::setStyle(u"Material"_s);
}

bool installTranslations()
{
    // Parented to the application: gone with it, and then installed again for the next one (tests).
    static QPointer<QTranslator> installed;
    if (installed)
        return true;
    auto translator = std::make_unique<QTranslator>(QCoreApplication::instance());
    if (!translator->load(QLocale(), u"fieldnotes"_s, u"_"_s, u":/i18n"_s)
        && !translator->load(u"fieldnotes_en"_s, u":/i18n"_s))
        return false;
    QCoreApplication::installTranslator(translator.get());
    installed = translator.release();
    return true;
}

int runSelfTest(QQmlEngine &engine, Session &session)
{
    g_previousHandler = qInstallMessageHandler(countingHandler);
    configureEngine(engine);
    QQmlComponent main(&engine, QUrl(u"qrc:/qt/qml/Fieldnotes/Main.qml"_s));
    std::unique_ptr<QObject> window(main.create());
    if (!window) {
        std::fprintf(stderr, "self-test: Main.qml: %s\n", qPrintable(main.errorString()));
        return 1;
    }
    auto *quickWindow = qobject_cast<QQuickWindow *>(window.get());

    settle();
    int pages = 0;
    QDirIterator it(u":/qt/qml/Fieldnotes/pages"_s, {u"*.qml"_s}, QDir::Files, QDirIterator::Subdirectories);
    QStringList files;
    while (it.hasNext())
        files << it.next();
    files.sort();

    for (const QString &file : std::as_const(files)) {
        QQmlComponent component(&engine, QUrl(u"qrc"_s + file));
        std::unique_ptr<QObject> page(component.create());
        if (!page) {
            std::fprintf(stderr, "self-test: %s: %s\n", qPrintable(file), qPrintable(component.errorString()));
            ++g_problems;
            continue;
        }
        if (auto *item = qobject_cast<QQuickItem *>(page.get()); item && quickWindow) {
            item->setParentItem(quickWindow->contentItem());
            item->setSize(quickWindow->contentItem()->size());
        }
        settle();
        ++pages;
    }
    // The lock screen too: locking must leave no page of data behind and no warning.
    session.lock();
    settle();
    window.reset();
    settle();
    qInstallMessageHandler(g_previousHandler);
    const int problems = g_problems.load();
    std::fprintf(stderr, "self-test: loaded Main.qml and %d pages, %d warnings or errors\n", pages, problems);
    return pages > 0 && problems == 0 ? 0 : 1;
}

} // namespace fieldnotes::app::AppSetup
