/* QNS_SIMULATED_NETWORK=<file> (docs/simulated-network.md): the simulated
 * backend loads a scripted network from a text file before the first call,
 * so a program that never calls qns_sim_* sees exactly what the file says;
 * a bad file loads nothing and gives the "none" backend with the line at
 * fault in qns_backend_error(). The backend starts once per process, so
 * each case runs in a fresh child process with its own file. */
#include "qns_test.h"

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The network most cases load; line numbers matter to nobody here. */
static const char LAPTOP[] =
    "# a laptop\n"
    "capabilities can-start-and-stop-interfaces forced-roaming data-statistics\n"
    "access-point wired name=\"Wired connection 1\" bearer=ethernet state=active purpose=public "
    "bytes-received=48213 bytes-sent=12877\n"
    "access-point wifi name=\"Home Wi-Fi\" bearer=wlan state=discovered start=delay:1s metered\n"
    "access-point phone name=\"Phone hotspot\" bearer=hspa state=discovered "
    "start=fail:operation-not-supported\n"
    "access-point cafe name=\"Caf\xc3\xa9 \\\"Central\\\"\" bearer=WLAN state=defined\n"
    "access-point \"far away\" bearer=wimax state=undefined purpose=service-specific\n"
    "interface wired name=eth0 index=2 mac=02:00:00:aa:bb:02 mtu=1500 "
    "flags=up,running,broadcast,multicast addresses=192.168.1.20/24,fe80::2/64\n"
    "interface wifi name=wlan0 index=3 mac=02:00:00:00:00:03 mtu=1400 flags=up,broadcast "
    "addresses=192.168.1.30/24\n"
    "service-network internet name=Internet children=wifi,wired,phone   # priority order\n"
    "default internet\n";

static char file_path[256];
static bool wrote_file; /* file_path is a file this case wrote */

