/* The netlink backend against a real kernel, in a private network namespace
 * (needs root; skipped with exit code 77 elsewhere). veth pairs and ifb
 * devices stand in for hardware: this kernel has no dummy link type.
 * SPEC §6 and §3-4 on real interfaces. */
#include "qns_test.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static qns_manager *mgr;
static trace mt; /* manager signals */

/* Delivers callbacks until 150 ms pass without any (the kernel's events
 * have then been read and reported), at most 5 s. */
static void settle(void) { settle_quiet(150, 500); }

#define EXPECT_SETTLED(t, expected)                                            \
    do {                                                                       \
        settle();                                                              \
        CHECK_STR(trace_take(t), expected);                                    \
    } while (0)

static unsigned state_of(const char *ifname) {
    qns_configuration *c = lookup(mgr, qt_id(ifname));
    unsigned s = qns_configuration_state(c);
    qns_configuration_free(c);
    return s;
}

static qns_session *session_for(const char *ifname, trace *t) {
    return session_on(mgr, qt_id(ifname), t);
}

/* Removes every interface a test made (all but lo). */
static void clean_namespace(void) {
    sh("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -v '^lo$' | "
       "while read l; do ip link del \"$l\" 2>/dev/null; done; true");
    settle();
    trace_take(&mt);
}

static void discovery_and_identifiers(void) {
    clean_namespace();
    sh("ip link add a0 type veth peer name a1");
    char expected[256];
    snprintf(expected, sizeof expected, "added:%s added:%s changed:default", qt_id("a1"), qt_id("a0"));
    settle();
    const char *got = trace_take(&mt);
    /* The two adds may come in one batch (then one changed:default) or two. */
    CHECK(strstr(got, qt_id("a0")) && strstr(got, qt_id("a1")) && strstr(got, "changed:default"));
    (void)expected;
    qns_configuration *c = lookup(mgr, qt_id("a0"));
    char name[32];
    CHECK_OK(qns_configuration_name(c, name, sizeof name, NULL));
    CHECK_STR(name, "a0");
    CHECK_EQ_INT(qns_configuration_type(c), QNS_TYPE_INTERNET_ACCESS_POINT);
    CHECK_EQ_INT(qns_configuration_bearer_type(c), QNS_BEARER_ETHERNET);
    CHECK_EQ_INT(qns_configuration_purpose(c), QNS_PURPOSE_UNKNOWN);
    /* Administratively down, and we may bring it up: Discovered. */
    CHECK_EQ_INT(qns_configuration_state(c), QNS_STATE_FLAG_DISCOVERED);
    qns_configuration_free(c);
    /* Loopback is never listed. */
    qns_configuration *lo = lookup(mgr, qt_id("lo"));
    CHECK(lo == NULL);
    /* The synthesized service network lists both. */
    qns_configuration *sn = lookup(mgr, "default");
    CHECK_EQ_INT(qns_configuration_type(sn), QNS_TYPE_SERVICE_NETWORK);
    qns_configuration_list *kids = NULL;
    CHECK_OK(qns_configuration_children(sn, &kids));
    CHECK_EQ_INT(qns_configuration_list_size(kids), 2);
    qns_configuration_list_free(kids);
    qns_configuration_free(sn);
}

