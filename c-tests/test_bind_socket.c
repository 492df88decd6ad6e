/* qns_session_bind_socket on the netlink backend, in private network
 * namespaces (needs root; skipped with exit code 77 elsewhere).
 *
 * Make-before-break roaming: this namespace has two links, a0 and b0 (veth
 * pairs), into a peer namespace where an echo server listens on 10.99.0.1,
 * reachable through both. A session on the "Default" service network opens
 * on a0 and a TCP connection bound to it carries traffic; b0 comes up with a
 * better default route; the session is offered b0 and migrates, binds a
 * second socket to its new interface and connects over b0 while the first
 * connection still carries traffic over a0 (the server sees both peer
 * addresses, the interfaces' counters show each connection on its own
 * link); then it accepts and closes the old socket.
 *
 * Re-runs of this program check the fallbacks: SO_BINDTODEVICE refused by a
 * seccomp filter (as an old kernel refuses it without CAP_NET_RAW), and a
 * socket already bound to another device without CAP_NET_RAW. */
#include "qns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVER_IP "10.99.0.1"
#define SERVER_PORT 7000
#define A_IP "10.10.0.1"
#define B_IP "10.11.0.1"

static qns_manager *mgr;

/* Delivers callbacks until 150 ms pass without any, at most 5 s. */
static void settle(void) { settle_quiet(150, 500); }

/* ---- the echo server in the peer namespace (a child process) ---- */

static int to_server[2];   /* parent -> server: "go", then EOF ends it */
static int from_server[2]; /* server -> parent: "ns", "listening", "peer <ip>" */
static pid_t server_pid;

static void say(const char *fmt, ...) {
    char line[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (write(from_server[1], line, (size_t)n) != n)
        _exit(3);
}

static void serve_forever(void) {
    close(to_server[1]);
    close(from_server[0]);
    if (unshare(CLONE_NEWNET) != 0)
        _exit(2);
    say("ns\n");
    char go[8];
    if (read(to_server[0], go, sizeof go) <= 0)
        _exit(0);
    if (system("ip link set lo up && ip addr add " SERVER_IP "/32 dev lo && "
               "ip link set a1 up && ip addr add 10.10.0.2/24 dev a1 && "
               "ip link set b1 up && ip addr add 10.11.0.2/24 dev b1") != 0)
        _exit(4);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
    inet_pton(AF_INET, SERVER_IP, &at.sin_addr);
    if (bind(listener, (struct sockaddr *)&at, sizeof at) != 0 || listen(listener, 8) != 0)
        _exit(5);
    say("listening\n");
    struct pollfd fds[10] = {{.fd = to_server[0], .events = POLLIN}, {.fd = listener, .events = POLLIN}};
    nfds_t n = 2;
    for (;;) {
        if (poll(fds, n, -1) < 0)
            continue;
        if (fds[0].revents)
            _exit(0); /* the parent closed its end: done */
        if ((fds[1].revents & POLLIN) && n < 10) {
            struct sockaddr_in peer;
            socklen_t len = sizeof peer;
            int c = accept(listener, (struct sockaddr *)&peer, &len);
            if (c >= 0) {
                char ip[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
                say("peer %s\n", ip);
                fds[n++] = (struct pollfd){.fd = c, .events = POLLIN};
            }
        }
        for (nfds_t i = 2; i < n; i++) {
            if (!fds[i].revents)
                continue;
            char buf[4096];
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i--] = fds[--n];
                continue;
            }
            for (ssize_t off = 0; off < got;) {
                ssize_t w = write(fds[i].fd, buf + off, (size_t)(got - off));
                if (w <= 0)
                    break;
                off += w;
            }
        }
    }
}

/* One line from the server, waiting up to 5 s; "" on timeout. */
static const char *server_line(void) {
    static char line[128];
    size_t used = 0;
    while (used < sizeof line - 1) {
        struct pollfd p = {.fd = from_server[0], .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0 || read(from_server[0], line + used, 1) != 1)
            break;
        if (line[used] == '\n')
            break;
        used++;
    }
    line[used] = '\0';
    return line;
}

