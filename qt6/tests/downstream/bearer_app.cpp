// Qt 5 bearer code as applications wrote it, built against the installed
// Qt 6 library: every include form, the feature test, string and PMF
// connects, a moc'd class of the application's own, and the C header in the
// same translation unit (to script the simulated network).
#include <QtCore/QCoreApplication>
#include <QtCore/QDebug>
#include <QtCore/QTimer>
#ifndef QT_NO_BEARERMANAGEMENT
#include <QNetworkConfigurationManager>
#include <QNetworkSession>
#include <QtNetwork/QNetworkConfiguration>
#include <QtNetwork/qnetworkconfigmanager.h>
#include <QtNetwork/qnetworksession.h>
#include "qnetworkconfiguration.h"
#endif
#include <qnetworksession.h> // the C library's header, not the Qt one

#if QT_CONFIG(bearermanagement)
class Watcher : public QObject
{
    Q_OBJECT
public:
    int opened = 0;
    int changed = 0;
public slots:
    void onOpened() { ++opened; }
    void onChanged(const QNetworkConfiguration &) { ++changed; }
};
#endif

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
#if QT_CONFIG(bearermanagement)
    if (qns_sim_add_access_point("ap", "Wired", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED) != QNS_OK)
        return 1;
    QNetworkConfigurationManager manager;
    Watcher watcher;
    QObject::connect(&manager, SIGNAL(configurationChanged(QNetworkConfiguration)), &watcher,
                     SLOT(onChanged(QNetworkConfiguration)));
    const QList<QNetworkConfiguration> all = manager.allConfigurations(QNetworkConfiguration::Discovered);
    if (all.size() != 1 || all.first().name() != QLatin1String("Wired"))
        return 2;
    QNetworkSession session(all.first());
    QObject::connect(&session, &QNetworkSession::opened, &watcher, &Watcher::onOpened);
    session.open();
    if (!session.waitForOpened(10000) || watcher.opened != 1)
        return 3;
    QTimer::singleShot(100, &app, &QCoreApplication::quit);
    app.exec();
    if (watcher.changed < 1 || !(manager.capabilities() & QNetworkConfigurationManager::CanStartAndStopInterfaces))
        return 4;
    qDebug() << "opened" << session.configuration().name() << "state" << session.state();
    return 0;
#else
    return 5;
#endif
}

#include "bearer_app.moc"
