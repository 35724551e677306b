#pragma once

class QQmlEngine;

namespace fieldnotes::app {

class AppSettings;
class Session;
class SyncController;

/** What main() and the QML tests share: the app-wide objects QML reaches as singletons. */
namespace AppSetup {

/**
 * Registers the objects behind the Fieldnotes module's singletons (appsingletons.h): AppSession (`session`),
 * Preferences (`settings`) and AppSync (`sync`; without one, a controller that cannot sign in, owned by `session`:
 * tests, the self-test). Call it on the GUI thread before an engine loads QML that uses them; they must outlive every
 * engine that got them. Every engine gets the same objects (SingletonInstance); a test may call it again with new
 * ones before its next engine.
 */
void registerSingletons(Session *session, AppSettings *settings, SyncController *sync = nullptr);

/// Makes `engine` find the Fieldnotes module in the binary's resources (Qt 6.4 does not look in qrc:/qt/qml).
void configureEngine(QQmlEngine &engine);

/// Selects the Material style (before the first QML engine loads Controls).
void useMaterialStyle();

/**
 * Installs the app's translations in the running Q(Gui)Application: the user's language if the app has it, else
 * English, whose translation gives the plural forms ("1 insight", "2 insights") of the `%n` texts. Call it before an
 * engine loads QML; calling it again does nothing. False if no translation could be loaded.
 */
bool installTranslations();

/**
 * The --self-test run: loads Main.qml and then every page of the module, unlocked on the already open `session`,
 * and returns 0 when nothing failed and QML printed no warning, 1 otherwise.
 */
int runSelfTest(QQmlEngine &engine, Session &session);

} // namespace AppSetup
} // namespace fieldnotes::app