static void states_follow_link_carrier_and_address(void) {
    clean_namespace();
    /* No IPv6 here: its link-local address (which counts, see
     * ipv6_link_local_counts_as_an_address) would arrive after DAD, at a
     * time of the kernel's choosing. */
    sh("ip link add a0 type veth peer name a1 && echo 1 > /proc/sys/net/ipv6/conf/a0/disable_ipv6 && "
       "echo 1 > /proc/sys/net/ipv6/conf/a1/disable_ipv6");
    settle();
    trace_take(&mt);
    /* Up without carrier (peer down): Defined. */
    sh("ip link set a0 up");
    settle();
    CHECK_EQ_INT(state_of("a0"), QNS_STATE_FLAG_DEFINED);
    /* Carrier, no address: Discovered. */
    sh("ip link set a1 up");
    settle();
    CHECK_EQ_INT(state_of("a0"), QNS_STATE_FLAG_DISCOVERED);
    trace_take(&mt);
    sh("ip addr add 10.1.0.1/24 dev a0");
    /* The service network of all interfaces becomes Active with it, and
     * something Active means online (SPEC §3, as Qt documents it). */
    char expected[64];
    snprintf(expected, sizeof expected, "changed:%s changed:default online:1", qt_id("a0"));
    EXPECT_SETTLED(&mt, expected);
    CHECK_EQ_INT(state_of("a0"), QNS_STATE_FLAG_ACTIVE);
    /* Address-only changes: nothing observable, no signal. */
    sh("ip addr add 10.1.0.9/24 dev a0");
    sh("ip addr add 10.1.1.9/24 dev a0");
    sh("ip addr del 10.1.0.9/24 dev a0");
    EXPECT_SETTLED(&mt, "");
    /* A VPN-like interface flapping a second address 500 times: no flood. */
    FILE *batch = fopen("/tmp/qns-flap.batch", "w");
    for (int i = 0; i < 500; i++)
        fprintf(batch, "address add 10.1.0.77/24 dev a0\naddress del 10.1.0.77/24 dev a0\n");
    fclose(batch);
    sh("ip -batch /tmp/qns-flap.batch");
    EXPECT_SETTLED(&mt, "");
    /* The last address goes: Discovered again, offline. */
    sh("ip addr flush dev a0 scope global");
    snprintf(expected, sizeof expected, "changed:%s changed:default online:0", qt_id("a0"));
    EXPECT_SETTLED(&mt, expected);
    CHECK_EQ_INT(state_of("a0"), QNS_STATE_FLAG_DISCOVERED);
    /* ...and the same burst of identical events again changes nothing. */
    sh("ip link set a0 up && ip link set a0 up && ip addr flush dev a0 scope global");
    EXPECT_SETTLED(&mt, "");
    CHECK_EQ_INT(state_of("a0"), QNS_STATE_FLAG_DISCOVERED);
}

static void rename_keeps_the_identifier(void) {
    clean_namespace();
    sh("ip link add a0 type veth peer name a1");
    settle();
    qns_configuration *c = lookup(mgr, qt_id("a0"));
    const char *id = cfg_id(c);
    char before[32];
    snprintf(before, sizeof before, "%s", id);
    trace_take(&mt);
    sh("ip link set a0 name renamed0");
    char expected[64];
    snprintf(expected, sizeof expected, "changed:%s", before);
    EXPECT_SETTLED(&mt, expected);
    char name[32];
    CHECK_OK(qns_configuration_name(c, name, sizeof name, NULL));
    CHECK_STR(name, "renamed0");
    CHECK_STR(cfg_id(c), before);
    CHECK(qns_configuration_is_valid(c));
    qns_configuration_free(c);
}

static void delete_and_readd_is_a_new_record(void) {
    clean_namespace();
    sh("ip link add x0 type ifb");
    settle();
    qns_configuration *old = lookup(mgr, qt_id("x0"));
    char old_id[32];
    snprintf(old_id, sizeof old_id, "%s", cfg_id(old));
    trace_take(&mt);
    sh("ip link del x0");
    char expected[128];
    snprintf(expected, sizeof expected, "removed:%s:0 changed:default", old_id);
    EXPECT_SETTLED(&mt, expected);
    CHECK(!qns_configuration_is_valid(old));
    sh("ip link add x0 type ifb");
    settle();
    qns_configuration *again = lookup(mgr, qt_id("x0"));
    CHECK(again != NULL);
    CHECK(strcmp(cfg_id(again), old_id) != 0); /* a new ifindex, a new id */
    CHECK(!qns_configuration_equal(old, again));
    qns_configuration_free(again);
    qns_configuration_free(old);
}

static void carrier_loss_under_open_session(void) {
    clean_namespace();
    sh("ip link add c0 type veth peer name c1 && ip link set c1 up && ip link set c0 up && "
       "ip addr add 10.2.0.1/24 dev c0");
    settle();
    trace t = {{0}};
    qns_session *s = session_for("c0", &t);
    CHECK_OK(qns_session_open(s));
    EXPECT_SETTLED(&t, "opened");
    sh("ip link set c1 down");
    EXPECT_SETTLED(&t, "closed state:1 error:1");
    CHECK(!qns_session_is_open(s));
    /* The link returns: no silent re-open. */
    sh("ip link set c1 up");
    EXPECT_SETTLED(&t, "state:3");
    CHECK(!qns_session_is_open(s));
    /* Losing the address under an open session ends it too. */
    CHECK_OK(qns_session_open(s));
    sh("ip addr del 10.2.0.1/24 dev c0");
    EXPECT_SETTLED(&t, "opened closed state:5 error:1");
    sh("ip addr add 10.2.0.1/24 dev c0");
    EXPECT_SETTLED(&t, "state:3");
    /* Deleted under an open session. The kernel reports "down" then "gone";
     * when both arrive in one read the session goes straight to Invalid. */
    CHECK_OK(qns_session_open(s));
    sh("ip link del c0");
    settle();
    const char *got = trace_take(&t);
    CHECK(strcmp(got, "opened closed state:0 error:1") == 0 ||
          strcmp(got, "opened closed state:5 error:1 state:0") == 0);
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_INVALID);
    qns_session_free(s);
}

