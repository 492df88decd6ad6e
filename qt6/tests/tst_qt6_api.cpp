// Qt 5.15's API surface of the three classes, as Qt 5 code uses it, on the
// simulated backend: values, include forms, metatypes, implicit sharing and
// comparison, signal order, waitForOpened's event loop, properties.
#include "simnet.h"

// Every include form Qt 5 code uses.
#include <QtNetwork/QNetworkConfigurationManager>
#include <QtNetwork/QNetworkSession>
#include <QtNetwork/qnetworkconfigmanager.h>
#include <QtNetwork/qnetworkconfiguration.h>
#include <QtNetwork/qnetworksession.h>
#include "qnetworkconfigmanager.h"
#include <private/qnetworksession_p.h>

#if !QT_CONFIG(bearermanagement)
#error "QT_CONFIG(bearermanagement) must hold with this library"
#endif
#ifdef QT_NO_BEARERMANAGEMENT
#error "QT_NO_BEARERMANAGEMENT must not be defined"
#endif

class tst_Qt6Api : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void enumValues();
    void metatypes();
    void nullConfiguration();
    void sharingAndComparison();
    void capabilitiesFlags();
    void allConfigurationsFilter();
    void openSignalOrder();
    void waitForOpenedRunsTheEventLoop();
    void waitForOpenedDeliversAFailure();
    void waitForOpenedInsideASlot();
    void invalidSession();
    void stringConnectAndSpy();
    void pendingChangeQueuedOnce();
    void sessionProperties();
    void usagePoliciesFromTheBackend();
    void usagePolicyHook();
    void deleteSessionInsideItsSignal();
};

void tst_Qt6Api::init()
{
    simnet::reset();
    simnet::addAccessPoint("wlan", "WLAN one", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED);
    simnet::addAccessPoint("eth", "Wired", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE);
}

void tst_Qt6Api::enumValues()
{
    QCOMPARE(int(QNetworkSession::Invalid), 0);
    QCOMPARE(int(QNetworkSession::NotAvailable), 1);
    QCOMPARE(int(QNetworkSession::Connecting), 2);
    QCOMPARE(int(QNetworkSession::Connected), 3);
    QCOMPARE(int(QNetworkSession::Closing), 4);
    QCOMPARE(int(QNetworkSession::Disconnected), 5);
    QCOMPARE(int(QNetworkSession::Roaming), 6);
    QCOMPARE(int(QNetworkSession::UnknownSessionError), 0);
    QCOMPARE(int(QNetworkSession::SessionAbortedError), 1);
    QCOMPARE(int(QNetworkSession::RoamingError), 2);
    QCOMPARE(int(QNetworkSession::OperationNotSupportedError), 3);
    QCOMPARE(int(QNetworkSession::InvalidConfigurationError), 4);
    QCOMPARE(int(QNetworkSession::NoPolicy), 0);
    QCOMPARE(int(QNetworkSession::NoBackgroundTrafficPolicy), 1);
    QCOMPARE(int(QNetworkConfiguration::InternetAccessPoint), 0);
    QCOMPARE(int(QNetworkConfiguration::ServiceNetwork), 1);
    QCOMPARE(int(QNetworkConfiguration::UserChoice), 2);
    QCOMPARE(int(QNetworkConfiguration::Invalid), 3);
    QCOMPARE(int(QNetworkConfiguration::UnknownPurpose), 0);
    QCOMPARE(int(QNetworkConfiguration::ServiceSpecificPurpose), 3);
    QCOMPARE(int(QNetworkConfiguration::Undefined), 0x1);
    QCOMPARE(int(QNetworkConfiguration::Defined), 0x2);
    QCOMPARE(int(QNetworkConfiguration::Discovered), 0x6);
    QCOMPARE(int(QNetworkConfiguration::Active), 0xe);
    QCOMPARE(int(QNetworkConfiguration::BearerUnknown), 0);
    QCOMPARE(int(QNetworkConfiguration::BearerWLAN), 2);
    QCOMPARE(int(QNetworkConfiguration::BearerLTE), 10);
    QCOMPARE(int(QNetworkConfiguration::Bearer4G), 12);
    QCOMPARE(int(QNetworkConfigurationManager::CanStartAndStopInterfaces), 0x01);
    QCOMPARE(int(QNetworkConfigurationManager::DirectConnectionRouting), 0x02);
    QCOMPARE(int(QNetworkConfigurationManager::SystemSessionSupport), 0x04);
    QCOMPARE(int(QNetworkConfigurationManager::ApplicationLevelRoaming), 0x08);
    QCOMPARE(int(QNetworkConfigurationManager::ForcedRoaming), 0x10);
    QCOMPARE(int(QNetworkConfigurationManager::DataStatistics), 0x20);
    QCOMPARE(int(QNetworkConfigurationManager::NetworkSessionRequired), 0x40);
}

