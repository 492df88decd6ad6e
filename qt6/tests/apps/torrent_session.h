// Qt 5 style application code, compiled unchanged: how qBittorrent's
// BitTorrent::Session used the bearer API (Qt 5 versions of
// src/base/bittorrent/session.cpp): a manager it owns, onlineStateChanged to
// a log line, configurationAdded/Removed/Changed to one slot that re-binds
// the listening socket when the changed configuration's name is the
// interface the user bound to (e.g. "tun0"). Written from that description.
#ifndef TORRENT_SESSION_H
#define TORRENT_SESSION_H

#include <QNetworkConfigurationManager>
#include <QObject>
#include <QStringList>

class TorrentSession : public QObject
{
    Q_OBJECT

public:
    explicit TorrentSession(const QString &boundInterface, QObject *parent = nullptr);

    int rebinds() const { return m_rebinds; }
    QStringList log() const { return m_log; }

private slots:
    void networkOnlineStateChanged(bool online);
    void networkConfigurationChange(const QNetworkConfiguration &cfg);

private:
    void configureListeningInterface();

    QString m_boundInterface;
    QNetworkConfigurationManager m_networkManager;
    int m_rebinds = 0;
    QStringList m_log;
};

#endif
