/* The networkmanager backend against the fake NetworkManager of
 * tests/nm-mock (SPEC §7). Each case is its own ctest test and process,
 * started by tests/nm-mock/run-with-mock.sh with a fresh private system bus
 * and mock (c-tests/CMakeLists.txt lists the cases and their mock options);
 * the case drives the mock with nm_mockctl.py. Cases that need real
 * interfaces make a private network namespace and skip (77) without root. */
#include "qns_test.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NM "/org/freedesktop/NetworkManager"
#define WIRED NM "/Settings/1"
#define HOME NM "/Settings/2"
#define CAFE NM "/Settings/3"
#define WIRED_UUID "6f2b6c5e-2a4c-4c57-9a39-0e6f5a3b9d01"
#define HOME_UUID "0b0f6f8e-5f0c-4a36-9d0e-7c1a4c6e1a01"
#define CAFE_UUID "0b0f6f8e-5f0c-4a36-9d0e-7c1a4c6e1a02"
#define NOT_SUPPORTED_TEXT "The requested operation is not supported by the system."

static qns_manager *mgr;
static trace mt; /* manager signals */

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Runs nm_mockctl.py on this case's mock; its first output line into out. */
static int mockctl_out(char *out, size_t len, const char *fmt, ...) {
    char args[512], cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 \"$NM_MOCK_CTL\" --dir \"$NM_MOCK_DIR\" %s", args);
    FILE *p = popen(cmd, "r");
    if (!p) {
        qns_test_failures++;
        return -1;
    }
    char line[512] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    char rest[512];
    while (fgets(rest, sizeof rest, p)) {
    }
    int rc = pclose(p);
    if (out)
        snprintf(out, len, "%s", line);
    if (rc != 0) {
        fprintf(stderr, "mockctl failed (%d): %s\n", rc, args);
        qns_test_failures++;
    }
    return rc;
}

#define mockctl(...) mockctl_out(NULL, 0, __VA_ARGS__)

/* Delivers callbacks until 300 ms pass without any, at most 10 s: the mock
 * has then sent its signals and the library has reported them. */
static void settle(void) { settle_quiet(300, 10000); }

/* Delivers callbacks until cond() holds, at most ms; returns cond(). */
static bool wait_until(bool (*cond)(void), int ms) {
    double end = now_ms() + ms;
    while (!cond() && now_ms() < end)
        qns_loop_dispatch(NULL, 20, NULL);
    return cond();
}

#define EXPECT_SETTLED(t, expected)                                            \
    do {                                                                       \
        settle();                                                              \
        CHECK_STR(trace_take(t), expected);                                    \
    } while (0)

static unsigned state_of(const char *id) {
    qns_configuration *c = lookup(mgr, id);
    unsigned s = qns_configuration_state(c);
    qns_configuration_free(c);
    return s;
}

static bool is_valid(const char *id) {
    qns_configuration *c = lookup(mgr, id);
    bool v = c && qns_configuration_is_valid(c);
    qns_configuration_free(c);
    return v;
}

static const char *name_of(const char *id) {
    static char buf[128];
    qns_configuration *c = lookup(mgr, id);
    if (!c || qns_configuration_name(c, buf, sizeof buf, NULL) != QNS_OK)
        snprintf(buf, sizeof buf, "?");
    qns_configuration_free(c);
    return buf;
}

/* The children of a service network, space-separated. */
static const char *children_of(const char *id) {
    static char out[1024];
    out[0] = '\0';
    qns_configuration *c = lookup(mgr, id);
    qns_configuration_list *kids = NULL;
    if (c && qns_configuration_children(c, &kids) == QNS_OK) {
        for (size_t i = 0; i < qns_configuration_list_size(kids); i++) {
            if (i)
                strcat(out, " ");
            strncat(out, cfg_id(qns_configuration_list_get(kids, i)), sizeof out - strlen(out) - 2);
        }
        qns_configuration_list_free(kids);
    }
    qns_configuration_free(c);
    return out;
}

static int count_profiles(void) {
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(mgr, 0, &all));
    int n = 0;
    for (size_t i = 0; i < qns_configuration_list_size(all); i++)
        n += strncmp(cfg_id(qns_configuration_list_get(all, i)), NM "/Settings/", strlen(NM "/Settings/")) == 0;
    qns_configuration_list_free(all);
    return n;
}

/* Interface records: neither profiles nor the "Default" network. */
static int count_interfaces(void) {
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(mgr, 0, &all));
    int n = 0;
    for (size_t i = 0; i < qns_configuration_list_size(all); i++) {
        const char *id = cfg_id(qns_configuration_list_get(all, i));
        n += id[0] != '/' && strcmp(id, "default") != 0;
    }
    qns_configuration_list_free(all);
    return n;
}

static const char *default_id(void) {
    static char buf[256];
    qns_configuration *d = NULL;
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    snprintf(buf, sizeof buf, "%s", d ? cfg_id(d) : "");
    qns_configuration_free(d);
    return buf;
}

static const char *property(qns_session *s, const char *key) {
    static char buf[512];
    if (qns_session_property_string(s, key, buf, sizeof buf, NULL) != QNS_OK)
        snprintf(buf, sizeof buf, "(none)");
    return buf;
}

static const char *active_state(const char *uuid) {
    static char buf[64];
    mockctl_out(buf, sizeof buf, "active-state %s", uuid);
    return buf;
}

