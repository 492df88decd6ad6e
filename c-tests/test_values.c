/* SPEC §1 numbers and strings, §2 configuration value semantics. */
#include "qns_test.h"

static void numbers_are_qts(void) {
    CHECK_EQ_INT(QNS_STATE_INVALID, 0);
    CHECK_EQ_INT(QNS_STATE_NOT_AVAILABLE, 1);
    CHECK_EQ_INT(QNS_STATE_CONNECTING, 2);
    CHECK_EQ_INT(QNS_STATE_CONNECTED, 3);
    CHECK_EQ_INT(QNS_STATE_CLOSING, 4);
    CHECK_EQ_INT(QNS_STATE_DISCONNECTED, 5);
    CHECK_EQ_INT(QNS_STATE_ROAMING, 6);
    CHECK_EQ_INT(QNS_SESSION_ERROR_UNKNOWN, 0);
    CHECK_EQ_INT(QNS_SESSION_ERROR_ABORTED, 1);
    CHECK_EQ_INT(QNS_SESSION_ERROR_ROAMING, 2);
    CHECK_EQ_INT(QNS_SESSION_ERROR_OPERATION_NOT_SUPPORTED, 3);
    CHECK_EQ_INT(QNS_SESSION_ERROR_INVALID_CONFIGURATION, 4);
    CHECK_EQ_INT(QNS_USAGE_POLICY_NO_POLICY, 0);
    CHECK_EQ_INT(QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC, 1);
    CHECK_EQ_INT(QNS_TYPE_INTERNET_ACCESS_POINT, 0);
    CHECK_EQ_INT(QNS_TYPE_SERVICE_NETWORK, 1);
    CHECK_EQ_INT(QNS_TYPE_USER_CHOICE, 2);
    CHECK_EQ_INT(QNS_TYPE_INVALID, 3);
    CHECK_EQ_INT(QNS_PURPOSE_UNKNOWN, 0);
    CHECK_EQ_INT(QNS_PURPOSE_PUBLIC, 1);
    CHECK_EQ_INT(QNS_PURPOSE_PRIVATE, 2);
    CHECK_EQ_INT(QNS_PURPOSE_SERVICE_SPECIFIC, 3);
    CHECK_EQ_INT(QNS_STATE_FLAG_UNDEFINED, 0x1);
    CHECK_EQ_INT(QNS_STATE_FLAG_DEFINED, 0x2);
    CHECK_EQ_INT(QNS_STATE_FLAG_DISCOVERED, 0x6);
    CHECK_EQ_INT(QNS_STATE_FLAG_ACTIVE, 0xE);
    CHECK_EQ_INT(QNS_BEARER_UNKNOWN, 0);
    CHECK_EQ_INT(QNS_BEARER_ETHERNET, 1);
    CHECK_EQ_INT(QNS_BEARER_WLAN, 2);
    CHECK_EQ_INT(QNS_BEARER_2G, 3);
    CHECK_EQ_INT(QNS_BEARER_CDMA2000, 4);
    CHECK_EQ_INT(QNS_BEARER_WCDMA, 5);
    CHECK_EQ_INT(QNS_BEARER_HSPA, 6);
    CHECK_EQ_INT(QNS_BEARER_BLUETOOTH, 7);
    CHECK_EQ_INT(QNS_BEARER_WIMAX, 8);
    CHECK_EQ_INT(QNS_BEARER_EVDO, 9);
    CHECK_EQ_INT(QNS_BEARER_LTE, 10);
    CHECK_EQ_INT(QNS_BEARER_3G, 11);
    CHECK_EQ_INT(QNS_BEARER_4G, 12);
    CHECK_EQ_INT(QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES, 0x01);
    CHECK_EQ_INT(QNS_CAPABILITY_DIRECT_CONNECTION_ROUTING, 0x02);
    CHECK_EQ_INT(QNS_CAPABILITY_SYSTEM_SESSION_SUPPORT, 0x04);
    CHECK_EQ_INT(QNS_CAPABILITY_APPLICATION_LEVEL_ROAMING, 0x08);
    CHECK_EQ_INT(QNS_CAPABILITY_FORCED_ROAMING, 0x10);
    CHECK_EQ_INT(QNS_CAPABILITY_DATA_STATISTICS, 0x20);
    CHECK_EQ_INT(QNS_CAPABILITY_NETWORK_SESSION_REQUIRED, 0x40);
}

