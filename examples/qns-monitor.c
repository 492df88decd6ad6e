/* qns-monitor: shows what libqnetworksession sees, then follows a session.
 *
 * Lists every configuration (id, name, type, state, bearer), the default
 * configuration, online state and capabilities; opens a session (on the
 * default configuration, a named one, or UserChoice) and prints every
 * manager and session signal with a millisecond timestamp until Ctrl-C.
 * With the simulated backend it plays a built-in scenario (cable plugged in,
 * Wi-Fi lost, cable pulled: roaming each time) and exits when it ends.
 *
 * It also shows the poll() integration: the library's loop fd, a signalfd
 * for Ctrl-C and the scenario's timer all go into one poll(). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "qnetworksession.h"

static struct timespec started;
static bool auto_roam = true;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - started.tv_sec) * 1e3 + (t.tv_nsec - started.tv_nsec) / 1e6;
}

#define say(...)                                                                                   \
    do {                                                                                           \
        printf("[%9.3f ms] ", now_ms());                                                           \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
    } while (0)

static const char *state_name(int s) {
    static const char *names[] = {"Invalid", "NotAvailable", "Connecting", "Connected", "Closing", "Disconnected", "Roaming"};
    return s >= 0 && s <= 6 ? names[s] : "?";
}
static const char *error_name(int e) {
    static const char *names[] = {"UnknownSessionError", "SessionAbortedError", "RoamingError",
                                  "OperationNotSupportedError", "InvalidConfigurationError"};
    return e >= 0 && e <= 4 ? names[e] : "?";
}
static const char *type_name(int t) {
    static const char *names[] = {"InternetAccessPoint", "ServiceNetwork", "UserChoice", "Invalid"};
    return t >= 0 && t <= 3 ? names[t] : "?";
}
static const char *flags_name(unsigned s) {
    switch (s) {
    case QNS_STATE_FLAG_ACTIVE: return "Active";
    case QNS_STATE_FLAG_DISCOVERED: return "Discovered";
    case QNS_STATE_FLAG_DEFINED: return "Defined";
    default: return "Undefined";
    }
}

/* "id (name)" of a configuration, in a rotating static buffer. */
static const char *describe(const qns_configuration *c) {
    static char bufs[4][160];
    static int next;
    char *b = bufs[next++ % 4];
    if (!c)
        return strcpy(b, "(none)");
    char id[64], name[64];
    qns_configuration_identifier(c, id, sizeof id, NULL);
    qns_configuration_name(c, name, sizeof name, NULL);
    snprintf(b, 160, "%s (%s)", id, name);
    return b;
}

static const char *reachability_name(int r) {
    static const char *names[] = {"Unknown", "Disconnected", "Local", "Site", "Online"};
    return r >= 0 && r < 5 ? names[r] : "?";
}

static const char *medium_name(int t) {
    static const char *names[] = {"Unknown", "Ethernet", "Cellular", "WiFi", "Bluetooth"};
    return t >= 0 && t < 5 ? names[t] : "?";
}

static void print_snapshot(qns_manager *m) {
    qns_configuration_list *all = NULL;
    if (qns_manager_all_configurations(m, 0, &all) != QNS_OK)
        return;
    printf("%-24s %-20s %-20s %-11s %s\n", "IDENTIFIER", "NAME", "TYPE", "STATE", "BEARER");
    for (size_t i = 0; i < qns_configuration_list_size(all); i++) {
        const qns_configuration *c = qns_configuration_list_get(all, i);
        char id[64], name[64];
        qns_configuration_identifier(c, id, sizeof id, NULL);
        qns_configuration_name(c, name, sizeof name, NULL);
        printf("%-24s %-20s %-20s %-11s %s\n", id, name, type_name(qns_configuration_type(c)),
               flags_name(qns_configuration_state(c)), qns_configuration_bearer_type_name(c));
    }
    qns_configuration_list_free(all);
    qns_configuration *def = NULL;
    qns_manager_default_configuration(m, &def);
    unsigned caps = qns_manager_capabilities(m);
    printf("default: %s\nonline: %s\ncapabilities: 0x%02x%s%s%s%s%s%s%s\n", describe(def),
           qns_manager_is_online(m) ? "yes" : "no", caps,
           caps & QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES ? " CanStartAndStopInterfaces" : "",
           caps & QNS_CAPABILITY_DIRECT_CONNECTION_ROUTING ? " DirectConnectionRouting" : "",
           caps & QNS_CAPABILITY_SYSTEM_SESSION_SUPPORT ? " SystemSessionSupport" : "",
           caps & QNS_CAPABILITY_APPLICATION_LEVEL_ROAMING ? " ApplicationLevelRoaming" : "",
           caps & QNS_CAPABILITY_FORCED_ROAMING ? " ForcedRoaming" : "",
           caps & QNS_CAPABILITY_DATA_STATISTICS ? " DataStatistics" : "",
           caps & QNS_CAPABILITY_NETWORK_SESSION_REQUIRED ? " NetworkSessionRequired" : "");
    qns_configuration_free(def);
    printf("reachability: %s\ncaptive portal: %s\ntransport: %s\nmetered: %s\n",
           reachability_name(qns_manager_reachability(m)),
           qns_manager_is_behind_captive_portal(m) ? "yes" : "no",
           medium_name(qns_manager_transport_medium(m)), qns_manager_is_metered(m) ? "yes" : "no");
}

