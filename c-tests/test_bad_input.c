/* Every exported function with bad input: NULL for each pointer,
 * out-of-range integers, invalid UTF-8, unknown ids and keys, calls in the
 * wrong state. The answer is a status or Qt's documented value; no crash,
 * no leak (this program also runs under ASan and valgrind).
 * check_coverage.cmake fails when a function in the header is not named here. */
#include "qns_test.h"

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

static const char BAD_UTF8[] = "\xff\xfe\x80";

static void noop_cb(void *ud, qns_session *s) { (void)ud, (void)s; }
static void state_cb(void *ud, qns_session *s, int v) { (void)ud, (void)s, (void)v; }
static void preferred_cb(void *ud, qns_session *s, const qns_configuration *c, bool b) { (void)ud, (void)s, (void)c, (void)b; }
static void usage_cb(void *ud, qns_session *s, unsigned v) { (void)ud, (void)s, (void)v; }
static void cfg_cb(void *ud, qns_manager *m, const qns_configuration *c) { (void)ud, (void)m, (void)c; }
static void online_cb(void *ud, qns_manager *m, bool b) { (void)ud, (void)m, (void)b; }
static void mgr_cb(void *ud, qns_manager *m) { (void)ud, (void)m; }
static void value_cb(void *ud, qns_manager *m, int v) { (void)ud, (void)m, (void)v; }