static void start(const char *backend) {
    if (backend)
        setenv("QNS_BACKEND", backend, 1);
    else
        unsetenv("QNS_BACKEND");
    CHECK_OK(qns_manager_new(NULL, &mgr));
    watch_manager(&mt, mgr);
    settle();
    trace_take(&mt);
}

/* ------------------------------------------------------------------ cases */

/* Profiles as Qt 5 listed them, states from NetworkManager, the UUID alias,
 * the default, "Default" in NetworkManager's order, capabilities. */
static void records_states_and_aliases(void) {
    start("networkmanager");
    CHECK_STR(qns_backend_name(), "networkmanager");
    qns_configuration *w = lookup(mgr, WIRED);
    CHECK(w != NULL);
    CHECK_STR(name_of(WIRED), "Wired connection 1");
    CHECK_EQ_INT(qns_configuration_type(w), QNS_TYPE_INTERNET_ACCESS_POINT);
    CHECK_EQ_INT(qns_configuration_purpose(w), QNS_PURPOSE_PUBLIC);
    CHECK_EQ_INT(qns_configuration_bearer_type(w), QNS_BEARER_ETHERNET);
    CHECK_EQ_INT(qns_configuration_state(w), QNS_STATE_FLAG_ACTIVE);
    CHECK_STR(name_of(HOME), "HomeNet");
    CHECK_EQ_INT(state_of(HOME), QNS_STATE_FLAG_DISCOVERED);
    qns_configuration *h = lookup(mgr, HOME);
    CHECK_EQ_INT(qns_configuration_bearer_type(h), QNS_BEARER_WLAN);
    qns_configuration_free(h);
    qns_configuration *alias = lookup(mgr, "uuid:" WIRED_UUID);
    CHECK(qns_configuration_equal(w, alias));
    CHECK_STR(cfg_id(alias), WIRED);
    qns_configuration_free(alias);
    CHECK(lookup(mgr, "uuid:00000000-0000-0000-0000-000000000000") == NULL);
    CHECK_STR(default_id(), WIRED);
    CHECK(qns_manager_is_online(mgr));
    CHECK_EQ_INT(qns_manager_capabilities(mgr),
                 QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES | QNS_CAPABILITY_APPLICATION_LEVEL_ROAMING |
                     QNS_CAPABILITY_FORCED_ROAMING | QNS_CAPABILITY_DATA_STATISTICS);
    /* The primary connection first, then the available ones. */
    CHECK_STR(children_of("default"), WIRED " " HOME " " CAFE);
    CHECK_EQ_INT(state_of("default"), QNS_STATE_FLAG_ACTIVE);
    CHECK_EQ_INT(count_profiles(), 3);
    /* A profile whose network is nowhere to be seen is only Defined. */
    char path[128];
    mockctl_out(path, sizeof path, "add-wifi Faraway 99999999-0000-0000-0000-000000000001 Faraway");
    settle();
    char expected[300];
    snprintf(expected, sizeof expected, "added:%s", path);
    CHECK_STR(trace_take(&mt), expected);
    CHECK_EQ_INT(state_of(path), QNS_STATE_FLAG_DEFINED);
    CHECK_STR(name_of(path), "Faraway");
    qns_configuration_free(w);
}

static void exclude_interfaces(void) {
    setenv("QNS_EXCLUDE_INTERFACES", "1", 1);
    start("networkmanager");
    CHECK_EQ_INT(count_profiles(), 3);
    CHECK_EQ_INT(count_interfaces(), 0);
}

/* open() activates; the last close() deactivates only what we activated. */
static void open_activates_close_releases(void) {
    start("networkmanager");
    trace t = {{0}};
    qns_session *s = session_on(mgr, HOME, &t);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 10000));
    CHECK_STR(trace_take(&t), "state:2 opened state:3");
    CHECK_STR(active_state(HOME_UUID), "2");
    CHECK_STR(property(s, "ActiveConfiguration"), HOME);
    CHECK_OK(qns_session_close(s));
    EXPECT_SETTLED(&t, "closed state:4 state:5");
    CHECK_STR(active_state(HOME_UUID), "none");
    CHECK_EQ_INT(state_of(HOME), QNS_STATE_FLAG_DISCOVERED);
    /* The wired connection was up before us: close() leaves it up. */
    trace w = {{0}};
    qns_session *ws = session_on(mgr, WIRED, &w);
    CHECK_OK(qns_session_open(ws));
    CHECK_OK(qns_session_close(ws));
    EXPECT_SETTLED(&w, "opened closed");
    CHECK_STR(active_state(WIRED_UUID), "2");
    /* Two sessions: only the last close takes it down. */
    qns_session *a = session_on(mgr, CAFE, NULL), *b = session_on(mgr, CAFE, NULL);
    CHECK_OK(qns_session_open(a));
    CHECK(qns_session_wait_for_opened(a, 10000));
    CHECK_OK(qns_session_open(b));
    CHECK(qns_session_is_open(b));
    CHECK_OK(qns_session_close(a));
    settle();
    CHECK_STR(active_state(CAFE_UUID), "2");
    CHECK_OK(qns_session_close(b));
    settle();
    CHECK_STR(active_state(CAFE_UUID), "none");
    qns_session_free(a);
    qns_session_free(b);
    qns_session_free(ws);
    qns_session_free(s);
}

/* SPEC §4.3 (issue 8 item 7) where deactivation is asynchronous: open()
 * right after the last close() of a profile this library is taking down
 * activates it again; it never reports opened() on the connection that is
 * going down (which its deactivation would then abort). */
