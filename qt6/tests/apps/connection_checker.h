// Qt 5 style application code, compiled unchanged: how the ownCloud and
// Nextcloud desktop clients reacted to the network (Qt 5 versions of
// src/gui/application.cpp): a manager held by value, configurationChanged to
// a slot that queues a connection check when the configuration's state has
// the Active bits, because "onlineStateChanged is always true on modern
// systems". Written from that description.
#ifndef CONNECTION_CHECKER_H
#define CONNECTION_CHECKER_H

#include <QNetworkConfigurationManager>
#include <QObject>

class ConnectionChecker : public QObject
{
    Q_OBJECT

public:
    explicit ConnectionChecker(QObject *parent = nullptr) : QObject(parent)
    {
        connect(&_networkConfigurationManager, SIGNAL(configurationChanged(QNetworkConfiguration)),
                this, SLOT(slotSystemOnlineConfigurationChanged(QNetworkConfiguration)));
    }

    int checks() const { return _checks; }

private slots:
    void slotSystemOnlineConfigurationChanged(QNetworkConfiguration cnf)
    {
        if (cnf.state() & QNetworkConfiguration::Active)
            QMetaObject::invokeMethod(this, "slotCheckConnection", Qt::QueuedConnection);
    }
    void slotCheckConnection() { ++_checks; }

private:
    QNetworkConfigurationManager _networkConfigurationManager;
    int _checks = 0;
};

#endif