/* Manager signals. */
static void on_added(void *ud, qns_manager *m, const qns_configuration *c) { (void)ud, (void)m; say("manager: configurationAdded(%s)", describe(c)); }
static void on_removed(void *ud, qns_manager *m, const qns_configuration *c) { (void)ud, (void)m; say("manager: configurationRemoved(%s)", describe(c)); }
static void on_changed(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)m;
    say("manager: configurationChanged(%s) -> %s", describe(c), flags_name(qns_configuration_state(c)));
}
static void on_online(void *ud, qns_manager *m, bool online) { (void)ud, (void)m; say("manager: onlineStateChanged(%s)", online ? "true" : "false"); }
static void on_update(void *ud, qns_manager *m) { (void)ud, (void)m; say("manager: updateCompleted()"); }
static void on_reach(void *ud, qns_manager *m, int r) { (void)ud, (void)m; say("manager: reachabilityChanged(%s)", reachability_name(r)); }
static void on_portal(void *ud, qns_manager *m, bool b) { (void)ud, (void)m; say("manager: isBehindCaptivePortalChanged(%s)", b ? "true" : "false"); }
static void on_medium(void *ud, qns_manager *m, int t) { (void)ud, (void)m; say("manager: transportMediumChanged(%s)", medium_name(t)); }
static void on_metered(void *ud, qns_manager *m, bool b) { (void)ud, (void)m; say("manager: isMeteredChanged(%s)", b ? "true" : "false"); }

/* Session signals. */
static void on_state(void *ud, qns_session *s, int st) { (void)ud, (void)s; say("session: stateChanged(%s)", state_name(st)); }
static void on_opened(void *ud, qns_session *s) {
    (void)ud;
    char active[64] = "";
    qns_session_property_string(s, "ActiveConfiguration", active, sizeof active, NULL);
    say("session: opened()  [ActiveConfiguration=%s]", active);
}
static void on_closed(void *ud, qns_session *s) { (void)ud, (void)s; say("session: closed()"); }
static void on_error(void *ud, qns_session *s, int e) {
    (void)ud;
    say("session: error(%s) \"%s\"", error_name(e), qns_session_error_string(s));
}
static void on_preferred(void *ud, qns_session *s, const qns_configuration *c, bool seamless) {
    (void)ud;
    say("session: preferredConfigurationChanged(%s, isSeamless=%s)", describe(c), seamless ? "true" : "false");
    if (auto_roam) {
        say("app:     migrate()");
        qns_session_migrate(s);
    }
}
static void on_activated(void *ud, qns_session *s) {
    (void)ud;
    say("session: newConfigurationActivated()");
    if (auto_roam && qns_session_state(s) == QNS_STATE_ROAMING) {
        say("app:     accept()");
        qns_session_accept(s);
        char active[64] = "";
        qns_session_property_string(s, "ActiveConfiguration", active, sizeof active, NULL);
        say("app:     now on %s", active);
    }
}
static void on_usage(void *ud, qns_session *s, unsigned p) {
    (void)ud, (void)s;
    say("session: usagePoliciesChanged(%s)", p & QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC ? "NoBackgroundTrafficPolicy" : "NoPolicy");
}

