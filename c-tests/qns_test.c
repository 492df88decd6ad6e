#include "qns_test.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdarg.h>
#include <time.h>

int qns_test_failures = 0;
int qns_test_checks = 0;
static int tests_passed = 0;
static int tests_failed = 0;

void trace_add(trace *t, const char *fmt, ...) {
    size_t used = strlen(t->text);
    if (used > 0 && used < sizeof t->text - 1) {
        t->text[used++] = ' ';
        t->text[used] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->text + used, sizeof t->text - used, fmt, ap);
    va_end(ap);
}

const char *trace_take(trace *t) {
    static char copy[sizeof t->text];
    memcpy(copy, t->text, sizeof copy);
    t->text[0] = '\0';
    return copy;
}

const char *cfg_id(const qns_configuration *c) {
    static char buf[256];
    if (qns_configuration_identifier(c, buf, sizeof buf, NULL) != QNS_OK)
        return "?";
    return buf;
}

static void on_state(void *ud, qns_session *s, int state) { (void)s; trace_add(ud, "state:%d", state); }
static void on_opened(void *ud, qns_session *s) { (void)s; trace_add(ud, "opened"); }
static void on_closed(void *ud, qns_session *s) { (void)s; trace_add(ud, "closed"); }
static void on_error(void *ud, qns_session *s, int e) { (void)s; trace_add(ud, "error:%d", e); }
static void on_preferred(void *ud, qns_session *s, const qns_configuration *c, bool seamless) {
    (void)s;
    trace_add(ud, "preferred:%s:%d", cfg_id(c), seamless);
}
static void on_new_config(void *ud, qns_session *s) { (void)s; trace_add(ud, "activated"); }
static void on_usage(void *ud, qns_session *s, unsigned p) { (void)s; trace_add(ud, "usage:%u", p); }

void watch_session(trace *t, qns_session *s) {
    CHECK_OK(qns_session_on_state_changed(s, on_state, t, NULL, NULL));
    CHECK_OK(qns_session_on_opened(s, on_opened, t, NULL, NULL));
    CHECK_OK(qns_session_on_closed(s, on_closed, t, NULL, NULL));
    CHECK_OK(qns_session_on_error(s, on_error, t, NULL, NULL));
    CHECK_OK(qns_session_on_new_configuration_activated(s, on_new_config, t, NULL, NULL));
    CHECK_OK(qns_session_on_usage_policies_changed(s, on_usage, t, NULL, NULL));
    (void)on_preferred;
}

static void on_added(void *ud, qns_manager *m, const qns_configuration *c) { (void)m; trace_add(ud, "added:%s", cfg_id(c)); }
static void on_removed(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)m;
    trace_add(ud, "removed:%s:%d", cfg_id(c), qns_configuration_is_valid(c));
}
static void on_changed(void *ud, qns_manager *m, const qns_configuration *c) { (void)m; trace_add(ud, "changed:%s", cfg_id(c)); }
static void on_online(void *ud, qns_manager *m, bool online) { (void)m; trace_add(ud, "online:%d", online); }
static void on_update(void *ud, qns_manager *m) { (void)m; trace_add(ud, "updated"); }

void watch_manager(trace *t, qns_manager *m) {
    CHECK_OK(qns_manager_on_configuration_added(m, on_added, t, NULL, NULL));
    CHECK_OK(qns_manager_on_configuration_removed(m, on_removed, t, NULL, NULL));
    CHECK_OK(qns_manager_on_configuration_changed(m, on_changed, t, NULL, NULL));
    CHECK_OK(qns_manager_on_online_state_changed(m, on_online, t, NULL, NULL));
    CHECK_OK(qns_manager_on_update_completed(m, on_update, t, NULL, NULL));
}

static void on_reach(void *ud, qns_manager *m, int v) { (void)m, trace_add(ud, "reach:%d", v); }
static void on_portal(void *ud, qns_manager *m, bool v) { (void)m, trace_add(ud, "portal:%d", v); }
static void on_medium(void *ud, qns_manager *m, int v) { (void)m, trace_add(ud, "medium:%d", v); }
static void on_metered(void *ud, qns_manager *m, bool v) { (void)m, trace_add(ud, "metered:%d", v); }

