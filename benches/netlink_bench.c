/* Netlink backend benchmarks, run inside a private network namespace by
 * benches/netlink.sh (as root):
 *   netlink_bench latency FLIPS   change-notification latency, link down/up
 *   netlink_bench addr CHANGES    address loss/regain on lat0 -> a session's stateChanged
 *   netlink_bench startup         manager creation + allConfigurations, peak RSS
 *   netlink_bench memory N        heap bytes per configuration record and per open session
 *   netlink_bench idle SECONDS    context switches of the library's threads while idle */
#define _GNU_SOURCE
#include <malloc.h>
#include <poll.h>

#include "compare/change.h"
#include "qnetworksession.h"

#define now_us cmp_now_us
#define set_link cmp_set_link
#define library_switches cmp_thread_switches

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char watched_id[32];
static double delivered_at;
static unsigned last_state;

static void on_changed(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)m;
    char id[32];
    qns_configuration_identifier(c, id, sizeof id, NULL);
    if (strcmp(id, watched_id) == 0) {
        if (delivered_at == 0)
            delivered_at = now_us();
        last_state = qns_configuration_state(c);
    }
}

/* Waits on the loop fd like an application would, dispatching as it fires. */
static void pump_until(qns_loop *lp, unsigned state, double deadline) {
    while (last_state != state && now_us() < deadline) {
        struct pollfd p = {qns_loop_fd(lp), POLLIN, 0};
        if (poll(&p, 1, 100) > 0)
            qns_loop_dispatch(lp, 0, NULL);
    }
}

static int latency(int flips) {
    qns_loop *lp = NULL;
    qns_manager *m = NULL;
    qns_loop_new(&lp);
    qns_manager_new(lp, &m);
    qns_manager_on_configuration_changed(m, on_changed, NULL, NULL, NULL);
    /* lat0 has an address and a peer: down -> Discovered, up -> Active. */
    char text[32];
    snprintf(text, sizeof text, "generic:%u", if_nametoindex("lat0"));
    unsigned h = 0;
    for (char *c = text; *c; c++)
        h = h * 31u + (unsigned char)*c;
    snprintf(watched_id, sizeof watched_id, "%u", h);
    double *samples = calloc((size_t)flips * 2, sizeof *samples);
    int n = 0;
    for (int i = 0; i < flips; i++) {
        for (int up = 0; up <= 1; up++) {
            delivered_at = 0;
            double t0 = now_us();
            set_link("lat0", up);
            pump_until(lp, up ? QNS_STATE_FLAG_ACTIVE : QNS_STATE_FLAG_DISCOVERED, t0 + 2e6);
            if (delivered_at > 0)
                samples[n++] = delivered_at - t0;
        }
    }
    qsort(samples, (size_t)n, sizeof *samples, cmp_double);
    if (n == 0) {
        printf("latency: no notifications\n");
        return 1;
    }
    printf("link down/up -> callback on the app's loop, %d changes: median %.0f us, p99 %.0f us, max %.0f us\n", n,
           samples[n / 2], samples[(int)(n * 0.99)], samples[n - 1]);
    free(samples);
    qns_manager_free(m);
    qns_loop_free(lp);
    return 0;
}

static double state_at;
static int session_state = -1;

static void on_session_state(void *ud, qns_session *s, int state) {
    (void)ud, (void)s;
    if (state_at == 0)
        state_at = now_us();
    session_state = state;
}

/* An address loss (and its return) on lat0, which has IPv4 only: the
 * configuration goes Active -> Discovered -> Active and an idle session on
 * it follows (Connected -> Disconnected -> Connected). Timed to the
 * session's stateChanged callback on the application's loop, as the
 * application sees it, whatever the number of other links. */
static int addr_latency(int changes) {
    qns_loop *lp = NULL;
    qns_manager *m = NULL;
    qns_loop_new(&lp);
    qns_manager_new(lp, &m);
    char text[32];
    snprintf(text, sizeof text, "generic:%u", if_nametoindex("lat0"));
    unsigned h = 0;
    for (char *c = text; *c; c++)
        h = h * 31u + (unsigned char)*c;
    snprintf(watched_id, sizeof watched_id, "%u", h);
    qns_configuration *c = NULL;
    qns_session *s = NULL;
    if (qns_manager_configuration_from_identifier(m, watched_id, &c) != QNS_OK ||
        qns_session_new(c, lp, &s) != QNS_OK)
        return 1;
    qns_session_on_state_changed(s, on_session_state, NULL, NULL, NULL);
    double *samples = calloc((size_t)changes, sizeof *samples);
    int n = 0, timeouts = 0;
    for (int i = 0; i < changes; i++) {
        int on = i % 2; /* first take it away, then give it back */
        int want = on ? QNS_STATE_CONNECTED : QNS_STATE_DISCONNECTED;
        state_at = 0;
        double t0 = now_us();
        cmp_set_address("lat0", on ? "10.0.0.1" : NULL);
        while (session_state != want && now_us() < t0 + 2e6) {
            struct pollfd p = {qns_loop_fd(lp), POLLIN, 0};
            if (poll(&p, 1, 100) > 0)
                qns_loop_dispatch(lp, 0, NULL);
        }
        if (session_state == want)
            samples[n++] = state_at - t0;
        else
            timeouts++;
    }
    qsort(samples, (size_t)n, sizeof *samples, cmp_double);
    if (n == 0) {
        printf("addr latency: no notifications\n");
        return 1;
    }
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += samples[i];
    qns_configuration_list *all = NULL;
    qns_manager_all_configurations(m, 0, &all);
    printf("addr latency %zu configurations %d changes: median %.1f us mean %.1f us p99 %.1f us max %.1f us "
           "timeouts %d\n",
           qns_configuration_list_size(all), n, samples[n / 2], sum / n, samples[(int)(n * 0.99)], samples[n - 1],
           timeouts);
    qns_configuration_list_free(all);
    free(samples);
    qns_session_free(s);
    qns_configuration_free(c);
    qns_manager_free(m);
    qns_loop_free(lp);
    return 0;
}

