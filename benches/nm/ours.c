/* libqnetworksession side of benches/compare-nm: start-up to
 * allConfigurations(), activation -> configurationChanged latency, idle. */
#include "trigger.h"

#include <stdlib.h>

#include "qnetworksession.h"

#define CAFE "/org/freedesktop/NetworkManager/Settings/3"

static unsigned long long changed_at;

static void on_changed(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)m;
    char id[128];
    if (qns_configuration_identifier(c, id, sizeof id, NULL) == QNS_OK && strcmp(id, CAFE) == 0 &&
        qns_configuration_state(c) == QNS_STATE_FLAG_ACTIVE)
        nm_store(&changed_at, nm_now_us());
}

/* One poll for both: the library's loop and the watching connection. */
static void wait_both(void) {
    struct pollfd fds[2] = {{qns_loop_fd(NULL), POLLIN, 0}, {nm_watch_fd(), POLLIN, 0}};
    poll(fds, 2, 50);
    if (fds[1].revents)
        nm_watch_read();
    if (fds[0].revents)
        qns_loop_dispatch(NULL, 0, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    double t0 = nm_now_us();
    qns_manager *m = NULL;
    qns_manager_new(NULL, &m);
    qns_configuration_list *all = NULL;
    qns_manager_all_configurations(m, 0, &all);
    double t1 = nm_now_us();
    if (strcmp(argv[1], "startup") == 0) {
        printf("startup %.3f ms %zu configurations\n", (t1 - t0) / 1e3, qns_configuration_list_size(all));
        return 0;
    }
    qns_configuration_list_free(all);
    if (strcmp(argv[1], "idle") == 0) {
        int seconds = argc > 2 ? atoi(argv[2]) : 60;
        double end = nm_now_us() + seconds * 1e6;
        while (nm_now_us() < end)
            qns_loop_dispatch(NULL, 1000, NULL);
        printf("idle done\n");
        return 0;
    }
    if (strcmp(argv[1], "latency") == 0) {
        int n = argc > 2 ? atoi(argv[2]) : 100;
        if (nm_trigger_init() != 0)
            return 1;
        qns_manager_on_configuration_changed(m, on_changed, NULL, NULL, NULL);
        for (int i = 0; i < n; i++) {
            nm_store(&changed_at, 0);
            nm_store(&nm_activated_at, 0);
            char ac[256];
            if (nm_activate(CAFE, ac, sizeof ac) != 0)
                return 1;
            double end = nm_now_us() + 5e6;
            while ((nm_load(&changed_at) == 0 || nm_load(&nm_activated_at) == 0) && nm_now_us() < end)
                wait_both();
            double sig = nm_load(&nm_activated_at), got = nm_load(&changed_at);
            if (got && sig)
                printf("sample %.1f\n", got - sig);
            else
                printf("timeout\n");
            nm_deactivate(ac);
            end = nm_now_us() + 100e3;
            while (nm_now_us() < end)
                qns_loop_dispatch(NULL, 10, NULL);
        }
        return 0;
    }
    return 2;
}
