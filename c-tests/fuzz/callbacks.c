/* The fuzzer's callbacks: each checks the SPEC §5 delivery rules when it
 * starts, then (sometimes) does a random action from inside the callback. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

const char *const fz_signal_names[FZ_SIG_COUNT] = {
    "stateChanged", "opened", "closed", "error", "preferredConfigurationChanged",
    "newConfigurationActivated", "usagePoliciesChanged", "configurationAdded",
    "configurationRemoved", "configurationChanged", "onlineStateChanged", "updateCompleted",
};

atomic_bool fz_paused = false;
atomic_int fz_cb_acting = 0;
_Atomic uint64_t fz_registered = 0, fz_destroyed_once = 0;

static bool thread_dispatches(fz_thread *t, fz_loop *l) {
    int n = t->ndispatching < FZ_MAX_STACK ? t->ndispatching : FZ_MAX_STACK;
    for (int i = 0; i < n; i++)
        if (t->dispatching[i] == l)
            return true;
    return false;
}

/* Where a callback may run: inside a dispatch / run / waitForOpened of its
 * loop on this thread, or on a threaded loop's own (single) thread. */
static bool check_thread(fz_thread *t, fz_conn *c, fz_loop *l) {
    if (l->kind == FZ_LOOP_THREADED) {
        bool app_thread = t->role[0] != 'l'; /* "worker" or "main" */
        int expected = 0;
        bool one_thread = atomic_compare_exchange_strong(&l->lib_thread, &expected, t->id + 1) ||
                          expected == t->id + 1;
        return fz_check(FZ_I_THREAD, !app_thread && one_thread,
                        "%s callback of threaded loop #%llu ran on %s thread %d (its thread: %d)",
                        fz_signal_names[c->signal], (unsigned long long)l->id, t->role, t->id,
                        expected - 1);
    }
    return fz_check(FZ_I_THREAD, thread_dispatches(t, l),
                    "%s callback of %s loop #%llu ran on %s thread %d, which was not dispatching it",
                    fz_signal_names[c->signal], l->kind == FZ_LOOP_DEFAULT ? "the default" : "application",
                    (unsigned long long)l->id, t->role, t->id);
}

/* One thread delivers a loop's callbacks at a time (it may nest). */
static bool take_delivery(fz_thread *t, fz_conn *c, fz_loop *l, bool *took) {
    int me = t->id + 1;
    int holder = atomic_load(&l->deliverer);
    if (holder == me) {
        l->depth++;
    } else {
        holder = 0;
        if (atomic_compare_exchange_strong(&l->deliverer, &holder, me))
            l->depth = 1;
    }
    *took = holder == me || holder == 0;
    return fz_check(FZ_I_ONE_DELIVERER, *took,
                    "%s callback of loop #%llu ran on thread %d while thread %d was inside another "
                    "callback of that loop",
                    fz_signal_names[c->signal], (unsigned long long)l->id, t->id, holder - 1);
}

static void give_back_delivery(fz_loop *l) {
    if (--l->depth == 0)
        atomic_store(&l->deliverer, 0);
}

static _Atomic uint64_t callbacks_total;

