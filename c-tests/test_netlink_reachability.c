/* SPEC §8 on the netlink backend, in a private network namespace (needs
 * root; skipped with exit code 77 elsewhere): reachability from addresses
 * and routes, and the optional connectivity check against HTTP servers the
 * test runs inside the namespace: one that answers 204, one that redirects
 * like a captive portal, one that never answers, one that sends garbage. */
#include "qns_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVER_IP "10.30.0.1"
enum { ANSWER_204, PORTAL, SILENT, GARBAGE, MODES };
static const int ports[MODES] = {8204, 8302, 8999, 8666};
/* Requests each server has seen, shared with the server process. */
static volatile int *requests;
static pid_t server;
static qns_manager *mgr;
static char self_path[4096];

/* Delivers callbacks until 150 ms pass without any, at most 10 s. */
static void settle(void) { settle_quiet(150, 10000); }

/* Dispatches until the manager's reachability is `want`, at most 10 s. */
static bool reach_becomes(int want) {
    for (int i = 0; i < 1000 && qns_manager_reachability(mgr) != want; i++)
        qns_loop_dispatch(NULL, 10, NULL);
    settle();
    return qns_manager_reachability(mgr) == want;
}

static void answer(int fd, int mode) {
    static const char ok[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    static const char portal[] =
        "HTTP/1.1 302 Found\r\nLocation: http://portal.example/login\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n";
    static const char garbage[] = "\x01\x02 this is not HTTP at all\r\n\r\n";
    const char *text = mode == ANSWER_204 ? ok : mode == PORTAL ? portal : garbage;
    size_t len = mode == ANSWER_204 ? sizeof ok - 1 : mode == PORTAL ? sizeof portal - 1 : sizeof garbage - 1;
    if (write(fd, text, len) < 0) {
        /* the client went away: nothing to do */
    }
}

/* The servers: one process, one listening port per behaviour. A request is
 * counted once its head has arrived; the silent server holds the
 * connection open and never writes. */
static void serve(void) {
    struct pollfd fds[64];
    int mode_of[64];
    int n = 0;
    for (int m = 0; m < MODES; m++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(ports[m])};
        inet_pton(AF_INET, SERVER_IP, &a.sin_addr);
        if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0)
            _exit(2);
        fds[n] = (struct pollfd){s, POLLIN, 0};
        mode_of[n++] = -1 - m; /* a listener */
    }
    for (;;) {
        if (poll(fds, n, -1) < 0)
            continue;
        for (int i = 0; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            if (mode_of[i] < 0) {
                int c = accept(fds[i].fd, NULL, NULL);
                if (c >= 0 && n < 64) {
                    fds[n] = (struct pollfd){c, POLLIN, 0};
                    mode_of[n++] = -1 - mode_of[i];
                } else if (c >= 0) {
                    close(c);
                }
                continue;
            }
            char buf[2048];
            ssize_t r = read(fds[i].fd, buf, sizeof buf - 1);
            if (r > 0) {
                buf[r] = 0;
                if (!strstr(buf, "\r\n\r\n"))
                    continue; /* the rest of the head comes later */
                requests[mode_of[i]]++;
                if (mode_of[i] == SILENT)
                    continue;
                answer(fds[i].fd, mode_of[i]);
            }
            close(fds[i].fd);
            fds[i] = fds[--n];
            mode_of[i] = mode_of[n];
            i--;
        }
    }
}

static void start_servers(void) {
    requests = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    fflush(stdout);
    server = fork();
    if (server == 0)
        serve();
    sleep_ms(100); /* listening */
}

/* A manager whose network-information signals go to t (free it after). */
static qns_manager *watched(trace *t) {
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    watch_network_info(t, m);
    return m;
}

static char url[128];
static const char *url_of(int mode) {
    snprintf(url, sizeof url, "http://" SERVER_IP ":%d/generate_204", ports[mode]);
    return url;
}

/* Disconnected, Local, Site, Online from addresses and routes alone. */
static void kernel_rules(void) {
    trace t = {{0}};
    qns_manager *w = watched(&t);
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_DISCONNECTED);
    /* IPv6 off on both ends: its link-local address would come after DAD. */
    sh("ip link add n0 type veth peer name n1 && echo 1 > /proc/sys/net/ipv6/conf/n0/disable_ipv6 && "
       "echo 1 > /proc/sys/net/ipv6/conf/n1/disable_ipv6 && ip link set n1 up && ip link set n0 up && "
       "ip addr add 169.254.10.1/16 dev n0 scope link");
    settle();
    CHECK_STR(trace_take(&t), "reach:2 medium:1");
    sh("ip addr add " SERVER_IP "/24 dev n0");
    settle();
    CHECK_STR(trace_take(&t), "reach:3");
    sh("ip route add default via 10.30.0.2 dev n0");
    settle();
    CHECK_STR(trace_take(&t), "reach:4");
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_ONLINE);
    CHECK_EQ_INT(qns_manager_transport_medium(mgr), QNS_TRANSPORT_ETHERNET);
    CHECK(!qns_manager_is_metered(mgr));
    CHECK(!qns_manager_is_behind_captive_portal(mgr));
    /* Address-only changes on an Online link: no signal. */
    sh("ip addr add 10.30.1.1/24 dev n0 && ip addr del 10.30.1.1/24 dev n0");
    settle();
    CHECK_STR(trace_take(&t), "");
    sh("ip route del default");
    settle();
    CHECK_STR(trace_take(&t), "reach:3");
    sh("ip route add default via 10.30.0.2 dev n0");
    settle();
    CHECK_STR(trace_take(&t), "reach:4");
    qns_manager_free(w);
}

