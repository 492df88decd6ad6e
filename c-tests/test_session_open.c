/* SPEC §4.1-4.3: binding, state derivation, open/close/stop with real
 * reference counting, timeouts, and the system changing things under an
 * open session. Exact signal order throughout. */
#include "qns_test.h"

static qns_manager *mgr;

static unsigned cfg_state(const char *id) {
    qns_configuration *c = lookup(mgr, id);
    unsigned s = qns_configuration_state(c);
    qns_configuration_free(c);
    return s;
}

static void open_on_active(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_CONNECTED);
    CHECK(!qns_session_is_open(s));
    CHECK_OK(qns_session_open(s));
    /* Queries see the change at once; the signal waits for dispatch. */
    CHECK(qns_session_is_open(s));
    CHECK_STR(t.text, "");
    EXPECT_TRACE(&t, "opened");
    CHECK(qns_session_wait_for_opened(s, 0));
    CHECK_OK(qns_session_open(s)); /* twice: no-op */
    EXPECT_TRACE(&t, "");
    CHECK_OK(qns_session_close(s));
    CHECK(!qns_session_is_open(s));
    EXPECT_TRACE(&t, "closed");
    CHECK_OK(qns_session_close(s)); /* not open: no-op */
    EXPECT_TRACE(&t, "");
    /* The system brought it up, so close never takes it down. */
    CHECK_EQ_INT(cfg_state("eth"), QNS_STATE_FLAG_ACTIVE);
    CHECK(!qns_session_wait_for_opened(s, 1000));
    qns_session_free(s);
}

static void open_on_discovered_starts_it(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    qns_session *s = session_on(mgr, "wifi", &t);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_DISCONNECTED);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_is_open(s));
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_ACTIVE);
    EXPECT_TRACE(&t, "state:2 opened state:3");
    /* We started it, so the last close stops it: Closing, then Disconnected. */
    CHECK_OK(qns_session_close(s));
    EXPECT_TRACE(&t, "closed state:4 state:5");
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_DISCOVERED);
    qns_session_free(s);
}

static void open_start_fails(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_start_behavior("wifi", QNS_SIM_START_FAIL, 0, QNS_SESSION_ERROR_UNKNOWN));
    qns_session *s = session_on(mgr, "wifi", &t);
    CHECK_OK(qns_session_open(s));
    CHECK(!qns_session_is_open(s));
    CHECK(!qns_session_wait_for_opened(s, 1000));
    EXPECT_TRACE(&t, "state:2 state:5 error:0");
    /* The precise backend error passes through. */
    CHECK_OK(qns_sim_set_start_behavior("wifi", QNS_SIM_START_FAIL, 0, QNS_SESSION_ERROR_OPERATION_NOT_SUPPORTED));
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "state:2 state:5 error:3");
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_DISCOVERED);
    qns_session_free(s);
}

static void open_times_out(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_start_behavior("wifi", QNS_SIM_START_NEVER, 0, 0));
    qns_configuration *c = lookup(mgr, "wifi");
    CHECK(qns_configuration_set_connect_timeout(c, 60));
    qns_session *s = session_on(mgr, "wifi", &t);
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "state:2");
    /* Not on the loop's thread semantics matter here: the default loop's
     * owner is this thread, so waiting delivers the failure as it happens. */
    CHECK(!qns_session_wait_for_opened(s, 5000));
    CHECK_STR(trace_take(&t), "state:5 error:0");
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_DISCONNECTED);
    qns_configuration_free(c);
    qns_session_free(s);
}

static void open_with_delay_and_wait(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_start_behavior("wifi", QNS_SIM_START_DELAY, 40, 0));
    qns_session *s = session_on(mgr, "wifi", &t);
    CHECK_OK(qns_session_open(s));
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_CONNECTING);
    CHECK(!qns_session_wait_for_opened(s, 0));
    CHECK(qns_session_wait_for_opened(s, 5000));
    CHECK(qns_session_is_open(s));
    /* Waiting on the loop's thread delivered the events while waiting. */
    CHECK_STR(trace_take(&t), "state:2 opened state:3");
    qns_session_free(s);
}

