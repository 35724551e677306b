#pragma once

class QQmlEngine;

namespace fieldnotes::app {

class AppSettings;
class Session;
class SyncController;

/** What main() and the QML tests share: the app-wide objects QML reaches as singletons. */
namespace AppSetup {

/// Registers `session` as AppSession and `settings` as Preferences in the Fieldnotes module; both must outlive
/// every engine that uses them.
/// AppSession, Preferences and AppSync. Without `sync`, a controller that cannot sign in (tests, the self-test).
void registerSingletons(Session *session, AppSettings *settings, SyncController *sync = nullptr);

/// Makes `engine` find the Fieldnotes module in the binary's resources (Qt 6.4 does not look in qrc:/qt/qml).
void configureEngine(QQmlEngine &engine);

/// Selects the Material style (before the first QML engine loads Controls).
void useMaterialStyle();

/**
 * The --self-test run: loads Main.qml and then every page of the module, unlocked on the already open `session`,
 * and returns 0 when nothing failed and QML printed no warning, 1 otherwise.
 */
int runSelfTest(QQmlEngine &engine, Session &session);

} // namespace AppSetup
} // namespace fieldnotes::app
