/* Netlink backend benchmarks, run inside a private network namespace by
 * benches/netlink.sh (as root):
 *   netlink_bench latency FLIPS   change-notification latency, link down/up
 *   netlink_bench startup         manager creation + allConfigurations, peak RSS
 *   netlink_bench idle SECONDS    context switches of the library's threads while idle */
#define _GNU_SOURCE
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

static int startup(void) {
    double t0 = now_us();
    qns_manager *m = NULL;
    qns_manager_new(NULL, &m);
    qns_configuration_list *all = NULL;
    qns_manager_all_configurations(m, 0, &all);
    double t1 = now_us();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%zu configurations: manager + allConfigurations %.2f ms, peak RSS %.1f MB\n",
           qns_configuration_list_size(all), (t1 - t0) / 1e3, ru.ru_maxrss / 1024.0);
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
    if (qns_select_backend("netlink") != QNS_OK || argc < 2)
        return 2;
    if (!strcmp(argv[1], "latency"))
        return latency(argc > 2 ? atoi(argv[2]) : 200);
    if (!strcmp(argv[1], "startup"))
        return startup();
    if (!strcmp(argv[1], "idle"))
        return idle(argc > 2 ? atoi(argv[2]) : 60);
    return 2;
}
