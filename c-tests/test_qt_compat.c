/* Issue 9: where a differential run against Qt 5.15 and a port of Qt's own
 * bearer tests found us different, on the simulated backend (the kernel
 * cases are in test_netlink.c). One test per item, named after it. */
#include "qns_test.h"

static qns_manager *mgr;

static char *iface_name(qns_session *s) {
    static char name[32];
    qns_interface *i = NULL;
    CHECK_OK(qns_session_interface(s, &i));
    if (!i)
        return "";
    CHECK_OK(qns_interface_name(i, name, sizeof name, NULL));
    qns_interface_free(i);
    return name;
}

static const char *active_config(qns_session *s) {
    static char id[64];
    CHECK_OK(qns_session_property_string(s, "ActiveConfiguration", id, sizeof id, NULL));
    return id;
}

/* 1: interface() whenever the session's state is Connected. */
static void item01_interface_while_connected_but_not_open(void) {
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_interface("eth", "eth0", 2, "02:00:00:00:00:02", 0x27, 1500));
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_interface("wifi", "wlan0", 3, "02:00:00:00:00:03", 0x27, 1500));
    const char *kids[] = {"wifi", "eth"};
    CHECK_OK(qns_sim_add_service_network("sn", "SN", kids, 2));
    qns_session *eth = session_on(mgr, "eth", NULL);
    qns_session *wifi = session_on(mgr, "wifi", NULL);
    qns_session *sn = session_on(mgr, "sn", NULL);
    CHECK_STR(iface_name(eth), "eth0");   /* Connected, never opened */
    CHECK_STR(iface_name(wifi), "");      /* Disconnected */
    CHECK_STR(iface_name(sn), "eth0");    /* its best Active member */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DEFINED));
    CHECK_STR(iface_name(eth), "");       /* NotAvailable */
    qns_session_free(eth);
    qns_session_free(wifi);
    qns_session_free(sn);
}

/* 2: a removed configuration has no bearer. */
static void item02_removed_configuration_loses_its_bearer(void) {
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_configuration *c = lookup(mgr, "eth");
    CHECK_EQ_INT(qns_configuration_bearer_type(c), QNS_BEARER_ETHERNET);
    CHECK_OK(qns_sim_remove("eth"));
    CHECK(!qns_configuration_is_valid(c));
    CHECK_EQ_INT(qns_configuration_bearer_type(c), QNS_BEARER_UNKNOWN);
    CHECK_EQ_INT(qns_configuration_bearer_type_family(c), QNS_BEARER_UNKNOWN);
    CHECK_STR(qns_configuration_bearer_type_name(c), "");
    char name[16];
    CHECK_OK(qns_configuration_name(c, name, sizeof name, NULL));
    CHECK_STR(name, "Eth"); /* name, id and last state stay */
    CHECK_EQ_INT(qns_configuration_state(c), QNS_STATE_FLAG_ACTIVE);
    qns_configuration_free(c);
}

/* 4: no backend default (a LAN without a gateway): Qt's order, and online
 * as Qt documents it. */
static const char *default_id(void) {
    static char id[64];
    qns_configuration *d = NULL;
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    snprintf(id, sizeof id, "%s", d ? cfg_id(d) : "(null)");
    qns_configuration_free(d);
    return id;
}

static void item04_default_and_online_without_a_default_route(void) {
    CHECK_OK(qns_sim_add_access_point("cell", "Cell", QNS_BEARER_LTE, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_add_access_point("eth1", "Eth1", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED));
    CHECK_OK(qns_sim_add_access_point("eth2", "Eth2", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED));
    /* The simulation names no default of its own: none is set and the
     * first Active one is cell; make it name a Discovered one instead. */
    CHECK_OK(qns_sim_set_default("wifi"));
    CHECK(qns_manager_is_online(mgr));
    CHECK_STR(default_id(), "cell");
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_ACTIVE));
    CHECK_STR(default_id(), "wifi"); /* the backend's own, now Active */
    CHECK_OK(qns_sim_set_default("eth1"));
    CHECK_STR(default_id(), "wifi"); /* WLAN before other */
    CHECK_OK(qns_sim_set_state("eth2", QNS_STATE_FLAG_ACTIVE));
    CHECK_STR(default_id(), "eth2"); /* Ethernet first */
    CHECK_OK(qns_sim_set_state("eth1", QNS_STATE_FLAG_ACTIVE));
    CHECK_STR(default_id(), "eth1"); /* the backend's, Active again */
    CHECK_OK(qns_sim_set_default("cell"));
    CHECK_STR(default_id(), "cell");
    CHECK_OK(qns_sim_set_default("wifi"));
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_DISCOVERED));
    CHECK_STR(default_id(), "eth1"); /* tie between eth1 and eth2: creation order */
    /* Nothing Active: offline and no default. */
    CHECK_OK(qns_sim_set_state("eth1", QNS_STATE_FLAG_DEFINED));
    CHECK_OK(qns_sim_set_state("eth2", QNS_STATE_FLAG_DEFINED));
    CHECK_OK(qns_sim_set_state("cell", QNS_STATE_FLAG_DISCOVERED));
    CHECK(!qns_manager_is_online(mgr));
    CHECK_STR(default_id(), "(null)");
    /* The common idiom works on a gateway-less LAN. */
    CHECK_OK(qns_sim_set_state("eth2", QNS_STATE_FLAG_ACTIVE));
    qns_configuration *d = NULL;
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(d, NULL, &s));
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 1000));
    qns_session_free(s);
    qns_configuration_free(d);
}