/* Writes `text` to a fresh temporary file and names it in the variable. */
static void use_file(const char *text, size_t len) {
    const char *dir = getenv("TMPDIR");
    snprintf(file_path, sizeof file_path, "%s/qns-simnet-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(file_path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    wrote_file = true;
    CHECK(write(fd, text, len) == (ssize_t)len);
    close(fd);
    setenv("QNS_SIMULATED_NETWORK", file_path, 1);
}

static void use_text(const char *text) { use_file(text, strlen(text)); }

static char text_buf[512];

static const char *name_of(const qns_configuration *c) {
    CHECK_OK(qns_configuration_name(c, text_buf, sizeof text_buf, NULL));
    return text_buf;
}

static const char *backend_error(void) {
    size_t need = 0;
    CHECK_OK(qns_backend_error(text_buf, sizeof text_buf, &need));
    CHECK(need < sizeof text_buf);
    return text_buf;
}

static const char *string_property(qns_session *s, const char *key) {
    text_buf[0] = '\0';
    CHECK_OK(qns_session_property_string(s, key, text_buf, sizeof text_buf, NULL));
    return text_buf;
}

static qns_manager *started(void) {
    CHECK_OK(qns_select_backend("simulated"));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    return m;
}

static void expect_config(const qns_configuration *c, const char *id, const char *name, int type,
                          int bearer, unsigned state, int purpose) {
    CHECK_STR(cfg_id(c), id);
    CHECK_STR(name_of(c), name);
    CHECK_EQ_INT(qns_configuration_type(c), type);
    CHECK_EQ_INT(qns_configuration_bearer_type(c), bearer);
    CHECK_EQ_INT(qns_configuration_state(c), state);
    CHECK_EQ_INT(qns_configuration_purpose(c), purpose);
    CHECK(qns_configuration_is_valid(c));
}

/* Every configuration, attribute, child, the default and the capabilities,
 * there from the first call and without configurationAdded. */
static void loads_exactly_the_file(void) {
    use_text(LAPTOP);
    qns_manager *m = started();
    CHECK_STR(qns_backend_name(), "simulated");
    CHECK_STR(backend_error(), "");
    trace t = {{0}};
    watch_manager(&t, m);
    EXPECT_TRACE(&t, "");

    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(m, 0, &all));
    CHECK_EQ_INT(qns_configuration_list_size(all), 6);
    if (qns_configuration_list_size(all) == 6) {
        expect_config(qns_configuration_list_get(all, 0), "wired", "Wired connection 1",
                      QNS_TYPE_INTERNET_ACCESS_POINT, QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE,
                      QNS_PURPOSE_PUBLIC);
        expect_config(qns_configuration_list_get(all, 1), "wifi", "Home Wi-Fi",
                      QNS_TYPE_INTERNET_ACCESS_POINT, QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED,
                      QNS_PURPOSE_UNKNOWN);
        expect_config(qns_configuration_list_get(all, 2), "phone", "Phone hotspot",
                      QNS_TYPE_INTERNET_ACCESS_POINT, QNS_BEARER_HSPA, QNS_STATE_FLAG_DISCOVERED,
                      QNS_PURPOSE_UNKNOWN);
        expect_config(qns_configuration_list_get(all, 3), "cafe", "Caf\xc3\xa9 \"Central\"",
                      QNS_TYPE_INTERNET_ACCESS_POINT, QNS_BEARER_WLAN, QNS_STATE_FLAG_DEFINED,
                      QNS_PURPOSE_UNKNOWN);
        expect_config(qns_configuration_list_get(all, 4), "far away", "far away",
                      QNS_TYPE_INTERNET_ACCESS_POINT, QNS_BEARER_WIMAX, QNS_STATE_FLAG_UNDEFINED,
                      QNS_PURPOSE_SERVICE_SPECIFIC);
        expect_config(qns_configuration_list_get(all, 5), "internet", "Internet",
                      QNS_TYPE_SERVICE_NETWORK, QNS_BEARER_UNKNOWN, QNS_STATE_FLAG_ACTIVE,
                      QNS_PURPOSE_UNKNOWN);
    }
    qns_configuration_list_free(all);

    qns_configuration *internet = lookup(m, "internet");
    qns_configuration_list *children = NULL;
    CHECK_OK(qns_configuration_children(internet, &children));
    CHECK_EQ_INT(qns_configuration_list_size(children), 3);
    if (qns_configuration_list_size(children) == 3) {
        CHECK_STR(cfg_id(qns_configuration_list_get(children, 0)), "wifi");
        CHECK_STR(cfg_id(qns_configuration_list_get(children, 1)), "wired");
        CHECK_STR(cfg_id(qns_configuration_list_get(children, 2)), "phone");
    }
    qns_configuration_list_free(children);
    CHECK(qns_configuration_is_roaming_available(internet));

    qns_configuration *def = NULL;
    CHECK_OK(qns_manager_default_configuration(m, &def));
    CHECK(def != NULL && qns_configuration_equal(def, internet));
    qns_configuration_free(def);
    qns_configuration_free(internet);
    CHECK(qns_manager_is_online(m));
    CHECK_EQ_INT(qns_manager_capabilities(m), QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES |
                                                  QNS_CAPABILITY_FORCED_ROAMING |
                                                  QNS_CAPABILITY_DATA_STATISTICS);
    EXPECT_TRACE(&t, "");
    qns_manager_free(m);
}