/* Returns false when the callback must not do anything (a violation). */
static bool cb_enter(fz_conn *c, void *handle) {
    fz_thread *t = fz_current();
    if (c->magic != FZ_CONN_MAGIC) {
        fz_check(FZ_I_CB_AFTER_DESTROY, false, "a callback ran with user data freed long after its destroy");
        return false;
    }
    /* First, announce the delivery (seq_cst): see fuzz.h. */
    atomic_fetch_add(&c->running, 1);
    fz_obj *o = c->owner;
    atomic_fetch_add(&o->cb_running, 1);
    atomic_store(&c->cb_thread, t->id);
    atomic_store(&o->cb_thread, t->id);
    atomic_store(&o->cb_last, c);
    int frame = t->nrunning < FZ_MAX_STACK ? t->nrunning++ : -1;
    if (frame >= 0) {
        t->running[frame].conn = c;
        t->running[frame].delivering = false;
    }
    fz_op_begin(fz_signal_names[c->signal], o->id);
    atomic_fetch_add_explicit(&t->callbacks, 1, memory_order_relaxed);

    bool ok = true;
    ok &= fz_check(FZ_I_CB_AFTER_DESTROY, atomic_load(&c->destroyed) == 0,
                   "%s callback #%llu of %llu ran after its destroy(user_data)", fz_signal_names[c->signal],
                   (unsigned long long)c->id, (unsigned long long)o->id);
    ok &= fz_check(FZ_I_CB_AFTER_DISCONNECT, !atomic_load(&c->ended),
                   "%s callback #%llu of %llu started on thread %d after qns_disconnect of it returned",
                   fz_signal_names[c->signal], (unsigned long long)c->id, (unsigned long long)o->id, t->id);
    ok &= fz_check(FZ_I_CB_AFTER_FREE, !atomic_load(&o->freed),
                   "%s callback #%llu started on thread %d after %s #%llu's free returned",
                   fz_signal_names[c->signal], (unsigned long long)c->id, t->id,
                   o->kind == FZ_SESSION ? "session" : "manager", (unsigned long long)o->id);
    if (!ok)
        return false;
    ok &= fz_check(FZ_I_ARGS, handle == o->h, "%s callback got object %p, registered on %p",
                   fz_signal_names[c->signal], handle, o->h);
    ok &= check_thread(t, c, o->loop);
    bool took = false;
    ok &= take_delivery(t, c, o->loop, &took);
    if (frame >= 0)
        t->running[frame].delivering = took;
    return ok;
}

static void cb_leave(fz_conn *c) {
    fz_thread *t = fz_self;
    if (c->magic != FZ_CONN_MAGIC)
        return;
    if (t->nrunning > 0 && t->running[t->nrunning - 1].conn == c) {
        t->nrunning--;
        if (t->running[t->nrunning].delivering)
            give_back_delivery(c->owner->loop);
    }
    fz_op_end();
    atomic_fetch_sub(&c->owner->cb_running, 1);
    atomic_fetch_sub(&c->running, 1); /* last: the delivery is over */
    atomic_fetch_add_explicit(&callbacks_total, 1, memory_order_relaxed);
}

uint64_t fz_callbacks_total(void) { return atomic_load(&callbacks_total); }

static void body(fz_conn *c) {
    if (atomic_load(&fz_paused))
        return;
    fz_thread *t = fz_self;
    atomic_fetch_add(&fz_cb_acting, 1);
    if (!atomic_load(&fz_paused))
        fz_callback_action(&t->rng, c);
    atomic_fetch_sub(&fz_cb_acting, 1);
}

static void check_inert(fz_conn *c, int error) {
    if (c->owner->inert)
        fz_check(FZ_I_INERT, c->signal == FZ_SIG_ERROR && error == QNS_SESSION_ERROR_INVALID_CONFIGURATION,
                 "a session on a null configuration delivered %s(%d)", fz_signal_names[c->signal], error);
}

static void on_state(void *ud, qns_session *s, int state) {
    fz_conn *c = ud;
    if (cb_enter(c, s)) {
        check_inert(c, state);
        fz_check(FZ_I_ARGS, state >= QNS_STATE_INVALID && state <= QNS_STATE_ROAMING, "stateChanged(%d)", state);
        if (c->keep) {
            /* The tracker sees every stateChanged of its session, in order:
             * set_state only emits a change, so two in a row never match.
             * (Values >= 100 are the state read when it was registered.) */
            int before = atomic_exchange(&c->owner->last_state, state);
            fz_check(FZ_I_STATE_REPEAT, before >= 100 || before != state,
                     "session #%llu delivered stateChanged(%d) twice in a row",
                     (unsigned long long)c->owner->id, state);
        }
        body(c);
    }
    cb_leave(c);
}

static void on_session_void(void *ud, qns_session *s) {
    fz_conn *c = ud;
    if (cb_enter(c, s)) {
        check_inert(c, -1);
        body(c);
    }
    cb_leave(c);
}