/* The check demotes Online to Site until it has confirmed it, on failure,
 * and behind a portal; it never delays other callbacks. */
static void connectivity_check(void) {
    trace t = {{0}};
    qns_manager *w = watched(&t);
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_ONLINE);
    int before = requests[ANSWER_204];
    CHECK_OK(qns_manager_set_connectivity_check(mgr, url_of(ANSWER_204), NULL));
    CHECK(reach_becomes(QNS_REACHABILITY_ONLINE));
    CHECK_STR(trace_take(&t), "reach:3 reach:4"); /* Site until it answered */
    CHECK_EQ_INT(requests[ANSWER_204] - before, 1);

    /* One check per default-route change; none for other changes. */
    before = requests[ANSWER_204];
    sh("ip addr add 10.30.2.1/24 dev n0");
    settle();
    CHECK_EQ_INT(requests[ANSWER_204] - before, 0);
    sh("ip route del default && ip route add default via 10.30.0.2 dev n0 metric 50");
    CHECK(reach_becomes(QNS_REACHABILITY_ONLINE));
    sleep_ms(200);
    settle();
    CHECK_EQ_INT(requests[ANSWER_204] - before, 1);
    trace_take(&t);

    /* A portal: redirected, so Site and behind a captive portal. */
    CHECK_OK(qns_manager_set_connectivity_check(mgr, url_of(PORTAL), NULL));
    CHECK(reach_becomes(QNS_REACHABILITY_SITE));
    for (int i = 0; i < 100 && !qns_manager_is_behind_captive_portal(mgr); i++)
        qns_loop_dispatch(NULL, 10, NULL);
    settle();
    CHECK(qns_manager_is_behind_captive_portal(mgr));
    CHECK_STR(trace_take(&t), "reach:3 portal:1");

    /* Garbage: Site, no portal. */
    CHECK_OK(qns_manager_set_connectivity_check(mgr, url_of(GARBAGE), NULL));
    for (int i = 0; i < 100 && requests[GARBAGE] == 0; i++)
        qns_loop_dispatch(NULL, 10, NULL);
    settle();
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_SITE);
    CHECK_STR(trace_take(&t), "portal:0");

    /* A server that never answers: Site; meanwhile other callbacks arrive
     * at once (the check has its own thread). */
    CHECK_OK(qns_manager_set_connectivity_check(mgr, url_of(SILENT), NULL));
    trace m = {{0}};
    qns_manager *watcher = NULL;
    CHECK_OK(qns_manager_new(NULL, &watcher));
    watch_manager(&m, watcher);
    for (int i = 0; i < 100 && requests[SILENT] == 0; i++)
        qns_loop_dispatch(NULL, 10, NULL);
    CHECK(requests[SILENT] > 0); /* the check is waiting on it now */
    sh("ip link add x0 type veth peer name x1");
    for (int i = 0; i < 100 && strstr(m.text, "added") == NULL; i++)
        qns_loop_dispatch(NULL, 10, NULL);
    CHECK(strstr(m.text, "added") != NULL);
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_SITE);
    qns_manager_free(watcher);
    sh("ip link del x0");

    /* Back to a working server: Online. Off: the kernel's view again. */
    CHECK_OK(qns_manager_set_connectivity_check(mgr, url_of(ANSWER_204), NULL));
    CHECK(reach_becomes(QNS_REACHABILITY_ONLINE));
    CHECK_OK(qns_manager_set_connectivity_check(mgr, NULL, NULL));
    settle();
    CHECK_EQ_INT(qns_manager_reachability(mgr), QNS_REACHABILITY_ONLINE);
    /* Without a default route there is nothing to check: Site, no request. */
    CHECK_OK(qns_manager_set_connectivity_check(mgr, url_of(ANSWER_204), NULL));
    CHECK(reach_becomes(QNS_REACHABILITY_ONLINE));
    before = requests[ANSWER_204];
    sh("ip route del default");
    CHECK(reach_becomes(QNS_REACHABILITY_SITE));
    sleep_ms(200);
    CHECK_EQ_INT(requests[ANSWER_204] - before, 0);
    sh("ip route add default via 10.30.0.2 dev n0");
    CHECK(reach_becomes(QNS_REACHABILITY_ONLINE));
    CHECK_OK(qns_manager_set_connectivity_check(mgr, NULL, NULL));
    qns_manager_free(w);
}

/* QNS_CONNECTIVITY_URL turns the check on at start (a fresh process, in
 * this namespace): the portal server makes its effect visible. */
static int with_environment_url(void) {
    CHECK_OK(qns_select_backend("netlink"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    CHECK(reach_becomes(QNS_REACHABILITY_SITE));
    for (int i = 0; i < 1000 && !qns_manager_is_behind_captive_portal(mgr); i++)
        qns_loop_dispatch(NULL, 10, NULL);
    CHECK(qns_manager_is_behind_captive_portal(mgr));
    qns_manager_free(mgr);
    return qns_test_failures == 0 ? 0 : 1;
}

static void environment_url(void) {
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "QNS_CONNECTIVITY_URL=%s %s --environment-url", url_of(PORTAL),
             self_path);
    int rc = system(cmd);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--environment-url") == 0)
        return with_environment_url();
    if (!realpath(argv[0], self_path))
        snprintf(self_path, sizeof self_path, "%s", argv[0]);
    if (!enter_network_namespace())
        return 77;
    qns_test_backend = "netlink";
    CHECK_OK(qns_select_backend("netlink"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    RUN(kernel_rules);
    start_servers();
    RUN(connectivity_check);
    RUN(environment_url);
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
    qns_manager_free(mgr);
    return finish_tests();
}