/* The interface of the Active access point, as an open session sees it. */
static void interface_details(void) {
    use_text(LAPTOP);
    qns_manager *m = started();
    qns_session *s = session_on(m, "wired", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_is_open(s));
    qns_interface *i = NULL;
    CHECK_OK(qns_session_interface(s, &i));
    CHECK(qns_interface_is_valid(i));
    CHECK_OK(qns_interface_name(i, text_buf, sizeof text_buf, NULL));
    CHECK_STR(text_buf, "eth0");
    CHECK_EQ_INT(qns_interface_index(i), 2);
    CHECK_OK(qns_interface_hardware_address(i, text_buf, sizeof text_buf, NULL));
    CHECK_STR(text_buf, "02:00:00:AA:BB:02");
    CHECK_EQ_INT(qns_interface_mtu(i), 1500);
    CHECK_EQ_INT(qns_interface_flags(i), QNS_INTERFACE_IS_UP | QNS_INTERFACE_IS_RUNNING |
                                             QNS_INTERFACE_CAN_BROADCAST |
                                             QNS_INTERFACE_CAN_MULTICAST);
    CHECK_EQ_INT(qns_interface_address_count(i), 2);
    int prefix = -1;
    CHECK_OK(qns_interface_address(i, 0, text_buf, sizeof text_buf, NULL, &prefix));
    CHECK_STR(text_buf, "192.168.1.20");
    CHECK_EQ_INT(prefix, 24);
    CHECK_OK(qns_interface_address(i, 1, text_buf, sizeof text_buf, NULL, &prefix));
    CHECK_STR(text_buf, "fe80::2");
    CHECK_EQ_INT(prefix, 64);
    qns_interface_free(i);
    qns_session_free(s);
    qns_manager_free(m);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* start=delay:1s: Connecting first, Connected once the delay has passed. */
static void start_delay_shows_connecting(void) {
    use_text(LAPTOP);
    qns_manager *m = started();
    trace t = {{0}};
    qns_session *s = session_on(m, "wifi", &t);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_DISCONNECTED);
    long long before = now_ms();
    CHECK_OK(qns_session_open(s));
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_CONNECTING);
    CHECK(qns_session_wait_for_opened(s, 30000));
    /* A lower bound only: the delay cannot end early, however slow the machine. */
    CHECK(now_ms() - before >= 900);
    CHECK(qns_session_is_open(s));
    EXPECT_TRACE(&t, "state:2 opened state:3 usage:1");
    qns_configuration *wifi = lookup(m, "wifi");
    CHECK_EQ_INT(qns_configuration_state(wifi), QNS_STATE_FLAG_ACTIVE);
    qns_configuration_free(wifi);
    qns_session_free(s);
    qns_manager_free(m);
}

/* start=fail:operation-not-supported: the session gets that error. */
static void start_failure_gives_the_error(void) {
    use_text(LAPTOP);
    qns_manager *m = started();
    trace t = {{0}};
    qns_session *s = session_on(m, "phone", &t);
    CHECK_OK(qns_session_open(s));
    CHECK(!qns_session_wait_for_opened(s, 30000));
    EXPECT_TRACE(&t, "state:2 state:5 error:3");
    CHECK(!qns_session_is_open(s));
    CHECK_EQ_INT(qns_session_error(s), QNS_SESSION_ERROR_OPERATION_NOT_SUPPORTED);
    qns_configuration *phone = lookup(m, "phone");
    CHECK_EQ_INT(qns_configuration_state(phone), QNS_STATE_FLAG_DISCOVERED);
    qns_configuration_free(phone);
    qns_session_free(s);
    qns_manager_free(m);
}

/* metered: NoBackgroundTrafficPolicy on open sessions of that access point only. */
static void metered_is_a_usage_policy(void) {
    use_text("access-point cell bearer=hspa state=active metered\n"
             "access-point lan bearer=ethernet state=active metered=no\n");
    qns_manager *m = started();
    trace cell_trace = {{0}}, lan_trace = {{0}};
    qns_session *cell = session_on(m, "cell", &cell_trace);
    qns_session *lan = session_on(m, "lan", &lan_trace);
    CHECK_OK(qns_session_open(cell));
    CHECK_OK(qns_session_open(lan));
    CHECK_EQ_INT(qns_session_usage_policies(cell), QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC);
    CHECK_EQ_INT(qns_session_usage_policies(lan), QNS_USAGE_POLICY_NO_POLICY);
    EXPECT_TRACE(&cell_trace, "opened usage:1");
    EXPECT_TRACE(&lan_trace, "opened");
    qns_session_free(lan);
    qns_session_free(cell);
    qns_manager_free(m);
}

