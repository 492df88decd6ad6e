/* SPEC §3: listing, filters, lookup, default/online, capabilities,
 * updateConfigurations, and the manager signals without duplicates. */
#include "qns_test.h"

static const char *list_ids(qns_configuration_list *l) {
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < qns_configuration_list_size(l); i++) {
        if (i)
            strcat(buf, ",");
        strcat(buf, cfg_id(qns_configuration_list_get(l, i)));
    }
    qns_configuration_list_free(l);
    return buf;
}

static const char *all(qns_manager *m, unsigned filter) {
    qns_configuration_list *l = NULL;
    CHECK_OK(qns_manager_all_configurations(m, filter, &l));
    return list_ids(l);
}

static void listing_order_and_filters(void) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_STR(all(m, 0), "");
    const char *kids[] = {"b", "a"};
    CHECK_OK(qns_sim_add_access_point("a", "A", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_add_service_network("sn", "SN", kids, 2));
    CHECK_OK(qns_sim_add_access_point("b", "B", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_add_access_point("c", "C", QNS_BEARER_LTE, QNS_STATE_FLAG_DEFINED));
    CHECK_OK(qns_sim_add_access_point("d", "D", QNS_BEARER_LTE, QNS_STATE_FLAG_UNDEFINED));
    /* Access points by creation, then service networks. */
    CHECK_STR(all(m, 0), "a,b,c,d,sn");
    CHECK_STR(all(m, QNS_STATE_FLAG_ACTIVE), "a,sn");
    CHECK_STR(all(m, QNS_STATE_FLAG_DISCOVERED), "a,b,sn");
    CHECK_STR(all(m, QNS_STATE_FLAG_DEFINED), "a,b,c,sn");
    CHECK_STR(all(m, QNS_STATE_FLAG_UNDEFINED), "d");
    /* A second manager is a view on the same records. */
    qns_manager *m2 = NULL;
    CHECK_OK(qns_manager_new(NULL, &m2));
    CHECK_STR(all(m2, 0), "a,b,c,d,sn");
    qns_configuration *x = lookup(m, "b"), *y = lookup(m2, "b");
    CHECK(qns_configuration_equal(x, y));
    qns_configuration_free(x);
    qns_configuration_free(y);
    CHECK(lookup(m, "nope") == NULL);
    qns_configuration *uc = lookup(m, "UserChoice");
    CHECK_EQ_INT(qns_configuration_type(uc), QNS_TYPE_USER_CHOICE);
    qns_configuration_free(uc);
    qns_manager_free(m2);
    qns_manager_free(m);
}

static void default_online_and_capabilities(void) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    qns_configuration *d = (qns_configuration *)1;
    CHECK_OK(qns_manager_default_configuration(m, &d));
    CHECK(d == NULL);
    CHECK(!qns_manager_is_online(m));
    CHECK_EQ_INT(qns_manager_capabilities(m), 0x01 | 0x08 | 0x10 | 0x20);
    CHECK_OK(qns_sim_set_capabilities(QNS_CAPABILITY_DATA_STATISTICS));
    CHECK_EQ_INT(qns_manager_capabilities(m), QNS_CAPABILITY_DATA_STATISTICS);

    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_manager_default_configuration(m, &d));
    CHECK(d == NULL);
    CHECK(!qns_manager_is_online(m));
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK(qns_manager_is_online(m));
    CHECK_OK(qns_manager_default_configuration(m, &d));
    CHECK_STR(cfg_id(d), "eth");
    qns_configuration_free(d);
    /* The backend's choice wins while it is Active; an inactive one falls
     * back to Qt's order (issue 9 item 4), and online means something is
     * Active (SPEC §3). */
    CHECK_OK(qns_sim_set_default("wifi"));
    CHECK(qns_manager_is_online(m));
    CHECK_OK(qns_manager_default_configuration(m, &d));
    CHECK_STR(cfg_id(d), "eth");
    qns_configuration_free(d);
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_ACTIVE));
    CHECK(qns_manager_is_online(m));
    CHECK_OK(qns_manager_default_configuration(m, &d));
    CHECK_STR(cfg_id(d), "wifi");
    qns_configuration_free(d);
    CHECK_EQ_INT(qns_sim_set_default("missing"), QNS_ERR_NOT_FOUND);
    qns_manager_free(m);
}

