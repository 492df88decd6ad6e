/* Example: open a session on the default configuration and wait for it.
 * The smallest useful program: keep the network up while you need it. */
#include <qnetworksession.h>
#include <stdio.h>

int main(void) {
    qns_manager *manager = NULL;
    if (qns_manager_new(NULL, &manager) != QNS_OK)
        return 1;
    qns_configuration *config = NULL;
    qns_manager_default_configuration(manager, &config);
    if (!config) {
        printf("offline: no default configuration\n");
        qns_manager_free(manager);
        return 0;
    }
    char name[128];
    qns_configuration_name(config, name, sizeof name, NULL);

    qns_session *session = NULL;
    qns_session_new(config, NULL, &session);
    qns_session_open(session);
    /* Waiting on this thread also delivers the default loop's callbacks. */
    if (qns_session_wait_for_opened(session, 30000))
        printf("session open on %s (%s)\n", name, qns_configuration_bearer_type_name(config));
    else
        printf("could not open %s: %s\n", name, qns_session_error_string(session));

    /* ... use the network ... */

    qns_session_close(session); /* releases it: the interface may go down if we brought it up */
    qns_session_free(session);
    qns_configuration_free(config);
    qns_manager_free(manager);
    return 0;
}