/* Heap in use (all arenas, mmapped blocks included). */
static double heap_bytes(void) {
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

/* Heap per configuration record (the kernel model and the engine's record
 * together, measured over starting the engine) and per open session. */
static int memory(int sessions) {
    double before = heap_bytes();
    qns_loop *lp = NULL;
    qns_manager *m = NULL;
    qns_loop_new(&lp);
    qns_manager_new(lp, &m);
    double started = heap_bytes();
    qns_configuration_list *all = NULL;
    qns_manager_all_configurations(m, 0, &all);
    size_t records = qns_configuration_list_size(all);
    qns_configuration *c = NULL;
    for (size_t i = 0; i < records && !c; i++) {
        char name[64];
        qns_configuration_name(qns_configuration_list_get(all, i), name, sizeof name, NULL);
        if (strcmp(name, "lat0") == 0)
            c = qns_configuration_clone(qns_configuration_list_get(all, i));
    }
    qns_configuration_list_free(all);
    if (!c)
        return 1;
    qns_session **list = calloc((size_t)sessions, sizeof *list);
    double base = heap_bytes();
    for (int i = 0; i < sessions; i++) {
        qns_session_new(c, lp, &list[i]);
        qns_session_open(list[i]);
    }
    double opened = heap_bytes();
    printf("memory %zu configurations: %.0f bytes per configuration record (engine start %.0f kB); "
           "%.0f bytes per open session (%d sessions)\n",
           records, (started - before) / (double)records, (started - before) / 1024, (opened - base) / sessions,
           sessions);
    for (int i = 0; i < sessions; i++)
        qns_session_free(list[i]);
    free(list);
    qns_configuration_free(c);
    qns_manager_free(m);
    qns_loop_free(lp);
    return 0;
}

static double main_started;

/* Timed from main(), as benches/netlink_floor.c is. */
static int startup(void) {
    double t0 = main_started;
    qns_manager *m = NULL;
    qns_manager_new(NULL, &m);
    qns_configuration_list *all = NULL;
    qns_manager_all_configurations(m, 0, &all);
    double t1 = now_us();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("startup %.3f ms %zu configurations %ld kB peak RSS\n", (t1 - t0) / 1e3, qns_configuration_list_size(all),
           ru.ru_maxrss);
    qns_configuration_list_free(all);
    qns_manager_free(m);
    return 0;
}

static int idle(int seconds) {
    qns_manager *m = NULL;
    qns_manager_new(NULL, &m);
    sleep(1); /* let start-up settle */
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    long before = library_switches();
    sleep((unsigned)seconds);
    long after = library_switches();
    getrusage(RUSAGE_SELF, &b);
    double cpu = (b.ru_utime.tv_sec - a.ru_utime.tv_sec) * 1e3 + (b.ru_utime.tv_usec - a.ru_utime.tv_usec) / 1e3 +
                 (b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1e3 + (b.ru_stime.tv_usec - a.ru_stime.tv_usec) / 1e3;
    printf("idle %d s: %ld context switches of the library's threads, %.2f ms CPU\n", seconds, after - before, cpu);
    qns_manager_free(m);
    return 0;
}

int main(int argc, char **argv) {
    main_started = now_us();
    if (qns_select_backend("netlink") != QNS_OK || argc < 2)
        return 2;
    if (!strcmp(argv[1], "latency"))
        return latency(argc > 2 ? atoi(argv[2]) : 200);
    if (!strcmp(argv[1], "addr"))
        return addr_latency(argc > 2 ? atoi(argv[2]) : 200);
    if (!strcmp(argv[1], "startup"))
        return startup();
    if (!strcmp(argv[1], "memory"))
        return memory(argc > 2 ? atoi(argv[2]) : 10000);
    if (!strcmp(argv[1], "idle"))
        return idle(argc > 2 ? atoi(argv[2]) : 60);
    return 2;
}