/* 5: for one change, the session's signals before the manager's. */
static void item05_session_signals_before_manager_signals(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    watch_manager(&t, m); /* the same trace, so the same loop and order */
    qns_session *s = session_on(m, "eth", &t);
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "opened");
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DISCOVERED));
    EXPECT_TRACE(&t, "closed state:5 error:1 changed:eth online:0");
    CHECK_OK(qns_sim_remove("eth"));
    EXPECT_TRACE(&t, "state:0 removed:eth:0");
    qns_session_free(s);
    qns_manager_free(m);
}

/* 6: a configurationChanged still queued is not queued again; a loop that
 * delivered gets the next one. */
static void item06_changed_not_queued_twice(void) {
    trace t1 = {{0}}, t2 = {{0}};
    CHECK_OK(qns_sim_add_access_point("veth", "veth0", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED));
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    qns_manager *a = NULL, *b = NULL;
    CHECK_OK(qns_manager_new(NULL, &a));
    CHECK_OK(qns_manager_new(lp, &b));
    watch_manager(&t1, a);
    watch_manager(&t2, b);
    /* A link coming up passes a transient state: two changes, one queued. */
    CHECK_OK(qns_sim_set_state("veth", QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_state("veth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t1, "changed:veth online:1");
    CHECK_OK(qns_sim_set_name("veth", "veth-renamed"));
    EXPECT_TRACE(&t1, "changed:veth");
    CHECK_OK(qns_loop_dispatch(lp, 0, NULL));
    CHECK_STR(trace_take(&t2), "changed:veth online:1");
    qns_manager_free(a);
    qns_manager_free(b);
    qns_loop_free(lp);
}

/* 7: after newConfigurationActivated the session names the new child;
 * reject() goes back to the old one. */
static void item07_alr_names_the_new_child_after_migrate(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_interface("wifi", "wlan0", 3, "02:00:00:00:00:03", 0x27, 1500));
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED));
    CHECK_OK(qns_sim_set_interface("eth", "eth0", 2, "02:00:00:00:00:02", 0x27, 1500));
    const char *kids[] = {"eth", "wifi"};
    CHECK_OK(qns_sim_add_service_network("sn", "SN", kids, 2));
    qns_session *s = session_on(mgr, "sn", &t);
    watch_preferred(&t, s, NULL);
    CHECK_OK(qns_session_open(s));
    EXPECT_TRACE(&t, "opened");
    CHECK_STR(active_config(s), "wifi");
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "preferred:eth:0");
    CHECK_OK(qns_session_migrate(s));
    EXPECT_TRACE(&t, "state:6 activated");
    CHECK_STR(active_config(s), "eth"); /* "the application may now test the carrier" */
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_ROAMING);
    CHECK_STR(iface_name(s), "eth0");
    CHECK_OK(qns_session_reject(s));
    EXPECT_TRACE(&t, "state:3");
    CHECK_STR(active_config(s), "wifi");
    CHECK_STR(iface_name(s), "wlan0");
    /* And accept() keeps the new one. */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DEFINED));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    EXPECT_TRACE(&t, "preferred:eth:0");
    CHECK_OK(qns_session_migrate(s));
    CHECK_STR(active_config(s), "eth");
    CHECK_OK(qns_session_accept(s));
    EXPECT_TRACE(&t, "state:6 activated state:3");
    CHECK_STR(active_config(s), "eth");
    CHECK_STR(iface_name(s), "eth0");
    qns_session_free(s);
}

/* 8: AutoCloseSessionTimeout reads -1 again once it fired. */
static void item08_auto_close_resets_after_firing(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_OK(qns_session_set_property_int(s, "AutoCloseSessionTimeout", 50));
    CHECK_OK(qns_session_open(s));
    for (int i = 0; i < 200 && qns_session_is_open(s); i++)
        sleep_ms(5);
    EXPECT_TRACE(&t, "opened closed");
    int64_t v = 0;
    CHECK_OK(qns_session_property_int(s, "AutoCloseSessionTimeout", &v));
    CHECK_EQ_INT(v, -1);
    CHECK_OK(qns_session_open(s));
    sleep_ms(150);
    CHECK(qns_session_is_open(s)); /* not closed again */
    EXPECT_TRACE(&t, "opened");
    qns_session_free(s);
}