static bool start_server(void) {
    if (pipe2(to_server, O_CLOEXEC) != 0 || pipe2(from_server, O_CLOEXEC) != 0)
        return false;
    server_pid = fork();
    if (server_pid == 0)
        serve_forever();
    close(to_server[0]);
    close(from_server[1]);
    if (strcmp(server_line(), "ns") != 0)
        return false;
    sh("ip link add a0 type veth peer name a1 netns %d", (int)server_pid);
    sh("ip link add b0 type veth peer name b1 netns %d", (int)server_pid);
    if (write(to_server[1], "go\n", 3) != 3)
        return false;
    return strcmp(server_line(), "listening") == 0;
}

static void stop_server(void) {
    close(to_server[1]);
    waitpid(server_pid, NULL, 0);
}

/* ---- the client side ---- */

static int connect_server(int fd) {
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
    inet_pton(AF_INET, SERVER_IP, &to.sin_addr);
    return connect(fd, (struct sockaddr *)&to, sizeof to);
}

/* Sends `bytes` in 4 KiB pieces, each echoed back before the next. */
static bool echo(int fd, size_t bytes) {
    char out[4096], in[4096];
    memset(out, 'x', sizeof out);
    for (size_t done = 0; done < bytes; done += sizeof out) {
        if (write(fd, out, sizeof out) != (ssize_t)sizeof out)
            return false;
        for (size_t got = 0; got < sizeof out;) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 5000) <= 0)
                return false;
            ssize_t n = read(fd, in, sizeof in - got);
            if (n <= 0)
                return false;
            got += (size_t)n;
        }
    }
    return true;
}

static void device_of(int fd, char *name) {
    socklen_t len = IFNAMSIZ;
    name[0] = '\0';
    if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len) != 0)
        name[0] = '\0';
}

/* Bytes sent on a0 and b0 (the kernel's counters through two sessions).
 * The library shares counter reads within a millisecond: wait past that. */
static void sent_on_links(qns_session *on_a, qns_session *on_b, uint64_t *a, uint64_t *b) {
    sleep_ms(3);
    *a = qns_session_bytes_written(on_a);
    *b = qns_session_bytes_written(on_b);
}