static void globals(void) {
    CHECK_STR(qns_status_str(99), "unknown status");
    CHECK(qns_version() != NULL);
    CHECK_EQ_INT(qns_select_backend(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_select_backend(BAD_UTF8), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_select_backend("netlink-that-is-not-here"), QNS_ERR_UNKNOWN_BACKEND);
    CHECK_STR(qns_backend_name(), "simulated");
    /* The chosen backend runs, so there is no reason to report. */
    size_t need = 99;
    CHECK_OK(qns_backend_error(NULL, 0, &need));
    CHECK_EQ_INT(need, 0);
    CHECK_EQ_INT(qns_backend_error(NULL, 5, NULL), QNS_ERR_NULL_ARGUMENT);
    char small[1] = {'x'};
    CHECK_OK(qns_backend_error(small, sizeof small, NULL));
    CHECK_EQ_INT(small[0], 0);
    CHECK_EQ_INT(qns_disconnect(0), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_disconnect(UINT64_MAX), QNS_ERR_NOT_FOUND);
}

static void loops(void) {
    CHECK_EQ_INT(qns_loop_new(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_loop_new_threaded(NULL), QNS_ERR_NULL_ARGUMENT);
    qns_loop_free(NULL);
    CHECK(qns_loop_default() != NULL);
    CHECK(qns_loop_fd(NULL) >= 0);
    CHECK_EQ_INT(qns_loop_dispatch(NULL, -7, NULL), QNS_ERR_INVALID_ARGUMENT);
    CHECK_OK(qns_loop_dispatch(NULL, 0, NULL));
    CHECK_EQ_INT(qns_loop_pending(NULL), 0);
    /* quit before run: run returns at once. */
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    CHECK_OK(qns_loop_quit(lp));
    CHECK_OK(qns_loop_run(lp));
    qns_loop_free(lp);
}

static void configurations(void) {
    char buf[8];
    size_t need = 0;
    CHECK(qns_configuration_clone(NULL) == NULL);
    qns_configuration_free(NULL);
    CHECK(qns_configuration_equal(NULL, NULL));
    CHECK_OK(qns_configuration_name(NULL, buf, sizeof buf, &need));
    CHECK_OK(qns_configuration_name(NULL, NULL, 0, NULL));
    CHECK_EQ_INT(qns_configuration_identifier(NULL, NULL, 3, &need), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_configuration_type(NULL), QNS_TYPE_INVALID);
    CHECK_EQ_INT(qns_configuration_state(NULL), QNS_STATE_FLAG_UNDEFINED);
    CHECK_EQ_INT(qns_configuration_purpose(NULL), QNS_PURPOSE_UNKNOWN);
    CHECK_EQ_INT(qns_configuration_bearer_type(NULL), QNS_BEARER_UNKNOWN);
    CHECK_EQ_INT(qns_configuration_bearer_type_family(NULL), QNS_BEARER_UNKNOWN);
    CHECK_STR(qns_configuration_bearer_type_name(NULL), "");
    CHECK(!qns_configuration_is_valid(NULL));
    CHECK(!qns_configuration_is_roaming_available(NULL));
    CHECK_EQ_INT(qns_configuration_connect_timeout(NULL), 30000);
    CHECK(!qns_configuration_set_connect_timeout(NULL, 1));
    CHECK_EQ_INT(qns_configuration_children(NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_configuration_list_size(NULL), 0);
    CHECK(qns_configuration_list_get(NULL, 0) == NULL);
    CHECK(qns_configuration_list_get(NULL, SIZE_MAX) == NULL);
    qns_configuration_list_free(NULL);
}

static void managers(void) {
    CHECK_EQ_INT(qns_manager_set_loop(NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    qns_manager *m = NULL;
    qns_configuration *c = NULL;
    qns_configuration_list *l = NULL;
    CHECK_EQ_INT(qns_manager_new(NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    qns_manager_free(NULL);
    CHECK_EQ_INT(qns_manager_all_configurations(NULL, 0, &l), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_configuration_from_identifier(NULL, "x", &c), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_default_configuration(NULL, &c), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_user_choice_configuration(NULL, &c), QNS_ERR_NULL_ARGUMENT);
    CHECK(!qns_manager_is_online(NULL));
    CHECK_EQ_INT(qns_manager_capabilities(NULL), 0);
    CHECK_EQ_INT(qns_manager_update_configurations(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_configuration_added(NULL, cfg_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_configuration_removed(NULL, cfg_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_configuration_changed(NULL, cfg_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_online_state_changed(NULL, online_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_update_completed(NULL, mgr_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);

    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_EQ_INT(qns_manager_all_configurations(m, 0, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_all_configurations(m, 0x10, &l), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_manager_all_configurations(m, 0xFFFFFFFFu, &l), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_manager_configuration_from_identifier(m, NULL, &c), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_configuration_from_identifier(m, BAD_UTF8, &c), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_manager_configuration_from_identifier(m, "x", NULL), QNS_ERR_NULL_ARGUMENT);
    c = (qns_configuration *)1;
    CHECK_OK(qns_manager_configuration_from_identifier(m, "unknown", &c));
    CHECK(c == NULL);
    CHECK_EQ_INT(qns_manager_default_configuration(m, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_user_choice_configuration(m, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_configuration_added(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_configuration_removed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_configuration_changed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_online_state_changed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_update_completed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    qns_manager_free(m);
}

/* SPEC §8: QNetworkInformation's values and the connectivity check. */
static void network_information(void) {
    CHECK_EQ_INT(qns_manager_reachability(NULL), QNS_REACHABILITY_UNKNOWN);
    CHECK(!qns_manager_is_behind_captive_portal(NULL));
    CHECK_EQ_INT(qns_manager_transport_medium(NULL), QNS_TRANSPORT_UNKNOWN);
    CHECK(!qns_manager_is_metered(NULL));
    CHECK_EQ_INT(qns_manager_on_reachability_changed(NULL, value_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_captive_portal_changed(NULL, online_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_transport_medium_changed(NULL, value_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_metered_changed(NULL, online_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(NULL, "http://192.0.2.1/", NULL), QNS_ERR_NULL_ARGUMENT);
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_EQ_INT(qns_manager_on_reachability_changed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_captive_portal_changed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_transport_medium_changed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_manager_on_metered_changed(m, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    /* URLs: a status for each kind of wrong, never a hang. */
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "https://example.com/", NULL), QNS_ERR_UNSUPPORTED);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "ftp://example.com/", NULL), QNS_ERR_UNSUPPORTED);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "example.com", NULL), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "http://", NULL), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "http://a b/", NULL), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "http://h:99999/", NULL), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "http://u:p@h/", NULL), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, BAD_UTF8, NULL), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_manager_set_connectivity_check(m, "http://h/", BAD_UTF8), QNS_ERR_INVALID_UTF8);
    /* Valid ones, and off again (the simulated backend has no check). */
    CHECK_OK(qns_manager_set_connectivity_check(m, "http://192.0.2.1:8080/generate_204", NULL));
    CHECK_OK(qns_manager_set_connectivity_check(m, "http://[2001:db8::1]/x", "ok"));
    CHECK_OK(qns_manager_set_connectivity_check(m, NULL, NULL));
    CHECK_OK(qns_manager_set_connectivity_check(m, "", NULL));
    qns_manager_free(m);
}

static void sessions(void) {
    qns_session *s = NULL;
    char buf[8];
    bool b;
    int64_t i;
    qns_configuration *c = NULL;
    qns_interface *itf = NULL;
    CHECK_EQ_INT(qns_session_new(NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    qns_session_free(NULL);
    CHECK_EQ_INT(qns_session_open(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_close(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_stop(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_migrate(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_ignore(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_accept(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_reject(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK(!qns_session_wait_for_opened(NULL, 10));
    CHECK_EQ_INT(qns_session_set_loop(NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_state(NULL), QNS_STATE_INVALID);
    CHECK(!qns_session_is_open(NULL));
    CHECK_EQ_INT(qns_session_error(NULL), QNS_SESSION_ERROR_INVALID_CONFIGURATION);
    CHECK_STR(qns_session_error_string(NULL), "Invalid configuration.");
    CHECK_EQ_INT(qns_session_configuration(NULL, &c), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_interface(NULL, &itf), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_active_time(NULL), 0);
    CHECK_EQ_INT(qns_session_bytes_received(NULL), 0);
    CHECK_EQ_INT(qns_session_bytes_written(NULL), 0);
    CHECK_EQ_INT(qns_session_usage_policies(NULL), 0);
    CHECK_EQ_INT(qns_session_property_type(NULL, "ActiveConfiguration"), QNS_PROPERTY_NONE);
    CHECK_EQ_INT(qns_session_property_bool(NULL, "ConnectInBackground", &b), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_property_int(NULL, "AutoCloseSessionTimeout", &i), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_property_string(NULL, "ActiveConfiguration", buf, 8, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_set_property_bool(NULL, "ConnectInBackground", true), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_set_property_int(NULL, "AutoCloseSessionTimeout", 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_clear_property(NULL, "ConnectInBackground"), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_state_changed(NULL, state_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_opened(NULL, noop_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_closed(NULL, noop_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_error(NULL, state_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_preferred_configuration_changed(NULL, preferred_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_new_configuration_activated(NULL, noop_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_usage_policies_changed(NULL, usage_cb, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);

    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    s = session_on(m, "eth", NULL);
    CHECK(!qns_session_wait_for_opened(s, -2));
    CHECK_EQ_INT(qns_session_configuration(s, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_interface(s, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_property_type(s, NULL), QNS_PROPERTY_NONE);
    CHECK_EQ_INT(qns_session_property_type(s, BAD_UTF8), QNS_PROPERTY_NONE);
    CHECK_EQ_INT(qns_session_property_bool(s, NULL, &b), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_property_bool(s, BAD_UTF8, &b), QNS_ERR_INVALID_UTF8);
    CHECK_OK(qns_session_set_property_bool(s, "ConnectInBackground", true));
    CHECK_EQ_INT(qns_session_property_bool(s, "ConnectInBackground", NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_property_int(s, "AutoCloseSessionTimeout", NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_property_string(s, "ActiveConfiguration", NULL, 3, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_property_string(s, "AutoCloseSessionTimeout", buf, 8, NULL), QNS_ERR_WRONG_TYPE);
    CHECK_EQ_INT(qns_session_set_property_int(s, NULL, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_set_property_int(s, BAD_UTF8, 1), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_session_clear_property(s, "Bogus"), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_session_on_state_changed(s, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_opened(s, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_closed(s, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_error(s, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_preferred_configuration_changed(s, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_new_configuration_activated(s, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_session_on_usage_policies_changed(s, NULL, NULL, NULL, NULL), QNS_ERR_NULL_ARGUMENT);
    /* Extreme values: an auto-close timer and a connect timeout far away. */
    CHECK_OK(qns_session_set_property_int(s, "AutoCloseSessionTimeout", INT64_MAX));
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_is_open(s));
    CHECK_OK(qns_session_close(s));
    CHECK_OK(qns_session_clear_property(s, "AutoCloseSessionTimeout"));
    qns_configuration *far = lookup(m, "eth");
    CHECK(qns_configuration_set_connect_timeout(far, INT32_MAX));
    CHECK_EQ_INT(qns_configuration_connect_timeout(far), INT32_MAX);
    CHECK(qns_configuration_set_connect_timeout(far, 30000));
    qns_configuration_free(far);
    /* Roaming calls in the wrong state change nothing. */
    CHECK_EQ_INT(qns_session_migrate(s), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_ignore(s), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_accept(s), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_reject(s), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_CONNECTED);
    /* A session on a removed configuration is inert. */
    qns_configuration *eth = lookup(m, "eth");
    CHECK_OK(qns_sim_remove("eth"));
    qns_session *stale = NULL;
    CHECK_OK(qns_session_new(eth, NULL, &stale));
    CHECK_EQ_INT(qns_session_state(stale), QNS_STATE_INVALID);
    CHECK_STR(qns_session_error_string(stale), "Invalid configuration.");
    qns_session_free(stale);
    qns_configuration_free(eth);
    qns_session_free(s);
    qns_manager_free(m);
}

static void interfaces(void) {
    char buf[8];
    int prefix;
    qns_interface_free(NULL);
    CHECK(!qns_interface_is_valid(NULL));
    CHECK_OK(qns_interface_name(NULL, buf, sizeof buf, NULL));
    CHECK_STR(buf, "");
    CHECK_OK(qns_interface_hardware_address(NULL, buf, sizeof buf, NULL));
    CHECK_EQ_INT(qns_interface_index(NULL), 0);
    CHECK_EQ_INT(qns_interface_flags(NULL), 0);
    CHECK_EQ_INT(qns_interface_mtu(NULL), 0);
    CHECK_EQ_INT(qns_interface_address_count(NULL), 0);
    CHECK_EQ_INT(qns_interface_address(NULL, 0, buf, sizeof buf, NULL, &prefix), QNS_ERR_NULL_ARGUMENT);
}

/* qns_session_bind_socket: bad fds, families and states. The backend here
 * is simulated, so its interfaces are names the kernel may not know. */
static void sockets(void) {
    int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(tcp >= 0);
    CHECK_EQ_INT(qns_session_bind_socket(NULL, tcp), QNS_ERR_NULL_ARGUMENT);
    qns_session *inert = NULL;
    CHECK_OK(qns_session_new(NULL, NULL, &inert));
    CHECK_EQ_INT(qns_session_bind_socket(inert, tcp), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_session_bind_socket(inert, -1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_session_bind_socket(inert, INT_MIN), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_session_bind_socket(inert, INT_MAX), QNS_ERR_INVALID_ARGUMENT);
    int closed = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    close(closed);
    errno = 0;
    CHECK_EQ_INT(qns_session_bind_socket(inert, closed), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(errno, EBADF);
    int p[2];
    CHECK_EQ_INT(pipe(p), 0);
    errno = 0;
    CHECK_EQ_INT(qns_session_bind_socket(inert, p[0]), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(errno, ENOTSOCK);
    close(p[0]);
    close(p[1]);
    int local = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_EQ_INT(qns_session_bind_socket(inert, local), QNS_ERR_WRONG_TYPE);
    close(local);
    qns_session_free(inert);

    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    /* Active, but not open; then open without an interface. */
    CHECK_OK(qns_sim_add_access_point("noif", "No interface", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_session *s = session_on(m, "noif", NULL);
    CHECK_EQ_INT(qns_session_bind_socket(s, tcp), QNS_ERR_WRONG_STATE);
    CHECK_OK(qns_session_open(s));
    CHECK_EQ_INT(qns_session_bind_socket(s, tcp), QNS_ERR_WRONG_STATE);
    /* An empty name would unbind: refused. Names the kernel does not know,
     * short or too long for it: the kernel's ENODEV. */
    CHECK_OK(qns_sim_set_interface("noif", "", 0, NULL, 0, 1500));
    CHECK_EQ_INT(qns_session_bind_socket(s, tcp), QNS_ERR_WRONG_STATE);
    CHECK_OK(qns_sim_set_interface("noif", "qnsghost0", 4242, NULL, 0, 1500));
    errno = 0;
    CHECK_EQ_INT(qns_session_bind_socket(s, tcp), QNS_ERR_SYSTEM);
    CHECK_EQ_INT(errno, ENODEV);
    CHECK_OK(qns_sim_set_interface("noif", "lo-but-far-too-long-for-a-kernel", 1, NULL, 0, 1500));
    errno = 0;
    CHECK_EQ_INT(qns_session_bind_socket(s, tcp), QNS_ERR_SYSTEM);
    CHECK_EQ_INT(errno, ENODEV);
    /* A name the kernel knows: bound (to the device, or as a fallback to
     * the address), for both families. */
    CHECK_OK(qns_sim_set_interface("noif", "lo", 1, NULL, 0, 65536));
    CHECK_OK(qns_sim_add_interface_address("noif", "127.0.0.1", 8));
    CHECK_OK(qns_sim_add_interface_address("noif", "::1", 128));
    CHECK_OK(qns_session_bind_socket(s, tcp));
    int udp6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(s, udp6));
    close(udp6);
    /* Closed, but its configuration is Active: the session is Connected,
     * as Qt's state says, and interface() names it: so it binds. */
    CHECK_OK(qns_session_close(s));
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_CONNECTED);
    int again = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(s, again));
    close(again);
    /* Not Connected (the interface lost its carrier): nothing to bind to. */
    CHECK_OK(qns_sim_set_state("noif", QNS_STATE_FLAG_DEFINED));
    again = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_EQ_INT(qns_session_bind_socket(s, again), QNS_ERR_WRONG_STATE);
    close(again);
    close(tcp);
    qns_session_free(s);
    qns_manager_free(m);
}

static void simulation(void) {
    const char *kids[] = {"a", NULL};
    CHECK_EQ_INT(qns_sim_add_access_point(NULL, "n", 0, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_access_point("a", NULL, 0, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_access_point(BAD_UTF8, "n", 0, 1), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_sim_add_access_point("a", "n", 13, 1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_access_point("a", "n", -1, 1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_access_point("a", "n", 0, 0x4), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_access_point("a", "n", 0, 0), QNS_ERR_INVALID_ARGUMENT);
    CHECK_OK(qns_sim_add_access_point("a", "n", 0, 1));
    CHECK_EQ_INT(qns_sim_add_access_point("a", "n", 0, 1), QNS_ERR_ALREADY_EXISTS);
    CHECK_EQ_INT(qns_sim_add_access_point("UserChoice", "n", 0, 1), QNS_ERR_ALREADY_EXISTS);
    CHECK_EQ_INT(qns_sim_add_service_network("sn", "n", NULL, 2), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_service_network("sn", "n", kids, 2), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_service_network(NULL, "n", kids, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_OK(qns_sim_add_service_network("sn", "n", NULL, 0));
    CHECK_EQ_INT(qns_sim_set_children(NULL, kids, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_children("a", kids, 1), QNS_ERR_WRONG_TYPE);
    CHECK_EQ_INT(qns_sim_set_children("zz", kids, 1), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_sim_remove(NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_remove("zz"), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_sim_set_state(NULL, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_state("a", 7), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_state("sn", 0xE), QNS_ERR_WRONG_TYPE);
    CHECK_EQ_INT(qns_sim_set_state("zz", 0xE), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_sim_set_name("a", NULL), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_name("a", BAD_UTF8), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_sim_set_name("zz", "x"), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_sim_set_bearer(NULL, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_bearer("a", 100), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_purpose(NULL, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_purpose("a", 4), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_purpose("a", -1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_metered(NULL, true), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_metered("zz", true), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_sim_set_roaming_available(NULL, true), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_start_behavior(NULL, 0, 0, 0), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_start_behavior("a", 4, 0, 0), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_start_behavior("a", QNS_SIM_START_DELAY, -5, 0), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_start_behavior("a", QNS_SIM_START_FAIL, 0, 5), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_start_behavior("sn", 0, 0, 0), QNS_ERR_WRONG_TYPE);
    CHECK_EQ_INT(qns_sim_set_bytes(NULL, 1, 1), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_bytes("zz", 1, 1), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_sim_set_interface(NULL, "x", 1, NULL, 0, 1500), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_interface("a", "x", -1, NULL, 0, 1500), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_interface("a", "x", 1, NULL, 0x40, 1500), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_interface("a", "x", 1, BAD_UTF8, 0, 1500), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_sim_set_interface("sn", "x", 1, NULL, 0, 1500), QNS_ERR_WRONG_TYPE);
    CHECK_OK(qns_sim_set_interface("a", NULL, 0, NULL, 0, 0));
    CHECK_EQ_INT(qns_sim_add_interface_address("a", "10.0.0.1", 8), QNS_ERR_NOT_FOUND);
    CHECK_EQ_INT(qns_sim_add_interface_address(NULL, "10.0.0.1", 8), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_interface_address("a", NULL, 8), QNS_ERR_NULL_ARGUMENT);
    CHECK_EQ_INT(qns_sim_add_interface_address("a", "10.0.0.1", -1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_default(BAD_UTF8), QNS_ERR_INVALID_UTF8);
    CHECK_EQ_INT(qns_sim_set_default("zz"), QNS_ERR_NOT_FOUND);
    CHECK_OK(qns_sim_set_default(NULL));
    CHECK_EQ_INT(qns_sim_set_capabilities(0x80), QNS_ERR_INVALID_ARGUMENT);
    CHECK_OK(qns_sim_set_capabilities(0x7F));
    CHECK_OK(qns_sim_set_default("UserChoice"));
    CHECK_EQ_INT(qns_sim_set_reachability(-1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_reachability(5), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_reachability(INT_MIN), QNS_ERR_INVALID_ARGUMENT);
    CHECK_OK(qns_sim_set_reachability(QNS_REACHABILITY_ONLINE));
    CHECK_OK(qns_sim_set_captive_portal(true));
    CHECK_EQ_INT(qns_sim_set_transport_medium(-1), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_transport_medium(5), QNS_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(qns_sim_set_transport_medium(INT_MAX), QNS_ERR_INVALID_ARGUMENT);
    CHECK_OK(qns_sim_set_transport_medium(QNS_TRANSPORT_BLUETOOTH));
    CHECK_OK(qns_sim_set_network_metered(true));
    CHECK_OK(qns_sim_reset());
}

int main(void) {
    RUN(globals);
    RUN(loops);
    RUN(configurations);
    RUN(managers);
    RUN(network_information);
    RUN(sessions);
    RUN(interfaces);
    RUN(sockets);
    RUN(simulation);
    return finish_tests();
}