static void reopen_right_after_the_last_close(void) {
    start("networkmanager");
    trace t = {{0}};
    qns_session *s = session_on(mgr, HOME, &t);
    for (int i = 0; i < 5; i++) {
        CHECK_OK(qns_session_open(s));
        CHECK(qns_session_wait_for_opened(s, 10000));
        CHECK_OK(qns_session_close(s));
        CHECK_OK(qns_session_open(s)); /* at once, while it deactivates */
        CHECK(qns_session_wait_for_opened(s, 10000));
        settle();
        CHECK(qns_session_is_open(s));
        CHECK_STR(active_state(HOME_UUID), "2");
        const char *got = trace_take(&t);
        if (strstr(got, "error") || strcmp(got + strlen(got) - strlen("opened state:3"), "opened state:3") != 0) {
            fprintf(stderr, "cycle %d: %s\n", i, got);
            qns_test_failures++;
            break;
        }
        CHECK_OK(qns_session_close(s));
        EXPECT_SETTLED(&t, "closed state:4 state:5");
    }
    qns_session_free(s);
}

/* stop() deactivates whatever the count, autoconnect profiles included. */
static void stop_deactivates(void) {
    start("networkmanager");
    mockctl("activate " HOME_UUID);
    settle();
    CHECK_EQ_INT(state_of(HOME), QNS_STATE_FLAG_ACTIVE);
    trace t = {{0}}, o = {{0}};
    qns_session *s = session_on(mgr, HOME, &t), *other = session_on(mgr, HOME, &o);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_session_open(other));
    settle();
    trace_take(&t);
    trace_take(&o);
    CHECK_OK(qns_session_stop(s));
    settle();
    const char *got = trace_take(&t);
    CHECK(strncmp(got, "closed state:4", 14) == 0);
    CHECK(strstr(got, "state:5") != NULL);
    CHECK_STR(trace_take(&o), "closed error:1 state:5");
    CHECK_STR(active_state(HOME_UUID), "none");
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_DISCONNECTED);
    qns_session_free(other);
    qns_session_free(s);
}

/* A reason NetworkManager gives is an error at once, never a timeout. */
static void activation_failure_reason(void) {
    start("networkmanager");
    qns_configuration *h = lookup(mgr, HOME);
    CHECK(qns_configuration_set_connect_timeout(h, 25000));
    qns_configuration_free(h);
    mockctl("fail-next 53"); /* SSID_NOT_FOUND */
    trace t = {{0}};
    qns_session *s = session_on(mgr, HOME, &t);
    double t0 = now_ms();
    CHECK_OK(qns_session_open(s));
    CHECK(!qns_session_wait_for_opened(s, 20000));
    CHECK(now_ms() - t0 < 10000);
    CHECK_STR(trace_take(&t), "state:2 state:5 error:0");
    CHECK_EQ_INT(qns_session_error(s), QNS_SESSION_ERROR_UNKNOWN);
    CHECK(strstr(property(s, "BackendErrorMessage"), "could not be found") != NULL);
    /* The next attempt goes through, and the message is gone with the error. */
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 10000));
    qns_session_free(s);
}

static void permissions(void) {
    setenv("QNS_EXCLUDE_INTERFACES", "1", 1); /* only NetworkManager's capabilities */
    start("networkmanager");
    CHECK(qns_manager_capabilities(mgr) & QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES);
    /* "auth" without a polkit agent: advertised, refused when tried. */
    mockctl("permission network-control auth");
    settle();
    CHECK(qns_manager_capabilities(mgr) & QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES);
    trace t = {{0}};
    qns_session *s = session_on(mgr, HOME, &t);
    double t0 = now_ms();
    CHECK_OK(qns_session_open(s));
    CHECK(!qns_session_wait_for_opened(s, 20000));
    CHECK(now_ms() - t0 < 10000);
    CHECK_STR(trace_take(&t), "state:2 state:5 error:3");
    CHECK_STR(qns_session_error_string(s), NOT_SUPPORTED_TEXT);
    CHECK_STR(property(s, "BackendErrorMessage"), "Not authorized to control networking.");
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_DISCONNECTED);
    /* stop() refused: back to Connected, then the error (as Qt 5 did). */
    trace w = {{0}};
    qns_session *ws = session_on(mgr, WIRED, &w);
    CHECK_OK(qns_session_open(ws));
    settle();
    trace_take(&w);
    CHECK_OK(qns_session_stop(ws));
    /* (Qt 5 too: Closing, closed, then Connected and the error; no
     * SessionAbortedError, since the stop ended no other session.) */
    EXPECT_SETTLED(&w, "closed state:4 state:3 error:3");
    CHECK_STR(property(ws, "BackendErrorMessage"), "Not authorized to deactivate connections");
    CHECK_STR(active_state(WIRED_UUID), "2");
    /* "no": not advertised (CheckPermissions re-reads), refused locally. */
    mockctl("permission network-control no");
    settle();
    CHECK(!(qns_manager_capabilities(mgr) & QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES));
    CHECK_OK(qns_session_stop(ws));
    EXPECT_SETTLED(&w, "error:3");
    CHECK_STR(property(ws, "BackendErrorMessage"), "(none)");
    mockctl("permission network-control yes");
    settle();
    CHECK(qns_manager_capabilities(mgr) & QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES);
    qns_session_free(ws);
    qns_session_free(s);
}

/* NetworkManager >= 1.32 sends only the standard signals (the mock too). */
/* The signals of one change, sorted: "Default" changes with its members
 * (their order), in whichever order the batch lists them. */