static void on_error(void *ud, qns_session *s, int error) {
    fz_conn *c = ud;
    if (cb_enter(c, s)) {
        check_inert(c, error);
        fz_check(FZ_I_ARGS, error >= QNS_SESSION_ERROR_UNKNOWN && error <= QNS_SESSION_ERROR_INVALID_CONFIGURATION,
                 "error(%d)", error);
        body(c);
    }
    cb_leave(c);
}

static void on_preferred(void *ud, qns_session *s, const qns_configuration *cfg, bool seamless) {
    fz_conn *c = ud;
    (void)seamless;
    if (cb_enter(c, s)) {
        check_inert(c, -1);
        char id[64];
        fz_check(FZ_I_ARGS, cfg && qns_configuration_identifier(cfg, id, sizeof id, NULL) == QNS_OK,
                 "preferredConfigurationChanged lent no readable configuration");
        body(c);
    }
    cb_leave(c);
}

static void on_usage(void *ud, qns_session *s, unsigned policies) {
    fz_conn *c = ud;
    if (cb_enter(c, s)) {
        check_inert(c, -1);
        fz_check(FZ_I_ARGS, (policies & ~QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC) == 0,
                 "usagePoliciesChanged(%u)", policies);
        body(c);
    }
    cb_leave(c);
}

static void on_configuration(void *ud, qns_manager *m, const qns_configuration *cfg) {
    fz_conn *c = ud;
    if (cb_enter(c, m)) {
        char id[64];
        fz_check(FZ_I_ARGS, cfg && qns_configuration_identifier(cfg, id, sizeof id, NULL) == QNS_OK,
                 "%s lent no readable configuration", fz_signal_names[c->signal]);
        if (c->signal == FZ_SIG_REMOVED) /* the lent handle is the removed record */
            fz_check(FZ_I_ARGS, !qns_configuration_is_valid(cfg),
                     "configurationRemoved(%s) lent a valid handle", id);
        body(c);
    }
    cb_leave(c);
}

static void on_online(void *ud, qns_manager *m, bool online) {
    fz_conn *c = ud;
    (void)online;
    if (cb_enter(c, m))
        body(c);
    cb_leave(c);
}

static void on_updated(void *ud, qns_manager *m) {
    fz_conn *c = ud;
    if (cb_enter(c, m))
        body(c);
    cb_leave(c);
}

/* Connections whose destroy has not run yet, for the end's report. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static fz_conn *live;

static void live_add(fz_conn *c) {
    pthread_mutex_lock(&live_lock);
    c->prev = NULL;
    c->next = live;
    if (live)
        live->prev = c;
    live = c;
    pthread_mutex_unlock(&live_lock);
}

static void live_remove(fz_conn *c) {
    pthread_mutex_lock(&live_lock);
    if (c->prev)
        c->prev->next = c->next;
    else if (live == c)
        live = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    pthread_mutex_unlock(&live_lock);
}

static const char *loop_kind(const fz_loop *l) {
    return l->kind == FZ_LOOP_THREADED ? "threaded" : l->kind == FZ_LOOP_APP ? "application" : "default";
}

void fz_report_undestroyed(void) {
    pthread_mutex_lock(&live_lock);
    int n = 0;
    for (fz_conn *c = live; c && n < 5; c = c->next, n++) {
        fz_obj *o = c->owner;
        fz_loop *l = o->loop;
        fprintf(stderr,
                "  never destroyed: connection #%llu (%s of %s #%llu, %s, uses %#x%s), disconnect %s; its %s loop "
                "#%llu: handle %s%s\n",
                (unsigned long long)c->id, fz_signal_names[c->signal], o->kind == FZ_SESSION ? "session" : "manager",
                (unsigned long long)o->id, atomic_load(&o->freed) ? "freed" : "not freed", atomic_load(&o->users),
                c->keep ? ", its tracker" : "",
                atomic_load(&c->ended) ? "returned QNS_OK" : atomic_load(&c->end_requested) ? "tried" : "never called",
                loop_kind(l), (unsigned long long)l->id,
                l->kind == FZ_LOOP_DEFAULT ? "-" : fz_alive(&l->users) ? "alive" : "freed",
                atomic_load(&l->quit_called) ? ", qns_loop_quit called on it" : "");
    }
    pthread_mutex_unlock(&live_lock);
}

static void on_destroy(void *ud) {
    fz_conn *c = ud;
    if (c->magic != FZ_CONN_MAGIC) {
        fz_check(FZ_I_DESTROY_ONCE, false, "destroy(user_data) ran with user data freed long ago");
        return;
    }
    fz_current();
    int before = atomic_fetch_add(&c->destroyed, 1);
    fz_check(FZ_I_DESTROY_ONCE, before == 0, "destroy of connection #%llu (%s of %llu) ran %d times",
             (unsigned long long)c->id, fz_signal_names[c->signal], (unsigned long long)c->owner->id,
             before + 1);
    bool ended = atomic_load(&c->end_requested) || !fz_alive(&c->owner->users);
    fz_check(FZ_I_DESTROY_AFTER_END, ended,
             "destroy of connection #%llu ran before anyone disconnected it or freed its object",
             (unsigned long long)c->id);
    int running = atomic_load(&c->running);
    fz_check(FZ_I_DESTROY_NOT_RUNNING, running == 0,
             "destroy of connection #%llu (%s) ran while %d of its callbacks ran", (unsigned long long)c->id,
             fz_signal_names[c->signal], running);
    if (before == 0) {
        live_remove(c);
        atomic_fetch_add(&fz_destroyed_once, 1);
        fz_conn_unref(c); /* the library's reference */
    }
}

