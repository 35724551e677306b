#include "appsettings.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

AppSettings::AppSettings(const QString &fileName, QObject *parent)
    : QObject(parent),
      m_settings(fileName.isEmpty() ? std::make_unique<QSettings>()
                                    : std::make_unique<QSettings>(fileName, QSettings::IniFormat))
{
    m_lockTimeoutMinutes =
        std::clamp(m_settings->value(u"lock/timeoutMinutes"_s, kDefaultLockTimeoutMinutes).toInt(), 0, 24 * 60);
    m_darkTheme = m_settings->value(u"appearance/dark"_s, false).toBool();
}

void AppSettings::setLockTimeoutMinutes(int minutes)
{
    minutes = std::clamp(minutes, 0, 24 * 60);
    if (minutes == m_lockTimeoutMinutes)
        return;
    m_lockTimeoutMinutes = minutes;
    m_settings->setValue(u"lock/timeoutMinutes"_s, minutes);
    emit lockTimeoutMinutesChanged();
}

void AppSettings::setDarkTheme(bool dark)
{
    if (dark == m_darkTheme)
        return;
    m_darkTheme = dark;
    m_settings->setValue(u"appearance/dark"_s, dark);
    emit darkThemeChanged();
}

} // namespace fieldnotes::app
