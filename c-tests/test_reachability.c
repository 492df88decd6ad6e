/* SPEC §8 on the simulated backend: reachability, captive portal,
 * transport medium and metered, scripted and derived, each signal only on
 * an actual change (issue 11). The kernel's rules: test_netlink_reachability.c. */
#include "qns_test.h"

/* A manager per test: its callbacks record into that test's trace. */
static qns_manager *watched(trace *t) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    watch_network_info(t, m);
    return m;
}

/* Unscripted, the engine derives what it can: Disconnected while nothing is
 * Active, else Unknown (the simulation has no notion of routes); medium and
 * metered follow the default configuration. */
static void derived_without_a_script(void) {
    trace t = {{0}};
    qns_manager *mgr = watched(&t);
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_DISCONNECTED);
    CHECK_EQ_INT(qns_manager_transport_medium(mgr), QNS_TRANSPORT_UNKNOWN);
    CHECK_OK(qns_sim_add_access_point("lte", "LTE", QNS_BEARER_LTE, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_metered("lte", true));
    EXPECT_TRACE(&t, "reach:0 medium:2 metered:1");
    CHECK_EQ_INT(qns_manager_transport_medium(mgr), QNS_TRANSPORT_CELLULAR);
    CHECK(qns_manager_is_metered(mgr));
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_default("wifi"));
    EXPECT_TRACE(&t, "medium:3 metered:0");
    /* No-op changes say nothing. */
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_metered("lte", true));
    EXPECT_TRACE(&t, "");
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_state("lte", QNS_STATE_FLAG_DEFINED));
    EXPECT_TRACE(&t, "medium:2 metered:1 reach:1 medium:0 metered:0");
    qns_manager_free(mgr);
}

/* Scripted, the script decides; what it leaves open still follows the default. */
static void scripted(void) {
    trace t = {{0}};
    qns_manager *mgr = watched(&t);
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "reach:0 medium:1");
    CHECK_OK(qns_sim_set_reachability(QNS_REACHABILITY_SITE));
    EXPECT_TRACE(&t, "reach:3");
    CHECK_OK(qns_sim_set_captive_portal(true));
    CHECK_OK(qns_sim_set_reachability(QNS_REACHABILITY_SITE)); /* the same: nothing */
    EXPECT_TRACE(&t, "portal:1");
    CHECK(qns_manager_is_behind_captive_portal(mgr));
    CHECK_OK(qns_sim_set_captive_portal(false));
    CHECK_OK(qns_sim_set_reachability(QNS_REACHABILITY_ONLINE));
    EXPECT_TRACE(&t, "portal:0 reach:4");
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_ONLINE);
    CHECK_OK(qns_sim_set_transport_medium(QNS_TRANSPORT_BLUETOOTH));
    CHECK_OK(qns_sim_set_network_metered(true));
    EXPECT_TRACE(&t, "medium:4 metered:1");
    CHECK_EQ_INT(qns_manager_transport_medium(mgr), QNS_TRANSPORT_BLUETOOTH);
    CHECK(qns_manager_is_metered(mgr));
    /* Out of range: refused, nothing changes. */
    CHECK_EQ_INT(qns_sim_set_reachability(5), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_reachability(-1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_transport_medium(9), QNS_ERR_INVALID_ARGUMENT);
    EXPECT_TRACE(&t, "");
    /* A reset forgets the script: derived again. */
    CHECK_OK(qns_sim_reset());
    EXPECT_TRACE(&t, "reach:1 medium:0 metered:0");
    qns_manager_free(mgr);
}

/* Every manager gets its own copy; a new manager starts from the current
 * values with no signal. */
static void every_manager_and_no_signal_at_creation(void) {
    CHECK_OK(qns_sim_set_reachability(QNS_REACHABILITY_LOCAL));
    trace t = {{0}};
    qns_manager *m = watched(&t);
    CHECK_EQ_INT(qns_manager_reachability(m), QNS_REACHABILITY_LOCAL);
    EXPECT_TRACE(&t, "");
    CHECK_OK(qns_sim_set_reachability(QNS_REACHABILITY_ONLINE));
    EXPECT_TRACE(&t, "reach:4");
    qns_manager_free(m);
}

int main(void) {
    RUN(derived_without_a_script);
    RUN(scripted);
    RUN(every_manager_and_no_signal_at_creation);
    return finish_tests();
}
