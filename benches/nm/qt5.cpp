// Qt 5.15 side of benches/compare-nm: the same work through its
// NetworkManager bearer plugin (which needs the mock's legacy signals).
#include "trigger.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QEventLoop>
#include <QNetworkConfigurationManager>
#include <QTimer>
#include <cstdlib>

#define CAFE "/org/freedesktop/NetworkManager/Settings/3"

static void pump(double until_us, unsigned long long *stop) {
    while (nm_now_us() < until_us && !(stop && nm_load(stop) != 0)) {
        QEventLoop loop;
        QTimer::singleShot(std::max(1, int(std::min(50e3, until_us - nm_now_us()) / 1000)), &loop, &QEventLoop::quit);
        loop.exec();
    }
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    double t0 = nm_now_us();
    QCoreApplication app(argc, argv);
    QNetworkConfigurationManager mgr;
    QList<QNetworkConfiguration> all = mgr.allConfigurations();
    double t1 = nm_now_us();
    if (strcmp(argv[1], "startup") == 0) {
        printf("startup %.3f ms %d configurations\n", (t1 - t0) / 1e3, all.size());
        return 0;
    }
    if (strcmp(argv[1], "idle") == 0) {
        int seconds = argc > 2 ? atoi(argv[2]) : 60;
        pump(nm_now_us() + seconds * 1e6, nullptr);
        printf("idle done\n");
        return 0;
    }
    if (strcmp(argv[1], "latency") == 0) {
        int n = argc > 2 ? atoi(argv[2]) : 100;
        if (nm_trigger_init() != 0)
            return 1;
        // The watching connection in Qt's own event loop, like the library's.
        QSocketNotifier notifier(nm_watch_fd(), QSocketNotifier::Read);
        QObject::connect(&notifier, &QSocketNotifier::activated, [] { nm_watch_read(); });
        static unsigned long long changed_at = 0;
        QObject::connect(&mgr, &QNetworkConfigurationManager::configurationChanged,
                         [](const QNetworkConfiguration &c) {
                             if (c.identifier() == QLatin1String(CAFE) &&
                                 (c.state() & QNetworkConfiguration::Active) == QNetworkConfiguration::Active)
                                 nm_store(&changed_at, nm_now_us());
                         });
        for (int i = 0; i < n; i++) {
            nm_store(&changed_at, 0);
            nm_store(&nm_activated_at, 0);
            char ac[256];
            if (nm_activate(CAFE, ac, sizeof ac) != 0)
                return 1;
            pump(nm_now_us() + 5e6, &changed_at);
            pump(nm_now_us() + 200e3, &nm_activated_at);
            double sig = nm_load(&nm_activated_at), got = nm_load(&changed_at);
            if (got && sig)
                printf("sample %.1f\n", got - sig);
            else
                printf("timeout\n");
            nm_deactivate(ac);
            pump(nm_now_us() + 100e3, nullptr);
        }
        return 0;
    }
    return 2;
}
