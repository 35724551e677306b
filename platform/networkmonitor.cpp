#include "platform/networkmonitor.h"

#include <QNetworkInformation>

namespace fieldnotes {

NetworkMonitor::NetworkMonitor(QObject *parent)
    : QObject(parent)
{
    if (!QNetworkInformation::loadBackendByFeatures(QNetworkInformation::Feature::Reachability))
        return;
    QNetworkInformation *info = QNetworkInformation::instance();
    m_backend = info->backendName();
    const auto update = [this](QNetworkInformation::Reachability reachability) {
        // Local and Site may still reach a server on the LAN; only a certain "disconnected" is offline.
        const bool online = reachability != QNetworkInformation::Reachability::Disconnected;
        if (online == m_online)
            return;
        m_online = online;
        Q_EMIT onlineChanged(online);
    };
    update(info->reachability());
    connect(info, &QNetworkInformation::reachabilityChanged, this, update);
}

NetworkMonitor::~NetworkMonitor() = default;

} // namespace fieldnotes
