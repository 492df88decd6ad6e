// Our members beyond Qt 5 on QNetworkConfigurationManager (SPEC §8):
// reachability, captive portal, transport medium, metered, with Qt 6
// QNetworkInformation's numbers, scripted on the simulated backend.
#include "simnet.h"

#include <QtNetwork/QNetworkInformation>

#ifndef QNETWORKSESSIONQT6_HAS_REACHABILITY
#error "the feature macro is missing"
#endif

using Manager = QNetworkConfigurationManager;

// Same numbers as QNetworkInformation's.
static_assert(int(Manager::Reachability::Unknown) == int(QNetworkInformation::Reachability::Unknown));
static_assert(int(Manager::Reachability::Disconnected) == int(QNetworkInformation::Reachability::Disconnected));
static_assert(int(Manager::Reachability::Local) == int(QNetworkInformation::Reachability::Local));
static_assert(int(Manager::Reachability::Site) == int(QNetworkInformation::Reachability::Site));
static_assert(int(Manager::Reachability::Online) == int(QNetworkInformation::Reachability::Online));
static_assert(int(Manager::TransportMedium::Unknown) == int(QNetworkInformation::TransportMedium::Unknown));
static_assert(int(Manager::TransportMedium::Ethernet) == int(QNetworkInformation::TransportMedium::Ethernet));
static_assert(int(Manager::TransportMedium::Cellular) == int(QNetworkInformation::TransportMedium::Cellular));
static_assert(int(Manager::TransportMedium::WiFi) == int(QNetworkInformation::TransportMedium::WiFi));
static_assert(int(Manager::TransportMedium::Bluetooth) == int(QNetworkInformation::TransportMedium::Bluetooth));

class tst_Qt6Reachability : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void derivedFromTheConfigurations();
    void scriptedChangesAreSignalled();
    void stringConnectionsAndMetaEnums();
    void connectivityCheckArguments();
};

void tst_Qt6Reachability::init()
{
    simnet::reset();
    simnet::addAccessPoint("wlan", "WLAN", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE);
}

void tst_Qt6Reachability::derivedFromTheConfigurations()
{
    Manager manager;
    QCOMPARE(manager.transportMedium(), Manager::TransportMedium::WiFi); // the default's bearer
    QVERIFY(!manager.isBehindCaptivePortal());
    QVERIFY(!manager.isMetered());
    QCOMPARE(qns_sim_set_metered("wlan", true), QNS_OK);
    QTRY_VERIFY(manager.isMetered());
}

void tst_Qt6Reachability::scriptedChangesAreSignalled()
{
    Manager manager;
    QSignalSpy reach(&manager, &Manager::reachabilityChanged);
    QSignalSpy portal(&manager, &Manager::isBehindCaptivePortalChanged);
    QSignalSpy medium(&manager, &Manager::transportMediumChanged);
    QSignalSpy metered(&manager, &Manager::isMeteredChanged);
    QCOMPARE(qns_sim_set_reachability(QNS_REACHABILITY_SITE), QNS_OK);
    QCOMPARE(manager.reachability(), Manager::Reachability::Site);
    QCOMPARE(qns_sim_set_captive_portal(true), QNS_OK);
    QCOMPARE(qns_sim_set_transport_medium(QNS_TRANSPORT_CELLULAR), QNS_OK);
    QCOMPARE(qns_sim_set_network_metered(true), QNS_OK);
    QVERIFY(reach.isEmpty()); // queued, never inside the call
    QTRY_COMPARE(reach.size(), 1);
    QCOMPARE(reach.first().at(0).value<Manager::Reachability>(), Manager::Reachability::Site);
    QTRY_COMPARE(portal.size(), 1);
    QCOMPARE(portal.first().at(0).toBool(), true);
    QTRY_COMPARE(medium.size(), 1);
    QCOMPARE(medium.first().at(0).value<Manager::TransportMedium>(), Manager::TransportMedium::Cellular);
    QTRY_COMPARE(metered.size(), 1);
    QVERIFY(manager.isBehindCaptivePortal() && manager.isMetered());
    // Only on an actual change.
    QCOMPARE(qns_sim_set_reachability(QNS_REACHABILITY_SITE), QNS_OK);
    QTest::qWait(50);
    QCOMPARE(reach.size(), 1);
}

void tst_Qt6Reachability::stringConnectionsAndMetaEnums()
{
    Manager manager;
    QSignalSpy reach(&manager, SIGNAL(reachabilityChanged(QNetworkConfigurationManager::Reachability)));
    QVERIFY(reach.isValid());
    QCOMPARE(qns_sim_set_reachability(QNS_REACHABILITY_ONLINE), QNS_OK);
    QTRY_COMPARE(reach.size(), 1);
    const QMetaEnum e = QMetaEnum::fromType<Manager::Reachability>();
    QCOMPARE(QByteArray(e.valueToKey(int(reach.first().at(0).value<Manager::Reachability>()))),
             QByteArray("Online"));
}

void tst_Qt6Reachability::connectivityCheckArguments()
{
    Manager manager;
    QVERIFY(!manager.setConnectivityCheck(QStringLiteral("https://example.invalid/")));
    QVERIFY(!manager.setConnectivityCheck(QStringLiteral("not a url")));
    QVERIFY(manager.setConnectivityCheck(QString())); // off
}

QTEST_MAIN(tst_Qt6Reachability)
#include "tst_qt6_reachability.moc"
