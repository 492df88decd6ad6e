// Qt 5.15 side of benches/compare-qt5: the same work as ours.c through
// QNetworkConfigurationManager and QNetworkSession.
#include "change.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkConfigurationManager>
#include <QNetworkSession>
#include <QTimer>
#include <algorithm>
#include <vector>

static double started;
static QEventLoop *waiting; // the loop pump() runs, so a handler can end it

// Runs Qt's event loop (sleeping, as an application does) until the time
// is up or *stop turns true.
static void pump(double until_us, const bool *stop) {
    while (cmp_now_us() < until_us && !(stop && *stop)) {
        QEventLoop loop;
        QTimer::singleShot(std::max(1, int((until_us - cmp_now_us()) / 1000)), &loop, &QEventLoop::quit);
        waiting = &loop;
        loop.exec();
        waiting = nullptr;
    }
}

static QNetworkConfiguration byName(QNetworkConfigurationManager &mgr, const QString &name) {
    for (const QNetworkConfiguration &c : mgr.allConfigurations())
        if (c.name() == name)
            return c;
    return QNetworkConfiguration();
}

static int latency(QNetworkConfigurationManager &mgr, const char *what, int changes, int timeout_ms) {
    bool seen = false;
    double at = 0;
    QObject::connect(&mgr, &QNetworkConfigurationManager::configurationChanged, [&](const QNetworkConfiguration &c) {
        if (c.name() == QLatin1String("cmp0") && !seen) {
            seen = true;
            at = cmp_now_us();
            if (waiting)
                waiting->quit();
        }
    });
    pump(cmp_now_us() + 200e3, nullptr); // let the first scan finish
    for (int i = 0; i < changes; i++) {
        int on = i % 2;
        seen = false;
        double t0 = cmp_now_us();
        if (strcmp(what, "link") == 0)
            cmp_set_link("cmp0", on);
        else
            cmp_set_address("cmp0", on ? "10.99.0.1" : nullptr);
        pump(t0 + timeout_ms * 1e3, &seen);
        if (seen)
            printf("sample %.1f\n", at - t0);
        else
            printf("timeout\n");
        pump(cmp_now_us() + 5000, nullptr);
    }
    return 0;
}

static int startup(QNetworkConfigurationManager &mgr) {
    QNetworkConfiguration def = mgr.defaultConfiguration();
    QList<QNetworkConfiguration> all = mgr.allConfigurations();
    double t = cmp_now_us() - started;
    printf("startup %.3f ms %d configurations %ld kB peak RSS\n", t / 1e3, all.size(), cmp_peak_rss_kb());
    return 0;
}

static int idle(int seconds) {
    pump(cmp_now_us() + 1e6, nullptr);
    double cpu0 = cmp_cpu_ms();
    long p0 = cmp_process_switches(), t0 = cmp_thread_switches();
    pump(cmp_now_us() + seconds * 1e6, nullptr); // an idle Qt application sits in its event loop
    printf("idle %.2f ms CPU %ld process switches %ld library-thread switches\n", cmp_cpu_ms() - cpu0,
           cmp_process_switches() - p0, cmp_thread_switches() - t0);
    return 0;
}

static int cycles(QNetworkConfigurationManager &mgr, int n) {
    pump(cmp_now_us() + 200e3, nullptr);
    QNetworkSession s(byName(mgr, "cmp0"));
    double t0 = cmp_now_us();
    for (int i = 0; i < n; i++) {
        s.open();
        s.close();
    }
    double secs = (cmp_now_us() - t0) / 1e6;
    printf("cycles %.0f per second\n", n / secs);
    return 0;
}

static int memory(QNetworkConfigurationManager &mgr, int n) {
    pump(cmp_now_us() + 200e3, nullptr);
    QNetworkConfiguration c = byName(mgr, "cmp0");
    std::vector<QNetworkSession *> all;
    long before = cmp_rss_kb();
    for (int i = 0; i < n; i++) {
        all.push_back(new QNetworkSession(c));
        all.back()->open();
    }
    long after = cmp_rss_kb();
    printf("memory %.0f bytes per open session\n", (after - before) * 1024.0 / n);
    for (QNetworkSession *s : all)
        delete s;
    return 0;
}

static int trace(QNetworkConfigurationManager &mgr) {
    pump(cmp_now_us() + 300e3, nullptr);
    QNetworkSession s(byName(mgr, "cmp0"));
    auto t = [] { return (cmp_now_us() - started) / 1e3; };
    static const char *states[] = {"Invalid", "NotAvailable", "Connecting", "Connected", "Closing", "Disconnected", "Roaming"};
    static const char *errors[] = {"UnknownSessionError", "SessionAbortedError", "RoamingError",
                                   "OperationNotSupportedError", "InvalidConfigurationError"};
    QObject::connect(&s, &QNetworkSession::stateChanged, [&](QNetworkSession::State st) {
        printf("%8.1f ms  stateChanged(%s)\n", t(), states[st]);
    });
    QObject::connect(&s, &QNetworkSession::opened, [&] { printf("%8.1f ms  opened()\n", t()); });
    QObject::connect(&s, &QNetworkSession::closed, [&] { printf("%8.1f ms  closed()\n", t()); });
    QObject::connect(&s, QOverload<QNetworkSession::SessionError>::of(&QNetworkSession::error),
                     [&](QNetworkSession::SessionError e) { printf("%8.1f ms  error(%s)\n", t(), errors[e]); });
    started = cmp_now_us();
    printf("%8.1f ms  open()\n", 0.0);
    s.open();
    pump(cmp_now_us() + 300e3, nullptr);
    printf("%8.1f ms  -- link down\n", t());
    cmp_set_link("cmp0", 0);
    pump(cmp_now_us() + 1000e3, nullptr);
    printf("%8.1f ms  -- link up\n", t());
    cmp_set_link("cmp0", 1);
    pump(cmp_now_us() + 1000e3, nullptr);
    printf("%8.1f ms  open()\n", t());
    s.open();
    pump(cmp_now_us() + 300e3, nullptr);
    printf("%8.1f ms  -- interface deleted\n", t());
    if (system("ip link del cmp0") != 0)
        return 1;
    pump(cmp_now_us() + 1000e3, nullptr);
    return 0;
}

int main(int argc, char **argv) {
    started = cmp_now_us();
    setvbuf(stdout, nullptr, _IOLBF, 0);
    QCoreApplication app(argc, argv);
    QNetworkConfigurationManager mgr;
    if (argc < 2)
        return 2;
    int n = argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(argv[1], "latency"))
        return latency(mgr, argv[2], atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 30000);
    if (!strcmp(argv[1], "startup"))
        return startup(mgr);
    if (!strcmp(argv[1], "idle"))
        return idle(n);
    if (!strcmp(argv[1], "cycles"))
        return cycles(mgr, n);
    if (!strcmp(argv[1], "memory"))
        return memory(mgr, n);
    if (!strcmp(argv[1], "trace"))
        return trace(mgr);
    return 2;
}
