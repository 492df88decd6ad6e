/* Example: put the library's loop fd into your own poll() loop next to your
 * other file descriptors, and dispatch when it is readable.
 * usage: poll_loop [seconds]   (default: run until killed) */
#include <poll.h>
#include <qnetworksession.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void on_changed(void *user_data, qns_manager *m, const qns_configuration *c) {
    (void)user_data, (void)m;
    char id[64], name[64];
    qns_configuration_identifier(c, id, sizeof id, NULL);
    qns_configuration_name(c, name, sizeof name, NULL);
    printf("configuration %s (%s) changed: state 0x%x\n", id, name, qns_configuration_state(c));
}

static void on_online(void *user_data, qns_manager *m, bool online) {
    (void)user_data, (void)m;
    printf("now %s\n", online ? "online" : "offline");
}

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : -1;
    qns_loop *loop = NULL;
    qns_manager *manager = NULL;
    if (qns_loop_new(&loop) != QNS_OK || qns_manager_new(loop, &manager) != QNS_OK)
        return 1;
    qns_manager_on_configuration_changed(manager, on_changed, NULL, NULL, NULL);
    qns_manager_on_online_state_changed(manager, on_online, NULL, NULL, NULL);
    printf("%s\n", qns_manager_is_online(manager) ? "online" : "offline");

    time_t end = seconds >= 0 ? time(NULL) + seconds : 0;
    while (seconds < 0 || time(NULL) < end) {
        struct pollfd fds[] = {
            {qns_loop_fd(loop), POLLIN, 0},
            /* ... your sockets, timers, pipes ... */
        };
        if (poll(fds, 1, 200) > 0 && (fds[0].revents & POLLIN))
            qns_loop_dispatch(loop, 0, NULL); /* runs the callbacks, on this thread */
    }
    qns_manager_free(manager);
    qns_loop_free(loop);
    return 0;
}