/* The simulated scenario: one step per entry, run when its time comes. */
typedef struct step {
    int at_ms;
    const char *what;
    void (*run)(void);
} step;

static void s_cable_in(void) { qns_sim_set_state("eth0", QNS_STATE_FLAG_ACTIVE); }
static void s_wifi_lost(void) { qns_sim_set_state("wlan0", QNS_STATE_FLAG_DEFINED); }
static void s_lte_up(void) { qns_sim_set_state("wwan0", QNS_STATE_FLAG_ACTIVE); }
static void s_cable_out(void) { qns_sim_set_state("eth0", QNS_STATE_FLAG_DEFINED); }
static void s_traffic(void) { qns_sim_set_bytes("wwan0", 1048576, 65536); }
static qns_session *the_session;
static void s_bytes(void) {
    say("app:     bytesReceived=%" PRIu64 " bytesWritten=%" PRIu64 " activeTime=%" PRIu64 "s",
        qns_session_bytes_received(the_session), qns_session_bytes_written(the_session),
        qns_session_active_time(the_session));
}
static void s_close(void) { say("app:     close()"); qns_session_close(the_session); }

static const step scenario[] = {
    {400, "the Ethernet cable is plugged in", s_cable_in},
    {900, "the Wi-Fi network goes away", s_wifi_lost},
    {1300, "the LTE modem connects (metered)", s_lte_up},
    {1700, "the Ethernet cable is pulled", s_cable_out},
    {2100, "traffic flows over LTE", s_traffic},
    {2200, "", s_bytes},
    {2500, "", s_close},
};

