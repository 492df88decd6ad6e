/* Example: unit-test your own code against the simulated backend.
 * The code under test is a tiny "sync service" that must pause background
 * sync on metered networks and stop when the network is lost. */
#include <qnetworksession.h>
#include <stdio.h>

/* ---- the application code under test ---- */
typedef struct sync_service {
    qns_session *session;
    bool syncing;
} sync_service;

static void on_usage(void *ud, qns_session *s, unsigned policies) {
    (void)s;
    ((sync_service *)ud)->syncing = !(policies & QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC);
}
static void on_closed(void *ud, qns_session *s) { (void)s; ((sync_service *)ud)->syncing = false; }
static void on_opened(void *ud, qns_session *s) {
    ((sync_service *)ud)->syncing = !(qns_session_usage_policies(s) & QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC);
}

static void sync_start(sync_service *svc, const qns_configuration *config) {
    qns_session_new(config, NULL, &svc->session);
    qns_session_on_opened(svc->session, on_opened, svc, NULL, NULL);
    qns_session_on_closed(svc->session, on_closed, svc, NULL, NULL);
    qns_session_on_usage_policies_changed(svc->session, on_usage, svc, NULL, NULL);
    qns_session_open(svc->session);
}

/* ---- the test ---- */
static int failures;
#define EXPECT(c) do { if (!(c)) { printf("FAILED: %s (line %d)\n", #c, __LINE__); failures++; } } while (0)

int main(void) {
    /* Choose the simulated backend before anything else touches the library. */
    if (qns_select_backend("simulated") != QNS_OK)
        return 1;
    qns_sim_add_access_point("phone", "Phone hotspot", QNS_BEARER_LTE, QNS_STATE_FLAG_ACTIVE);

    qns_manager *m = NULL;
    qns_configuration *phone = NULL;
    qns_manager_new(NULL, &m);
    qns_manager_configuration_from_identifier(m, "phone", &phone);

    sync_service svc = {0};
    sync_start(&svc, phone);
    qns_loop_dispatch(NULL, 0, NULL); /* deliver the callbacks */
    EXPECT(svc.syncing);

    qns_sim_set_metered("phone", true);
    qns_loop_dispatch(NULL, 0, NULL);
    EXPECT(!svc.syncing);

    qns_sim_set_metered("phone", false);
    qns_loop_dispatch(NULL, 0, NULL);
    EXPECT(svc.syncing);

    qns_sim_set_state("phone", QNS_STATE_FLAG_DISCOVERED); /* hotspot switched off */
    qns_loop_dispatch(NULL, 0, NULL);
    EXPECT(!svc.syncing);
    EXPECT(qns_session_error(svc.session) == QNS_SESSION_ERROR_ABORTED);

    qns_session_free(svc.session);
    qns_configuration_free(phone);
    qns_manager_free(m);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
