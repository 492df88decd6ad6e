// Three real applications' uses of the API (qBittorrent, KDE Akonadi,
// ownCloud/Nextcloud), as Qt 5 style code in apps/ compiled unchanged,
// driven through a scripted network on the simulated backend.
#include "simnet.h"

#include "apps/agent_online.h"
#include "apps/connection_checker.h"
#include "apps/torrent_session.h"

class tst_Qt6Apps : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void torrentRebindsOncePerChangeOfItsInterface();
    void agentFollowsOnlineState();
    void clientChecksOnActiveBits();
};

void tst_Qt6Apps::init()
{
    simnet::reset();
    simnet::addAccessPoint("eth0-id", "eth0", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE);
    simnet::addAccessPoint("tun-id", "tun0", QNS_BEARER_UNKNOWN, QNS_STATE_FLAG_ACTIVE);
}

// Lets every queued delivery run.
static void settle()
{
    QTest::qWait(50);
}

void tst_Qt6Apps::torrentRebindsOncePerChangeOfItsInterface()
{
    TorrentSession session(QStringLiteral("tun0"));
    settle();
    QCOMPARE(session.rebinds(), 0); // nothing for what existed before

    simnet::setState("tun-id", QNS_STATE_FLAG_DISCOVERED); // tun0 down
    QTRY_COMPARE(session.rebinds(), 1);
    settle();
    QCOMPARE(session.rebinds(), 1); // no flood
    simnet::setState("tun-id", QNS_STATE_FLAG_ACTIVE); // back
    QTRY_COMPARE(session.rebinds(), 2);

    simnet::setState("eth0-id", QNS_STATE_FLAG_DISCOVERED); // another interface
    settle();
    QCOMPARE(session.rebinds(), 2);

    QCOMPARE(qns_sim_remove("tun-id"), QNS_OK); // VPN gone
    QTRY_COMPARE(session.rebinds(), 3);
    simnet::addAccessPoint("tun-id2", "tun0", QNS_BEARER_UNKNOWN, QNS_STATE_FLAG_ACTIVE); // and back
    QTRY_COMPARE(session.rebinds(), 4);
    QCOMPARE(qns_sim_set_name("eth0-id", "tun0"), QNS_OK); // renamed to the bound name
    QTRY_COMPARE(session.rebinds(), 5);
    settle();
    QCOMPARE(session.rebinds(), 5);
    QVERIFY(session.log().contains(
        QStringLiteral("Network configuration of tun0 has changed, refreshing session binding")));
    // eth0 down and tun0 removed left nothing Active for a moment.
    QCOMPARE(session.log().filter(QStringLiteral("System network status")),
             QStringList({"System network status changed to OFFLINE",
                          "System network status changed to ONLINE"}));
}

void tst_Qt6Apps::agentFollowsOnlineState()
{
    AgentOnline agent;
    agent.setNeedsNetwork(true);
    QVERIFY(agent.isOnline());
    simnet::setState("eth0-id", QNS_STATE_FLAG_DISCOVERED);
    simnet::setState("tun-id", QNS_STATE_FLAG_DEFINED);
    QTRY_VERIFY(!agent.isOnline());
    simnet::setState("tun-id", QNS_STATE_FLAG_ACTIVE);
    QTRY_VERIFY(agent.isOnline());
    agent.setOnline(false); // the user's wish wins
    QVERIFY(!agent.isOnline());
    simnet::setState("tun-id", QNS_STATE_FLAG_DISCOVERED);
    simnet::setState("tun-id", QNS_STATE_FLAG_ACTIVE);
    settle();
    QVERIFY(!agent.isOnline());
    agent.setOnline(true);
    QVERIFY(agent.isOnline());
    QCOMPARE(agent.transitions(), QStringList({"online", "offline", "online", "offline", "online"}));
}

void tst_Qt6Apps::clientChecksOnActiveBits()
{
    ConnectionChecker client;
    settle();
    QCOMPARE(client.checks(), 0);
    simnet::setState("eth0-id", QNS_STATE_FLAG_DISCOVERED);
    QTRY_COMPARE(client.checks(), 1); // Discovered has bits of Active: Qt 5 checked too
    simnet::setState("eth0-id", QNS_STATE_FLAG_ACTIVE);
    QTRY_COMPARE(client.checks(), 2);
    simnet::setState("eth0-id", QNS_STATE_FLAG_UNDEFINED);
    settle();
    QCOMPARE(client.checks(), 2); // Undefined shares no bit with Active
}

QTEST_MAIN(tst_Qt6Apps)
#include "tst_qt6_apps.moc"