static void setup_simulation(void) {
    qns_sim_add_access_point("eth0", "Wired", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED);
    qns_sim_set_interface("eth0", "eth0", 2, "02:00:00:00:00:02", 0x27, 1500);
    qns_sim_add_interface_address("eth0", "192.0.2.20", 24);
    qns_sim_add_access_point("wlan0", "HomeWiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE);
    qns_sim_set_interface("wlan0", "wlan0", 3, "02:00:00:00:00:03", 0x27, 1500);
    qns_sim_add_interface_address("wlan0", "198.51.100.7", 24);
    qns_sim_add_access_point("wwan0", "Carrier LTE", QNS_BEARER_LTE, QNS_STATE_FLAG_DISCOVERED);
    qns_sim_set_metered("wwan0", true);
    const char *children[] = {"eth0", "wlan0", "wwan0"};
    qns_sim_add_service_network("internet", "Internet", children, 3);
}

static void usage(const char *argv0) {
    printf("usage: %s [options]\n"
           "  --backend NAME   netlink or simulated (default: QNS_BACKEND, else netlink)\n"
           "  --config ID      open the session on this configuration (default: the default configuration)\n"
           "  --user-choice    open the session on UserChoice\n"
           "  --no-open        only watch the manager's signals\n"
           "  --once           print the snapshot and exit\n"
           "  --manual         do not migrate/accept roaming offers automatically\n"
           "  --help           this text\n"
           "With the simulated backend a built-in roaming scenario plays and the program exits\n"
           "when it ends; otherwise it runs until Ctrl-C.\n",
           argv0);
}

int main(int argc, char **argv) {
    const char *backend = NULL, *config_id = NULL;
    bool once = false, user_choice = false, no_open = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--backend") && i + 1 < argc) backend = argv[++i];
        else if (!strcmp(argv[i], "--config") && i + 1 < argc) config_id = argv[++i];
        else if (!strcmp(argv[i], "--user-choice")) user_choice = true;
        else if (!strcmp(argv[i], "--no-open")) no_open = true;
        else if (!strcmp(argv[i], "--once")) once = true;
        else if (!strcmp(argv[i], "--manual")) auto_roam = false;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(argv[0]); return 0; }
        else { usage(argv[0]); return 2; }
    }
    clock_gettime(CLOCK_MONOTONIC, &started);
    /* Block Ctrl-C before the library starts its threads (they inherit the
     * mask), so it arrives on the signalfd polled below, not in a thread. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    if (backend) {
        qns_status st = qns_select_backend(backend);
        if (st != QNS_OK) {
            fprintf(stderr, "backend %s: %s\n", backend, qns_status_str(st));
            return 1;
        }
    }
    bool simulated = strcmp(qns_backend_name(), "simulated") == 0;
    printf("libqnetworksession %s, backend: %s\n", qns_version(), qns_backend_name());
    if (simulated) {
        setup_simulation();
        if (!config_id && !user_choice)
            config_id = "internet";
    }

    qns_loop *lp = NULL;
    qns_manager *m = NULL;
    if (qns_loop_new(&lp) != QNS_OK || qns_manager_new(lp, &m) != QNS_OK) {
        fprintf(stderr, "cannot start the library\n");
        return 1;
    }
    print_snapshot(m);
    if (once) {
        qns_manager_free(m);
        qns_loop_free(lp);
        return 0;
    }
    qns_manager_on_configuration_added(m, on_added, NULL, NULL, NULL);
    qns_manager_on_configuration_removed(m, on_removed, NULL, NULL, NULL);
    qns_manager_on_configuration_changed(m, on_changed, NULL, NULL, NULL);
    qns_manager_on_online_state_changed(m, on_online, NULL, NULL, NULL);
    qns_manager_on_update_completed(m, on_update, NULL, NULL, NULL);
    qns_manager_on_reachability_changed(m, on_reach, NULL, NULL, NULL);
    qns_manager_on_captive_portal_changed(m, on_portal, NULL, NULL, NULL);
    qns_manager_on_transport_medium_changed(m, on_medium, NULL, NULL, NULL);
    qns_manager_on_metered_changed(m, on_metered, NULL, NULL, NULL);

    if (!no_open) {
        qns_configuration *cfg = NULL;
        if (user_choice) qns_manager_user_choice_configuration(m, &cfg);
        else if (config_id) qns_manager_configuration_from_identifier(m, config_id, &cfg);
        else qns_manager_default_configuration(m, &cfg);
        if (!cfg) {
            fprintf(stderr, "no configuration to open%s%s\n", config_id ? ": unknown " : " (offline)", config_id ? config_id : "");
        } else {
            qns_session_new(cfg, lp, &the_session);
            qns_session_on_state_changed(the_session, on_state, NULL, NULL, NULL);
            qns_session_on_opened(the_session, on_opened, NULL, NULL, NULL);
            qns_session_on_closed(the_session, on_closed, NULL, NULL, NULL);
            qns_session_on_error(the_session, on_error, NULL, NULL, NULL);
            qns_session_on_preferred_configuration_changed(the_session, on_preferred, NULL, NULL, NULL);
            qns_session_on_new_configuration_activated(the_session, on_activated, NULL, NULL, NULL);
            qns_session_on_usage_policies_changed(the_session, on_usage, NULL, NULL, NULL);
            say("app:     open() on %s", describe(cfg));
            qns_session_open(the_session);
            qns_configuration_free(cfg);
        }
    }

    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    size_t next_step = 0, steps = simulated ? sizeof scenario / sizeof scenario[0] : 0;
    for (;;) {
        int timeout = -1;
        if (next_step < steps) {
            timeout = scenario[next_step].at_ms - (int)now_ms();
            if (timeout < 0) timeout = 0;
        } else if (simulated) {
            timeout = 100; /* let the last signals arrive, then leave */
        }
        struct pollfd fds[2] = {{qns_loop_fd(lp), POLLIN, 0}, {sfd, POLLIN, 0}};
        int n = poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN)
            qns_loop_dispatch(lp, 0, NULL);
        if (fds[1].revents & POLLIN) {
            say("Ctrl-C: closing");
            break;
        }
        if (n == 0 && next_step < steps) {
            if (scenario[next_step].what[0])
                say("world:   %s", scenario[next_step].what);
            scenario[next_step].run();
            next_step++;
        } else if (n == 0 && simulated) {
            say("scenario finished");
            break;
        }
    }
    if (the_session) {
        qns_session_close(the_session);
        qns_loop_dispatch(lp, 0, NULL);
        qns_session_free(the_session);
    }
    qns_manager_free(m);
    qns_loop_free(lp);
    close(sfd);
    return 0;
}