static const char *sorted_trace(trace *t) {
    static char out[8192];
    char copy[8192], *tokens[64];
    snprintf(copy, sizeof copy, "%s", trace_take(t));
    int n = 0;
    for (char *tok = strtok(copy, " "); tok && n < 64; tok = strtok(NULL, " "))
        tokens[n++] = tok;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(tokens[j - 1], tokens[j]) > 0; j--) {
            char *x = tokens[j];
            tokens[j] = tokens[j - 1];
            tokens[j - 1] = x;
        }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, tokens[i]);
    }
    return out;
}

static void live_updates(void) {
    setenv("QNS_EXCLUDE_INTERFACES", "1", 1); /* online: only the profiles */
    start("networkmanager");
    char expected[512];
    mockctl("activate " CAFE_UUID);
    settle();
    CHECK_STR(sorted_trace(&mt), "changed:" CAFE " changed:default");
    CHECK_EQ_INT(state_of(CAFE), QNS_STATE_FLAG_ACTIVE);
    mockctl("deactivate " CAFE_UUID);
    settle();
    CHECK_STR(sorted_trace(&mt), "changed:" CAFE " changed:default");
    CHECK_EQ_INT(state_of(CAFE), QNS_STATE_FLAG_DISCOVERED);
    /* Settings.Connection.Updated: renamed. */
    mockctl("update " HOME_UUID " id=Renamed");
    EXPECT_SETTLED(&mt, "changed:" HOME);
    CHECK_STR(name_of(HOME), "Renamed");
    /* A new profile, then deleted. */
    char path[128];
    mockctl_out(path, sizeof path, "add-wifi Later 99999999-0000-0000-0000-000000000002 CafeOpen");
    settle();
    snprintf(expected, sizeof expected, "added:%s changed:default", path);
    CHECK_STR(sorted_trace(&mt), expected);
    CHECK_EQ_INT(state_of(path), QNS_STATE_FLAG_DISCOVERED); /* its SSID is visible */
    qns_configuration *later = lookup(mgr, path);
    mockctl("delete 99999999-0000-0000-0000-000000000002");
    settle();
    /* (NetworkManager first drops it from AvailableConnections.) */
    snprintf(expected, sizeof expected, "removed:%s:0", path);
    CHECK(strstr(sorted_trace(&mt), expected) != NULL);
    CHECK(!qns_configuration_is_valid(later));
    qns_configuration_free(later);
    /* The cable is pulled: the wired profile is no longer usable, offline. */
    mockctl("carrier nmeth0 0");
    settle();
    const char *got = trace_take(&mt);
    CHECK(strstr(got, "changed:" WIRED) != NULL);
    CHECK(strstr(got, "online:0") != NULL);
    CHECK_EQ_INT(state_of(WIRED), QNS_STATE_FLAG_DEFINED);
    CHECK(!qns_manager_is_online(mgr));
    mockctl("carrier nmeth0 1");
    settle();
    CHECK_EQ_INT(state_of(WIRED), QNS_STATE_FLAG_DISCOVERED);
}

/* The default and "Default"'s roaming follow NetworkManager's primary. */
static void default_and_roaming(void) {
    start("networkmanager");
    mockctl("activate " HOME_UUID);
    settle();
    CHECK_STR(default_id(), WIRED);
    trace t = {{0}};
    qns_session *s = session_on(mgr, "default", &t);
    watch_preferred(&t, s, NULL);
    CHECK_OK(qns_session_open(s));
    EXPECT_SETTLED(&t, "opened");
    CHECK_STR(property(s, "ActiveConfiguration"), WIRED);
    /* NetworkManager moves the default route: offered, migrate, accept. */
    mockctl("set-primary " HOME_UUID);
    EXPECT_SETTLED(&t, "preferred:" HOME ":0");
    CHECK_STR(default_id(), HOME);
    CHECK_STR(children_of("default"), HOME " " WIRED " " CAFE);
    CHECK_OK(qns_session_migrate(s));
    CHECK_OK(qns_session_accept(s));
    EXPECT_SETTLED(&t, "state:6 activated state:3");
    CHECK_STR(property(s, "ActiveConfiguration"), HOME);
    /* UserChoice resolves to the primary connection's profile. */
    qns_session *uc = session_on(mgr, "UserChoice", NULL);
    CHECK_OK(qns_session_open(uc));
    CHECK(qns_session_is_open(uc));
    CHECK_STR(property(uc, "UserChoiceConfiguration"), HOME);
    qns_session_free(uc);
    /* Forced roaming without a preferred callback. */
    trace f = {{0}};
    qns_session *forced = session_on(mgr, "default", &f);
    CHECK_OK(qns_session_open(forced));
    EXPECT_SETTLED(&f, "opened");
    mockctl("set-primary " WIRED_UUID);
    EXPECT_SETTLED(&f, "state:6 state:3 activated");
    CHECK_STR(property(forced, "ActiveConfiguration"), WIRED);
    qns_session_free(forced);
    qns_session_free(s);
}

static const char *path_of_uuid(const char *uuid) {
    static char buf[256];
    char cmd[256];
    snprintf(cmd, sizeof cmd, "profiles | awk -v u=%s '$2 == u {print $1}'", uuid);
    /* mockctl's output piped through awk: run it by hand. */
    char full[1024];
    snprintf(full, sizeof full, "/usr/bin/python3 \"$NM_MOCK_CTL\" --dir \"$NM_MOCK_DIR\" %s", cmd);
    FILE *p = popen(full, "r");
    buf[0] = '\0';
    if (p) {
        if (fgets(buf, sizeof buf, p))
            buf[strcspn(buf, "\n")] = '\0';
        pclose(p);
    }
    return buf;
}

