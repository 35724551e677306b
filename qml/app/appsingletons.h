#pragma once

#include "appsettings.h"
#include "session.h"
#include "singletoninstance.h"
#include "synccontroller.h"

#include <QtQml/qqmlregistration.h>

// The app-wide objects as singletons of the Fieldnotes module, so qmllint and the engine know them from the type
// information. Their objects come from the composition root: AppSetup::registerSingletons() (main(), the tests).
//
// Foreign declarations rather than QML_SINGLETON on the classes: Qt 6.4 constructs a default-constructible singleton
// class itself and ignores its static create() (AppSettings is one: Preferences would be a second, engine-made
// settings object), whereas the create() of a QML_FOREIGN declaration is always what the engine calls.

namespace fieldnotes::app {

/** AppSession: the Session main() made. */
struct AppSessionSingleton
{
    Q_GADGET
    QML_FOREIGN(fieldnotes::app::Session)
    QML_NAMED_ELEMENT(AppSession)
    QML_SINGLETON

public:
    [[nodiscard]] static Session *create(QQmlEngine *engine, QJSEngine *)
    {
        return SingletonInstance<Session>::forEngine(engine);
    }
};

/** AppSync: the SyncController main() made. */
struct AppSyncSingleton
{
    Q_GADGET
    QML_FOREIGN(fieldnotes::app::SyncController)
    QML_NAMED_ELEMENT(AppSync)
    QML_SINGLETON

public:
    [[nodiscard]] static SyncController *create(QQmlEngine *engine, QJSEngine *)
    {
        return SingletonInstance<SyncController>::forEngine(engine);
    }
};

/** Preferences: the AppSettings main() made. */
struct PreferencesSingleton
{
    Q_GADGET
    QML_FOREIGN(fieldnotes::app::AppSettings)
    QML_NAMED_ELEMENT(Preferences)
    QML_SINGLETON

public:
    [[nodiscard]] static AppSettings *create(QQmlEngine *engine, QJSEngine *)
    {
        return SingletonInstance<AppSettings>::forEngine(engine);
    }
};

} // namespace fieldnotes::app