static void default_route_online_and_roaming(void) {
    clean_namespace();
    /* The peers get no IPv6: a link-local address would make them Active
     * too, after DAD, at a time of the kernel's choosing. */
    sh("ip link add d0 type veth peer name d1 && echo 1 > /proc/sys/net/ipv6/conf/d1/disable_ipv6 && "
       "ip link set d1 up && ip link set d0 up && ip addr add 10.3.0.1/24 dev d0");
    sh("ip link add e0 type veth peer name e1 && echo 1 > /proc/sys/net/ipv6/conf/e1/disable_ipv6 && "
       "ip link set e1 up && ip link set e0 up && ip addr add 10.4.0.1/24 dev e0");
    settle();
    /* A LAN without a gateway (issue 9 item 4): online, since something is
     * Active, and a default by Qt's order (Ethernet, then creation). */
    CHECK(qns_manager_is_online(mgr));
    qns_configuration *d = NULL;
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    CHECK_STR(cfg_id(d), qt_id("d0"));
    qns_configuration_free(d);
    sh("ip route add default via 10.4.0.2 dev e0 metric 300");
    settle();
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    CHECK_STR(cfg_id(d), qt_id("e0")); /* the default route decides */
    qns_configuration_free(d);
    sh("ip route del default dev e0");
    trace_take(&mt);
    sh("ip route add default via 10.3.0.2 dev d0 metric 200");
    settle();
    CHECK(strstr(trace_take(&mt), "online") == NULL); /* it was online already */
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    CHECK_STR(cfg_id(d), qt_id("d0"));
    qns_configuration_free(d);

    /* A session on "Default" with application-level roaming. */
    trace t = {{0}};
    qns_session *s = session_on(mgr, "default", &t);
    watch_preferred(&t, s, NULL);
    CHECK_OK(qns_session_open(s));
    EXPECT_SETTLED(&t, "opened");
    char active[32];
    CHECK_OK(qns_session_property_string(s, "ActiveConfiguration", active, sizeof active, NULL));
    CHECK_STR(active, qt_id("d0"));

    /* A better default route appears through e0: offered, migrate, accept. */
    sh("ip route add default via 10.4.0.2 dev e0 metric 100");
    char expected[64];
    snprintf(expected, sizeof expected, "preferred:%s:0", qt_id("e0"));
    EXPECT_SETTLED(&t, expected);
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    CHECK_STR(cfg_id(d), qt_id("e0"));
    qns_configuration_free(d);
    CHECK_OK(qns_session_migrate(s));
    CHECK_OK(qns_session_accept(s));
    EXPECT_SETTLED(&t, "state:6 activated state:3");
    CHECK_OK(qns_session_property_string(s, "ActiveConfiguration", active, sizeof active, NULL));
    CHECK_STR(active, qt_id("e0"));
    qns_session_free(s);

    /* Forced roaming (no preferred callback) when e0 loses its carrier. */
    trace f = {{0}};
    qns_session *forced = session_on(mgr, "default", &f);
    CHECK_OK(qns_session_open(forced));
    EXPECT_SETTLED(&f, "opened");
    sh("ip link set e1 down");
    EXPECT_SETTLED(&f, "state:6 state:3 activated");
    CHECK_OK(qns_session_property_string(forced, "ActiveConfiguration", active, sizeof active, NULL));
    CHECK_STR(active, qt_id("d0"));
    /* The last default route goes: still online (d0 is Active), and the
     * default falls back to Qt's order. Reachability is what tells a
     * gateway-less network apart (SPEC §8). */
    trace_take(&mt);
    sh("ip route del default dev d0");
    settle();
    CHECK(strstr(trace_take(&mt), "online") == NULL);
    CHECK(qns_manager_is_online(mgr));
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    CHECK_STR(cfg_id(d), qt_id("d0"));
    qns_configuration_free(d);
    qns_session_free(forced);
}

/* Issue 9 item 3, SPEC §6: an up link with carrier whose only address is
 * IPv6 link-local is Active (Qt 5 counts it), goes online, and opens. */