/* Each bearer's name and family, read back through a real configuration. */
static void bearer_names_and_families(void) {
    static const char *names[] = {"Unknown", "Ethernet", "WLAN", "2G", "CDMA2000", "WCDMA", "HSPA",
                                  "Bluetooth", "WiMAX", "EVDO", "LTE", "3G", "4G"};
    static const int families[] = {0, 1, 2, 3, 11, 11, 11, 7, 12, 11, 12, 11, 12};
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_OK(qns_sim_add_access_point("ap", "AP", QNS_BEARER_UNKNOWN, QNS_STATE_FLAG_DEFINED));
    qns_configuration *c = lookup(m, "ap");
    for (int b = 0; b <= 12; b++) {
        CHECK_OK(qns_sim_set_bearer("ap", b));
        CHECK_EQ_INT(qns_configuration_bearer_type(c), b);
        CHECK_STR(qns_configuration_bearer_type_name(c), names[b]);
        CHECK_EQ_INT(qns_configuration_bearer_type_family(c), families[b]);
    }
    const char *kids[] = {"ap"};
    CHECK_OK(qns_sim_add_service_network("sn", "SN", kids, 1));
    qns_configuration *sn = lookup(m, "sn");
    CHECK_STR(qns_configuration_bearer_type_name(sn), "");
    CHECK_EQ_INT(qns_configuration_bearer_type(sn), QNS_BEARER_UNKNOWN);
    qns_configuration *uc = NULL;
    CHECK_OK(qns_manager_user_choice_configuration(m, &uc));
    CHECK_EQ_INT(qns_configuration_type(uc), QNS_TYPE_USER_CHOICE);
    CHECK_STR(qns_configuration_bearer_type_name(uc), "");
    CHECK_STR(qns_configuration_bearer_type_name(NULL), "");
    qns_configuration_free(uc);
    qns_configuration_free(sn);
    qns_configuration_free(c);
    qns_manager_free(m);
}