static qns_configuration *restart_wired, *restart_home, *restart_cafe;
static bool renumbered(void) {
    return strcmp(cfg_id(restart_wired), WIRED) != 0 && !qns_configuration_is_valid(restart_cafe);
}

/* NetworkManager restarts: paths renumbered, records kept by UUID, the
 * session on the connection that stayed up survives. */
static void restart_keeps_records(void) {
    start("networkmanager");
    trace t = {{0}};
    qns_session *s = session_on(mgr, WIRED, &t);
    CHECK_OK(qns_session_open(s));
    EXPECT_SETTLED(&t, "opened");
    restart_wired = lookup(mgr, WIRED);
    restart_home = lookup(mgr, HOME);
    restart_cafe = lookup(mgr, CAFE);
    mockctl("restart --gap 1000 --drop " CAFE_UUID);
    CHECK(wait_until(renumbered, 15000));
    settle();
    /* The restarted mock swapped the wired and HomeNet paths. */
    char wired_now[128], home_now[128];
    snprintf(wired_now, sizeof wired_now, "%s", path_of_uuid(WIRED_UUID));
    snprintf(home_now, sizeof home_now, "%s", path_of_uuid(HOME_UUID));
    CHECK(strcmp(wired_now, WIRED) != 0);
    CHECK_STR(cfg_id(restart_wired), wired_now);
    CHECK_STR(cfg_id(restart_home), home_now);
    qns_configuration *again = lookup(mgr, wired_now);
    CHECK(qns_configuration_equal(again, restart_wired));
    qns_configuration_free(again);
    again = lookup(mgr, "uuid:" HOME_UUID);
    CHECK(qns_configuration_equal(again, restart_home));
    qns_configuration_free(again);
    CHECK(qns_configuration_is_valid(restart_wired));
    CHECK(!qns_configuration_is_valid(restart_cafe));
    CHECK_EQ_INT(qns_configuration_state(restart_wired), QNS_STATE_FLAG_ACTIVE);
    CHECK_STR(trace_take(&t), "");
    CHECK(qns_session_is_open(s));
    CHECK_STR(property(s, "ActiveConfiguration"), wired_now);
    CHECK_STR(default_id(), wired_now);
    const char *got = trace_take(&mt);
    CHECK(strstr(got, "removed:" CAFE ":0") != NULL);
    CHECK(strstr(got, "added:") == NULL);
    qns_configuration_free(restart_wired);
    qns_configuration_free(restart_home);
    qns_configuration_free(restart_cafe);
    qns_session_free(s);
}

static bool wired_gone(void) { return !is_valid(WIRED); }
/* A NetworkManager that comes back may number its profiles anew. */
static bool wired_back(void) {
    return is_valid("uuid:" WIRED_UUID) && state_of("uuid:" WIRED_UUID) == QNS_STATE_FLAG_ACTIVE;
}

/* NetworkManager stops: after the grace its records go with the removal
 * sequence; the interface records carry on, netlink's "Default" returns. */
static void nm_stops_and_returns(void) {
    start("networkmanager");
    int interfaces = count_interfaces();
    trace t = {{0}};
    qns_session *s = session_on(mgr, WIRED, &t);
    CHECK_OK(qns_session_open(s));
    EXPECT_SETTLED(&t, "opened");
    double t0 = now_ms();
    mockctl("stop-nm");
    /* The records wait for it to come back for a while. */
    qns_loop_dispatch(NULL, 1500, NULL);
    CHECK(is_valid(WIRED));
    CHECK(wait_until(wired_gone, 15000));
    CHECK(now_ms() - t0 > 4000);
    settle();
    CHECK_STR(trace_take(&t), "closed state:0 error:1");
    CHECK_EQ_INT(count_profiles(), 0);
    CHECK_EQ_INT(count_interfaces(), interfaces);
    const char *kids = children_of("default");
    CHECK(strstr(kids, NM) == NULL);
    const char *got = trace_take(&mt);
    CHECK(strstr(got, "removed:" WIRED ":0") && strstr(got, "removed:" HOME ":0") && strstr(got, "removed:" CAFE ":0"));
    /* It returns: everything is read again, as new records. */
    mockctl("start-nm");
    CHECK(wait_until(wired_back, 15000));
    settle();
    char wired_now[128], expected[160];
    snprintf(wired_now, sizeof wired_now, "%s", path_of_uuid(WIRED_UUID));
    snprintf(expected, sizeof expected, "added:%s", wired_now);
    got = trace_take(&mt);
    CHECK(strstr(got, expected) != NULL);
    CHECK_EQ_INT(count_profiles(), 3);
    CHECK_STR(default_id(), wired_now);
    CHECK(strstr(children_of("default"), wired_now) != NULL);
    qns_session_free(s);
}

/* auto: no NetworkManager at start-up, so netlink; picked up when it comes. */
static void appears_later_with_auto(void) {
    start(NULL);
    CHECK_STR(qns_backend_name(), "netlink");
    CHECK_EQ_INT(count_profiles(), 0);
    mockctl("start-nm");
    CHECK(wait_until(wired_back, 15000));
    settle();
    CHECK_EQ_INT(count_profiles(), 3);
    CHECK_STR(default_id(), WIRED);
    CHECK(strstr(children_of("default"), WIRED) != NULL);
}

