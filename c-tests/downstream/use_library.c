/* Links the installed library and drives a session on the simulated backend. */
#include <qnetworksession.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", QNS_VERSION_MAJOR, QNS_VERSION_MINOR, QNS_VERSION_PATCH);
    if (strcmp(expected, qns_version()) != 0) {
        fprintf(stderr, "header says %s, library says %s\n", expected, qns_version());
        return 1;
    }
    if (qns_select_backend("simulated") != QNS_OK)
        return 1;
    qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED);
    qns_manager *m = NULL;
    qns_configuration *c = NULL;
    qns_session *s = NULL;
    qns_manager_new(NULL, &m);
    qns_manager_configuration_from_identifier(m, "wifi", &c);
    qns_session_new(c, NULL, &s);
    qns_session_open(s);
    int ok = qns_session_wait_for_opened(s, 1000) && qns_session_state(s) == QNS_STATE_CONNECTED;
    qns_session_free(s);
    qns_configuration_free(c);
    qns_manager_free(m);
    printf("libqnetworksession %s: %s\n", qns_version(), ok ? "session opened" : "FAILED");
    return ok ? 0 : 1;
}
