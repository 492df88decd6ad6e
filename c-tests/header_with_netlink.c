/* The header mixes with the kernel's netlink headers in either order
 * (QNS_NETLINK_FIRST picks it), as C99 and as C++17, with -Wall -Werror:
 * it defines no name of theirs (issue 8 item 5). */
#ifdef QNS_NETLINK_FIRST
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include "qnetworksession.h"
#else
#include "qnetworksession.h"
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#endif

int qns_header_with_netlink(void) {
    return RTM_NEWLINK + NLMSG_DONE + RTMGRP_LINK + (int)RT_TABLE_MAIN + QNS_STATE_ROAMING +
           IF_NAMESIZE;
}
