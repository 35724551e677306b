#pragma once

#include <QObject>
#include <QSettings>

#include <memory>

namespace fieldnotes::app {

/**
 * The app's non-secret preferences (lock timeout, theme), kept with QSettings. Never a passphrase or a key. QML
 * reaches them as the singleton Preferences (appsingletons.h).
 */
class AppSettings : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AppSettings)
    Q_PROPERTY(int lockTimeoutMinutes READ lockTimeoutMinutes WRITE setLockTimeoutMinutes NOTIFY
                   lockTimeoutMinutesChanged)
    Q_PROPERTY(bool darkTheme READ darkTheme WRITE setDarkTheme NOTIFY darkThemeChanged)
    Q_PROPERTY(QList<int> lockTimeoutChoices READ lockTimeoutChoices CONSTANT)

public:
    static constexpr int kDefaultLockTimeoutMinutes = 5;

    /// Settings in `fileName` (tests), or the platform's place for organization/application.
    explicit AppSettings(const QString &fileName = QString(), QObject *parent = nullptr);

    [[nodiscard]] int lockTimeoutMinutes() const { return m_lockTimeoutMinutes; }
    void setLockTimeoutMinutes(int minutes);
    [[nodiscard]] bool darkTheme() const { return m_darkTheme; }
    void setDarkTheme(bool dark);
    /// Minutes the settings page offers; 0 = never lock when idle (suspend still locks).
    [[nodiscard]] QList<int> lockTimeoutChoices() const { return {1, 2, 5, 10, 15, 30, 0}; }

signals:
    void lockTimeoutMinutesChanged();
    void darkThemeChanged();

private:
    std::unique_ptr<QSettings> m_settings;
    int m_lockTimeoutMinutes = kDefaultLockTimeoutMinutes;
    bool m_darkTheme = false;
};

} // namespace fieldnotes::app