static void make_before_break_roaming(void) {
    sh("ip link set a0 up && ip addr add " A_IP "/24 dev a0 && "
       "ip route add default via 10.10.0.2 dev a0 metric 200");
    settle();
    trace t = {{0}};
    qns_session *s = session_on(mgr, "default", &t);
    watch_preferred(&t, s, NULL);
    CHECK_OK(qns_session_open(s));
    settle();
    CHECK_STR(trace_take(&t), "opened");
    char active[32];
    CHECK_OK(qns_session_property_string(s, "ActiveConfiguration", active, sizeof active, NULL));
    CHECK_STR(active, qt_id("a0"));
    /* A session per link, for its interface counters. */
    qns_session *on_a = session_on(mgr, qt_id("a0"), NULL);
    CHECK_OK(qns_session_open(on_a));

    /* The first connection, bound to the session's interface (a0). */
    int old_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(s, old_fd));
    char dev[IFNAMSIZ];
    device_of(old_fd, dev);
    CHECK_STR(dev, "a0");
    CHECK_EQ_INT(connect_server(old_fd), 0);
    CHECK_STR(server_line(), "peer " A_IP);
    CHECK(echo(old_fd, 16384));

    /* b0 comes up with a better default route: the session is offered it. */
    sh("ip link set b0 up && ip addr add " B_IP "/24 dev b0 && "
       "ip route add default via 10.11.0.2 dev b0 metric 100");
    settle();
    char expected[64];
    snprintf(expected, sizeof expected, "preferred:%s:0", qt_id("b0"));
    CHECK_STR(trace_take(&t), expected);
    qns_session *on_b = session_on(mgr, qt_id("b0"), NULL);
    CHECK_OK(qns_session_open(on_b));
    /* The old connection keeps going while the routing table prefers b0. */
    CHECK(echo(old_fd, 16384));

    CHECK_OK(qns_session_migrate(s));
    settle();
    CHECK_STR(trace_take(&t), "state:6 activated");
    CHECK_EQ_INT(qns_session_state(s), QNS_STATE_ROAMING);
    /* From migrate() on, interface() names b0 (SPEC §4.4): the new socket
     * is bound and connected over b0 before accept(), while the old
     * connection over a0 still carries traffic. */
    CHECK_OK(qns_session_property_string(s, "ActiveConfiguration", active, sizeof active, NULL));
    CHECK_STR(active, qt_id("b0"));
    int new_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(s, new_fd));
    device_of(new_fd, dev);
    CHECK_STR(dev, "b0");
    CHECK_EQ_INT(connect_server(new_fd), 0);
    CHECK_STR(server_line(), "peer " B_IP);

    /* Both carry traffic, each on its own link. */
    for (int round = 0; round < 3; round++) {
        uint64_t a0, b0, a1, b1, a2, b2;
        sent_on_links(on_a, on_b, &a0, &b0);
        CHECK(echo(old_fd, 65536));
        sent_on_links(on_a, on_b, &a1, &b1);
        CHECK(a1 - a0 >= 65536);
        CHECK(b1 - b0 < 8192);
        CHECK(echo(new_fd, 65536));
        sent_on_links(on_a, on_b, &a2, &b2);
        CHECK(b2 - b1 >= 65536);
        CHECK(a2 - a1 < 8192);
    }

    /* The new carrier works: accept, then let the old connection go. */
    CHECK_OK(qns_session_accept(s));
    settle();
    CHECK_STR(trace_take(&t), "state:3");
    CHECK(echo(old_fd, 16384)); /* a0 stays up: the system brought it up */

    /* The new connection works: let the old one go. */
    close(old_fd);
    CHECK(echo(new_fd, 16384));
    close(new_fd);
    /* A session that is not Connected binds nothing: b0 goes down and the
     * session that had it open is Disconnected. */
    CHECK_OK(qns_session_close(s));
    sh("ip link set b0 down");
    settle();
    CHECK_EQ_INT(qns_session_state(on_b), QNS_STATE_DISCONNECTED);
    int late = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_EQ_INT(qns_session_bind_socket(on_b, late), QNS_ERR_WRONG_STATE);
    close(late);
    qns_session_free(on_a);
    qns_session_free(on_b);
    qns_session_free(s);
}

/* ---- re-runs of this program (see main) ---- */

/* SO_BINDTODEVICE now fails with EPERM, as on a kernel before 5.7 without
 * CAP_NET_RAW: the socket is bound to the interface's address instead. */
static int refuse_bind_to_device(void) {
#if defined(__x86_64__)
    const unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    const unsigned arch = AUDIT_ARCH_AARCH64;
#else
    return -1;
#endif
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_BINDTODEVICE, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static qns_session *open_on(const char *ifname) {
    qns_session *s = session_on(mgr, qt_id(ifname), NULL);
    CHECK_OK(qns_session_open(s));
    CHECK(qns_session_is_open(s));
    return s;
}

static int address_fallback(void) {
    if (refuse_bind_to_device() != 0)
        return 77;
    CHECK_OK(qns_select_backend("netlink"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    qns_session *a = open_on("a0");
    /* IPv4: bound to a0's address, port chosen by the kernel. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(a, fd));
    struct sockaddr_in in4;
    socklen_t len = sizeof in4;
    CHECK_EQ_INT(getsockname(fd, (struct sockaddr *)&in4, &len), 0);
    char ip[INET6_ADDRSTRLEN];
    CHECK_STR(inet_ntop(AF_INET, &in4.sin_addr, ip, sizeof ip), A_IP);
    char dev[IFNAMSIZ];
    device_of(fd, dev);
    CHECK_STR(dev, "");
    /* Bound once already: the kernel refuses a second bind. */
    errno = 0;
    CHECK_EQ_INT(qns_session_bind_socket(a, fd), QNS_ERR_SYSTEM);
    CHECK_EQ_INT(errno, EINVAL);
    close(fd);
    /* IPv6: the global address, not the link-local one. */
    fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(a, fd));
    struct sockaddr_in6 in6;
    len = sizeof in6;
    CHECK_EQ_INT(getsockname(fd, (struct sockaddr *)&in6, &len), 0);
    CHECK_STR(inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof ip), "fd00:10::1");
    close(fd);
    /* Only a link-local IPv6 address: bound with the interface as scope. */
    qns_session *d = open_on("d0");
    fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(d, fd));
    len = sizeof in6;
    CHECK_EQ_INT(getsockname(fd, (struct sockaddr *)&in6, &len), 0);
    CHECK_STR(inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof ip), "fe80::d0");
    CHECK_EQ_INT(in6.sin6_scope_id, if_nametoindex("d0"));
    close(fd);
    qns_session_free(d);
    /* No address of the socket's family on the interface. */
    qns_session *c = open_on("c0");
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_EQ_INT(qns_session_bind_socket(c, fd), QNS_ERR_NOT_FOUND);
    close(fd);
    qns_session_free(c);
    qns_session_free(a);
    qns_manager_free(mgr);
    return qns_test_failures ? 1 : 0;
}

