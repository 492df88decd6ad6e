/* libqnetworksession side of benches/compare-qt5 (see qt5.cpp for Qt's). */
#include "change.h"

#include <poll.h>
#include <qnetworksession.h>

static qns_loop *lp;
static qns_manager *mgr;
static char watched[64];
static double first_signal_at;
static double started;

static void on_changed(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)m;
    char name[64];
    qns_configuration_name(c, name, sizeof name, NULL);
    if (strcmp(name, watched) == 0 && first_signal_at == 0)
        first_signal_at = cmp_now_us();
}

/* Waits on the loop fd and dispatches, as an application's main loop would. */
static void pump(double until_us, int stop_on_signal) {
    while (cmp_now_us() < until_us && !(stop_on_signal && first_signal_at > 0)) {
        struct pollfd p = {qns_loop_fd(lp), POLLIN, 0};
        int ms = (int)((until_us - cmp_now_us()) / 1000) + 1;
        if (poll(&p, 1, ms) > 0)
            qns_loop_dispatch(lp, 0, NULL);
    }
}

static qns_configuration *by_name(const char *name) {
    qns_configuration_list *all = NULL;
    qns_manager_all_configurations(mgr, 0, &all);
    qns_configuration *found = NULL;
    for (size_t i = 0; i < qns_configuration_list_size(all); i++) {
        char n[64];
        qns_configuration_name(qns_configuration_list_get(all, i), n, sizeof n, NULL);
        if (strcmp(n, name) == 0)
            found = qns_configuration_clone(qns_configuration_list_get(all, i));
    }
    qns_configuration_list_free(all);
    return found;
}

static int latency(const char *what, int changes) {
    qns_manager_on_configuration_changed(mgr, on_changed, NULL, NULL, NULL);
    snprintf(watched, sizeof watched, "cmp0");
    for (int i = 0; i < changes; i++) {
        int on = i % 2; /* first take it away, then give it back */
        first_signal_at = 0;
        double t0 = cmp_now_us();
        if (strcmp(what, "link") == 0)
            cmp_set_link("cmp0", on);
        else
            cmp_set_address("cmp0", on ? "10.99.0.1" : NULL);
        pump(t0 + 5e6, 1);
        if (first_signal_at > 0)
            printf("sample %.1f\n", first_signal_at - t0);
        else
            printf("timeout\n");
        pump(cmp_now_us() + 5000, 0); /* let trailing signals pass */
    }
    return 0;
}

static int startup(void) {
    /* Measured from main(): the process image is already loaded for both. */
    qns_configuration *def = NULL;
    qns_manager_default_configuration(mgr, &def);
    qns_configuration_list *all = NULL;
    qns_manager_all_configurations(mgr, 0, &all);
    double t = cmp_now_us() - started;
    printf("startup %.3f ms %zu configurations %ld kB peak RSS\n", t / 1e3, qns_configuration_list_size(all),
           cmp_peak_rss_kb());
    qns_configuration_list_free(all);
    qns_configuration_free(def);
    return 0;
}

static int idle(int seconds) {
    sleep(1);
    double cpu0 = cmp_cpu_ms();
    long p0 = cmp_process_switches(), t0 = cmp_thread_switches();
    sleep((unsigned)seconds);
    printf("idle %.2f ms CPU %ld process switches %ld library-thread switches\n", cmp_cpu_ms() - cpu0,
           cmp_process_switches() - p0, cmp_thread_switches() - t0);
    return 0;
}

static int cycles(int n) {
    qns_configuration *c = by_name("cmp0");
    qns_session *s = NULL;
    qns_session_new(c, lp, &s);
    double t0 = cmp_now_us();
    for (int i = 0; i < n; i++) {
        qns_session_open(s);
        qns_session_close(s);
    }
    double secs = (cmp_now_us() - t0) / 1e6;
    printf("cycles %.0f per second\n", n / secs);
    qns_session_free(s);
    qns_configuration_free(c);
    return 0;
}

