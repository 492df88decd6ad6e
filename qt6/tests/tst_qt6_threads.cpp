// Threads: signals are emitted in the emitting object's thread, follow it
// through moveToThread() with what was pending (in order), and carry
// QNetworkConfiguration through queued connections, PMF and string-based.
#include "simnet.h"

#include <QtCore/QThread>

namespace {

// Records what a receiver got and in which thread.
class Recorder : public QObject
{
    Q_OBJECT
public:
    QMutex mutex;
    QStringList names;
    QList<QThread *> threads;
    QList<QNetworkConfiguration> configs;

    void record(const QString &what)
    {
        QMutexLocker lock(&mutex);
        names << what;
        threads << QThread::currentThread();
    }
    int count()
    {
        QMutexLocker lock(&mutex);
        return int(names.size());
    }
public slots:
    void onChanged(const QNetworkConfiguration &c)
    {
        {
            QMutexLocker lock(&mutex);
            configs << c;
        }
        record(QStringLiteral("changed ") + c.identifier() + QLatin1Char(' ')
               + QString::number(int(c.state())));
    }
};

// A thread with its own event loop, stopped and joined at scope exit.
struct Worker
{
    QThread thread;
    Worker() { thread.start(); }
    ~Worker()
    {
        thread.quit();
        thread.wait();
    }
};

// Runs f in the worker thread and waits for it.
template <typename F>
void inThread(QThread *t, F f)
{
    QObject context;
    context.moveToThread(t);
    QMetaObject::invokeMethod(&context, f, Qt::BlockingQueuedConnection);
}

} // namespace

class tst_Qt6Threads : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void managerSignalsInItsThread();
    void moveToThreadMovesPendingDeliveriesInOrder();
    void sessionMovedToAnotherThread();
    void queuedConnectionCarriesConfiguration();
    void stringQueuedConnection();
    void managerInThreadWithoutExec();
    void waitForOpenedFromAnotherThread();
};

void tst_Qt6Threads::init()
{
    simnet::reset();
    simnet::addAccessPoint("a", "A", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED);
    simnet::addAccessPoint("b", "B", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED);
}

void tst_Qt6Threads::managerSignalsInItsThread()
{
    Worker worker;
    QNetworkConfigurationManager *manager = nullptr;
    Recorder rec;
    inThread(&worker.thread, [&] {
        manager = new QNetworkConfigurationManager;
        connect(manager, &QNetworkConfigurationManager::configurationChanged, manager,
                [&rec](const QNetworkConfiguration &c) { rec.record(c.identifier()); },
                Qt::DirectConnection);
    });
    QCOMPARE(manager->thread(), &worker.thread);
    simnet::setState("a", QNS_STATE_FLAG_ACTIVE);
    QTRY_COMPARE(rec.count(), 1);
    QCOMPARE(rec.threads.first(), &worker.thread);
    inThread(&worker.thread, [&] { delete manager; });
}

void tst_Qt6Threads::moveToThreadMovesPendingDeliveriesInOrder()
{
    QNetworkConfigurationManager manager;
    Recorder rec;
    connect(&manager, &QNetworkConfigurationManager::configurationChanged, &manager,
            [&rec](const QNetworkConfiguration &c) {
                rec.record(c.identifier() + QLatin1Char('/') + QString::number(int(c.state())));
            },
            Qt::DirectConnection);
    // Three changes queued on the main thread's loop, not yet delivered.
    simnet::setState("a", QNS_STATE_FLAG_ACTIVE);
    simnet::setState("b", QNS_STATE_FLAG_ACTIVE);
    simnet::setState("b", QNS_STATE_FLAG_DEFINED);
    QCOMPARE(rec.count(), 0);
    Worker worker;
    manager.moveToThread(&worker.thread);
    QTRY_VERIFY(rec.count() >= 2);
    QTest::qWait(100); // nothing more arrives from the main thread's loop
    for (QThread *t : rec.threads)
        QCOMPARE(t, &worker.thread);
    // In the order they were queued; the live handle shows the latest state.
    // (Duplicates are tst_qt6_api's pendingChangeQueuedOnce.)
    QStringList once = rec.names;
    once.removeDuplicates();
    QCOMPARE(once, QStringList({"a/14", "b/2"}));
    const int before = rec.count();
    // Later changes keep coming in the new thread.
    simnet::setState("a", QNS_STATE_FLAG_DISCOVERED);
    QTRY_COMPARE(rec.count(), before + 1);
    QCOMPARE(rec.threads.last(), &worker.thread);
    inThread(&worker.thread, [&] { manager.moveToThread(QCoreApplication::instance()->thread()); });
    simnet::setState("a", QNS_STATE_FLAG_ACTIVE);
    QTRY_COMPARE(rec.count(), before + 2);
    QCOMPARE(rec.threads.last(), QThread::currentThread());
}