/* bytes-received/-sent are the interface's counters: an open session counts
 * from them, so moving them by 500/300 shows 500/300. */
static void counters_through_an_open_session(void) {
    use_text(LAPTOP);
    qns_manager *m = started();
    qns_session *s = session_on(m, "wired", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_is_open(s));
    CHECK_EQ_INT(qns_session_bytes_received(s), 0);
    CHECK_EQ_INT(qns_session_bytes_written(s), 0);
    CHECK_OK(qns_sim_set_bytes("wired", 48213 + 500, 12877 + 300));
    CHECK_EQ_INT(qns_session_bytes_received(s), 500);
    CHECK_EQ_INT(qns_session_bytes_written(s), 300);
    qns_session_free(s);
    qns_manager_free(m);
}

/* default UserChoice: defaultConfiguration() is UserChoice, Discovered, and
 * opens the first Active access point. */
static void user_choice_default(void) {
    use_text("access-point cell bearer=2g state=discovered\n"
             "access-point lan bearer=ethernet state=active\n"
             "interface lan name=lan0 index=7\n"
             "default UserChoice\n");
    qns_manager *m = started();
    qns_configuration *def = NULL;
    CHECK_OK(qns_manager_default_configuration(m, &def));
    CHECK_EQ_INT(qns_configuration_type(def), QNS_TYPE_USER_CHOICE);
    CHECK_EQ_INT(qns_configuration_state(def), QNS_STATE_FLAG_DISCOVERED);
    CHECK(qns_manager_is_online(m));
    trace t = {{0}};
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(def, NULL, &s));
    watch_session(&t, s);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 30000));
    EXPECT_TRACE(&t, "opened state:3");
    CHECK_STR(string_property(s, "UserChoiceConfiguration"), "lan");
    CHECK_STR(string_property(s, "ActiveConfiguration"), "lan");
    qns_interface *i = NULL;
    CHECK_OK(qns_session_interface(s, &i));
    CHECK_EQ_INT(qns_interface_index(i), 7);
    qns_interface_free(i);
    qns_session_free(s);
    qns_configuration_free(def);
    qns_manager_free(m);
}

/* Without the variable (or empty) the simulation starts empty, as before. */
static void empty_variable_is_no_file(void) {
    setenv("QNS_SIMULATED_NETWORK", "", 1);
    qns_manager *m = started();
    CHECK_STR(qns_backend_name(), "simulated");
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(m, 0, &all));
    CHECK_EQ_INT(qns_configuration_list_size(all), 0);
    qns_configuration_list_free(all);
    qns_manager_free(m);
}

/* A bad file: the none backend, nothing loaded, the sentence names the
 * variable, the path and the line; scripting is refused. */
static void expect_refused(const char *what) {
    qns_manager *m = started();
    CHECK_STR(qns_backend_name(), "none");
    char expected[512];
    snprintf(expected, sizeof expected, "QNS_SIMULATED_NETWORK=%s: %s", file_path, what);
    const char *error = backend_error();
    if (strncmp(error, expected, strlen(expected)) != 0) {
        qns_test_failures++;
        fprintf(stderr, "backend error \"%s\" does not start with \"%s\"\n", error, expected);
    }
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(m, 0, &all));
    CHECK_EQ_INT(qns_configuration_list_size(all), 0);
    qns_configuration_list_free(all);
    CHECK_EQ_INT(qns_manager_capabilities(m), 0);
    CHECK_EQ_INT(qns_sim_add_access_point("x", "x", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE),
                 QNS_ERR_WRONG_BACKEND);
    CHECK_EQ_INT(qns_sim_set_reachability(QNS_REACHABILITY_ONLINE), QNS_ERR_WRONG_BACKEND);
    CHECK_EQ_INT(qns_sim_set_captive_portal(true), QNS_ERR_WRONG_BACKEND);
    CHECK_EQ_INT(qns_sim_set_transport_medium(QNS_TRANSPORT_WIFI), QNS_ERR_WRONG_BACKEND);
    CHECK_EQ_INT(qns_sim_set_network_metered(true), QNS_ERR_WRONG_BACKEND);
    qns_manager_free(m);
}