/* 9: stop() on a session that was never opened: closed() once too. */
static void item09_stop_on_a_never_opened_session(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_OK(qns_session_stop(s));
    EXPECT_TRACE(&t, "closed state:4 error:1 state:5");
    /* Nothing up to take down: closed once, then the state it is in. */
    CHECK_OK(qns_session_stop(s));
    EXPECT_TRACE(&t, "closed state:4 error:1 state:5");
    qns_session_free(s);
}

/* 10: a session on a null or removed configuration has no property value. */
static void item10_no_properties_on_null_or_removed_configuration(void) {
    const char *keys[] = {"ActiveConfiguration", "UserChoiceConfiguration", "ConnectInBackground",
                          "AutoCloseSessionTimeout", "BackendErrorMessage", "Unknown"};
    qns_session *null_session = NULL;
    CHECK_OK(qns_session_new(NULL, NULL, &null_session));
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(mgr, "eth", NULL);
    CHECK_EQ_INT(qns_session_property_type(s, "AutoCloseSessionTimeout"), QNS_PROPERTY_INT);
    CHECK_OK(qns_sim_remove("eth"));
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        CHECK_EQ_INT(qns_session_property_type(null_session, keys[k]), QNS_PROPERTY_NONE);
        CHECK_EQ_INT(qns_session_property_type(s, keys[k]), QNS_PROPERTY_NONE);
    }
    int64_t v = 0;
    CHECK_EQ_INT(qns_session_property_int(s, "AutoCloseSessionTimeout", &v), QNS_ERR_NOT_FOUND);
    qns_session_free(s);
    qns_session_free(null_session);
}

/* 11: UserChoice is exactly Discovered while anything is at least Discovered. */
static void item11_user_choice_state(void) {
    qns_configuration *uc = NULL;
    CHECK_OK(qns_manager_user_choice_configuration(mgr, &uc));
    CHECK_EQ_INT(qns_configuration_state(uc), QNS_STATE_FLAG_DEFINED);
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_EQ_INT(qns_configuration_state(uc), QNS_STATE_FLAG_DISCOVERED);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DEFINED));
    CHECK_EQ_INT(qns_configuration_state(uc), QNS_STATE_FLAG_DEFINED);
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DISCOVERED));
    CHECK_EQ_INT(qns_configuration_state(uc), QNS_STATE_FLAG_DISCOVERED);
    qns_configuration_free(uc);
}

/* 12: on the loop's thread waitForOpened always delivers the deciding
 * signals, whether or not it had to wait. */
static void item12_wait_for_opened_delivers_deciding_signals(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_add_access_point("off", "Off", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED));
    qns_session *s = session_on(mgr, "eth", &t);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 0));
    CHECK_STR(trace_take(&t), "opened"); /* before it returned */
    qns_session *f = session_on(mgr, "off", &t);
    CHECK_OK(qns_session_open(f));
    CHECK(!qns_session_wait_for_opened(f, 1000));
    CHECK_STR(trace_take(&t), "state:0 error:4");
    qns_session_free(s);
    qns_session_free(f);
}

/* 13: without DataStatistics there are no byte counters. */
static void item13_no_counters_without_data_statistics(void) {
    CHECK_OK(qns_sim_set_capabilities(QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES));
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_bytes("eth", 100, 50));
    qns_session *s = session_on(mgr, "eth", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_sim_set_bytes("eth", 900, 700));
    CHECK_EQ_INT(qns_session_bytes_received(s), 0);
    CHECK_EQ_INT(qns_session_bytes_written(s), 0);
    CHECK_OK(qns_sim_set_capabilities(QNS_CAPABILITY_DATA_STATISTICS));
    CHECK_OK(qns_sim_set_bytes("eth", 1000, 800));
    CHECK(qns_session_bytes_received(s) > 0);
    qns_session_free(s);
}

int main(void) {
    CHECK_OK(qns_manager_new(NULL, &mgr));
    RUN(item01_interface_while_connected_but_not_open);
    RUN(item02_removed_configuration_loses_its_bearer);
    RUN(item04_default_and_online_without_a_default_route);
    RUN(item05_session_signals_before_manager_signals);
    RUN(item06_changed_not_queued_twice);
    RUN(item07_alr_names_the_new_child_after_migrate);
    RUN(item08_auto_close_resets_after_firing);
    RUN(item09_stop_on_a_never_opened_session);
    RUN(item10_no_properties_on_null_or_removed_configuration);
    RUN(item11_user_choice_state);
    RUN(item12_wait_for_opened_delivers_deciding_signals);
    RUN(item13_no_counters_without_data_statistics);
    qns_manager_free(mgr);
    return finish_tests();
}