void tst_Qt6Api::metatypes()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "eth"));
    // Registered by name as Qt 5 did, so string-based queued connections work.
    QVERIFY(QMetaType::fromName("QNetworkConfiguration").isValid());
    QVERIFY(QMetaType::fromName("QNetworkSession::State").isValid());
    QVERIFY(QMetaType::fromName("QNetworkSession::SessionError").isValid());
    QVERIFY(QMetaType::fromName("QNetworkSession::UsagePolicies").isValid());

    const QNetworkConfiguration eth = simnet::find(manager, "eth");
    const QVariant v = QVariant::fromValue(eth);
    QCOMPARE(v.metaType(), QMetaType::fromType<QNetworkConfiguration>());
    QCOMPARE(qvariant_cast<QNetworkConfiguration>(v), eth);
    QCOMPARE(qvariant_cast<QNetworkSession::State>(QVariant::fromValue(QNetworkSession::Roaming)),
             QNetworkSession::Roaming);
    QCOMPARE(qvariant_cast<QNetworkSession::UsagePolicies>(
                 QVariant::fromValue(QNetworkSession::UsagePolicies(QNetworkSession::NoBackgroundTrafficPolicy))),
             QNetworkSession::UsagePolicies(QNetworkSession::NoBackgroundTrafficPolicy));
}

void tst_Qt6Api::nullConfiguration()
{
    const QNetworkConfiguration null;
    QVERIFY(!null.isValid());
    QCOMPARE(null.name(), QString());
    QCOMPARE(null.identifier(), QString());
    QCOMPARE(null.type(), QNetworkConfiguration::Invalid);
    QCOMPARE(null.state(), QNetworkConfiguration::StateFlags(QNetworkConfiguration::Undefined));
    QCOMPARE(null.bearerTypeName(), QString());
    QCOMPARE(null.connectTimeout(), 30000);
    QNetworkConfiguration copy = null;
    QVERIFY(!copy.setConnectTimeout(100));
    QVERIFY(copy == null);
    QVERIFY(copy.children().isEmpty());
}

void tst_Qt6Api::sharingAndComparison()
{
    QNetworkConfigurationManager manager;
    QNetworkConfiguration a = simnet::find(manager, "wlan");
    QNetworkConfiguration b = simnet::find(manager, "wlan");
    QVERIFY(a.isValid());
    QVERIFY(a == b); // two lookups of one live record
    QVERIFY(!(a != b));
    QVERIFY(a != simnet::find(manager, "eth"));
    QVERIFY(a != QNetworkConfiguration());

    QNetworkConfiguration copy(a);
    QNetworkConfiguration assigned;
    assigned = a;
    QNetworkConfiguration moved = std::move(assigned);
    QVERIFY(copy == a && moved == a);
    QNetworkConfiguration swapped;
    swapped.swap(moved);
    QVERIFY(swapped == a && !moved.isValid());

    // Every handle sees the record change at once.
    QCOMPARE(qns_sim_set_name("wlan", "Renamed"), QNS_OK);
    QCOMPARE(copy.name(), QStringLiteral("Renamed"));
    QCOMPARE(a.name(), QStringLiteral("Renamed"));
    QVERIFY(copy.setConnectTimeout(1234));
    QCOMPARE(b.connectTimeout(), 1234);

    // Removed: invalid, but keeps its name; re-added under the same id is another record.
    QCOMPARE(qns_sim_remove("wlan"), QNS_OK);
    QVERIFY(!a.isValid());
    QCOMPARE(a.name(), QStringLiteral("Renamed"));
    simnet::addAccessPoint("wlan", "WLAN again", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED);
    const QNetworkConfiguration again = simnet::find(manager, "wlan");
    QVERIFY(again.isValid());
    QVERIFY(again != a);
}

