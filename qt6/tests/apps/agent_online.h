// Qt 5 style application code, compiled unchanged: how KDE Akonadi's
// AgentBase followed the network (setNeedsNetwork): a manager created on
// demand, a string-based connection of onlineStateChanged(bool) with
// Qt::UniqueConnection, and the agent online only while both the network
// and the user's wish allow it. Written from that description.
#ifndef AGENT_ONLINE_H
#define AGENT_ONLINE_H

#include <QNetworkConfigurationManager>
#include <QObject>
#include <QStringList>

class AgentOnline : public QObject
{
    Q_OBJECT

public:
    explicit AgentOnline(QObject *parent = nullptr) : QObject(parent) { }

    void setNeedsNetwork(bool needsNetwork)
    {
        m_needsNetwork = needsNetwork;
        if (m_needsNetwork) {
            if (!m_networkManager) {
                m_networkManager = new QNetworkConfigurationManager(this);
                connect(m_networkManager, SIGNAL(onlineStateChanged(bool)),
                        this, SLOT(slotNetworkStatusChange(bool)), Qt::UniqueConnection);
            }
            setOnlineInternal(m_desiredOnline && m_networkManager->isOnline());
        } else {
            delete m_networkManager;
            m_networkManager = nullptr;
            setOnlineInternal(m_desiredOnline);
        }
    }
    void setOnline(bool desired)
    {
        m_desiredOnline = desired;
        setOnlineInternal(desired && (!m_networkManager || m_networkManager->isOnline()));
    }
    bool isOnline() const { return m_online; }
    QStringList transitions() const { return m_transitions; }

private slots:
    void slotNetworkStatusChange(bool isOnline)
    {
        setOnlineInternal(m_desiredOnline && isOnline);
    }

private:
    void setOnlineInternal(bool online)
    {
        if (online == m_online)
            return;
        m_online = online;
        m_transitions << (online ? QStringLiteral("online") : QStringLiteral("offline"));
    }

    QNetworkConfigurationManager *m_networkManager = nullptr;
    bool m_needsNetwork = false;
    bool m_desiredOnline = true;
    bool m_online = false;
    QStringList m_transitions;
};

#endif