static void error_strings_are_byte_identical(void) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    /* A session on the null configuration. */
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(NULL, NULL, &s));
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_INVALID);
    CHECK_EQ_INT(qns_session_error(s), QNS_SESSION_ERROR_INVALID_CONFIGURATION);
    CHECK_STR(qns_session_error_string(s), "Invalid configuration.");
    qns_session_free(s);

    CHECK_OK(qns_sim_add_access_point("ap", "AP", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_add_access_point("down", "Down", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED));
    s = session_on(m, "ap", NULL);
    CHECK_EQ_INT(qns_session_error(s), QNS_SESSION_ERROR_UNKNOWN);
    CHECK_STR(qns_session_error_string(s), "Unknown session error.");
    CHECK_OK(qns_sim_set_capabilities(0));
    CHECK_OK(qns_session_stop(s));
    CHECK_EQ_INT(qns_session_error(s), QNS_SESSION_ERROR_OPERATION_NOT_SUPPORTED);
    CHECK_STR(qns_session_error_string(s), "The requested operation is not supported by the system.");
    qns_session_free(s);

    s = session_on(m, "down", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK_EQ_INT(qns_session_error(s), QNS_SESSION_ERROR_INVALID_CONFIGURATION);
    CHECK_STR(qns_session_error_string(s), "The specified configuration cannot be used.");
    qns_session_free(s);

    CHECK_OK(qns_sim_set_capabilities(QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES));
    s = session_on(m, "ap", NULL);
    qns_session *other = session_on(m, "ap", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_session_open(other));
    CHECK_OK(qns_session_stop(s));
    CHECK_EQ_INT(qns_session_error(other), QNS_SESSION_ERROR_ABORTED);
    CHECK_STR(qns_session_error_string(other), "The session was aborted by the user or system.");
    qns_session_free(other);
    qns_session_free(s);
    qns_manager_free(m);
}

/* SPEC §2: the null configuration. */
static void null_configuration(void) {
    char buf[16] = "x";
    size_t need = 99;
    CHECK_OK(qns_configuration_name(NULL, buf, sizeof buf, &need));
    CHECK_STR(buf, "");
    CHECK_EQ_INT(need, 0);
    CHECK_OK(qns_configuration_identifier(NULL, buf, sizeof buf, &need));
    CHECK_STR(buf, "");
    CHECK_EQ_INT(qns_configuration_type(NULL), QNS_TYPE_INVALID);
    CHECK_EQ_INT(qns_configuration_state(NULL), QNS_STATE_FLAG_UNDEFINED);
    CHECK(!qns_configuration_is_valid(NULL));
    CHECK_EQ_INT(qns_configuration_connect_timeout(NULL), 30000);
    CHECK(!qns_configuration_set_connect_timeout(NULL, 5));
    CHECK_EQ_INT(qns_configuration_purpose(NULL), QNS_PURPOSE_UNKNOWN);
    CHECK(!qns_configuration_is_roaming_available(NULL));
    CHECK(qns_configuration_equal(NULL, NULL));
    CHECK(qns_configuration_clone(NULL) == NULL);
    qns_configuration_list *kids = NULL;
    CHECK_OK(qns_configuration_children(NULL, &kids));
    CHECK_EQ_INT(qns_configuration_list_size(kids), 0);
    qns_configuration_list_free(kids);
}

/* SPEC §2: live shared records, identity equality, removal and re-adding. */
static void live_records_and_identity(void) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_OK(qns_sim_add_access_point("eth", "Wired", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DISCOVERED));
    qns_configuration *a = lookup(m, "eth");
    qns_configuration *b = lookup(m, "eth");
    qns_configuration *c = qns_configuration_clone(a);
    CHECK(qns_configuration_equal(a, b));
    CHECK(qns_configuration_equal(a, c));
    CHECK(!qns_configuration_equal(a, NULL));
    CHECK_EQ_INT(qns_configuration_type(a), QNS_TYPE_INTERNET_ACCESS_POINT);

    /* Every handle sees a change at once. */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_set_name("eth", "Office"));
    CHECK_EQ_INT(qns_configuration_state(b), QNS_STATE_FLAG_ACTIVE);
    char name[32];
    CHECK_OK(qns_configuration_name(c, name, sizeof name, NULL));
    CHECK_STR(name, "Office");

    /* connectTimeout is shared by all handles. */
    CHECK_EQ_INT(qns_configuration_connect_timeout(a), 30000);
    CHECK(qns_configuration_set_connect_timeout(a, 1234));
    CHECK_EQ_INT(qns_configuration_connect_timeout(b), 1234);
    CHECK(!qns_configuration_set_connect_timeout(a, -1));
    CHECK_EQ_INT(qns_configuration_connect_timeout(b), 1234);

    /* Removal: invalid, but name, id and last state stay. */
    CHECK_OK(qns_sim_remove("eth"));
    CHECK(!qns_configuration_is_valid(a));
    CHECK_OK(qns_configuration_name(a, name, sizeof name, NULL));
    CHECK_STR(name, "Office");
    CHECK_STR(cfg_id(b), "eth");
    CHECK_EQ_INT(qns_configuration_state(c), QNS_STATE_FLAG_ACTIVE);
    qns_configuration *gone = lookup(m, "eth");
    CHECK(gone == NULL);

    /* Re-added under the same id: a different record. */
    CHECK_OK(qns_sim_add_access_point("eth", "Wired", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_configuration *again = lookup(m, "eth");
    CHECK(again != NULL);
    CHECK(!qns_configuration_equal(a, again));
    CHECK(qns_configuration_is_valid(again));
    CHECK(!qns_configuration_is_valid(a));

    qns_configuration_free(again);
    qns_configuration_free(a);
    qns_configuration_free(b);
    qns_configuration_free(c);
    qns_manager_free(m);
}

/* children() in priority order as live handles; isRoamingAvailable. */
static void service_network_children(void) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_add_access_point("lte", "LTE", QNS_BEARER_LTE, QNS_STATE_FLAG_ACTIVE));
    const char *one[] = {"wifi"};
    CHECK_OK(qns_sim_add_service_network("sn", "Internet", one, 1));
    qns_configuration *sn = lookup(m, "sn");
    CHECK_EQ_INT(qns_configuration_type(sn), QNS_TYPE_SERVICE_NETWORK);
    CHECK(!qns_configuration_is_roaming_available(sn));
    CHECK_EQ_INT(qns_configuration_state(sn), QNS_STATE_FLAG_DISCOVERED);

    const char *two[] = {"lte", "wifi"};
    CHECK_OK(qns_sim_set_children("sn", two, 2));
    CHECK(qns_configuration_is_roaming_available(sn));
    CHECK_EQ_INT(qns_configuration_state(sn), QNS_STATE_FLAG_ACTIVE);
    qns_configuration_list *kids = NULL;
    CHECK_OK(qns_configuration_children(sn, &kids));
    CHECK_EQ_INT(qns_configuration_list_size(kids), 2);
    CHECK_STR(cfg_id(qns_configuration_list_get(kids, 0)), "lte");
    CHECK_STR(cfg_id(qns_configuration_list_get(kids, 1)), "wifi");
    CHECK(qns_configuration_list_get(kids, 2) == NULL);
    qns_configuration *wifi = lookup(m, "wifi");
    CHECK(qns_configuration_equal(qns_configuration_list_get(kids, 1), wifi));
    /* Live: a child's change shows through the list's handle. */
    CHECK_OK(qns_sim_set_state("wifi", QNS_STATE_FLAG_ACTIVE));
    CHECK_EQ_INT(qns_configuration_state(qns_configuration_list_get(kids, 1)), QNS_STATE_FLAG_ACTIVE);
    qns_configuration_list_free(kids);

    /* Access points have no children. */
    CHECK_OK(qns_configuration_children(wifi, &kids));
    CHECK_EQ_INT(qns_configuration_list_size(kids), 0);
    qns_configuration_list_free(kids);
    CHECK_OK(qns_sim_set_roaming_available("wifi", true));
    CHECK(qns_configuration_is_roaming_available(wifi));
    qns_configuration_free(wifi);
    qns_configuration_free(sn);
    qns_manager_free(m);
}