/* The error is on the file's last line: everything before it was fine,
 * and still nothing is loaded. */
static void bad_bearer(void) {
    use_text("access-point a bearer=ethernet state=active\n"
             "access-point b bearer=wifi state=discovered\n");
    expect_refused("line 2: bearer \"wifi\" does not exist");
}

static void unknown_key(void) {
    use_text("# comment\n\naccess-point a state=active colour=blue\n");
    expect_refused("line 3: unknown key \"colour\"");
}

static void duplicate_identifier(void) {
    use_text("access-point a state=active\nservice-network a children=a\n");
    expect_refused("line 2: identifier \"a\" is already declared on line 1");
}

static void unknown_child(void) {
    use_text("access-point a state=active\nservice-network sn children=a,b\n");
    expect_refused("line 2: children: \"b\" is not an access point of this file");
}

static void unknown_default(void) {
    use_text("access-point a state=active\ndefault b\n");
    expect_refused("line 2: default: \"b\" is not declared");
}

static void invalid_utf8(void) {
    static const char text[] = "access-point a state=active\n"
                               "access-point b state=active\n"
                               "access-point c name=\"\xff\" state=active\n";
    use_file(text, sizeof text - 1);
    expect_refused("line 3: not valid UTF-8");
}

static void missing_file(void) {
    snprintf(file_path, sizeof file_path, "/nonexistent/qns-simnet.conf");
    setenv("QNS_SIMULATED_NETWORK", file_path, 1);
    expect_refused("cannot read it: ");
}

/* tests/data/qt-bearer-network.conf gives Qt 5.15's bearer tests the rows
 * they look for, and every configuration a session can use opens (with
 * Connecting first) and has an interface, as sessionOpenCloseStop needs. */