static void open_on_defined_is_invalid(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("cell", "Cell", QNS_BEARER_LTE, QNS_STATE_FLAG_DEFINED));
    qns_session *s = session_on(mgr, "cell", &t);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_NOT_AVAILABLE);
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "state:0 error:4");
    CHECK(!qns_session_wait_for_opened(s, 1000));
    CHECK_OK(qns_sim_add_access_point("u", "U", QNS_BEARER_LTE, QNS_STATE_FLAG_UNDEFINED));
    qns_session *u = session_on(mgr, "u", &t);
    CHECK_OK(qns_session_open(u));
    EXPECT_TRACE(&t, "state:0 error:4");
    qns_session_free(u);
    qns_session_free(s);
}

static void inert_session(void) {
    trace t = {{0}};
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(NULL, NULL, &s));
    watch_session(&t, s);
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "error:4");
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_INVALID);
    CHECK(!qns_session_wait_for_opened(s, -1));
    CHECK_OK(qns_session_close(s));
    CHECK_OK(qns_session_stop(s));
    CHECK_EQ_INT(qns_session_migrate(s), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_accept(s), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_ignore(s), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_reject(s), QNS_ERR_WRONG_STATE);
    EXPECT_TRACE(&t, "");
    CHECK_STR(qns_session_error_string(s), "Invalid configuration.");
    qns_configuration *c = (qns_configuration *)1;
    CHECK_OK(qns_session_configuration(s, &c));
    CHECK(c == NULL);
    qns_session_free(s);
}

/* Counts across three sessions: only the last close of an interface we
 * started takes it down. */
static void refcount_three_sessions(void) {
    trace t1 = {{0}}, t2 = {{0}}, t3 = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    qns_session *a = session_on(mgr, "wifi", &t1);
    qns_session *b = session_on(mgr, "wifi", &t2);
    qns_session *c = session_on(mgr, "wifi", &t3);
    CHECK_OK(qns_session_open(a));
    CHECK_OK(qns_session_open(b));
    CHECK_OK(qns_session_open(c));
    EXPECT_TRACE(&t1, "state:2 opened state:3");
    /* They followed the record to Connected before their own open. */
    CHECK_STR(trace_take(&t2), "state:3 opened");
    CHECK_STR(trace_take(&t3), "state:3 opened");
    CHECK_OK(qns_session_close(b));
    CHECK_OK(qns_session_close(a));
    EXPECT_TRACE(&t1, "closed");
    CHECK_STR(trace_take(&t2), "closed");
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_ACTIVE);
    CHECK(qns_session_is_open(c));
    CHECK_OK(qns_session_close(c));
    EXPECT_TRACE(&t3, "closed state:4 state:5");
    CHECK_STR(trace_take(&t1), "state:5");
    CHECK_STR(trace_take(&t2), "state:5");
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_DISCOVERED);
    qns_session_free(a);
    qns_session_free(b);
    qns_session_free(c);
}

/* Two sessions on an interface the system brought up: never taken down. */
static void refcount_two_sessions_system_interface(void) {
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *a = session_on(mgr, "eth", NULL);
    qns_session *b = session_on(mgr, "eth", NULL);
    CHECK_OK(qns_session_open(a));
    CHECK_OK(qns_session_open(b));
    CHECK_OK(qns_session_close(a));
    CHECK_OK(qns_session_close(b));
    CHECK_EQ_INT(cfg_state("eth"), QNS_STATE_FLAG_ACTIVE);
    qns_session_free(a);
    qns_session_free(b);
}