static void strings_follow_snprintf(void) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_OK(qns_sim_add_access_point("id-1", "A long name", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_configuration *c = lookup(m, "id-1");
    size_t need = 0;
    CHECK_OK(qns_configuration_name(c, NULL, 0, &need));
    CHECK_EQ_INT(need, 11);
    char small[5];
    CHECK_EQ_INT(qns_configuration_name(c, small, sizeof small, &need), QNS_ERR_BUFFER_TOO_SMALL);
    CHECK_STR(small, "A lo");
    CHECK_EQ_INT(need, 11);
    char exact[12];
    CHECK_OK(qns_configuration_name(c, exact, sizeof exact, NULL));
    CHECK_STR(exact, "A long name");
    CHECK_EQ_INT(qns_configuration_name(c, NULL, 4, &need), QNS_ERR_NULL_ARGUMENT);
    qns_configuration_free(c);
    qns_manager_free(m);
}

static void version_and_status_texts(void) {
    CHECK_STR(qns_version(), "0.1.0");
    CHECK_STR(qns_status_str(QNS_OK), "ok");
    CHECK_STR(qns_status_str(QNS_ERR_NULL_ARGUMENT), "a required pointer argument was NULL");
    CHECK_STR(qns_status_str(-5), "unknown status");
    CHECK_STR(qns_status_str(1000), "unknown status");
    CHECK_STR(qns_backend_name(), "simulated");
    CHECK_OK(qns_select_backend("simulated"));
    CHECK_EQ_INT(qns_select_backend("nonsense"), QNS_ERR_UNKNOWN_BACKEND);
}

int main(void) {
    RUN(numbers_are_qts);
    RUN(bearer_names_and_families);
    RUN(error_strings_are_byte_identical);
    RUN(null_configuration);
    RUN(live_records_and_identity);
    RUN(service_network_children);
    RUN(strings_follow_snprintf);
    RUN(version_and_status_texts);
    return finish_tests();
}