void tst_Qt6Api::capabilitiesFlags()
{
    QNetworkConfigurationManager manager;
    const QNetworkConfigurationManager::Capabilities both =
        QNetworkConfigurationManager::CanStartAndStopInterfaces | QNetworkConfigurationManager::ForcedRoaming;
    QCOMPARE(int(both), 0x11);
    QCOMPARE(qns_sim_set_capabilities(unsigned(both.toInt())), QNS_OK);
    QCOMPARE(manager.capabilities(), both);
    QVERIFY(manager.capabilities() & QNetworkConfigurationManager::ForcedRoaming);
    QVERIFY(!(manager.capabilities() & QNetworkConfigurationManager::DataStatistics));
}

void tst_Qt6Api::allConfigurationsFilter()
{
    QNetworkConfigurationManager manager;
    const QList<QNetworkConfiguration> all = manager.allConfigurations();
    QCOMPARE(all.size(), 2);
    QCOMPARE(all.at(0).identifier(), QStringLiteral("wlan")); // creation order
    const QList<QNetworkConfiguration> active = manager.allConfigurations(QNetworkConfiguration::Active);
    QCOMPARE(active.size(), 1);
    QCOMPARE(active.first().identifier(), QStringLiteral("eth"));
    QCOMPARE(manager.allConfigurations(QNetworkConfiguration::Discovered).size(), 2);
    QVERIFY(manager.isOnline());
    QVERIFY(!manager.configurationFromIdentifier(QStringLiteral("FooBar")).isValid());
}

void tst_Qt6Api::openSignalOrder()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "wlan"));
    QStringList trace;
    connect(&session, &QNetworkSession::opened, this, [&] { trace << "opened"; });
    connect(&session, &QNetworkSession::stateChanged, this,
            [&](QNetworkSession::State s) { trace << QStringLiteral("state %1").arg(int(s)); });
    QSignalSpy changed(&manager, &QNetworkConfigurationManager::configurationChanged);
    QCOMPARE(session.state(), QNetworkSession::Disconnected);
    session.open();
    QVERIFY(trace.isEmpty()); // never inside the call
    QVERIFY(session.waitForOpened(5000));
    QTRY_COMPARE(trace, QStringList({"state 2", "opened", "state 3"}));
    QVERIFY(session.isOpen());
    QVERIFY(session.interface().isValid());
    QCOMPARE(session.sessionProperty("ActiveConfiguration").toString(), QStringLiteral("wlan"));
    QTRY_VERIFY(!changed.isEmpty());
    QCOMPARE(qvariant_cast<QNetworkConfiguration>(changed.first().at(0)).identifier(), QStringLiteral("wlan"));
}

void tst_Qt6Api::waitForOpenedRunsTheEventLoop()
{
    QCOMPARE(qns_sim_set_start_behavior("wlan", QNS_SIM_START_DELAY, 400, 0), QNS_OK);
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "wlan"));
    int ticks = 0;
    QTimer timer;
    connect(&timer, &QTimer::timeout, this, [&] { ++ticks; });
    timer.start(20);
    QSignalSpy opened(&session, &QNetworkSession::opened);
    session.open();
    QVERIFY(session.waitForOpened(10000));
    QCOMPARE(opened.size(), 1); // delivered before waitForOpened returned
    QVERIFY2(ticks > 0, "Qt timers kept running while waitForOpened waited");
}