static int memory(int n) {
    qns_configuration *c = by_name("cmp0");
    qns_session **all = calloc((size_t)n, sizeof *all);
    long before = cmp_rss_kb();
    for (int i = 0; i < n; i++) {
        qns_session_new(c, lp, &all[i]);
        qns_session_open(all[i]);
    }
    long after = cmp_rss_kb();
    printf("memory %.0f bytes per open session\n", (after - before) * 1024.0 / n);
    for (int i = 0; i < n; i++)
        qns_session_free(all[i]);
    free(all);
    qns_configuration_free(c);
    return 0;
}

static void t_state(void *ud, qns_session *s, int st) {
    (void)ud, (void)s;
    static const char *n[] = {"Invalid", "NotAvailable", "Connecting", "Connected", "Closing", "Disconnected", "Roaming"};
    printf("%8.1f ms  stateChanged(%s)\n", (cmp_now_us() - started) / 1e3, n[st]);
}
static void t_opened(void *ud, qns_session *s) { (void)ud, (void)s; printf("%8.1f ms  opened()\n", (cmp_now_us() - started) / 1e3); }
static void t_closed(void *ud, qns_session *s) { (void)ud, (void)s; printf("%8.1f ms  closed()\n", (cmp_now_us() - started) / 1e3); }
static void t_error(void *ud, qns_session *s, int e) {
    (void)ud, (void)s;
    static const char *n[] = {"UnknownSessionError", "SessionAbortedError", "RoamingError", "OperationNotSupportedError",
                              "InvalidConfigurationError"};
    printf("%8.1f ms  error(%s)\n", (cmp_now_us() - started) / 1e3, n[e]);
}

static int trace(void) {
    qns_configuration *c = by_name("cmp0");
    qns_session *s = NULL;
    qns_session_new(c, lp, &s);
    qns_session_on_state_changed(s, t_state, NULL, NULL, NULL);
    qns_session_on_opened(s, t_opened, NULL, NULL, NULL);
    qns_session_on_closed(s, t_closed, NULL, NULL, NULL);
    qns_session_on_error(s, t_error, NULL, NULL, NULL);
    started = cmp_now_us();
    printf("%8.1f ms  open()\n", 0.0);
    qns_session_open(s);
    pump(cmp_now_us() + 300e3, 0);
    printf("%8.1f ms  -- link down\n", (cmp_now_us() - started) / 1e3);
    cmp_set_link("cmp0", 0);
    pump(cmp_now_us() + 1000e3, 0);
    printf("%8.1f ms  -- link up\n", (cmp_now_us() - started) / 1e3);
    cmp_set_link("cmp0", 1);
    pump(cmp_now_us() + 1000e3, 0);
    printf("%8.1f ms  open()\n", (cmp_now_us() - started) / 1e3);
    qns_session_open(s);
    pump(cmp_now_us() + 300e3, 0);
    printf("%8.1f ms  -- interface deleted\n", (cmp_now_us() - started) / 1e3);
    if (system("ip link del cmp0") != 0)
        return 1;
    pump(cmp_now_us() + 1000e3, 0);
    qns_session_free(s);
    qns_configuration_free(c);
    return 0;
}

int main(int argc, char **argv) {
    started = cmp_now_us();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || qns_select_backend("netlink") != QNS_OK)
        return 2;
    qns_loop_new(&lp);
    qns_manager_new(lp, &mgr);
    int n = argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(argv[1], "latency"))
        return latency(argv[2], atoi(argv[3]));
    if (!strcmp(argv[1], "startup"))
        return startup();
    if (!strcmp(argv[1], "idle"))
        return idle(n);
    if (!strcmp(argv[1], "cycles"))
        return cycles(n);
    if (!strcmp(argv[1], "memory"))
        return memory(n);
    if (!strcmp(argv[1], "trace"))
        return trace();
    return 2;
}
