/* Example: wait until the internet is reachable, not merely until some
 * interface is up. isOnline() is Qt 5's "an interface is up"; reachability
 * says Local, Site or Online, and with a connectivity URL it also tells a
 * captive portal from the internet.
 * usage: reachability [--check http://host/path] [--simulate] [seconds]
 *   --check     verify Online with an HTTP GET that must answer 204
 *   --simulate  play a scripted network on the simulated backend */
#include <qnetworksession.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *names[] = {"unknown", "disconnected", "local network only",
                              "site (no internet)", "online"};

static void on_reachability(void *user_data, qns_manager *m, int reachability) {
    (void)m;
    printf("reachability: %s\n", names[reachability]);
    if (reachability == QNS_REACHABILITY_ONLINE)
        qns_loop_quit(user_data); /* done: start syncing, say */
}

static void on_portal(void *user_data, qns_manager *m, bool behind) {
    (void)user_data, (void)m;
    if (behind)
        printf("behind a captive portal: ask the user to log in\n");
}

/* What a test of your own code could script instead of a real network. */
static void play_scenario(void) {
    qns_sim_add_access_point("wifi", "Cafe", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE);
    qns_sim_set_reachability(QNS_REACHABILITY_SITE);
    qns_sim_set_captive_portal(true);
    qns_sim_set_captive_portal(false);          /* the user logged in */
    qns_sim_set_reachability(QNS_REACHABILITY_ONLINE);
}

int main(int argc, char **argv) {
    const char *check = NULL;
    int simulate = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0 && i + 1 < argc)
            check = argv[++i];
        else if (strcmp(argv[i], "--simulate") == 0)
            simulate = 1;
    }
    if (simulate && qns_select_backend("simulated") != QNS_OK)
        return 1;
    qns_loop *loop = NULL;
    qns_manager *m = NULL;
    if (qns_loop_new(&loop) != QNS_OK || qns_manager_new(loop, &m) != QNS_OK)
        return 1;
    if (check) {
        qns_status st = qns_manager_set_connectivity_check(m, check, NULL);
        if (st != QNS_OK) {
            fprintf(stderr, "connectivity check: %s\n", qns_status_str(st));
            return 1;
        }
    }
    qns_manager_on_reachability_changed(m, on_reachability, loop, NULL, NULL);
    qns_manager_on_captive_portal_changed(m, on_portal, NULL, NULL, NULL);
    int now = qns_manager_reachability(m);
    printf("reachability: %s (an interface is up: %s)\n", names[now],
           qns_manager_is_online(m) ? "yes" : "no");
    if (simulate)
        play_scenario();
    if (now != QNS_REACHABILITY_ONLINE)
        qns_loop_run(loop); /* until on_reachability quits it */
    qns_manager_free(m);
    qns_loop_free(loop);
    return 0;
}
