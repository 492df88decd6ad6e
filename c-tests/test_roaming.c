/* SPEC §4.4: service networks, application-level roaming (accept, reject,
 * ignore, timeouts), forced roaming, failover, seamless moves, UserChoice. */
#include "qns_test.h"

static qns_manager *mgr;

static const char *active_config(qns_session *s) {
    static char buf[64];
    CHECK_OK(qns_session_property_string(s, "ActiveConfiguration", buf, sizeof buf, NULL));
    return buf;
}

static unsigned cfg_state(const char *id) {
    qns_configuration *c = lookup(mgr, id);
    unsigned st = qns_configuration_state(c);
    qns_configuration_free(c);
    return st;
}

/* eth (best), wifi, lte in one service network "sn". */
static void three_children(unsigned eth, unsigned wifi, unsigned lte) {
    CHECK_OK(qns_sim_add_access_point("eth", "Wired", QNS_BEARER_ETHERNET, eth));
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, wifi));
    CHECK_OK(qns_sim_add_access_point("lte", "Cell", QNS_BEARER_LTE, lte));
    const char *kids[] = {"eth", "wifi", "lte"};
    CHECK_OK(qns_sim_add_service_network("sn", "Internet", kids, 3));
}

static qns_session *alr_session(trace *t) {
    qns_session *s = session_on(mgr, "sn", t);
    watch_preferred(t, s, NULL);
    CHECK_OK(qns_session_open(s));
    return s;
}

static void alr_accept(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    qns_session *s = alr_session(&t);
    EXPECT_TRACE(&t, "opened");
    CHECK_STR(active_config(s), "wifi");
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "preferred:eth:0");
    CHECK_EQ_INT(qns_session_accept(s), QNS_ERR_WRONG_STATE); /* nothing migrated yet */
    CHECK_OK(qns_session_migrate(s));
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_ROAMING);
    EXPECT_TRACE(&t, "state:6 activated");
    CHECK_OK(qns_session_accept(s));
    EXPECT_TRACE(&t, "state:3");
    CHECK_STR(active_config(s), "eth");
    CHECK(qns_session_is_open(s));
    CHECK_EQ_INT(qns_session_migrate(s), QNS_ERR_WRONG_STATE);
    qns_session_free(s);
}

static void alr_reject_then_no_repeat(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "opened preferred:eth:0");
    CHECK_OK(qns_session_migrate(s));
    CHECK_OK(qns_session_reject(s));
    EXPECT_TRACE(&t, "state:6 activated state:3");
    CHECK_STR(active_config(s), "wifi");
    /* Unrelated changes do not offer eth again while it stays up. */
    CHECK_OK(qns_sim_set_state("lte", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_name("eth", "Wired 2"));
    EXPECT_TRACE(&t, "");
    /* Once it went away and came back, it is a new situation. */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "preferred:eth:0");
    qns_session_free(s);
}

static void alr_ignore(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "opened preferred:eth:0");
    CHECK_OK(qns_session_ignore(s));
    CHECK_EQ_INT(qns_session_ignore(s), QNS_ERR_WRONG_STATE);
    CHECK_OK(qns_sim_set_state("lte", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "");
    CHECK_STR(active_config(s), "wifi");
    CHECK(qns_session_is_open(s));
    qns_session_free(s);
}

static void alr_current_lost_migrates(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_ACTIVE);
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "opened preferred:lte:0");
    CHECK_OK(qns_session_migrate(s));
    CHECK_OK(qns_session_accept(s));
    EXPECT_TRACE(&t, "state:6 activated state:3");
    CHECK_STR(active_config(s), "lte");
    qns_session_free(s);
}

static void alr_current_lost_and_ignored_ends_session(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_ACTIVE);
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "opened preferred:lte:0");
    CHECK_OK(qns_session_ignore(s));
    /* The network (lte) is still up, so the state stays Connected. */
    EXPECT_TRACE(&t, "closed error:1");
    CHECK(!qns_session_is_open(s));
    qns_session_free(s);
}

static void alr_unanswered_times_out(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_ACTIVE);
    qns_configuration *sn = lookup(mgr, "sn");
    CHECK(qns_configuration_set_connect_timeout(sn, 50));
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "opened preferred:lte:0");
    sleep_ms(150);
    EXPECT_TRACE(&t, "closed error:1");
    CHECK_EQ_INT(qns_session_migrate(s), QNS_ERR_WRONG_STATE);
    qns_configuration_free(sn);
    qns_session_free(s);
}

static void alr_reject_when_old_is_gone(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_session_migrate(s));
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_DEFINED));
    EXPECT_TRACE(&t, "opened preferred:eth:0 state:6 activated");
    CHECK_OK(qns_session_reject(s));
    EXPECT_TRACE(&t, "closed state:3 error:2");
    CHECK(!qns_session_is_open(s));
    qns_session_free(s);
}

static void alr_candidate_gone_before_answer(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "opened preferred:eth:0");
    CHECK_EQ_INT(qns_session_migrate(s), QNS_ERR_WRONG_STATE);
    CHECK_STR(active_config(s), "wifi");
    qns_session_free(s);
}