static void signals_for_changes(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("old", "Old", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    watch_manager(&t, m);
    /* Nothing for what existed before the manager. */
    EXPECT_TRACE(&t, "");

    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "added:eth");
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "changed:eth");
    /* No-op changes say nothing. */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_name("eth", "Eth"));
    CHECK_OK(qns_sim_set_metered("eth", false));
    EXPECT_TRACE(&t, "");
    /* Two changes before a dispatch: one delivery, since the live handle
     * shows both (SPEC §3: not queued twice). */
    CHECK_OK(qns_sim_set_name("eth", "Renamed"));
    CHECK_OK(qns_sim_set_purpose("eth", QNS_PURPOSE_PRIVATE));
    EXPECT_TRACE(&t, "changed:eth");
    CHECK_OK(qns_sim_set_name("eth", "Again"));
    EXPECT_TRACE(&t, "changed:eth");

    /* Online flips only on real changes; removal: handle already invalid. */
    CHECK_OK(qns_sim_set_state("old", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "changed:old");
    CHECK_OK(qns_sim_remove("eth"));
    EXPECT_TRACE(&t, "removed:eth:0 online:0");
    CHECK_OK(qns_sim_set_state("old", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "changed:old online:1");

    /* A service network changes when its best child does. */
    const char *kids[] = {"old"};
    CHECK_OK(qns_sim_add_service_network("sn", "SN", kids, 1));
    EXPECT_TRACE(&t, "added:sn");
    CHECK_OK(qns_sim_set_state("old", QNS_STATE_FLAG_DEFINED));
    EXPECT_TRACE(&t, "changed:old changed:sn online:0");

    /* updateConfigurations: exactly one updateCompleted, and no changes. */
    CHECK_OK(qns_manager_update_configurations(m));
    EXPECT_TRACE(&t, "updated");
    EXPECT_TRACE(&t, "");

    /* A second manager gets its own copy of each signal. */
    trace t2 = {{0}};
    qns_manager *m2 = NULL;
    CHECK_OK(qns_manager_new(NULL, &m2));
    watch_manager(&t2, m2);
    CHECK_OK(qns_sim_add_access_point("new", "New", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "added:new online:1");
    CHECK_STR(trace_take(&t2), "added:new online:1");
    qns_manager_free(m2);
    qns_manager_free(m);
}

/* A burst of identical updates gives one signal per observable change. */
static void bursts_do_not_duplicate(void) {
    trace t = {{0}};
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_OK(qns_sim_add_access_point("vpn", "VPN", QNS_BEARER_UNKNOWN, QNS_STATE_FLAG_ACTIVE));
    watch_manager(&t, m);
    for (int i = 0; i < 1000; i++)
        CHECK_OK(qns_sim_set_state("vpn", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "");
    for (int i = 0; i < 3; i++) {
        CHECK_OK(qns_sim_set_state("vpn", QNS_STATE_FLAG_DISCOVERED));
        CHECK_OK(qns_sim_set_state("vpn", QNS_STATE_FLAG_DISCOVERED));
        CHECK_OK(qns_sim_set_state("vpn", QNS_STATE_FLAG_ACTIVE));
    }
    /* One configurationChanged while one is queued; online carries a value,
     * so each real flip is delivered. */
    EXPECT_TRACE(&t, "changed:vpn online:0 online:1 online:0 online:1 online:0 online:1");
    qns_manager_free(m);
}

/* A manager on its own loop: signals go there, not to the default loop. */
static void manager_on_own_loop(void) {
    trace t = {{0}};
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(lp, &m));
    watch_manager(&t, m);
    CHECK_OK(qns_sim_add_access_point("x", "X", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED));
    CHECK_EQ_INT(dispatch_all(), 0);
    CHECK_STR(trace_take(&t), "");
    CHECK_EQ_INT(qns_loop_pending(lp), 1);
    size_t n = 0;
    CHECK_OK(qns_loop_dispatch(lp, 0, &n));
    CHECK_EQ_INT(n, 1);
    CHECK_STR(trace_take(&t), "added:x");
    qns_manager_free(m);
    qns_loop_free(lp);
}

int main(void) {
    RUN(listing_order_and_filters);
    RUN(default_online_and_capabilities);
    RUN(signals_for_changes);
    RUN(bursts_do_not_duplicate);
    RUN(manager_on_own_loop);
    return finish_tests();
}
