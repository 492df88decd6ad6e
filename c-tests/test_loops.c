/* SPEC §5 and DESIGN.md loops: fd integration, dispatch, run/quit, threaded
 * loops, waitForOpened with and without dispatching, and callbacks that
 * re-enter the API, disconnect themselves or free their session. */
#include "qns_test.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>

static qns_manager *mgr;

static bool readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void count_cb(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)m, (void)c;
    (*(int *)ud)++;
}

static void fd_is_readable_while_pending(void) {
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    int fd = qns_loop_fd(lp);
    CHECK(fd >= 0);
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(lp, &m));
    int added = 0;
    CHECK_OK(qns_manager_on_configuration_added(m, count_cb, &added, NULL, NULL));
    CHECK(!readable(fd));
    CHECK_OK(qns_sim_add_access_point("a", "A", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_add_access_point("b", "B", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    /* Never inside the call that caused it. */
    CHECK_EQ_INT(added, 0);
    CHECK(readable(fd));
    size_t n = 0;
    CHECK_OK(qns_loop_dispatch(lp, 0, &n));
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(added, 2);
    CHECK(!readable(fd));
    /* dispatch with a timeout and nothing pending returns after it. */
    CHECK_OK(qns_loop_dispatch(lp, 20, &n));
    CHECK_EQ_INT(n, 0);
    qns_manager_free(m);
    qns_loop_free(lp);
}

static void count_session_cb(void *ud, qns_session *s) {
    (void)s;
    (*(int *)ud)++;
}

static int destroyed;
static void count_destroy(void *ud) {
    (void)ud;
    destroyed++;
}

static void destroy_runs_exactly_once(void) {
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    destroyed = 0;
    int added = 0;
    uint64_t token = 0;
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_OK(qns_manager_on_configuration_added(m, count_cb, &added, count_destroy, &token));
    CHECK_OK(qns_manager_on_configuration_removed(m, count_cb, &added, count_destroy, NULL));
    CHECK_OK(qns_sim_add_access_point("x", "X", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    /* Disconnected before dispatch: the queued delivery is dropped. */
    CHECK_OK(qns_disconnect(token));
    CHECK_EQ_INT(destroyed, 0); /* still referenced by the queued item */
    dispatch_all();
    CHECK_EQ_INT(added, 0);
    CHECK_EQ_INT(destroyed, 1);
    CHECK_EQ_INT(qns_disconnect(token), QNS_ERR_NOT_FOUND);
    qns_manager_free(m);
    CHECK_EQ_INT(destroyed, 2);

    qns_session *s = session_on(mgr, "eth", NULL);
    CHECK_OK(qns_session_on_opened(s, count_session_cb, &added, count_destroy, NULL));
    qns_session_free(s);
    CHECK_EQ_INT(destroyed, 3);
}

/* A callback that closes, disconnects itself, and frees its session. */
static qns_session *victim;
static trace reentry;
static uint64_t self_token;
static void reenter_on_opened(void *ud, qns_session *s) {
    (void)ud;
    trace_add(&reentry, "opened");
    CHECK(s == victim);
    CHECK(qns_session_is_open(s));
    CHECK_OK(qns_session_close(s));
    CHECK(!qns_session_is_open(s));
    CHECK_OK(qns_disconnect(self_token));
    CHECK_OK(qns_session_open(s)); /* re-enters again: queues another opened */
}
static void free_on_closed(void *ud, qns_session *s) {
    (void)ud;
    trace_add(&reentry, "closed");
    qns_session_free(s);
    victim = NULL;
}

static void callbacks_reenter_and_free(void) {
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    destroyed = 0;
    reentry.text[0] = '\0';
    victim = session_on(mgr, "eth", NULL);
    CHECK_OK(qns_session_on_opened(victim, reenter_on_opened, NULL, count_destroy, &self_token));
    CHECK_OK(qns_session_on_closed(victim, free_on_closed, NULL, count_destroy, NULL));
    CHECK_OK(qns_session_open(victim));
    dispatch_all();
    /* opened -> (close, disconnect, open) -> closed frees the session; the
     * second opened was queued for a disconnected callback: dropped. */
    CHECK_STR(trace_take(&reentry), "opened closed");
    CHECK(victim == NULL);
    CHECK_EQ_INT(destroyed, 2);
}

/* Nested dispatch from a callback keeps the order. */
static trace nested;
static void nested_added(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)m;
    trace_add(&nested, "%s", cfg_id(c));
    if (strcmp(cfg_id(c), "a") == 0)
        CHECK_OK(qns_loop_dispatch(NULL, 0, NULL));
}

static void nested_dispatch_keeps_order(void) {
    nested.text[0] = '\0';
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    CHECK_OK(qns_manager_on_configuration_added(m, nested_added, NULL, NULL, NULL));
    CHECK_OK(qns_sim_add_access_point("a", "A", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_add_access_point("b", "B", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_sim_add_access_point("c", "C", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    dispatch_all();
    CHECK_STR(trace_take(&nested), "a b c");
    qns_manager_free(m);
}

static void quit_from_callback(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)m, (void)c;
    CHECK_OK(qns_loop_quit(ud));
}

static void run_until_quit(void) {
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(lp, &m));
    CHECK_OK(qns_manager_on_configuration_added(m, quit_from_callback, lp, NULL, NULL));
    CHECK_OK(qns_sim_add_access_point("a", "A", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    CHECK_OK(qns_loop_run(lp)); /* returns because the callback quit it */
    CHECK_EQ_INT(qns_loop_pending(lp), 0);
    qns_manager_free(m);
    qns_loop_free(lp);
}

/* Threaded loops deliver on their own thread, in order. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static trace threaded_trace;
static pthread_t delivered_on;
static int delivered_count;

static void threaded_state(void *ud, qns_session *s, int st) {
    (void)ud, (void)s;
    pthread_mutex_lock(&mu);
    trace_add(&threaded_trace, "state:%d", st);
    delivered_on = pthread_self();
    delivered_count++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}
static void threaded_opened(void *ud, qns_session *s) {
    (void)ud, (void)s;
    pthread_mutex_lock(&mu);
    trace_add(&threaded_trace, "opened");
    delivered_count++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void wait_delivered(int n) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < 500 && delivered_count < n; i++) {
        pthread_mutex_unlock(&mu);
        sleep_ms(10);
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
}

static void threaded_loop_delivers(void) {
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new_threaded(&lp));
    CHECK_EQ_INT(qns_loop_fd(lp), -1);
    CHECK_EQ_INT(qns_loop_dispatch(lp, 0, NULL), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_loop_run(lp), QNS_ERR_WRONG_STATE);
    qns_configuration *c = lookup(mgr, "wifi");
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(c, lp, &s));
    qns_configuration_free(c);
    delivered_count = 0;
    threaded_trace.text[0] = '\0';
    CHECK_OK(qns_session_on_state_changed(s, threaded_state, NULL, NULL, NULL));
    CHECK_OK(qns_session_on_opened(s, threaded_opened, NULL, NULL, NULL));
    CHECK_OK(qns_session_open(s));
    /* Not the loop's thread: waits without dispatching, the loop's own
     * thread delivers. */
    CHECK(qns_session_wait_for_opened(s, 5000));
    wait_delivered(3);
    pthread_mutex_lock(&mu);
    CHECK_STR(threaded_trace.text, "state:2 opened state:3");
    CHECK(!pthread_equal(delivered_on, pthread_self()));
    pthread_mutex_unlock(&mu);
    qns_session_free(s);
    qns_loop_free(lp);
}

/* waitForOpened from a thread that is not the loop's: no dispatching. */
static qns_session *waited;
static void *waiter(void *arg) {
    (void)arg;
    return (void *)(intptr_t)qns_session_wait_for_opened(waited, 5000);
}

static void wait_for_opened_without_dispatch(void) {
    trace t = {{0}};
    CHECK_OK(qns_sim_add_access_point("wifi", "WiFi", QNS_BEARER_WLAN, QNS_STATE_FLAG_DISCOVERED));
    CHECK_OK(qns_sim_set_start_behavior("wifi", QNS_SIM_START_DELAY, 50, 0));
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    qns_configuration *c = lookup(mgr, "wifi");
    CHECK_OK(qns_session_new(c, lp, &waited));
    qns_configuration_free(c);
    watch_session(&t, waited);
    CHECK_OK(qns_session_open(waited));
    pthread_t th;
    pthread_create(&th, NULL, waiter, NULL);
    void *result = NULL;
    pthread_join(th, &result);
    CHECK(result == (void *)1);
    /* Nobody dispatched lp: its events wait for the application. */
    CHECK_STR(t.text, "");
    CHECK_EQ_INT(qns_loop_pending(lp), 3);
    CHECK_OK(qns_loop_dispatch(lp, 0, NULL));
    CHECK_STR(trace_take(&t), "state:2 opened state:3");
    /* A session whose open failed: false at once, from any thread. */
    CHECK_OK(qns_session_close(waited));
    CHECK(!qns_session_wait_for_opened(waited, 5000));
    qns_session_free(waited);
    qns_loop_free(lp);
}

/* A threaded loop freed from one of its own callbacks. */
static qns_loop *self_freeing;
static atomic_int freed_from_callback;
static void free_loop_cb(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)c;
    qns_manager_free(m);
    qns_loop_free(self_freeing);
    atomic_store(&freed_from_callback, 1);
}

static void threaded_loop_freed_from_its_callback(void) {
    atomic_store(&freed_from_callback, 0);
    CHECK_OK(qns_loop_new_threaded(&self_freeing));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(self_freeing, &m));
    CHECK_OK(qns_manager_on_configuration_added(m, free_loop_cb, NULL, NULL, NULL));
    CHECK_OK(qns_sim_add_access_point("a", "A", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    for (int i = 0; i < 500 && !atomic_load(&freed_from_callback); i++)
        sleep_ms(10);
    CHECK(atomic_load(&freed_from_callback));
    sleep_ms(20);
}

/* A destroy callback that calls back into the library: it must never run
 * under a library lock (that would deadlock here). */
static void destroy_calling_api(void *ud) {
    (void)ud;
    (void)qns_manager_is_online(mgr);
    destroyed++;
}

static void destroy_of_queued_callback_runs_unlocked(void) {
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    destroyed = 0;
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    qns_configuration *c = lookup(mgr, "eth");
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(c, lp, &s));
    qns_configuration_free(c);
    int opened = 0;
    uint64_t token = 0;
    CHECK_OK(qns_session_on_opened(s, count_session_cb, &opened, destroy_calling_api, &token));
    CHECK_OK(qns_session_open(s));      /* queues opened() on lp */
    CHECK_OK(qns_disconnect(token));    /* only the queued item holds it now */
    qns_loop_free(lp);                  /* the session holds the last loop reference */
    qns_session_free(s);                /* drops the loop, its queue, the connection */
    CHECK_EQ_INT(destroyed, 1);
    CHECK_EQ_INT(opened, 0);
}

/* One thread dispatches a loop at a time: a second one is told so. */
static atomic_int in_callback, may_leave;
static void blocking_cb(void *ud, qns_manager *m, const qns_configuration *c) {
    (void)ud, (void)m, (void)c;
    atomic_store(&in_callback, 1);
    while (!atomic_load(&may_leave))
        sleep_ms(1);
}
static void *dispatch_thread(void *lp) {
    qns_loop_dispatch(lp, 1000, NULL);
    return NULL;
}

static void second_dispatcher_is_refused(void) {
    atomic_store(&in_callback, 0);
    atomic_store(&may_leave, 0);
    qns_loop *lp = NULL;
    CHECK_OK(qns_loop_new(&lp));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(lp, &m));
    CHECK_OK(qns_manager_on_configuration_added(m, blocking_cb, NULL, NULL, NULL));
    CHECK_OK(qns_sim_add_access_point("a", "A", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    pthread_t th;
    pthread_create(&th, NULL, dispatch_thread, lp);
    for (int i = 0; i < 500 && !atomic_load(&in_callback); i++)
        sleep_ms(2);
    CHECK(atomic_load(&in_callback));
    CHECK_EQ_INT(qns_loop_dispatch(lp, 0, NULL), QNS_ERR_WRONG_STATE);
    CHECK_EQ_INT(qns_loop_run(lp), QNS_ERR_WRONG_STATE);
    atomic_store(&may_leave, 1);
    pthread_join(th, NULL);
    CHECK_OK(qns_loop_dispatch(lp, 0, NULL)); /* free again */
    qns_manager_free(m);
    qns_loop_free(lp);
}

static void default_loop_handle(void) {
    qns_loop *d = qns_loop_default();
    CHECK(d != NULL);
    CHECK(qns_loop_default() == d);
    CHECK_EQ_INT(qns_loop_fd(d), qns_loop_fd(NULL));
    qns_loop_free(d); /* no-op */
    CHECK(qns_loop_fd(NULL) >= 0);
    CHECK_EQ_INT(qns_loop_dispatch(NULL, -2, NULL), QNS_ERR_INVALID_ARGUMENT);
}

/* moveToThread: what is queued moves along in order, after what the new
 * loop already holds; later signals go to the new loop only. */
static void set_loop_moves_pending_deliveries(void) {
    trace t = {{0}};
    qns_loop *a = NULL, *b = NULL;
    CHECK_OK(qns_loop_new(&a));
    CHECK_OK(qns_loop_new(&b));
    CHECK_OK(qns_sim_add_access_point("eth", "Eth", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE));
    qns_configuration *c = lookup(mgr, "eth");
    qns_session *s = NULL, *other = NULL;
    CHECK_OK(qns_session_new(c, a, &s));
    CHECK_OK(qns_session_new(c, b, &other));
    watch_session(&t, s);
    int other_opened = 0;
    CHECK_OK(qns_session_on_opened(other, count_session_cb, &other_opened, NULL, NULL));
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(a, &m));
    int changed = 0;
    CHECK_OK(qns_manager_on_configuration_changed(m, count_cb, &changed, NULL, NULL));

    CHECK_OK(qns_session_open(other)); /* b: other's opened() */
    CHECK_OK(qns_session_open(s));     /* a: s's opened() */
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DISCOVERED)); /* a: s closed etc, m changed */
    size_t on_a = qns_loop_pending(a);
    CHECK(on_a >= 4);
    CHECK_OK(qns_session_set_loop(s, b));
    /* Only the manager's delivery stays on a. */
    CHECK_EQ_INT(qns_loop_pending(a), 1);
    CHECK_EQ_INT(qns_loop_pending(b), on_a);
    size_t n = 0;
    CHECK_OK(qns_loop_dispatch(a, 0, &n));
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(changed, 1);
    CHECK_STR(t.text, "");
    CHECK_OK(qns_loop_dispatch(b, 0, &n));
    CHECK_EQ_INT(other_opened, 1);
    CHECK_STR(trace_take(&t), "opened closed state:5 error:1");
    /* Later signals: b only. */
    CHECK_OK(qns_manager_set_loop(m, b));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_ACTIVE));
    CHECK_EQ_INT(qns_loop_pending(a), 0);
    CHECK_OK(qns_loop_dispatch(b, 0, &n));
    CHECK_EQ_INT(changed, 2);
    CHECK_STR(trace_take(&t), "state:3");
    /* NULL is the default loop. */
    CHECK_OK(qns_session_set_loop(s, NULL));
    CHECK_OK(qns_sim_set_state("eth", QNS_STATE_FLAG_DEFINED));
    CHECK_EQ_INT(qns_loop_pending(b), 1); /* the manager's */
    EXPECT_TRACE(&t, "state:1");
    CHECK_OK(qns_loop_dispatch(b, 0, NULL));
    qns_manager_free(m);
    qns_session_free(s);
    qns_session_free(other);
    qns_configuration_free(c);
    qns_loop_free(a);
    qns_loop_free(b);
}

int main(void) {
    CHECK_OK(qns_select_backend("simulated"));
    CHECK_OK(qns_manager_new(NULL, &mgr));
    RUN(fd_is_readable_while_pending);
    RUN(destroy_runs_exactly_once);
    RUN(callbacks_reenter_and_free);
    RUN(nested_dispatch_keeps_order);
    RUN(run_until_quit);
    RUN(threaded_loop_delivers);
    RUN(wait_for_opened_without_dispatch);
    RUN(threaded_loop_freed_from_its_callback);
    RUN(destroy_of_queued_callback_runs_unlocked);
    RUN(second_dispatcher_is_refused);
    RUN(default_loop_handle);
    RUN(set_loop_moves_pending_deliveries);
    qns_manager_free(mgr);
    return finish_tests();
}
