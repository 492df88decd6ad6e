// Benchmarks of the Qt 6 library on the simulated backend (prints numbers;
// not a test):
//  - signal latency of one configuration change through the Qt library
//    (QSocketNotifier -> qns_loop_dispatch -> Qt signal, in the main thread's
//    Qt event loop) and through the C API (poll() on a loop fd, then
//    qns_loop_dispatch, in a thread of its own): the same state change made
//    by a driver thread, each path measured on its own, from just before the
//    change to the slot or callback;
//  - memory per QNetworkSession object, and per C session for comparison.
#include <qnetworksession.h>
#include <QNetworkConfigurationManager>
#include <QNetworkSession>

#include <QtCore/QCoreApplication>
#include <QtCore/QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <malloc.h>
#include <poll.h>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

long long now()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// The receiver's timestamp of the latest delivery; the driver sleeps on it.
struct Arrival
{
    std::mutex mutex;
    std::condition_variable cv;
    long long at = 0;

    void mark()
    {
        const long long t = now();
        std::lock_guard<std::mutex> lock(mutex);
        at = t;
        cv.notify_one();
    }
    long long waitSince(long long t0)
    {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return at >= t0; });
        return at;
    }
};
Arrival arrival;

void onCChanged(void *, qns_manager *, const qns_configuration *)
{
    arrival.mark();
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[size_t(double(v.size() - 1) * p)];
}

size_t heapInUse()
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

// One state flip per round from a driver thread; the latency is from just
// before the flip to the receiver's callback or slot.
std::vector<double> measure(int rounds)
{
    std::vector<double> latency;
    for (int i = 0; i < rounds; ++i) {
        const long long t0 = now();
        qns_sim_set_state("ap", i % 2 ? QNS_STATE_FLAG_DISCOVERED : QNS_STATE_FLAG_ACTIVE);
        latency.push_back(double(arrival.waitSince(t0) - t0) / 1000.0);
        std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    return latency;
}

} // namespace

// Heap per session object, for 5000 objects on one configuration.
int measureMemory(bool qt)
{
    const int sessions = 5000;
    QNetworkConfigurationManager qtManager;
    const QNetworkConfiguration config = qtManager.configurationFromIdentifier(QStringLiteral("ap"));
    qns_manager *m = nullptr;
    qns_manager_new(nullptr, &m);
    qns_configuration *c = nullptr;
    qns_manager_configuration_from_identifier(m, "ap", &c);
    const size_t before = heapInUse();
    std::vector<QNetworkSession *> qtSessions;
    std::vector<qns_session *> cSessions;
    for (int i = 0; i < sessions; ++i) {
        if (qt) {
            qtSessions.push_back(new QNetworkSession(config));
        } else {
            qns_session *s = nullptr;
            qns_session_new(c, nullptr, &s);
            cSessions.push_back(s);
        }
    }
    const double per = double(heapInUse() - before) / sessions;
    printf("heap per %s: %.0f bytes (%d objects on one configuration, mallinfo2%s)\n",
           qt ? "QNetworkSession" : "qns_session", per, sessions,
           qt ? "; its qns_session and six C connections included" : "");
    qDeleteAll(qtSessions);
    for (qns_session *s : cSessions)
        qns_session_free(s);
    qns_configuration_free(c);
    qns_manager_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    qns_select_backend("simulated");
    qns_sim_add_access_point("ap", "Bench", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED);
    QCoreApplication app(argc, argv);
    // Each measurement in a fresh process: the engine keeps the capacity
    // its tables grew to, which would flatter whatever runs second.
    const QByteArray mode = argc > 1 ? QByteArray(argv[1]) : QByteArray("latency");
    const int rounds = argc > 2 ? atoi(argv[2]) : 3000;
    if (mode == "memory-qt" || mode == "memory-c")
        return measureMemory(mode == "memory-qt");

    // --- latency: the Qt library (main thread's Qt event loop) ---
    std::vector<double> qtLatency, cLatency;
    {
        QNetworkConfigurationManager qtManager;
        QObject::connect(&qtManager, &QNetworkConfigurationManager::configurationChanged, &app,
                         [] { arrival.mark(); });
        std::thread driver([&] {
            qtLatency = measure(rounds);
            QMetaObject::invokeMethod(&app, &QCoreApplication::quit, Qt::QueuedConnection);
        });
        app.exec();
        driver.join();
    }
    // --- latency: the C API (poll() on a loop fd in a thread of its own) ---
    {
        qns_loop *cLoop = nullptr;
        qns_loop_new(&cLoop);
        qns_manager *cManager = nullptr;
        qns_manager_new(cLoop, &cManager);
        qns_manager_on_configuration_changed(cManager, &onCChanged, nullptr, nullptr, nullptr);
        std::atomic<bool> stop{false};
        std::thread receiver([&] {
            pollfd pfd{qns_loop_fd(cLoop), POLLIN, 0};
            while (!stop.load()) {
                if (poll(&pfd, 1, 50) > 0)
                    qns_loop_dispatch(cLoop, 0, nullptr);
            }
        });
        cLatency = measure(rounds);
        stop.store(true);
        receiver.join();
        qns_manager_free(cManager);
        qns_loop_free(cLoop);
    }
    printf("configurationChanged latency, %d state changes each (us): "
           "Qt library median %.1f p90 %.1f; C API median %.1f p90 %.1f\n",
           rounds, percentile(qtLatency, 0.5), percentile(qtLatency, 0.9),
           percentile(cLatency, 0.5), percentile(cLatency, 0.9));

    return 0;
}