static void qt_bearer_network_file(void) {
    snprintf(file_path, sizeof file_path, "%s", QNS_SOURCE_DIR "/tests/data/qt-bearer-network.conf");
    setenv("QNS_SIMULATED_NETWORK", file_path, 1);
    qns_manager *m = started();
    CHECK_STR(backend_error(), "");
    /* sessionProperties accepts only these bearerTypeName()s. */
    static const char *const qt_names[] = {"Unknown", "Ethernet", "WLAN",      "2G",   "CDMA2000",
                                           "WCDMA",   "HSPA",     "Bluetooth", "WiMAX"};
    bool idle_wlan = false, idle_cellular = false, idle_network = false, active_ethernet = false;
    bool defined = false, undefined = false;
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(m, 0, &all));
    for (size_t n = 0; n < qns_configuration_list_size(all); n++) {
        const qns_configuration *c = qns_configuration_list_get(all, n);
        unsigned state = qns_configuration_state(c);
        const char *bearer = qns_configuration_bearer_type_name(c);
        if (qns_configuration_type(c) == QNS_TYPE_SERVICE_NETWORK) {
            qns_configuration_list *kids = NULL;
            CHECK_OK(qns_configuration_children(c, &kids));
            if (qns_configuration_list_size(kids) <= 1)
                CHECK(!qns_configuration_is_roaming_available(c));
            qns_configuration_list_free(kids);
            idle_network |= state == QNS_STATE_FLAG_DISCOVERED;
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof qt_names / sizeof qt_names[0]; k++)
            known |= strcmp(bearer, qt_names[k]) == 0;
        CHECK(known);
        bool cellular = strcmp(bearer, "2G") == 0 || strcmp(bearer, "CDMA2000") == 0 ||
                        strcmp(bearer, "WCDMA") == 0 || strcmp(bearer, "HSPA") == 0;
        idle_wlan |= state == QNS_STATE_FLAG_DISCOVERED && strcmp(bearer, "WLAN") == 0;
        idle_cellular |= state == QNS_STATE_FLAG_DISCOVERED && cellular;
        active_ethernet |= state == QNS_STATE_FLAG_ACTIVE && strcmp(bearer, "Ethernet") == 0;
        defined |= state == QNS_STATE_FLAG_DEFINED;
        undefined |= state == QNS_STATE_FLAG_UNDEFINED;
    }
    CHECK(idle_wlan && idle_cellular && idle_network && active_ethernet && defined && undefined);

    for (size_t n = 0; n < qns_configuration_list_size(all); n++) {
        const qns_configuration *c = qns_configuration_list_get(all, n);
        unsigned state = qns_configuration_state(c);
        if ((state & QNS_STATE_FLAG_DISCOVERED) != QNS_STATE_FLAG_DISCOVERED)
            continue;
        trace t = {{0}};
        qns_session *s = NULL;
        CHECK_OK(qns_session_new(c, NULL, &s));
        watch_session(&t, s);
        CHECK_OK(qns_session_open(s));
        CHECK(qns_session_wait_for_opened(s, 30000));
        dispatch_all();
        if (state != QNS_STATE_FLAG_ACTIVE && strncmp(t.text, "state:2 ", 8) != 0) {
            qns_test_failures++;
            fprintf(stderr, "%s: no Connecting first: %s\n", cfg_id(c), t.text);
        }
        qns_interface *i = NULL;
        CHECK_OK(qns_session_interface(s, &i));
        CHECK(qns_interface_is_valid(i));
        qns_interface_free(i);
        CHECK_OK(qns_session_close(s));
        qns_session_free(s);
    }
    qns_configuration_list_free(all);

    qns_configuration *def = NULL;
    CHECK_OK(qns_manager_default_configuration(m, &def));
    CHECK_EQ_INT(qns_configuration_type(def), QNS_TYPE_USER_CHOICE);
    CHECK_STR(name_of(def), "UserChoice");
    CHECK_EQ_INT(qns_configuration_state(def), QNS_STATE_FLAG_DISCOVERED);
    qns_configuration_free(def);
    qns_manager_free(m);
}

static int passed, failed;

/* Runs one case in a child; its exit status is its failure count. */
static void in_child(const char *name, void (*fn)(void)) {
    fflush(stdout);
    file_path[0] = '\0';
    wrote_file = false;
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        if (wrote_file)
            unlink(file_path);
        _exit(qns_test_failures > 255 ? 255 : qns_test_failures);
    }
    int status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0) {
        passed++;
        printf("ok   %s\n", name);
    } else {
        failed++;
        printf("FAIL %s (status %d)\n", name, status);
    }
}

#define IN_CHILD(fn) in_child(#fn, fn)

int main(void) {
    IN_CHILD(loads_exactly_the_file);
    IN_CHILD(interface_details);
    IN_CHILD(start_delay_shows_connecting);
    IN_CHILD(start_failure_gives_the_error);
    IN_CHILD(metered_is_a_usage_policy);
    IN_CHILD(counters_through_an_open_session);
    IN_CHILD(user_choice_default);
    IN_CHILD(empty_variable_is_no_file);
    IN_CHILD(qt_bearer_network_file);
    IN_CHILD(bad_bearer);
    IN_CHILD(unknown_key);
    IN_CHILD(duplicate_identifier);
    IN_CHILD(unknown_child);
    IN_CHILD(unknown_default);
    IN_CHILD(invalid_utf8);
    IN_CHILD(missing_file);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
