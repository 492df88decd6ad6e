// Benchmarks of the Qt 6 library on the simulated backend (prints numbers;
// not a test):
//  - signal latency of one configuration change through the Qt library
//    (QSocketNotifier -> qns_loop_dispatch -> Qt signal, in the main thread's
//    Qt event loop) and through the C API (poll() on a loop fd, then
//    qns_loop_dispatch, in a thread of its own), the same change measured on
//    both paths from the moment a driver thread makes it;
//  - memory per QNetworkSession object, and per C session for comparison.
#include <qnetworksession.h>
#include <QNetworkConfigurationManager>
#include <QNetworkSession>

#include <QtCore/QCoreApplication>
#include <QtCore/QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <malloc.h>
#include <poll.h>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

std::atomic<long long> changedAt{0}; // ns since epoch of Clock, of the current change
std::atomic<long long> cSeen{0};
std::atomic<long long> qtSeen{0};

long long now()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void onCChanged(void *, qns_manager *, const qns_configuration *)
{
    cSeen.store(now());
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
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

} // namespace

int main(int argc, char **argv)
{
    qns_select_backend("simulated");
    qns_sim_add_access_point("ap", "Bench", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED);
    QCoreApplication app(argc, argv);
    const int rounds = argc > 1 ? atoi(argv[1]) : 2000;

    // --- latency ---
    QNetworkConfigurationManager qtManager;
    QObject::connect(&qtManager, &QNetworkConfigurationManager::configurationChanged, &app,
                     [] { qtSeen.store(now()); });
    qns_loop *cLoop = nullptr;
    qns_loop_new(&cLoop);
    qns_manager *cManager = nullptr;
    qns_manager_new(cLoop, &cManager);
    qns_manager_on_configuration_changed(cManager, &onCChanged, nullptr, nullptr, nullptr);
    std::atomic<bool> stop{false};
    std::thread cThread([&] {
        pollfd pfd{qns_loop_fd(cLoop), POLLIN, 0};
        while (!stop.load()) {
            if (poll(&pfd, 1, 50) > 0)
                qns_loop_dispatch(cLoop, 0, nullptr);
        }
    });

    std::vector<double> qtLatency, cLatency;
    std::thread driver([&] {
        for (int i = 0; i < rounds; ++i) {
            cSeen.store(0);
            qtSeen.store(0);
            const long long t0 = now();
            changedAt.store(t0);
            qns_sim_set_state("ap", i % 2 ? QNS_STATE_FLAG_DISCOVERED : QNS_STATE_FLAG_ACTIVE);
            while (cSeen.load() == 0 || qtSeen.load() == 0)
                std::this_thread::yield();
            cLatency.push_back(double(cSeen.load() - t0) / 1000.0);
            qtLatency.push_back(double(qtSeen.load() - t0) / 1000.0);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        QMetaObject::invokeMethod(&app, &QCoreApplication::quit, Qt::QueuedConnection);
    });
    app.exec();
    driver.join();
    stop.store(true);
    cThread.join();
    qns_manager_free(cManager);
    qns_loop_free(cLoop);
    printf("configurationChanged latency over %d changes (us): Qt library median %.1f p90 %.1f; "
           "C API median %.1f p90 %.1f\n",
           rounds, median(qtLatency), percentile(qtLatency, 0.9), median(cLatency),
           percentile(cLatency, 0.9));

    // --- memory per session ---
    const int sessions = 5000;
    const QNetworkConfiguration config = qtManager.configurationFromIdentifier(QStringLiteral("ap"));
    {
        std::vector<QNetworkSession *> warm;
        for (int i = 0; i < 100; ++i)
            warm.push_back(new QNetworkSession(config));
        qDeleteAll(warm);
    }
    size_t before = heapInUse();
    std::vector<QNetworkSession *> qtSessions;
    for (int i = 0; i < sessions; ++i)
        qtSessions.push_back(new QNetworkSession(config));
    const double perQt = double(heapInUse() - before) / sessions;
    qDeleteAll(qtSessions);

    qns_configuration *c = nullptr;
    qns_manager *m = nullptr;
    qns_manager_new(nullptr, &m);
    qns_manager_configuration_from_identifier(m, "ap", &c);
    before = heapInUse();
    std::vector<qns_session *> cSessions;
    for (int i = 0; i < sessions; ++i) {
        qns_session *s = nullptr;
        qns_session_new(c, nullptr, &s);
        cSessions.push_back(s);
    }
    const double perC = double(heapInUse() - before) / sessions;
    for (qns_session *s : cSessions)
        qns_session_free(s);
    qns_configuration_free(c);
    qns_manager_free(m);
    printf("heap per session (%d objects, mallinfo2): QNetworkSession %.0f bytes "
           "(its qns_session and six C connections included); bare qns_session %.0f bytes\n",
           sessions, perQt, perC);
    return 0;
}