void tst_Qt6Api::waitForOpenedDeliversAFailure()
{
    QCOMPARE(qns_sim_set_start_behavior("wlan", QNS_SIM_START_FAIL, 0, QNS_SESSION_ERROR_ABORTED), QNS_OK);
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "wlan"));
    QSignalSpy error(&session, qOverload<QNetworkSession::SessionError>(&QNetworkSession::error));
    session.open();
    QVERIFY(!session.waitForOpened(10000));
    QCOMPARE(error.size(), 1);
    QCOMPARE(qvariant_cast<QNetworkSession::SessionError>(error.first().at(0)),
             QNetworkSession::SessionAbortedError);
    QCOMPARE(session.errorString(), QStringLiteral("The session was aborted by the user or system."));
}

void tst_Qt6Api::waitForOpenedInsideASlot()
{
    // The slot runs inside our loop's dispatch; waitForOpened's own event
    // loop must still get the session's signals (nested dispatch).
    QCOMPARE(qns_sim_set_start_behavior("wlan", QNS_SIM_START_DELAY, 200, 0), QNS_OK);
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "wlan"));
    bool result = false;
    int calls = 0;
    connect(&manager, &QNetworkConfigurationManager::configurationChanged, this,
            [&](const QNetworkConfiguration &c) {
                if (c.identifier() != QLatin1String("eth") || calls++)
                    return;
                session.open();
                result = session.waitForOpened(10000);
            });
    simnet::setState("eth", QNS_STATE_FLAG_DISCOVERED);
    QTRY_VERIFY(calls > 0);
    QVERIFY(result);
    QVERIFY(session.isOpen());
}

void tst_Qt6Api::invalidSession()
{
    QNetworkSession session{QNetworkConfiguration()};
    QCOMPARE(session.state(), QNetworkSession::Invalid);
    QCOMPARE(session.error(), QNetworkSession::InvalidConfigurationError);
    QCOMPARE(session.errorString(), QStringLiteral("Invalid configuration."));
    // SPEC 4.5: no key has a value on a null configuration.
    QVERIFY(!session.sessionProperty("AutoCloseSessionTimeout").isValid());
    QVERIFY(!session.interface().isValid());
    QCOMPARE(session.bytesReceived(), quint64(0));
    QVERIFY(!session.configuration().isValid());
    QSignalSpy error(&session, SIGNAL(error(QNetworkSession::SessionError)));
    session.open();
    QVERIFY(!session.waitForOpened(1000));
    QCOMPARE(error.size(), 1);
}

void tst_Qt6Api::stringConnectAndSpy()
{
    QNetworkConfigurationManager manager;
    QSignalSpy added(&manager, SIGNAL(configurationAdded(QNetworkConfiguration)));
    QSignalSpy removed(&manager, SIGNAL(configurationRemoved(QNetworkConfiguration)));
    QSignalSpy online(&manager, SIGNAL(onlineStateChanged(bool)));
    QSignalSpy updated(&manager, SIGNAL(updateCompleted()));
    QVERIFY(added.isValid() && removed.isValid() && online.isValid() && updated.isValid());
    simnet::addAccessPoint("cell", "Cellular", QNS_BEARER_HSPA, QNS_STATE_FLAG_DISCOVERED);
    QTRY_COMPARE(added.size(), 1);
    QCOMPARE(qvariant_cast<QNetworkConfiguration>(added.first().at(0)).bearerTypeName(), QStringLiteral("HSPA"));
    simnet::setState("eth", QNS_STATE_FLAG_DISCOVERED);
    QTRY_COMPARE(online.size(), 1);
    QCOMPARE(online.first().at(0).toBool(), false);
    QCOMPARE(qns_sim_remove("cell"), QNS_OK);
    QTRY_COMPARE(removed.size(), 1);
    QVERIFY(!qvariant_cast<QNetworkConfiguration>(removed.first().at(0)).isValid());
    manager.updateConfigurations();
    QTRY_COMPARE(updated.size(), 1);
}