void watch_network_info(trace *t, qns_manager *m) {
    CHECK_OK(qns_manager_on_reachability_changed(m, on_reach, t, NULL, NULL));
    CHECK_OK(qns_manager_on_captive_portal_changed(m, on_portal, t, NULL, NULL));
    CHECK_OK(qns_manager_on_transport_medium_changed(m, on_medium, t, NULL, NULL));
    CHECK_OK(qns_manager_on_metered_changed(m, on_metered, t, NULL, NULL));
}

/* Exposed for tests that want the preferred-configuration recorder. */
void watch_preferred(trace *t, qns_session *s, uint64_t *token) {
    CHECK_OK(qns_session_on_preferred_configuration_changed(s, on_preferred, t, NULL, token));
}

size_t dispatch_all(void) {
    size_t total = 0, n = 0;
    do {
        n = 0;
        CHECK_OK(qns_loop_dispatch(NULL, 0, &n));
        total += n;
    } while (n > 0);
    return total;
}

qns_configuration *lookup(qns_manager *m, const char *id) {
    qns_configuration *c = NULL;
    CHECK_OK(qns_manager_configuration_from_identifier(m, id, &c));
    return c;
}

qns_session *session_on(qns_manager *m, const char *id, trace *t) {
    qns_configuration *c = lookup(m, id);
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(c, NULL, &s));
    qns_configuration_free(c);
    if (t)
        watch_session(t, s);
    return s;
}

void sh(const char *fmt, ...) {
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0) {
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
        qns_test_failures++;
    }
}

const char *qt_id(const char *ifname) {
    static char buf[4][32];
    static int next;
    char text[32];
    snprintf(text, sizeof text, "generic:%u", if_nametoindex(ifname));
    uint32_t h = 0;
    for (const char *c = text; *c; c++)
        h = h * 31u + (uint32_t)(unsigned char)*c;
    char *b = buf[next++ % 4];
    snprintf(b, 32, "%u", h);
    return b;
}

void settle_quiet(int quiet_ms, int max_ms) {
    int quiet = 0;
    for (int i = 0; i < max_ms && quiet < quiet_ms; i += 10) {
        size_t n = 0;
        qns_loop_dispatch(NULL, 10, &n);
        quiet = n ? 0 : quiet + 10;
    }
}

bool enter_network_namespace(void) {
    if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
        printf("skipped: needs root and network namespaces\n");
        return false;
    }
    if (system("ip link set lo up") != 0) {
        printf("skipped: the ip command (iproute2) is missing\n");
        return false;
    }
    return true;
}

void send_raw_frames(const char *ifname, int count) {
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    struct sockaddr_ll to = {0};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = (int)if_nametoindex(ifname);
    to.sll_halen = 6;
    /* Broadcast, from a locally administered address, an unused EtherType. */
    unsigned char frame[1000] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x5a, 0x88, 0xb5};
    for (int i = 0; i < count; i++)
        sendto(fd, frame, sizeof frame, 0, (struct sockaddr *)&to, sizeof to);
    close(fd);
}

void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

const char *qns_test_backend = "simulated";

void run_test(const char *name, test_fn fn) {
    /* QNS_TEST_ONLY=<name> runs one test (to replay a failure). */
    const char *only = getenv("QNS_TEST_ONLY");
    if (only && *only && strcmp(only, name) != 0)
        return;
    if (qns_select_backend(qns_test_backend) != QNS_OK) {
        fprintf(stderr, "the %s backend is not available\n", qns_test_backend);
        exit(2);
    }
    if (strcmp(qns_test_backend, "simulated") == 0)
        CHECK_OK(qns_sim_reset());
    dispatch_all();
    int before = qns_test_failures;
    fn();
    dispatch_all();
    if (qns_test_failures == before) {
        tests_passed++;
        printf("ok   %s\n", name);
    } else {
        tests_failed++;
        printf("FAIL %s\n", name);
    }
    fflush(stdout);
}

int finish_tests(void) {
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed == 0 ? 0 : 1;
}