static char error_text[512];
static const char *backend_error(void) {
    CHECK_OK(qns_backend_error(error_text, sizeof error_text, NULL));
    return error_text;
}

/* By name, a NetworkManager that is not there gives "none" and the reason. */
static void by_name_without_networkmanager(void) {
    start("networkmanager");
    CHECK_STR(qns_backend_name(), "none");
    CHECK(strstr(backend_error(), "NetworkManager is not running") != NULL);
    CHECK_EQ_INT(count_interfaces() + count_profiles(), 0);
}

static int run_child(void (*fn)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(qns_test_failures ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

static void no_bus_by_name(void) {
    start("networkmanager");
    CHECK_STR(qns_backend_name(), "none");
    CHECK(strstr(backend_error(), "system bus") != NULL);
}

static void no_bus_auto(void) {
    start(NULL);
    CHECK_STR(qns_backend_name(), "netlink");
    CHECK_STR(backend_error(), "");
}

/* No system bus at all: by name "none", auto the netlink backend. */
static void without_system_bus(void) {
    setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/qns/system_bus_socket", 1);
    CHECK_EQ_INT(run_child(no_bus_by_name), 0);
    CHECK_EQ_INT(run_child(no_bus_auto), 0);
}

/* The system bus goes away and comes back. */
static void bus_loss_and_recovery(void) {
    start("networkmanager");
    int interfaces = count_interfaces();
    trace t = {{0}};
    qns_session *s = session_on(mgr, WIRED, &t);
    CHECK_OK(qns_session_open(s));
    EXPECT_SETTLED(&t, "opened");
    sh("\"$NM_MOCK_HOME/stop-mock-nm.sh\" --dir \"$NM_MOCK_DIR\" 2>/dev/null");
    CHECK(wait_until(wired_gone, 15000));
    settle();
    CHECK_STR(trace_take(&t), "closed state:0 error:1");
    CHECK_EQ_INT(count_interfaces(), interfaces);
    trace_take(&mt);
    sh("\"$NM_MOCK_HOME/start-mock-nm.sh\" --dir \"$NM_MOCK_DIR\" --quiet >/dev/null");
    CHECK(wait_until(wired_back, 15000));
    settle();
    CHECK(strstr(trace_take(&mt), "added:" WIRED) != NULL);
    CHECK_EQ_INT(count_profiles(), 3);
    /* And it works again: open activates. */
    qns_session *h = session_on(mgr, HOME, NULL);
    CHECK_OK(qns_session_open(h));
    CHECK(qns_session_wait_for_opened(h, 10000));
    qns_session_free(h);
    qns_session_free(s);
}

/* Metered (profile setting or device) -> usage policies. */
static void metered_usage_policies(void) {
    start("networkmanager");
    trace t = {{0}};
    qns_session *s = session_on(mgr, WIRED, &t);
    CHECK_OK(qns_session_open(s));
    EXPECT_SETTLED(&t, "opened");
    CHECK_EQ_INT(qns_session_usage_policies(s), QNS_USAGE_POLICY_NO_POLICY);
    mockctl("update " WIRED_UUID " metered=1");
    EXPECT_SETTLED(&t, "usage:1");
    CHECK_EQ_INT(qns_session_usage_policies(s), QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC);
    mockctl("update " WIRED_UUID " metered=2");
    EXPECT_SETTLED(&t, "usage:0");
    qns_session_free(s);
}

/* Wi-Fi scans only on updateConfigurations(), at most one per 10 s. */
static void scans_only_on_request(void) {
    start("networkmanager");
    char n[32];
    mockctl_out(n, sizeof n, "method-calls nmwlan0 RequestScan");
    CHECK_STR(n, "0");
    /* (A scan that finished a moment ago is not repeated: make it old.) */
    mockctl("last-scan nmwlan0 60000");
    settle();
    CHECK_OK(qns_manager_update_configurations(mgr));
    settle();
    CHECK_OK(qns_manager_update_configurations(mgr));
    settle();
    CHECK_STR(trace_take(&mt), "updated updated");
    mockctl_out(n, sizeof n, "method-calls nmwlan0 RequestScan");
    CHECK_STR(n, "1");
}

/* Idle: not one D-Bus message from the library (dbus-monitor watches). */
static void idle_sends_nothing(void) {
    start("networkmanager");
    settle();
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "timeout 3 dbus-monitor --address \"$DBUS_SYSTEM_BUS_ADDRESS\" \"type='method_call'\" 2>/dev/null"
             " | grep -c '^method call' ");
    /* Meanwhile the library idles in this process: dispatch for 3 s. */
    FILE *p = popen(cmd, "r");
    qns_loop_dispatch(NULL, 3500, NULL);
    char out[32] = "";
    if (p) {
        if (!fgets(out, sizeof out, p))
            out[0] = '\0';
        pclose(p);
    }
    out[strcspn(out, "\n")] = '\0';
    CHECK_STR(out, "0");
}

/* SPEC §8 from NetworkManager: reachability from State, captive portal
 * from Connectivity, transport from the primary connection's device type,
 * metered from Metered; each signal only on an actual change. */
static void network_status(void) {
    start("networkmanager");
    trace n = {{0}};
    watch_network_info(&n, mgr);
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_ONLINE);
    CHECK(!qns_manager_is_behind_captive_portal(mgr));
    CHECK_EQ_INT(qns_manager_transport_medium(mgr), QNS_TRANSPORT_ETHERNET);
    CHECK(!qns_manager_is_metered(mgr));
    mockctl("connectivity 2"); /* PORTAL */
    EXPECT_SETTLED(&n, "portal:1");
    CHECK(qns_manager_is_behind_captive_portal(mgr));
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_ONLINE);
    mockctl("connectivity 4");
    EXPECT_SETTLED(&n, "portal:0");
    const struct {
        int nm_state, reachability;
    } states[] = {{60, QNS_REACHABILITY_SITE},         {50, QNS_REACHABILITY_LOCAL},
                  {20, QNS_REACHABILITY_DISCONNECTED}, {30, QNS_REACHABILITY_DISCONNECTED},
                  {40, QNS_REACHABILITY_UNKNOWN},      {70, QNS_REACHABILITY_ONLINE}};
    int before = QNS_REACHABILITY_ONLINE;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        mockctl("state %d", states[i].nm_state);
        char expected[32] = "";
        if (states[i].reachability != before)
            snprintf(expected, sizeof expected, "reach:%d", states[i].reachability);
        EXPECT_SETTLED(&n, expected);
        CHECK_EQ_INT(qns_manager_reachability(mgr), states[i].reachability);
        before = states[i].reachability;
    }
    /* The profile becomes metered: its device, then the manager, say so. */
    mockctl("update " WIRED_UUID " metered=1");
    EXPECT_SETTLED(&n, "metered:1");
    CHECK(qns_manager_is_metered(mgr));
    mockctl("update " WIRED_UUID " metered=2");
    EXPECT_SETTLED(&n, "metered:0");
    /* The primary connection moves to Wi-Fi. */
    mockctl("activate " HOME_UUID);
    settle();
    trace_take(&n);
    mockctl("set-primary " HOME_UUID);
    EXPECT_SETTLED(&n, "medium:3");
    CHECK_EQ_INT(qns_manager_transport_medium(mgr), QNS_TRANSPORT_WIFI);
}