void tst_Qt6Threads::sessionMovedToAnotherThread()
{
    QNetworkConfigurationManager manager;
    auto *session = new QNetworkSession(simnet::find(manager, "a"));
    Recorder rec;
    connect(session, &QNetworkSession::opened, session, [&rec] { rec.record("opened"); },
            Qt::DirectConnection);
    connect(session, &QNetworkSession::stateChanged, session,
            [&rec](QNetworkSession::State s) { rec.record(QStringLiteral("state %1").arg(int(s))); },
            Qt::DirectConnection);
    session->open(); // Connecting, opened and Connected are queued here...
    Worker worker;
    session->moveToThread(&worker.thread); // ...and delivered there, in order
    QTRY_COMPARE(rec.count(), 3);
    QCOMPARE(rec.names, QStringList({"state 2", "opened", "state 3"}));
    for (QThread *t : rec.threads)
        QCOMPARE(t, &worker.thread);
    bool open = false;
    inThread(&worker.thread, [&] {
        open = session->isOpen();
        session->close();
    });
    QVERIFY(open);
    QTRY_VERIFY(rec.names.contains("state 5"));
    QCOMPARE(rec.threads.last(), &worker.thread);
    inThread(&worker.thread, [&] { delete session; });
}

void tst_Qt6Threads::queuedConnectionCarriesConfiguration()
{
    QNetworkConfigurationManager manager;
    Worker worker;
    Recorder rec;
    rec.moveToThread(&worker.thread);
    connect(&manager, &QNetworkConfigurationManager::configurationChanged, &rec,
            &Recorder::onChanged); // automatic: queued into the worker
    simnet::setState("b", QNS_STATE_FLAG_ACTIVE);
    QTRY_COMPARE(rec.count(), 1);
    QCOMPARE(rec.threads.first(), &worker.thread);
    QCOMPARE(rec.configs.first(), simnet::find(manager, "b"));
    QCOMPARE(rec.configs.first().state(), QNetworkConfiguration::StateFlags(QNetworkConfiguration::Active));
    inThread(&worker.thread, [&] { rec.moveToThread(QCoreApplication::instance()->thread()); });
}

void tst_Qt6Threads::stringQueuedConnection()
{
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "a"));
    Worker worker;
    Recorder rec;
    rec.moveToThread(&worker.thread);
    QVERIFY(connect(&manager, SIGNAL(configurationChanged(QNetworkConfiguration)), &rec,
                    SLOT(onChanged(QNetworkConfiguration)), Qt::QueuedConnection));
    // The session's enum arguments through a queued string connection.
    QObject receiver;
    receiver.moveToThread(&worker.thread);
    QList<QNetworkSession::State> states;
    QMutex m;
    connect(&session, &QNetworkSession::stateChanged, &receiver, [&](QNetworkSession::State s) {
        QMutexLocker lock(&m);
        states << s;
    }, Qt::QueuedConnection);
    QSignalSpy spy(&session, SIGNAL(stateChanged(QNetworkSession::State)));
    session.open();
    QVERIFY(session.waitForOpened());
    QTRY_VERIFY(rec.count() >= 1);
    QCOMPARE(rec.configs.first().identifier(), QStringLiteral("a"));
    QTRY_COMPARE(spy.size(), 2);
    QCOMPARE(qvariant_cast<QNetworkSession::State>(spy.at(1).at(0)), QNetworkSession::Connected);
    QTRY_COMPARE([&] { QMutexLocker lock(&m); return states.size(); }(), 2);
    inThread(&worker.thread, [&] {
        rec.moveToThread(QCoreApplication::instance()->thread());
        receiver.moveToThread(QCoreApplication::instance()->thread());
    });
}

void tst_Qt6Threads::managerInThreadWithoutExec()
{
    // Qt's usedInThread (QTBUG-18795): a manager in QThread::run() whose
    // thread only spins QTest::qWait.
    class Thread : public QThread
    {
    public:
        int updates = 0;
        int configs = 0;
        void run() override
        {
            QNetworkConfigurationManager manager;
            QSignalSpy spy(&manager, &QNetworkConfigurationManager::updateCompleted);
            manager.updateConfigurations();
            for (int i = 0; i < 100 && spy.isEmpty(); ++i)
                QTest::qWait(50);
            updates = int(spy.size());
            configs = int(manager.allConfigurations().size());
        }
    } thread;
    thread.start();
    QVERIFY(thread.wait(20000));
    QCOMPARE(thread.updates, 1);
    QCOMPARE(thread.configs, 2);
}

void tst_Qt6Threads::waitForOpenedFromAnotherThread()
{
    QCOMPARE(qns_sim_set_start_behavior("a", QNS_SIM_START_DELAY, 200, 0), QNS_OK);
    QNetworkConfigurationManager manager;
    QNetworkSession session(simnet::find(manager, "a"));
    QSignalSpy opened(&session, &QNetworkSession::opened);
    session.open();
    Worker worker;
    bool result = false;
    inThread(&worker.thread, [&] { result = session.waitForOpened(10000); });
    QVERIFY(result);
    QTRY_COMPARE(opened.size(), 1); // delivered by the session's own thread
}

QTEST_MAIN(tst_Qt6Threads)
#include "tst_qt6_threads.moc"
