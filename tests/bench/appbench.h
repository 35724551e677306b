#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace fieldnotes::bench {

struct AppBenchOptions
{
    QString cacheDir; ///< holds the generated store (`store/`) and what it was generated with (`params.json`)
    bool regenerate = false;
    int insights = 100000;
    int conversations = 20000;
    int accounts = 200;
    int tags = 40;
    int runs = 7; ///< timed starts of the app (after one untimed)
    QStringList queries; ///< typed one character at a time into the conversations search
    int typingIntervalMs = 150; ///< pause between two keystrokes, as a fast typist
    QString platform = QStringLiteral("offscreen"); ///< QT_QPA_PLATFORM of the app processes; "xcb" starts Xvfb
    QString appProgram; ///< the fieldnotes executable
    QString benchProgram; ///< this executable, for the search child (`app-ui`)
    quint32 seed = 20240611;
};

/**
 * Issue 5: the app on a large store. Start to first frame of the conversations list (the real `fieldnotes`, key from
 * the OS keystore, no Argon2id), search-as-you-type latency through the real page, and peak RSS. Must run inside
 * tests/platform/with-keyring.sh (a private keyring the bench writes the store's key to).
 */
[[nodiscard]] QJsonObject runAppBench(const AppBenchOptions &options, QString *error);

/// The child that loads the real UI in-process and types the queries (`fieldnotes-bench app-ui`); JSON on stdout.
int runAppUi(int argc, char *argv[]);

} // namespace fieldnotes::bench