static void stop_aborts_the_others(void) {
    trace t1 = {{0}}, t2 = {{0}}, t3 = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *a = session_on(mgr, "eth", &t1);
    qns_session *b = session_on(mgr, "eth", &t2);
    qns_session *c = session_on(mgr, "eth", &t3);
    CHECK_OK(qns_session_open(a));
    CHECK_OK(qns_session_open(b));
    CHECK_OK(qns_session_open(c));
    dispatch_all();
    trace_take(&t1), trace_take(&t2), trace_take(&t3);
    CHECK_OK(qns_session_stop(a));
    /* The caller: closed once, Closing, SessionAbortedError once (compat:
     * Qt's sessionOpenCloseStop), then the derived Disconnected. */
    EXPECT_TRACE(&t1, "closed state:4 error:1 state:5");
    CHECK_STR(trace_take(&t2), "closed error:1 state:5");
    CHECK_STR(trace_take(&t3), "closed error:1 state:5");
    CHECK(!qns_session_is_open(b));
    CHECK_EQ_INT(cfg_state("eth"), QNS_STATE_FLAG_DISCOVERED);
    /* The count is back to zero: reopening starts it afresh. */
    CHECK_OK(qns_session_open(b));
    EXPECT_TRACE(&t2, "state:2 opened state:3");
    CHECK_OK(qns_session_close(b));
    EXPECT_TRACE(&t2, "closed state:4 state:5");
    qns_session_free(a);
    qns_session_free(b);
    qns_session_free(c);
}

static void stop_without_capability(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_set_capabilities(QNS_CAPABILITY_DATA_STATISTICS));
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_session_stop(s));
    EXPECT_TRACE(&t, "opened error:3");
    CHECK(qns_session_is_open(s));
    CHECK_EQ_INT(cfg_state("eth"), QNS_STATE_FLAG_ACTIVE);
    qns_session_free(s);
}

static void removal_under_open_session(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_OK(qns_session_open(s));
    dispatch_all();
    trace_take(&t);
    CHECK_OK(qns_sim_remove("eth"));
    EXPECT_TRACE(&t, "closed state:0 error:1");
    CHECK(!qns_session_is_open(s));
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "error:4");
    qns_session_free(s);
}

static void system_takes_it_down(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_OK(qns_session_open(s));
    dispatch_all();
    trace_take(&t);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "closed state:5 error:1");
    /* It does not re-open by itself when the link returns. */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "state:3");
    CHECK(!qns_session_is_open(s));
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DEFINED));
    EXPECT_TRACE(&t, "opened closed state:1 error:1");
    qns_session_free(s);
}

static void close_while_connecting(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_start_behavior("wifi", QNS_SIM_START_DELAY, 50, 0));
    qns_session *s = session_on(mgr, "wifi", &t);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_session_close(s));
    EXPECT_TRACE(&t, "state:2 closed state:5");
    sleep_ms(120);
    /* The delayed start was cancelled by the stop the close caused. */
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_DISCOVERED);
    EXPECT_TRACE(&t, "");
    qns_session_free(s);
}

static void free_releases_the_count(void) {
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    qns_session *s = session_on(mgr, "wifi", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_ACTIVE);
    qns_session_free(s);
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_DISCOVERED);
}

static void state_follows_the_record(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_UNDEFINED));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_NOT_AVAILABLE);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DEFINED));
    CHECK_OK(qns_sim_remove("eth"));
    EXPECT_TRACE(&t, "state:5 state:3 state:1 state:0");
    qns_session_free(s);
}

int main(void) {
    CHECK_OK(qns_select_backend("simulated"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    RUN(open_on_active);
    RUN(open_on_discovered_starts_it);
    RUN(open_start_fails);
    RUN(open_times_out);
    RUN(open_with_delay_and_wait);
    RUN(open_on_defined_is_invalid);
    RUN(inert_session);
    RUN(refcount_three_sessions);
    RUN(refcount_two_sessions_system_interface);
    RUN(stop_aborts_the_others);
    RUN(stop_without_capability);
    RUN(removal_under_open_session);
    RUN(system_takes_it_down);
    RUN(close_while_connecting);
    RUN(free_releases_the_count);
    RUN(state_follows_the_record);
    qns_manager_free(mgr);
    return finish_tests();
}
