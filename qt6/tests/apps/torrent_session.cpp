#include "torrent_session.h"

TorrentSession::TorrentSession(const QString &boundInterface, QObject *parent)
    : QObject(parent), m_boundInterface(boundInterface)
{
    connect(&m_networkManager, &QNetworkConfigurationManager::onlineStateChanged,
            this, &TorrentSession::networkOnlineStateChanged);
    connect(&m_networkManager, &QNetworkConfigurationManager::configurationAdded,
            this, &TorrentSession::networkConfigurationChange);
    connect(&m_networkManager, &QNetworkConfigurationManager::configurationRemoved,
            this, &TorrentSession::networkConfigurationChange);
    connect(&m_networkManager, &QNetworkConfigurationManager::configurationChanged,
            this, &TorrentSession::networkConfigurationChange);
}

void TorrentSession::networkOnlineStateChanged(bool online)
{
    m_log << (online ? QStringLiteral("System network status changed to ONLINE")
                     : QStringLiteral("System network status changed to OFFLINE"));
}

void TorrentSession::networkConfigurationChange(const QNetworkConfiguration &cfg)
{
    // Bound to every interface: the socket follows changes by itself.
    if (m_boundInterface.isEmpty())
        return;
    if (cfg.name() == m_boundInterface) {
        m_log << QStringLiteral("Network configuration of %1 has changed, refreshing session binding")
                     .arg(cfg.name());
        configureListeningInterface();
    }
}

void TorrentSession::configureListeningInterface()
{
    ++m_rebinds;
}