void tst_Qt6Api::pendingChangeQueuedOnce()
{
    QNetworkConfigurationManager manager;
    QSignalSpy changed(&manager, &QNetworkConfigurationManager::configurationChanged);
    simnet::setState("wlan", QNS_STATE_FLAG_ACTIVE);
    simnet::setState("wlan", QNS_STATE_FLAG_DEFINED);
    QTRY_VERIFY(!changed.isEmpty());
    QTest::qWait(50);
    // SPEC 3: a configurationChanged still queued is not queued again for
    // the same record (the handle is live: both would show Defined).
    QCOMPARE(changed.size(), 1);
    QCOMPARE(qvariant_cast<QNetworkConfiguration>(changed.first().at(0)).state(),
             QNetworkConfiguration::StateFlags(QNetworkConfiguration::Defined));
}

void tst_Qt6Api::sessionProperties()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "eth"));
    QCOMPARE(session.sessionProperty("AutoCloseSessionTimeout"), QVariant(-1));
    QVERIFY(!session.sessionProperty("ConnectInBackground").isValid());
    session.setSessionProperty("ConnectInBackground", true);
    QCOMPARE(session.sessionProperty("ConnectInBackground"), QVariant(true));
    session.setSessionProperty("ConnectInBackground", QVariant());
    QVERIFY(!session.sessionProperty("ConnectInBackground").isValid());
    session.setSessionProperty("AutoCloseSessionTimeout", 60000);
    QCOMPARE(session.sessionProperty("AutoCloseSessionTimeout").toInt(), 60000);
    session.setSessionProperty("ActiveConfiguration", QStringLiteral("abc")); // read-only
    QCOMPARE(session.sessionProperty("ActiveConfiguration").toString(), QString());
    QVERIFY(!session.sessionProperty("NoSuchKey").isValid());
}

void tst_Qt6Api::usagePoliciesFromTheBackend()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "eth"));
    QCOMPARE(session.usagePolicies(), QNetworkSession::UsagePolicies(QNetworkSession::NoPolicy));
    QSignalSpy spy(&session, &QNetworkSession::usagePoliciesChanged);
    session.open();
    QVERIFY(session.waitForOpened());
    QCOMPARE(qns_sim_set_metered("eth", true), QNS_OK);
    QTRY_COMPARE(spy.size(), 1);
    QCOMPARE(qvariant_cast<QNetworkSession::UsagePolicies>(spy.first().at(0)),
             QNetworkSession::UsagePolicies(QNetworkSession::NoBackgroundTrafficPolicy));
    QCOMPARE(session.usagePolicies(), QNetworkSession::UsagePolicies(QNetworkSession::NoBackgroundTrafficPolicy));
}

void tst_Qt6Api::usagePolicyHook()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "eth"));
    QSignalSpy spy(&session, &QNetworkSession::usagePoliciesChanged);
    QNetworkSessionPrivate::setUsagePolicies(session, QNetworkSession::NoBackgroundTrafficPolicy);
    QCOMPARE(spy.size(), 1); // inside the call, as Qt's test requires
    QCOMPARE(session.usagePolicies(), QNetworkSession::UsagePolicies(QNetworkSession::NoBackgroundTrafficPolicy));
    QNetworkSessionPrivate::setUsagePolicies(session, QNetworkSession::NoBackgroundTrafficPolicy);
    QCOMPARE(spy.size(), 1); // no change, no signal
}

void tst_Qt6Api::deleteSessionInsideItsSignal()
{
    QNetworkConfigurationManager manager;
    auto *session = new QNetworkSession(simnet::find(manager, "wlan"));
    QPointer<QNetworkSession> guard(session);
    connect(session, &QNetworkSession::opened, this, [session] { delete session; });
    session->open();
    QTRY_VERIFY(guard.isNull());
}

QTEST_MAIN(tst_Qt6Api)
#include "tst_qt6_api.moc"
