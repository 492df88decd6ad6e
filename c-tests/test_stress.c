/* 8 threads for a few seconds: sessions opened, closed and stopped,
 * callbacks registered and dropped, loops dispatched, the simulated network
 * flipping underneath. Afterwards counts and states must be consistent.
 * QNS_STRESS_SECONDS overrides the duration (default 3). */
#include "qns_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define N_APS 4
static const char *aps[N_APS] = {"ap0", "ap1", "ap2", "ap3"};
static atomic_int running = 1;
static atomic_long delivered = 0;
static atomic_long destroyed = 0;
static atomic_long registered = 0;
static atomic_long operations = 0;
static qns_manager *shared_mgr;

static void on_any(void *ud, qns_session *s, int v) { (void)ud, (void)s, (void)v; atomic_fetch_add(&delivered, 1); }
static void on_void(void *ud, qns_session *s) { (void)ud, (void)s; atomic_fetch_add(&delivered, 1); }
static void on_cfg(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)m;
    char buf[32];
    qns_configuration_name(c, buf, sizeof buf, NULL); /* touch the lent handle */
    atomic_fetch_add(&delivered, 1);
}
static void on_destroy(void *ud) { (void)ud; atomic_fetch_add(&destroyed, 1); }

static unsigned next_rand(unsigned *seed) { return *seed = *seed * 1103515245u + 12345u; }

/* Workers 0-3: sessions on app loops (0,1), a threaded loop (2), the default loop (3). */
static void *session_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    unsigned seed = (unsigned)id * 7919u + 1;
    qns_loop *lp = NULL;
    if (id < 2)
        qns_loop_new(&lp);
    else if (id == 2)
        qns_loop_new_threaded(&lp);
    qns_session *sessions[4] = {0};
    while (atomic_load(&running)) {
        int k = (int)(next_rand(&seed) >> 8) % 4;
        if (!sessions[k]) {
            qns_configuration *c = NULL;
            qns_manager_configuration_from_identifier(shared_mgr, aps[(next_rand(&seed) >> 8) % N_APS], &c);
            qns_session_new(c, lp, &sessions[k]);
            qns_configuration_free(c);
            uint64_t token = 0;
            if (qns_session_on_state_changed(sessions[k], on_any, NULL, on_destroy, &token) == QNS_OK)
                atomic_fetch_add(&registered, 1);
            if (qns_session_on_opened(sessions[k], on_void, NULL, on_destroy, NULL) == QNS_OK)
                atomic_fetch_add(&registered, 1);
            if ((next_rand(&seed) >> 8) % 2 && qns_disconnect(token) != QNS_OK)
                fprintf(stderr, "disconnect of a live token failed\n");
        }
        switch ((next_rand(&seed) >> 8) % 6) {
        case 0: case 1: qns_session_open(sessions[k]); break;
        case 2: qns_session_close(sessions[k]); break;
        case 3: if ((next_rand(&seed) >> 8) % 8 == 0) qns_session_stop(sessions[k]); break;
        case 4: qns_session_wait_for_opened(sessions[k], 0); break;
        case 5: qns_session_free(sessions[k]); sessions[k] = NULL; break;
        }
        if (id < 2)
            qns_loop_dispatch(lp, 0, NULL);
        atomic_fetch_add(&operations, 1);
    }
    for (int k = 0; k < 4; k++)
        qns_session_free(sessions[k]);
    if (lp) {
        if (id < 2)
            qns_loop_dispatch(lp, 0, NULL);
        qns_loop_free(lp);
    }
    return NULL;
}

/* Worker 4: the network flips underneath. */
static void *network_worker(void *arg) {
    (void)arg;
    unsigned seed = 42;
    static const unsigned states[] = {QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_DISCOVERED, QNS_STATE_FLAG_ACTIVE,
                                      QNS_STATE_FLAG_ACTIVE};
    while (atomic_load(&running)) {
        const char *ap = aps[(next_rand(&seed) >> 8) % N_APS];
        qns_sim_set_state(ap, states[(next_rand(&seed) >> 8) % 4]);
        if ((next_rand(&seed) >> 8) % 16 == 0)
            qns_sim_set_name(ap, (next_rand(&seed) >> 8) % 2 ? "renamed" : "original");
        atomic_fetch_add(&operations, 1);
        sleep_ms(1);
    }
    return NULL;
}