/* Without CAP_NET_RAW a socket may be bound to a device once (Linux 5.7+),
 * but not moved to another. */
static int without_net_raw(void) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return 2;
    data[0].effective &= ~(1u << CAP_NET_RAW);
    data[0].permitted &= ~(1u << CAP_NET_RAW);
    if (syscall(SYS_capset, &hdr, data) != 0)
        return 2;
    CHECK_OK(qns_select_backend("netlink"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    qns_session *a = open_on("a0"), *c = open_on("c0");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_OK(qns_session_bind_socket(a, fd));
    char dev[IFNAMSIZ];
    device_of(fd, dev);
    CHECK_STR(dev, "a0");
    CHECK_OK(qns_session_bind_socket(a, fd)); /* the same device again: fine */
    errno = 0;
    CHECK_EQ_INT(qns_session_bind_socket(c, fd), QNS_ERR_SYSTEM);
    CHECK_EQ_INT(errno, EPERM);
    device_of(fd, dev);
    CHECK_STR(dev, "a0");
    close(fd);
    qns_session_free(c);
    qns_session_free(a);
    qns_manager_free(mgr);
    return qns_test_failures ? 1 : 0;
}

static char self_path[4096];

static int rerun(const char *mode) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "%s %s", self_path, mode);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}

static void fallbacks(void) {
    sh("ip addr add fd00:10::1/64 dev a0 nodad");
    sh("ip link add c0 type veth peer name c1 && echo 1 > /proc/sys/net/ipv6/conf/c0/disable_ipv6 && "
       "ip link set c1 up && ip link set c0 up && ip addr add 10.12.0.1/24 dev c0");
    sh("ip link add d0 type veth peer name d1 && ip link set d0 addrgenmode none && "
       "ip link set d1 up && ip link set d0 up && ip addr add 10.13.0.1/24 dev d0 && "
       "ip addr add fe80::d0/64 dev d0 nodad");
    settle();
    int rc = rerun("--address-fallback");
    if (rc == 77)
        printf("(the seccomp part is skipped on this architecture)\n");
    else
        CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(rerun("--without-net-raw"), 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--address-fallback") == 0)
        return address_fallback();
    if (argc > 1 && strcmp(argv[1], "--without-net-raw") == 0)
        return without_net_raw();
    if (!realpath(argv[0], self_path))
        snprintf(self_path, sizeof self_path, "%s", argv[0]);
    if (!enter_network_namespace())
        return 77;
    /* Before the library starts its threads: the server is a fork. */
    if (!start_server()) {
        fprintf(stderr, "the echo server did not start\n");
        return 1;
    }
    qns_test_backend = "netlink";
    CHECK_OK(qns_select_backend("netlink"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    RUN(make_before_break_roaming);
    RUN(fallbacks);
    qns_manager_free(mgr);
    stop_server();
    return finish_tests();
}
