/* Example: application-level roaming. Registering a
 * preferredConfigurationChanged callback tells the library that this
 * application decides: it is offered a better network, moves its traffic
 * (migrate), checks the new network, then accepts or rejects.
 * usage: roaming [service-network-id]   (--simulate: play it on the simulated backend) */
#include <qnetworksession.h>
#include <stdio.h>
#include <string.h>

static void on_preferred(void *user_data, qns_session *s, const qns_configuration *better, bool seamless) {
    (void)user_data;
    char name[64];
    qns_configuration_name(better, name, sizeof name, NULL);
    printf("offered %s (%s)\n", name, seamless ? "seamless" : "addresses change");
    /* Here an application would check it is a good moment to move. */
    qns_session_migrate(s);
}

static void on_activated(void *user_data, qns_session *s) {
    (void)user_data;
    /* The new network is up: reconnect sockets over it, then decide. */
    bool works = true;
    if (works)
        qns_session_accept(s);
    else
        qns_session_reject(s);
    char id[64];
    qns_session_property_string(s, "ActiveConfiguration", id, sizeof id, NULL);
    printf("%s, now on %s\n", works ? "accepted" : "rejected", id);
}

static void on_error(void *user_data, qns_session *s, int error) {
    (void)user_data, (void)error;
    printf("error: %s\n", qns_session_error_string(s));
}

int main(int argc, char **argv) {
    bool simulate = argc > 1 && strcmp(argv[1], "--simulate") == 0;
    const char *network = argc > 1 && !simulate ? argv[1] : "internet";
    if (simulate) {
        qns_select_backend("simulated");
        qns_sim_add_access_point("wifi", "Cafe WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_ACTIVE);
        qns_sim_add_access_point("eth", "Desk cable", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_DEFINED);
        const char *members[] = {"eth", "wifi"}; /* priority order */
        qns_sim_add_service_network("internet", "Internet", members, 2);
    }
    qns_manager *manager = NULL;
    qns_configuration *config = NULL;
    qns_session *session = NULL;
    qns_manager_new(NULL, &manager);
    qns_manager_configuration_from_identifier(manager, network, &config);
    if (!config) {
        printf("no configuration %s (try --simulate)\n", network);
        qns_manager_free(manager);
        return 0;
    }
    qns_session_new(config, NULL, &session);
    qns_session_on_preferred_configuration_changed(session, on_preferred, NULL, NULL, NULL);
    qns_session_on_new_configuration_activated(session, on_activated, NULL, NULL, NULL);
    qns_session_on_error(session, on_error, NULL, NULL, NULL);
    qns_session_open(session);
    if (!qns_session_wait_for_opened(session, 30000)) {
        printf("could not open: %s\n", qns_session_error_string(session));
    } else if (simulate) {
        qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE); /* someone plugs in the cable */
        qns_loop_dispatch(NULL, 100, NULL);               /* offer -> migrate -> activated -> accept */
        qns_loop_dispatch(NULL, 100, NULL);
    } else {
        qns_loop_run(NULL); /* until killed */
    }
    qns_session_free(session);
    qns_configuration_free(config);
    qns_manager_free(manager);
    return 0;
}