static void seamless_when_address_kept(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    CHECK_OK(qns_sim_set_interface("eth", "eth0", 2, "02:00:00:00:00:01", 0x27, 1500));
    CHECK_OK(qns_sim_set_interface("wifi", "wlan0", 3, "02:00:00:00:00:02", 0x27, 1500));
    CHECK_OK(qns_sim_add_interface_address("wifi", "10.0.0.5", 24));
    CHECK_OK(qns_sim_add_interface_address("eth", "10.0.0.5", 24));
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "opened preferred:eth:1");
    qns_session_free(s);
}

static void forced_roaming_to_better(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    qns_session *s = session_on(mgr, "sn", &t);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "opened state:6 state:3 activated");
    CHECK_STR(active_config(s), "eth");
    /* And when the one in use is lost. */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DEFINED));
    EXPECT_TRACE(&t, "state:6 state:3 activated");
    CHECK_STR(active_config(s), "wifi");
    qns_session_free(s);
}

static void unregistering_alr_turns_forced_roaming_on(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_DEFINED);
    qns_session *s = session_on(mgr, "sn", &t);
    uint64_t token = 0;
    watch_preferred(&t, s, &token);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_disconnect(token));
    CHECK_EQ_INT(qns_disconnect(token), QNS_ERR_NOT_FOUND);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "opened state:6 state:3 activated");
    qns_session_free(s);
}

static void no_roaming_capability(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_set_capabilities(QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES));
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_ACTIVE, QNS_STATE_FLAG_ACTIVE);
    qns_session *s = alr_session(&t);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "opened");
    CHECK_STR(active_config(s), "wifi");
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "closed error:1");
    qns_session_free(s);
}

/* With nothing Active, open starts the best startable child; the release
 * after roaming away takes down the one we started. */
static void failover_starts_child_and_releases_it(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_DISCOVERED, QNS_STATE_FLAG_DISCOVERED);
    qns_session *s = alr_session(&t);
    EXPECT_TRACE(&t, "state:2 opened state:3");
    CHECK_STR(active_config(s), "wifi");
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_ACTIVE);
    CHECK_EQ_INT(cfg_state("lte"), QNS_STATE_FLAG_DISCOVERED);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_session_migrate(s));
    CHECK_OK(qns_session_accept(s));
    EXPECT_TRACE(&t, "preferred:eth:0 state:6 activated state:3");
    CHECK_EQ_INT(cfg_state("wifi"), QNS_STATE_FLAG_DISCOVERED);
    CHECK_OK(qns_session_close(s));
    EXPECT_TRACE(&t, "closed");
    CHECK_EQ_INT(cfg_state("eth"), QNS_STATE_FLAG_ACTIVE);
    qns_session_free(s);
}

static void service_network_without_usable_child(void) {
    trace t = {{0}};
    three_children(QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_UNDEFINED);
    qns_session *s = session_on(mgr, "sn", &t);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_NOT_AVAILABLE);
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "state:0 error:4");
    qns_session_free(s);
}

static void user_choice_resolves_to_default(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    qns_configuration *uc = NULL;
    CHECK_OK(qns_manager_user_choice_configuration(mgr, &uc));
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(uc, NULL, &s));
    watch_session(&t, s);
    char buf[64];
    CHECK_OK(qns_session_property_string(s, "UserChoiceConfiguration", buf, sizeof buf, NULL));
    CHECK_STR(buf, "");
    /* Offline: the first startable access point. */
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "state:2 opened state:3");
    CHECK_OK(qns_session_property_string(s, "UserChoiceConfiguration", buf, sizeof buf, NULL));
    CHECK_STR(buf, "wifi");
    CHECK_STR(active_config(s), "wifi");
    CHECK_OK(qns_session_close(s));
    dispatch_all();
    trace_take(&t);
    CHECK_OK(qns_session_property_string(s, "UserChoiceConfiguration", buf, sizeof buf, NULL));
    CHECK_STR(buf, "");
    /* Online: the default. */
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_session_property_string(s, "UserChoiceConfiguration", buf, sizeof buf, NULL));
    CHECK_STR(buf, "eth");
    qns_configuration *cfg = NULL;
    CHECK_OK(qns_session_configuration(s, &cfg));
    CHECK(qns_configuration_equal(cfg, uc));
    qns_configuration_free(cfg);
    qns_configuration_free(uc);
    qns_session_free(s);
}

int main(void) {
    CHECK_OK(qns_select_backend("simulated"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    RUN(alr_accept);
    RUN(alr_reject_then_no_repeat);
    RUN(alr_ignore);
    RUN(alr_current_lost_migrates);
    RUN(alr_current_lost_and_ignored_ends_session);
    RUN(alr_unanswered_times_out);
    RUN(alr_reject_when_old_is_gone);
    RUN(alr_candidate_gone_before_answer);
    RUN(seamless_when_address_kept);
    RUN(forced_roaming_to_better);
    RUN(unregistering_alr_turns_forced_roaming_on);
    RUN(no_roaming_capability);
    RUN(failover_starts_child_and_releases_it);
    RUN(service_network_without_usable_child);
    RUN(user_choice_resolves_to_default);
    qns_manager_free(mgr);
    return finish_tests();
}
