/* The floor for start-up: a bare program that sends the same rtnetlink dumps
 * the library's netlink backend sends when it starts (RTM_GETLINK with
 * RTEXT_FILTER_SKIP_STATS, RTM_GETADDR, RTM_GETROUTE, all AF_UNSPEC) and only
 * reads the replies (64 KiB reads, as the library does). Nothing is parsed
 * beyond counting messages. Timed from main(), like benches/compare/ours.c.
 *   netlink_floor        prints "floor X ms N links M messages P kB peak RSS" */
#define _GNU_SOURCE
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static char buf[64 * 1024];

/* Sends one dump request and reads until NLMSG_DONE; returns the number of
 * messages of `kind` received, or -1. */
static long dump(int fd, unsigned short type, const void *body, size_t len, unsigned short kind) {
    struct {
        struct nlmsghdr h;
        char body[64];
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = (unsigned)(NLMSG_HDRLEN + len);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = type;
    memcpy(req.body, body, len);
    if (send(fd, &req, req.h.nlmsg_len, 0) < 0)
        return -1;
    long count = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            return -1;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE)
                return count;
            if (h->nlmsg_type == NLMSG_ERROR)
                return -1;
            count += h->nlmsg_type == kind;
        }
    }
}

int main(void) {
    double t0 = now_us();
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return 1;
    struct {
        struct ifinfomsg ifi;
        struct rtattr ext;
        unsigned mask;
    } link = {{.ifi_family = AF_UNSPEC}, {.rta_len = RTA_LENGTH(4), .rta_type = IFLA_EXT_MASK}, RTEXT_FILTER_SKIP_STATS};
    struct ifaddrmsg addr = {.ifa_family = AF_UNSPEC};
    struct rtmsg route = {.rtm_family = AF_UNSPEC};
    long links = dump(fd, RTM_GETLINK, &link, sizeof link, RTM_NEWLINK);
    long addrs = dump(fd, RTM_GETADDR, &addr, sizeof addr, RTM_NEWADDR);
    long routes = dump(fd, RTM_GETROUTE, &route, sizeof route, RTM_NEWROUTE);
    double t = now_us() - t0;
    if (links < 0 || addrs < 0 || routes < 0)
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("floor %.3f ms %ld links %ld messages %ld kB peak RSS\n", t / 1e3, links, links + addrs + routes,
           ru.ru_maxrss);
    close(fd);
    return 0;
}
