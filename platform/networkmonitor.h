#pragma once

#include <QObject>

namespace fieldnotes {

/**
 * Whether this device has a network, as the OS reports it (QNetworkInformation: NetworkManager on Linux, the
 * platform's own elsewhere). When the OS cannot tell, the device counts as online and the sync engine finds out by
 * trying: a missing backend must never stop sync.
 */
class NetworkMonitor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NetworkMonitor)
    Q_PROPERTY(bool online READ isOnline NOTIFY onlineChanged)

public:
    explicit NetworkMonitor(QObject *parent = nullptr);
    ~NetworkMonitor() override;

    [[nodiscard]] bool isOnline() const { return m_online; }
    /// The OS backend in use ("networkmanager", …), empty when there is none.
    [[nodiscard]] QString backendName() const { return m_backend; }

Q_SIGNALS:
    void onlineChanged(bool online);

private:
    bool m_online = true;
    QString m_backend;
};

} // namespace fieldnotes