/* Worker 5: managers come and go with callbacks, listing as they go. */
static void *manager_worker(void *arg) {
    (void)arg;
    while (atomic_load(&running)) {
        qns_manager *m = NULL;
        qns_manager_new(NULL, &m);
        if (qns_manager_on_configuration_changed(m, on_cfg, NULL, on_destroy, NULL) == QNS_OK)
            atomic_fetch_add(&registered, 1);
        qns_configuration_list *l = NULL;
        qns_manager_all_configurations(m, 0, &l);
        for (size_t i = 0; i < qns_configuration_list_size(l); i++)
            qns_configuration_state(qns_configuration_list_get(l, i));
        qns_configuration_list_free(l);
        sleep_ms(1);
        qns_manager_free(m);
        atomic_fetch_add(&operations, 1);
    }
    return NULL;
}

/* Workers 6-7: readers hammering queries on shared handles. */
static void *reader_worker(void *arg) {
    (void)arg;
    qns_configuration *c = NULL;
    qns_manager_configuration_from_identifier(shared_mgr, "ap1", &c);
    qns_session *s = NULL;
    qns_session_new(c, NULL, &s);
    while (atomic_load(&running)) {
        char buf[32];
        qns_configuration_name(c, buf, sizeof buf, NULL);
        qns_session_state(s);
        qns_manager_is_online(shared_mgr);
        qns_configuration *d = NULL;
        qns_manager_default_configuration(shared_mgr, &d);
        qns_configuration_free(d);
        atomic_fetch_add(&operations, 1);
    }
    qns_session_free(s);
    qns_configuration_free(c);
    return NULL;
}

static void stress(void) {
    for (int i = 0; i < N_APS; i++)
        CHECK_OK(qns_sim_add_access_point(aps[i], "original", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_manager_new(NULL, &shared_mgr));
    CHECK_OK(qns_manager_on_configuration_changed(shared_mgr, on_cfg, NULL, on_destroy, NULL));
    const char *env = getenv("QNS_STRESS_SECONDS");
    int seconds = env ? atoi(env) : 3;
    pthread_t threads[8];
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, session_worker, (void *)(intptr_t)i);
    pthread_create(&threads[4], NULL, network_worker, NULL);
    pthread_create(&threads[5], NULL, manager_worker, NULL);
    pthread_create(&threads[6], NULL, reader_worker, NULL);
    pthread_create(&threads[7], NULL, reader_worker, NULL);
    time_t end = time(NULL) + seconds;
    while (time(NULL) < end)
        qns_loop_dispatch(NULL, 10, NULL); /* the main thread dispatches the default loop */
    atomic_store(&running, 0);
    for (int i = 0; i < 8; i++)
        pthread_join(threads[i], NULL);
    dispatch_all();
    qns_manager_free(shared_mgr);
    dispatch_all();
    printf("%ld operations, %ld callbacks delivered\n", atomic_load(&operations), atomic_load(&delivered));
    CHECK(atomic_load(&operations) > 1000);
    CHECK(atomic_load(&delivered) > 0);
    /* Every connection ended, and each destroy ran once. */
    CHECK_EQ_INT(atomic_load(&destroyed), atomic_load(&registered) + 1);

    /* Counts are consistent: with every session gone, a fresh open of each
     * access point starts it and the fresh close takes it down again, which
     * only happens when the count returns to zero. */
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    for (int i = 0; i < N_APS; i++) {
        CHECK_OK(qns_sim_set_state(aps[i], QNS_STATE_FLAG_DISCOVERED));
        trace t = {{0}};
        qns_session *s = session_on(m, aps[i], &t);
        CHECK_EQ_INT(qns_session_state(s), QNS_STATE_DISCONNECTED);
        CHECK_OK(qns_session_open(s));
        CHECK(qns_session_is_open(s));
        CHECK_OK(qns_session_close(s));
        EXPECT_TRACE(&t, "state:2 opened state:3 closed state:4 state:5");
        qns_configuration *c = lookup(m, aps[i]);
        CHECK_EQ_INT(qns_configuration_state(c), QNS_STATE_FLAG_DISCOVERED);
        qns_configuration_free(c);
        qns_session_free(s);
    }
    qns_manager_free(m);
}

int main(void) {
    RUN(stress);
    return finish_tests();
}