static void ipv6_link_local_counts_as_an_address(void) {
    clean_namespace();
    /* Without DAD the link-local address is usable, and reported, at once. */
    sh("ip link add l0 type veth peer name l1 && echo 0 > /proc/sys/net/ipv6/conf/l0/accept_dad && "
       "echo 0 > /proc/sys/net/ipv6/conf/l0/disable_ipv6 && ip link set l1 up");
    settle();
    CHECK(!qns_manager_is_online(mgr));
    trace t = {{0}};
    qns_session *s = session_for("l0", &t);
    CHECK_OK(qns_session_open(s)); /* admin-down: we start it */
    CHECK(qns_session_wait_for_opened(s, 5000));
    settle();
    CHECK(system("ip -6 addr show dev l0 scope link | grep -q fe80") == 0);
    CHECK(system("ip -4 addr show dev l0 | grep -q inet") != 0);
    CHECK_EQ_INT(state_of("l0"), QNS_STATE_FLAG_ACTIVE);
    CHECK(qns_manager_is_online(mgr));
    CHECK_STR(trace_take(&t), "state:2 opened state:3");
    qns_configuration *d = NULL;
    CHECK_OK(qns_manager_default_configuration(mgr, &d));
    CHECK_STR(cfg_id(d), qt_id("l0"));
    qns_configuration_free(d);
    qns_session_free(s);
}

/* Asks ip, not sysfs: /sys may still show the namespace it was mounted in. */
static bool link_is_up(const char *ifname) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ip link show %s | grep -q '<[^>]*UP[,>]'", ifname);
    return system(cmd) == 0;
}

static void open_close_stop_on_a_down_interface(void) {
    clean_namespace();
    /* g0 is down but configured (IPv4 addresses survive down), its peer up. */
    sh("ip link add g0 type veth peer name g1 && ip link set g1 up && ip addr add 10.5.0.1/24 dev g0");
    settle();
    CHECK(qns_manager_capabilities(mgr) & QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES);
    CHECK_EQ_INT(state_of("g0"), QNS_STATE_FLAG_DISCOVERED);
    trace t = {{0}};
    qns_session *s = session_for("g0", &t);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 5000));
    CHECK(link_is_up("g0"));
    EXPECT_SETTLED(&t, "state:2 opened state:3");
    /* We brought it up, so the last close takes it down. */
    CHECK_OK(qns_session_close(s));
    EXPECT_SETTLED(&t, "closed state:4 state:5");
    CHECK(!link_is_up("g0"));
    /* stop() takes it down whatever the count. */
    qns_session *other = session_for("g0", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_wait_for_opened(s, 5000));
    CHECK_OK(qns_session_open(other));
    CHECK_OK(qns_session_stop(s));
    settle();
    CHECK(!link_is_up("g0"));
    CHECK(!qns_session_is_open(other));
    CHECK_EQ_INT(qns_session_error(other), QNS_SESSION_ERROR_ABORTED);
    qns_session_free(other);
    trace_take(&t);

    /* An interface the system brought up stays up after our close. */
    sh("ip link set g0 up");
    settle();
    CHECK_EQ_INT(state_of("g0"), QNS_STATE_FLAG_ACTIVE);
    CHECK_OK(qns_session_open(s));
    CHECK_OK(qns_session_close(s));
    settle();
    CHECK(link_is_up("g0"));
    qns_session_free(s);
}

/* SPEC §4.3 (issue 8 item 7): open() right after the last close() of a link
 * this library is taking down starts it again; it never reports opened()
 * on the link going down (which the down event would then abort). */
static void reopen_right_after_the_last_close(void) {
    clean_namespace();
    sh("ip link add r0 type veth peer name r1 && ip link set r1 up && ip addr add 10.6.0.1/24 dev r0");
    settle();
    CHECK_EQ_INT(state_of("r0"), QNS_STATE_FLAG_DISCOVERED);
    trace t = {{0}};
    qns_session *s = session_for("r0", &t);
    for (int i = 0; i < 20; i++) {
        CHECK_OK(qns_session_open(s));
        CHECK(qns_session_wait_for_opened(s, 5000));
        CHECK_OK(qns_session_close(s));
        CHECK_OK(qns_session_open(s)); /* at once */
        CHECK(qns_session_wait_for_opened(s, 5000));
        settle();
        CHECK(qns_session_is_open(s));
        CHECK(link_is_up("r0"));
        const char *got = trace_take(&t);
        if (strcmp(got, "state:2 opened state:3 closed state:4 state:5 state:2 opened state:3") != 0) {
            fprintf(stderr, "cycle %d: %s\n", i, got);
            qns_test_failures++;
            break;
        }
        CHECK_OK(qns_session_close(s));
        EXPECT_SETTLED(&t, "closed state:4 state:5");
    }
    qns_session_free(s);
}

