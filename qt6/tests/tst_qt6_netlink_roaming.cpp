// Application-level roaming on the netlink backend's synthesized "Default"
// service network, in a private network namespace (root; exit 77 elsewhere):
// a better default route appears, the session is offered the interface that
// carries it, migrates, tests it and accepts.
#include <qnetworksession.h>
#include <QNetworkConfigurationManager>
#include <QNetworkSession>

#include <QtTest/QtTest>

#include <sched.h>
#include <unistd.h>

static void sh(const char *cmd)
{
    if (system(cmd) != 0)
        qFatal("command failed: %s", cmd);
}

class tst_Qt6NetlinkRoaming : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void migrateToTheBetterDefaultRoute();
};

void tst_Qt6NetlinkRoaming::initTestCase()
{
    // No IPv6: a link-local address would make the peer ends Active too.
    // (/proc/sys/net is this namespace's; no sysctl binary needed.)
    for (const char *knob : {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
                             "/proc/sys/net/ipv6/conf/default/disable_ipv6"}) {
        QFile f(QString::fromLatin1(knob));
        if (f.exists())
            QVERIFY2(f.open(QIODevice::WriteOnly) && f.write("1\n") == 2, knob);
    }
    sh("ip link add qa0 type veth peer name qa1 && ip link set qa1 up && "
       "ip addr add 192.0.2.1/24 dev qa0 && ip link set qa0 up && "
       "ip route add default dev qa0 metric 200");
    sh("ip link add qb0 type veth peer name qb1 && ip link set qb1 up && "
       "ip addr add 198.51.100.1/24 dev qb0 && ip link set qb0 up");
}

static QString interfaceOf(const QNetworkSession &s)
{
    const QString id = s.sessionProperty("ActiveConfiguration").toString();
    return QNetworkConfigurationManager().configurationFromIdentifier(id).name();
}

void tst_Qt6NetlinkRoaming::migrateToTheBetterDefaultRoute()
{
    QNetworkConfigurationManager manager;
    QNetworkConfiguration def;
    QTRY_VERIFY((def = manager.configurationFromIdentifier(QStringLiteral("default"))).isValid());
    QCOMPARE(def.type(), QNetworkConfiguration::ServiceNetwork);
    QCOMPARE(def.name(), QStringLiteral("Default"));
    QTRY_COMPARE(def.state(), QNetworkConfiguration::StateFlags(QNetworkConfiguration::Active));

    QNetworkSession session(def);
    QSignalSpy preferred(&session, &QNetworkSession::preferredConfigurationChanged); // ALR on
    QSignalSpy activated(&session, &QNetworkSession::newConfigurationActivated);
    session.open();
    QVERIFY(session.waitForOpened(10000));
    QCOMPARE(interfaceOf(session), QStringLiteral("qa0"));
    QCOMPARE(session.interface().name(), QStringLiteral("qa0"));

    sh("ip route add default dev qb0 metric 100");
    QTRY_COMPARE_WITH_TIMEOUT(preferred.size(), 1, 10000);
    const QNetworkConfiguration offered = qvariant_cast<QNetworkConfiguration>(preferred.first().at(0));
    QCOMPARE(offered.name(), QStringLiteral("qb0"));
    QCOMPARE(preferred.first().at(1).toBool(), false); // another address
    session.migrate();
    QTRY_COMPARE_WITH_TIMEOUT(activated.size(), 1, 10000);
    QCOMPARE(session.state(), QNetworkSession::Roaming);
    // SPEC 4.4: the application may test the new interface now.
    QCOMPARE(interfaceOf(session), QStringLiteral("qb0"));
    session.accept();
    QTRY_COMPARE(session.state(), QNetworkSession::Connected);
    QCOMPARE(session.interface().name(), QStringLiteral("qb0"));
    QVERIFY(session.isOpen());
}

int main(int argc, char **argv)
{
    if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
        printf("skipped: needs root and network namespaces\n");
        return 77;
    }
    if (system("ip link set lo up") != 0) {
        printf("skipped: the ip command (iproute2) is missing\n");
        return 77;
    }
    if (qns_select_backend("netlink") != QNS_OK)
        return 1;
    QCoreApplication app(argc, argv);
    tst_Qt6NetlinkRoaming test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_qt6_netlink_roaming.moc"