/* More profiles than the bus lets one connection wait for at once
 * (tests/nm-mock/setups/300-profiles.json): all of them, in creation order. */
static bool all_300(void) { return count_profiles() == 300; }

static void many_profiles(void) {
    setenv("QNS_EXCLUDE_INTERFACES", "1", 1);
    start("networkmanager");
    /* (Under valgrind the first view may come after start-up's wait.) */
    CHECK(wait_until(all_300, 30000));
    CHECK_EQ_INT(count_profiles(), 300);
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(mgr, 0, &all));
    char expected[64];
    for (size_t i = 0; i < 300 && i < qns_configuration_list_size(all); i++) {
        snprintf(expected, sizeof expected, NM "/Settings/%zu", i + 1);
        if (strcmp(cfg_id(qns_configuration_list_get(all, i)), expected) != 0) {
            CHECK_STR(cfg_id(qns_configuration_list_get(all, i)), expected);
            break;
        }
    }
    qns_configuration_list_free(all);
    CHECK_STR(name_of(NM "/Settings/300"), "Profile 296");
}

/* A Bluetooth device and profile (tests/nm-mock/setups/bluetooth.json). */
static void bluetooth_profile(void) {
    start("networkmanager");
    const char *bt = NM "/Settings/4";
    CHECK_STR(name_of(bt), "Phone tethering");
    qns_configuration *c = lookup(mgr, bt);
    CHECK_EQ_INT(qns_configuration_bearer_type(c), QNS_BEARER_BLUETOOTH);
    CHECK_EQ_INT(qns_configuration_state(c), QNS_STATE_FLAG_DISCOVERED);
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(c, NULL, &s));
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 10000));
    CHECK_EQ_INT(qns_configuration_state(c), QNS_STATE_FLAG_ACTIVE);
    /* Tethering becomes the primary connection: transport Bluetooth. */
    mockctl("set-primary 0b0f6f8e-5f0c-4a36-9d0e-7c1a4c6e1b01");
    settle();
    CHECK_EQ_INT(qns_manager_transport_medium(mgr), QNS_TRANSPORT_BLUETOOTH);
    qns_session_free(s);
    qns_configuration_free(c);
}

static bool wired_active(void) { return strcmp(active_state(WIRED_UUID), "2") == 0; }
static char iface_id[32];
static bool iface_discovered(void) { return state_of(iface_id) == QNS_STATE_FLAG_DISCOVERED; }

/* Real interfaces (a veth pair named like the mock's wired device): the
 * interface records next to the profiles, a profile's interface() and the
 * kernel's byte counters, and an interface record of a managed device
 * started and stopped through NetworkManager. */