fz_conn *fz_connect(fz_obj *o, enum fz_signal signal, bool keep, bool frees_owner) {
    fz_conn *c = fz_conn_new(o, signal);
    c->keep = keep;
    c->frees_owner = frees_owner;
    fz_conn_ref(c); /* the library's, until destroy */
    uint64_t token = 0;
    qns_status st;
    fz_op_begin("qns_*_on_*", o->id);
    qns_session *s = o->h;
    qns_manager *m = o->h;
    switch (signal) {
    case FZ_SIG_STATE: st = qns_session_on_state_changed(s, on_state, c, on_destroy, &token); break;
    case FZ_SIG_OPENED: st = qns_session_on_opened(s, on_session_void, c, on_destroy, &token); break;
    case FZ_SIG_CLOSED: st = qns_session_on_closed(s, on_session_void, c, on_destroy, &token); break;
    case FZ_SIG_ERROR: st = qns_session_on_error(s, on_error, c, on_destroy, &token); break;
    case FZ_SIG_PREFERRED:
        st = qns_session_on_preferred_configuration_changed(s, on_preferred, c, on_destroy, &token);
        break;
    case FZ_SIG_ACTIVATED:
        st = qns_session_on_new_configuration_activated(s, on_session_void, c, on_destroy, &token);
        break;
    case FZ_SIG_USAGE: st = qns_session_on_usage_policies_changed(s, on_usage, c, on_destroy, &token); break;
    case FZ_SIG_ADDED: st = qns_manager_on_configuration_added(m, on_configuration, c, on_destroy, &token); break;
    case FZ_SIG_REMOVED:
        st = qns_manager_on_configuration_removed(m, on_configuration, c, on_destroy, &token);
        break;
    case FZ_SIG_CHANGED:
        st = qns_manager_on_configuration_changed(m, on_configuration, c, on_destroy, &token);
        break;
    case FZ_SIG_ONLINE: st = qns_manager_on_online_state_changed(m, on_online, c, on_destroy, &token); break;
    default: st = qns_manager_on_update_completed(m, on_updated, c, on_destroy, &token); break;
    }
    fz_op_end();
    /* The caller holds o, so it is alive: registering must succeed. */
    fz_expect_status(st, QNS_OK, "qns_*_on_*");
    if (st != QNS_OK) { /* destroy does not run for a failed registration */
        fz_conn_unref(c);
        fz_conn_unref(c);
        return NULL;
    }
    /* Counted before the token is published: once it is, a callback of it
     * may disconnect it (and its destroy run) at once. */
    atomic_fetch_add(&fz_registered, 1);
    live_add(c);
    atomic_store(&c->token, token);
    return c;
}