/* interface() details and the kernel's byte counters. */
static void interface_and_statistics(void) {
    clean_namespace();
    sh("ip link add s0 type veth peer name s1 && ip link set s1 up && ip link set s0 mtu 1400 up && "
       "ip link set s0 address 02:00:00:00:00:5a && ip addr add 10.6.0.1/24 dev s0");
    settle();
    qns_session *s = session_for("s0", NULL);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_is_open(s));
    qns_interface *itf = NULL;
    CHECK_OK(qns_session_interface(s, &itf));
    char buf[64];
    CHECK_OK(qns_interface_name(itf, buf, sizeof buf, NULL));
    CHECK_STR(buf, "s0");
    CHECK_EQ_INT(qns_interface_index(itf), if_nametoindex("s0"));
    CHECK_OK(qns_interface_hardware_address(itf, buf, sizeof buf, NULL));
    CHECK_STR(buf, "02:00:00:00:00:5A");
    CHECK_EQ_INT(qns_interface_mtu(itf), 1400);
    CHECK(qns_interface_flags(itf) & QNS_INTERFACE_IS_UP);
    CHECK(qns_interface_flags(itf) & QNS_INTERFACE_IS_RUNNING);
    bool found = false;
    for (size_t i = 0; i < qns_interface_address_count(itf); i++) {
        int prefix = 0;
        CHECK_OK(qns_interface_address(itf, i, buf, sizeof buf, NULL, &prefix));
        if (strcmp(buf, "10.6.0.1") == 0 && prefix == 24)
            found = true;
    }
    CHECK(found);
    qns_interface_free(itf);

    /* Send 100 raw frames of 1000 bytes out of s0. */
    uint64_t before = qns_session_bytes_written(s);
    send_raw_frames("s0", 100);
    uint64_t after = qns_session_bytes_written(s);
    CHECK(after - before >= 100 * 1000);
    qns_session_free(s);
}

/* Re-run of this program without CAP_NET_ADMIN (see main). */
static int without_net_admin(void) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return 2;
    data[0].effective &= ~(1u << CAP_NET_ADMIN);
    data[0].permitted &= ~(1u << CAP_NET_ADMIN);
    if (syscall(SYS_capset, &hdr, data) != 0)
        return 2;
    qns_test_backend = "netlink";
    CHECK_OK(qns_select_backend("netlink"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    CHECK(!(qns_manager_capabilities(mgr) & QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES));
    /* h0 is down: we may not bring it up, so it is only Defined... */
    CHECK_EQ_INT(state_of("h0"), QNS_STATE_FLAG_DEFINED);
    trace t = {{0}};
    qns_session *s = session_for("h0", &t);
    CHECK_OK(qns_session_open(s));
    /* ...and open() fails cleanly (compat: Invalid, InvalidConfiguration). */
    EXPECT_TRACE(&t, "state:0 error:4");
    CHECK_OK(qns_session_stop(s));
    EXPECT_TRACE(&t, "error:3");
    qns_session_free(s);
    qns_manager_free(mgr);
    return qns_test_failures ? 1 : 0;
}

static char self_path[4096];

static void fails_cleanly_without_net_admin(void) {
    clean_namespace();
    sh("ip link add h0 type veth peer name h1 && ip link set h1 up && ip addr add 10.7.0.1/24 dev h0");
    settle();
    /* argv[0], not /proc/self/exe: under valgrind that is valgrind. */
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "%s --without-net-admin", self_path);
    int rc = system(cmd);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--without-net-admin") == 0)
        return without_net_admin();
    if (!realpath(argv[0], self_path))
        snprintf(self_path, sizeof self_path, "%s", argv[0]);
    if (!enter_network_namespace())
        return 77;
    /* New links get no IPv6 unless a test asks: a link-local address makes
     * a link Active (SPEC §6), and it arrives after DAD, at a time of the
     * kernel's choosing, which would race every expected trace. */
    if (system("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6") != 0) {
        printf("skipped: cannot configure IPv6 in this namespace\n");
        return 77;
    }
    qns_test_backend = "netlink";
    CHECK_OK(qns_select_backend("netlink"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    watch_manager(&mt, mgr);
    RUN(discovery_and_identifiers);
    RUN(states_follow_link_carrier_and_address);
    RUN(rename_keeps_the_identifier);
    RUN(delete_and_readd_is_a_new_record);
    RUN(carrier_loss_under_open_session);
    RUN(default_route_online_and_roaming);
    RUN(ipv6_link_local_counts_as_an_address);
    RUN(open_close_stop_on_a_down_interface);
    RUN(reopen_right_after_the_last_close);
    RUN(interface_and_statistics);
    RUN(fails_cleanly_without_net_admin);
    qns_manager_free(mgr);
    return finish_tests();
}
