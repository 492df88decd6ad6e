// Roaming through the Qt API on the simulated backend: connecting to
// preferredConfigurationChanged turns application-level roaming on
// (migrate/accept, migrate/reject, ignore); disconnecting the last receiver
// turns it off, and the session then roams by itself (forced roaming).
#include "simnet.h"

class tst_Qt6Roaming : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void applicationLevelRoamingMigrateAccept();
    void applicationLevelRoamingReject();
    void forcedRoamingOnceTheLastReceiverIsGone();
};

void tst_Qt6Roaming::init()
{
    simnet::reset();
    simnet::addAccessPoint("hi", "Preferred", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED);
    simnet::addAccessPoint("lo", "Fallback", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE);
    const char *children[] = {"hi", "lo"};
    QCOMPARE(qns_sim_add_service_network("sn", "Service", children, 2), QNS_OK);
}

static QString active(const QNetworkSession &s)
{
    return s.sessionProperty("ActiveConfiguration").toString();
}

void tst_Qt6Roaming::applicationLevelRoamingMigrateAccept()
{
    QNetworkConfigurationManager manager;
    const QNetworkConfiguration sn = simnet::find(manager, "sn");
    QCOMPARE(sn.type(), QNetworkConfiguration::ServiceNetwork);
    QVERIFY(sn.isRoamingAvailable());
    QCOMPARE(sn.children().size(), 2);
    QNetworkSession session(sn);
    QSignalSpy preferred(&session, &QNetworkSession::preferredConfigurationChanged); // ALR on
    QSignalSpy activated(&session, &QNetworkSession::newConfigurationActivated);
    QSignalSpy states(&session, &QNetworkSession::stateChanged);
    session.open();
    QVERIFY(session.waitForOpened());
    QCOMPARE(active(session), QStringLiteral("lo"));

    simnet::setState("hi", QNS_STATE_FLAG_ACTIVE);
    QTRY_COMPARE(preferred.size(), 1);
    QCOMPARE(qvariant_cast<QNetworkConfiguration>(preferred.first().at(0)).identifier(), QStringLiteral("hi"));
    QCOMPARE(preferred.first().at(1).toBool(), false); // another address: not seamless
    QCOMPARE(active(session), QStringLiteral("lo")); // nothing moves without migrate()
    states.clear();
    session.migrate();
    QTRY_COMPARE(activated.size(), 1);
    QCOMPARE(qvariant_cast<QNetworkSession::State>(states.first().at(0)), QNetworkSession::Roaming);
    // SPEC 4.4: from newConfigurationActivated on, ActiveConfiguration names
    // the new child (the application may test it now).
    QCOMPARE(active(session), QStringLiteral("hi"));
    session.accept();
    QTRY_COMPARE(session.state(), QNetworkSession::Connected);
    QCOMPARE(active(session), QStringLiteral("hi"));
    QVERIFY(session.isOpen());
}

void tst_Qt6Roaming::applicationLevelRoamingReject()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "sn"));
    QSignalSpy preferred(&session, SIGNAL(preferredConfigurationChanged(QNetworkConfiguration, bool)));
    QSignalSpy activated(&session, &QNetworkSession::newConfigurationActivated);
    session.open();
    QVERIFY(session.waitForOpened());
    simnet::setState("hi", QNS_STATE_FLAG_ACTIVE);
    QTRY_COMPARE(preferred.size(), 1);
    session.migrate();
    QTRY_COMPARE(activated.size(), 1);
    session.reject();
    QTRY_COMPARE(session.state(), QNetworkSession::Connected);
    QCOMPARE(active(session), QStringLiteral("lo"));
    QVERIFY(session.isOpen());
}

void tst_Qt6Roaming::forcedRoamingOnceTheLastReceiverIsGone()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "sn"));
    int offers = 0;
    QMetaObject::Connection first = connect(&session, &QNetworkSession::preferredConfigurationChanged,
                                            this, [&] { ++offers; });
    QMetaObject::Connection second = connect(&session, &QNetworkSession::preferredConfigurationChanged,
                                             this, [&] { ++offers; });
    QSignalSpy activated(&session, &QNetworkSession::newConfigurationActivated);
    QSignalSpy states(&session, &QNetworkSession::stateChanged);
    session.open();
    QVERIFY(session.waitForOpened());
    disconnect(first); // one receiver left: still application-level roaming
    disconnect(second); // none: the session roams by itself
    states.clear();
    simnet::setState("hi", QNS_STATE_FLAG_ACTIVE);
    QTRY_COMPARE(activated.size(), 1);
    QCOMPARE(offers, 0);
    QCOMPARE(active(session), QStringLiteral("hi"));
    QCOMPARE(session.state(), QNetworkSession::Connected);
    QVERIFY(!states.isEmpty());
    QCOMPARE(qvariant_cast<QNetworkSession::State>(states.first().at(0)), QNetworkSession::Roaming);
}

QTEST_MAIN(tst_Qt6Roaming)
#include "tst_qt6_roaming.moc"
