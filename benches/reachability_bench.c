/* Reachability change -> callback latency (issue 11): a default route added
 * (Site -> Online) or removed (Online -> Site), sent over rtnetlink by this
 * program, timed from just before the request to the reachabilityChanged
 * callback on an application loop. Run inside a network namespace with an
 * Active interface (benches/reachability.sh makes one).
 *   reachability_bench IFNAME GATEWAY N [URL]   prints median / p99 for add and
 *   remove; with URL, the connectivity check runs (Online after its answer). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "qnetworksession.h"

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int last_reach = -1;
static double delivered_at;

static void on_reach(void *ud, qns_manager *m, int r) {
    (void)ud, (void)m;
    last_reach = r;
    delivered_at = now_us();
}

/* Adds (add != 0) or deletes the default route via gw on ifindex; ACKed. */
static int route(int fd, int add, unsigned ifindex, struct in_addr gw) {
    struct {
        struct nlmsghdr h;
        struct rtmsg r;
        char attrs[64];
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
    req.r.rtm_family = AF_INET;
    req.r.rtm_table = RT_TABLE_MAIN;
    req.r.rtm_protocol = RTPROT_BOOT;
    req.r.rtm_scope = RT_SCOPE_UNIVERSE;
    req.r.rtm_type = RTN_UNICAST;
    size_t len = NLMSG_LENGTH(sizeof req.r);
    struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(len));
    a->rta_type = RTA_GATEWAY;
    a->rta_len = RTA_LENGTH(sizeof gw);
    memcpy(RTA_DATA(a), &gw, sizeof gw);
    len = NLMSG_ALIGN(len) + RTA_ALIGN(a->rta_len);
    a = (struct rtattr *)((char *)&req + len);
    a->rta_type = RTA_OIF;
    a->rta_len = RTA_LENGTH(sizeof ifindex);
    memcpy(RTA_DATA(a), &ifindex, sizeof ifindex);
    len += RTA_ALIGN(a->rta_len);
    req.h.nlmsg_len = (unsigned)len;
    if (send(fd, &req, len, 0) < 0)
        return -1;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (n < (ssize_t)sizeof *h || h->nlmsg_type != NLMSG_ERROR)
        return -1;
    return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Waits for reachability `want` on lp; the latency since t0 in µs, or -1. */
static double wait_for(qns_loop *lp, int want, double t0) {
    for (int i = 0; i < 2000 && last_reach != want; i++)
        qns_loop_dispatch(lp, 5, NULL);
    return last_reach == want ? delivered_at - t0 : -1;
}

static void report(const char *what, double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    printf("%s: median %.1f us, p99 %.1f us, max %.1f us (%d changes)\n", what, v[n / 2],
           v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], v[n - 1], n);
}

int main(int argc, char **argv) {
    if (argc < 4)
        return 2;
    unsigned ifindex = if_nametoindex(argv[1]);
    struct in_addr gw;
    int n = atoi(argv[3]);
    if (!ifindex || inet_pton(AF_INET, argv[2], &gw) != 1 || n <= 0)
        return 2;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return 1;
    qns_loop *lp = NULL;
    qns_manager *m = NULL;
    if (qns_select_backend("netlink") != QNS_OK || qns_loop_new(&lp) != QNS_OK ||
        qns_manager_new(lp, &m) != QNS_OK)
        return 1;
    qns_manager_on_reachability_changed(m, on_reach, NULL, NULL, NULL);
    if (argc > 4 && qns_manager_set_connectivity_check(m, argv[4], NULL) != QNS_OK)
        return 2;
    for (int i = 0; i < 20; i++)
        qns_loop_dispatch(lp, 10, NULL); /* settle */
    last_reach = qns_manager_reachability(m);
    double *add = calloc((size_t)n, sizeof *add), *del = calloc((size_t)n, sizeof *del);
    int lost = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        if (route(fd, 1, ifindex, gw) != 0)
            return 1;
        add[i] = wait_for(lp, QNS_REACHABILITY_ONLINE, t0);
        t0 = now_us();
        if (route(fd, 0, ifindex, gw) != 0)
            return 1;
        del[i] = wait_for(lp, QNS_REACHABILITY_SITE, t0);
        lost += add[i] < 0 || del[i] < 0;
    }
    if (argc > 4)
        printf("with the connectivity check (%s):\n", argv[4]);
    report("default route added -> reachabilityChanged(Online)", add, n);
    report("default route removed -> reachabilityChanged(Site)", del, n);
    printf("missed: %d\n", lost);
    qns_manager_free(m);
    qns_loop_free(lp);
    return lost ? 1 : 0;
}