static void interfaces_in_a_namespace(void) {
    if (!enter_network_namespace())
        exit(77);
    sh("ip link add nmeth0 type veth peer name nmeth0p && ip link set nmeth0p up && "
       "ip link set nmeth0 up && ip addr add 10.9.0.1/24 dev nmeth0");
    start("networkmanager");
    snprintf(iface_id, sizeof iface_id, "%s", qt_id("nmeth0"));
    CHECK(is_valid(iface_id));
    CHECK(is_valid(qt_id("nmeth0p")));
    CHECK_EQ_INT(count_interfaces(), 2);
    /* NetworkManager decides "Default": only profiles in it. */
    CHECK_STR(children_of("default"), WIRED " " HOME " " CAFE);
    CHECK_STR(default_id(), WIRED);

    qns_session *s = session_on(mgr, WIRED, NULL);
    CHECK_OK(qns_session_open(s));
    qns_interface *itf = NULL;
    CHECK_OK(qns_session_interface(s, &itf));
    char buf[64] = "";
    CHECK_OK(qns_interface_name(itf, buf, sizeof buf, NULL));
    CHECK_STR(buf, "nmeth0");
    CHECK_EQ_INT(qns_interface_index(itf), if_nametoindex("nmeth0"));
    qns_interface_free(itf);
    uint64_t before = qns_session_bytes_written(s);
    send_raw_frames("nmeth0", 100);
    CHECK(qns_session_bytes_written(s) - before >= 100 * 1000);
    qns_session_free(s);

    /* NetworkManager disconnects the device; its addresses go, as NM does. */
    mockctl("deactivate " WIRED_UUID);
    sh("ip addr flush dev nmeth0");
    CHECK(wait_until(iface_discovered, 10000));
    trace t = {{0}};
    qns_session *is = session_on(mgr, iface_id, &t);
    CHECK_OK(qns_session_open(is));
    /* Asked NetworkManager to activate the device... */
    CHECK(wait_until(wired_active, 10000));
    char calls[32];
    mockctl_out(calls, sizeof calls, "method-calls " NM " ActivateConnection");
    CHECK_STR(calls, "1");
    /* ...which configures it (here the test plays NetworkManager's part). */
    sh("ip addr add 10.9.0.1/24 dev nmeth0");
    CHECK(qns_session_wait_for_opened(is, 10000));
    CHECK_OK(qns_session_stop(is));
    settle();
    mockctl_out(calls, sizeof calls, "method-calls nmeth0 Disconnect");
    CHECK_STR(calls, "1");
    CHECK_STR(active_state(WIRED_UUID), "none");
    qns_session_free(is);
}

/* A daemon that answers with garbage or not at all: the library stays
 * responsive, shows what it can, and open() ends in an error. */
static void hostile_daemon(void) {
    double t0 = now_ms();
    start("networkmanager");
    CHECK(now_ms() - t0 < 15000);
    const char *mode = getenv("QNS_TEST_HOSTILE_MODE");
    bool silent = mode && strcmp(mode, "silent") == 0;
    /* Poke: another round of malformed signals. */
    sh("/usr/bin/python3 -c \"import dbus,os; b=dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS']);"
       " b.get_object('org.freedesktop.NetworkManager','/org/freedesktop').Poke(dbus_interface='org.freedesktop.DBus.Mock')\"");
    settle();
    CHECK_EQ_INT(count_profiles(), silent ? 0 : 1);
    if (!silent) {
        CHECK_STR(name_of(NM "/Settings/1"), "Good");
        trace t = {{0}};
        qns_session *s = session_on(mgr, NM "/Settings/1", &t);
        qns_configuration *c = lookup(mgr, NM "/Settings/1");
        CHECK(qns_configuration_set_connect_timeout(c, 1500));
        qns_configuration_free(c);
        CHECK_OK(qns_session_open(s));
        CHECK(!qns_session_wait_for_opened(s, 10000));
        CHECK_EQ_INT(qns_session_state(s), QNS_STATE_DISCONNECTED);
        qns_session_free(s);
    }
    /* Everything else still answers. */
    CHECK_OK(qns_manager_update_configurations(mgr));
    settle();
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(mgr, 0, &all));
    qns_configuration_list_free(all);
}

typedef struct {
    const char *name;
    void (*fn)(void);
} nm_case;

static const nm_case cases[] = {
    {"records_states_and_aliases", records_states_and_aliases},
    {"exclude_interfaces", exclude_interfaces},
    {"open_activates_close_releases", open_activates_close_releases},
    {"reopen_right_after_the_last_close", reopen_right_after_the_last_close},
    {"stop_deactivates", stop_deactivates},
    {"activation_failure_reason", activation_failure_reason},
    {"permissions", permissions},
    {"live_updates", live_updates},
    {"default_and_roaming", default_and_roaming},
    {"restart_keeps_records", restart_keeps_records},
    {"nm_stops_and_returns", nm_stops_and_returns},
    {"appears_later_with_auto", appears_later_with_auto},
    {"by_name_without_networkmanager", by_name_without_networkmanager},
    {"without_system_bus", without_system_bus},
    {"bus_loss_and_recovery", bus_loss_and_recovery},
    {"metered_usage_policies", metered_usage_policies},
    {"scans_only_on_request", scans_only_on_request},
    {"idle_sends_nothing", idle_sends_nothing},
    {"network_status", network_status},
    {"many_profiles", many_profiles},
    {"bluetooth_profile", bluetooth_profile},
    {"interfaces_in_a_namespace", interfaces_in_a_namespace},
    {"hostile_daemon", hostile_daemon},
};

int main(int argc, char **argv) {
    size_t n = sizeof cases / sizeof cases[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    if (argc != 3 || strcmp(argv[1], "--case") != 0) {
        fprintf(stderr, "usage: %s --case NAME | --list\n", argv[0]);
        return 2;
    }
    if (!getenv("NM_MOCK_DIR")) {
        fprintf(stderr, "run under tests/nm-mock/run-with-mock.sh\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[2], cases[i].name) == 0) {
            /* Not run_test: the backend comes from QNS_BACKEND, per case. */
            cases[i].fn();
            if (mgr)
                qns_manager_free(mgr);
            bool ok = qns_test_failures == 0;
            printf("%s %s\n%d passed, %d failed\n", ok ? "ok  " : "FAIL", cases[i].name, ok, !ok);
            return ok ? 0 : 1;
        }
    }
    fprintf(stderr, "no case %s\n", argv[2]);
    return 2;
}
