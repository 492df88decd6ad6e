/* Invariant bookkeeping and reporting, the quiescent checkpoint (SPEC §4.2
 * states), and the end check of reference counts (SPEC §4.3). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

static const struct {
    const char *key, *text;
} invariants[FZ_I_COUNT] = {
    [FZ_I_CB_AFTER_DISCONNECT] = {"cb-after-disconnect", "no callback starts after qns_disconnect of it returned"},
    [FZ_I_CB_AFTER_FREE] = {"cb-after-free", "no callback starts after its object's free returned"},
    [FZ_I_RUNNING_AFTER_DISCONNECT] = {"running-after-disconnect",
                                       "no callback still runs on another thread when qns_disconnect returns"},
    [FZ_I_RUNNING_AFTER_FREE] = {"running-after-free", "no callback still runs on another thread when free returns"},
    [FZ_I_CB_AFTER_DESTROY] = {"cb-after-destroy", "no callback after its destroy(user_data)"},
    [FZ_I_DESTROY_ONCE] = {"destroy-once", "destroy(user_data) runs at most once"},
    [FZ_I_DESTROY_AFTER_END] = {"destroy-after-end", "destroy runs only after qns_disconnect or free was called"},
    [FZ_I_DESTROY_NOT_RUNNING] = {"destroy-not-running", "destroy never runs while a callback of it runs"},
    [FZ_I_DESTROY_ALL] = {"destroy-all", "every connection's destroy ran by the end"},
    [FZ_I_THREAD] = {"callback-thread",
                     "callbacks run only in their loop's dispatch, or on a threaded loop's own thread"},
    [FZ_I_ONE_DELIVERER] = {"one-deliverer", "one thread at a time delivers a loop's callbacks"},
    [FZ_I_ARGS] = {"values", "callback arguments and query results are in range"},
    [FZ_I_STATUS] = {"status", "calls return the documented status"},
    [FZ_I_STATE_REPEAT] = {"state-repeat", "stateChanged never repeats the state before it"},
    [FZ_I_INERT] = {"inert", "a session on a null configuration stays inert (SPEC 4.1)"},
    [FZ_I_STATES] = {"states", "at quiescence, states agree with isOpen and the configuration (SPEC 4.2)"},
    [FZ_I_TRACKER] = {"last-state", "at quiescence, the last stateChanged delivered equals state()"},
    [FZ_I_SETTLES] = {"settles", "sessions settle once the network stops changing"},
    [FZ_I_THREADED_DELIVERS] = {"threaded-delivers", "a threaded loop keeps delivering its callbacks"},
    [FZ_I_QUIT] = {"quit", "qns_loop_quit makes no later dispatch return early (SPEC 5)"},
    [FZ_I_WAIT_ENDS] = {"wait-ends", "waitForOpened returns once another thread closed or stopped the session"},
    [FZ_I_COUNTS] = {"counts", "with everything freed, each access point's count is back to zero"},
};

#define SHOWN 5
static _Atomic uint64_t violations[FZ_I_COUNT];

bool fz_check(enum fz_invariant inv, bool ok, const char *fmt, ...) {
    fz_thread *t = fz_current();
    atomic_fetch_add_explicit(&t->checks[inv], 1, memory_order_relaxed);
    if (ok)
        return true;
    uint64_t n = atomic_fetch_add(&violations[inv], 1);
    if (n < SHOWN) {
        char msg[600];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fprintf(stderr, "VIOLATION %s: %s [thread %d, seed %" PRIu64 "]\n", invariants[inv].key, msg, t->id,
                fz_cfg.seed);
    } else if (n == SHOWN) {
        fprintf(stderr, "VIOLATION %s: more, not shown\n", invariants[inv].key);
    }
    return false;
}

void fz_expect_status(qns_status got, qns_status want, const char *call) {
    fz_check(FZ_I_STATUS, got == want, "%s returned %s, expected %s", call, qns_status_str(got),
             qns_status_str(want));
}

void fz_expect_status2(qns_status got, qns_status a, qns_status b, const char *call) {
    fz_check(FZ_I_STATUS, got == a || got == b, "%s returned %s, expected %s or %s", call, qns_status_str(got),
             qns_status_str(a), qns_status_str(b));
}

int fz_report(double seconds, uint64_t ops, uint64_t callbacks) {
    int count = 0, passed = 0, failed = 0;
    fz_thread *threads = fz_thread_table(&count);
    for (int i = 0; i < FZ_I_COUNT; i++) {
        uint64_t checks = 0, bad = atomic_load(&violations[i]);
        for (int k = 0; k < count; k++)
            checks += atomic_load(&threads[k].checks[i]);
        if (bad == 0) {
            passed++;
            printf("ok   %-24s %s (%" PRIu64 " checks)\n", invariants[i].key, invariants[i].text, checks);
        } else {
            failed++;
            printf("FAIL %-24s %s: %" PRIu64 " violations in %" PRIu64 " checks\n", invariants[i].key,
                   invariants[i].text, bad, checks);
        }
    }
    printf("%" PRIu64 " operations, %" PRIu64 " callbacks in %.1f s: %.0f ops/s, %.0f callbacks/s "
           "(seed %" PRIu64 ", %d threads)\n",
           ops, callbacks, seconds, (double)ops / seconds, (double)callbacks / seconds, fz_cfg.seed, fz_cfg.threads);
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}

/* ---- the quiescent checkpoint ---- */
#define MAX_OBJS (FZ_SESSIONS + FZ_MANAGERS)
#define MAX_LOOPS (FZ_THREADED + FZ_APP_LOOPS)

/* Loops the main thread may dispatch: the default one and application
 * loops whose handle lives. */
static bool main_can_dispatch(fz_loop *l) {
    return l->kind == FZ_LOOP_DEFAULT || (l->kind == FZ_LOOP_APP && fz_alive(&l->users));
}

static void drain(fz_loop **loops, int n) {
    fz_thread *t = fz_self;
    for (int i = -1; i < n; i++) {
        fz_loop *l = i < 0 ? fz_default_loop() : loops[i];
        if (!main_can_dispatch(l) || (l->kind != FZ_LOOP_DEFAULT && !fz_use(&l->users, l)))
            continue;
        t->dispatching[t->ndispatching++] = l;
        for (int rounds = 0; rounds < 1000; rounds++) {
            size_t delivered = 0;
            qns_status st = qns_loop_dispatch(l->h, 0, &delivered);
            fz_expect_status(st, QNS_OK, "qns_loop_dispatch (checkpoint)");
            if (st != QNS_OK || delivered == 0)
                break;
        }
        t->ndispatching--;
        if (l->kind != FZ_LOOP_DEFAULT)
            fz_unuse(&l->users, l);
    }
}

/* Whether a loop's callbacks have all been delivered by now. */
static bool delivered_all(fz_loop *l) {
    if (l->kind == FZ_LOOP_THREADED) {
        if (!fz_alive(&l->users) || atomic_load(&l->quit_called) || !fz_use(&l->users, l))
            return true; /* nothing to wait for (a quit one is checked below) */
        bool idle = qns_loop_pending(l->h) == 0 && atomic_load(&l->deliverer) == 0;
        fz_unuse(&l->users, l);
        return idle;
    }
    return true; /* drain() delivered it, or nobody can */
}

static unsigned derived_state(unsigned flags, bool valid) {
    if (!valid)
        return QNS_STATE_INVALID;
    if (flags == QNS_STATE_FLAG_ACTIVE)
        return QNS_STATE_CONNECTED;
    if (flags == QNS_STATE_FLAG_DISCOVERED)
        return QNS_STATE_DISCONNECTED;
    return QNS_STATE_NOT_AVAILABLE;
}

static bool tracker_loop_delivers(fz_loop *l) {
    if (l->kind == FZ_LOOP_THREADED)
        return fz_alive(&l->users) && !atomic_load(&l->quit_called);
    return main_can_dispatch(l);
}

static const char *type_name(int type) {
    static const char *const names[] = {"an access point", "a service network", "UserChoice", "an invalid one"};
    return type >= 0 && type <= 3 ? names[type] : "no configuration";
}

/* SPEC §4.2, where it is deterministic: once nothing changes. */
static void check_session(fz_obj *o) {
    qns_session *s = o->h;
    int state = qns_session_state(s);
    bool open = qns_session_is_open(s);
    qns_configuration *c = NULL;
    fz_expect_status(qns_session_configuration(s, &c), QNS_OK, "qns_session_configuration");
    int type = c ? qns_configuration_type(c) : -1;
    unsigned flags = qns_configuration_state(c);
    bool valid = qns_configuration_is_valid(c);
    char id[64] = "", active[64] = "";
    qns_configuration_identifier(c, id, sizeof id, NULL);
    qns_session_property_string(s, "ActiveConfiguration", active, sizeof active, NULL);
    bool has_config = c != NULL;
    qns_configuration_free(c);
    if (!fz_check(FZ_I_SETTLES, qns_session_state(s) == state && qns_session_is_open(s) == open,
                  "session #%llu changed state during the checkpoint", (unsigned long long)o->id))
        return;

    bool ok;
    if (!has_config)
        ok = state == QNS_STATE_INVALID && !open && qns_session_error(s) == QNS_SESSION_ERROR_INVALID_CONFIGURATION;
    else if (open && type == QNS_TYPE_INTERNET_ACCESS_POINT)
        ok = state == QNS_STATE_CONNECTED && valid && flags == QNS_STATE_FLAG_ACTIVE && strcmp(active, id) == 0;
    else if (open)
        ok = state == QNS_STATE_CONNECTED || state == QNS_STATE_ROAMING;
    else /* idle: derived from the record, or the Invalid a failed open() left */
        ok = state == (int)derived_state(flags, valid) || state == QNS_STATE_INVALID;
    fz_check(FZ_I_STATES, ok,
             "session #%llu on %s \"%s\" (state flags %#x, %s): state %d, isOpen %d, ActiveConfiguration \"%s\"",
             (unsigned long long)o->id, type_name(type), id, flags, valid ? "valid" : "removed", state, open,
             active);

    if (o->tracker && tracker_loop_delivers(o->loop)) {
        int last = atomic_load(&o->last_state);
        if (last >= 100)
            last -= 100;
        fz_check(FZ_I_TRACKER, last == state,
                 "session #%llu: state() is %d but the last stateChanged delivered was %d (%s loop #%llu)",
                 (unsigned long long)o->id, state, last,
                 o->loop->kind == FZ_LOOP_THREADED ? "threaded"
                 : o->loop->kind == FZ_LOOP_APP    ? "application"
                                                   : "default",
                 (unsigned long long)o->loop->id);
    }
}

void fz_checkpoint(const char *when) {
    fz_obj *objs[MAX_OBJS];
    fz_loop *loops[MAX_LOOPS];
    int n = fz_pool_all_objs(objs, MAX_OBJS);
    int nl = fz_pool_all_loops(loops, MAX_LOOPS);
    int states[MAX_OBJS];
    bool opens[MAX_OBJS];

    fz_op_begin("checkpoint: AutoCloseSessionTimeout off", 0);
    for (int i = 0; i < n; i++) {
        states[i] = -1;
        if (objs[i]->kind == FZ_SESSION && fz_use(&objs[i]->users, objs[i])) {
            fz_expect_status(qns_session_set_property_int(objs[i]->h, "AutoCloseSessionTimeout", -1), QNS_OK,
                             "set AutoCloseSessionTimeout");
            fz_unuse(&objs[i]->users, objs[i]);
        }
    }
    fz_op_end();

    /* Settled: no session Connecting or Closing, nothing left to deliver,
     * nothing changed for three rounds, and longer than any timer (1 s). */
    int64_t start = fz_now_ns();
    int stable = 0;
    bool settled = false;
    while (!settled) {
        fz_op_begin("checkpoint: settling", 0);
        drain(loops, nl);
        bool busy = false, changed = false;
        for (int i = 0; i < n; i++) {
            fz_obj *o = objs[i];
            if (o->kind != FZ_SESSION || !fz_use(&o->users, o))
                continue;
            int st = qns_session_state(o->h);
            bool op = qns_session_is_open(o->h);
            busy |= st == QNS_STATE_CONNECTING || st == QNS_STATE_CLOSING;
            changed |= st != states[i] || op != opens[i];
            states[i] = st;
            opens[i] = op;
            fz_unuse(&o->users, o);
        }
        for (int i = 0; i < nl; i++)
            busy |= !delivered_all(loops[i]);
        int64_t elapsed = fz_now_ns() - start;
        stable = !busy && !changed && elapsed > 1500000000LL ? stable + 1 : 0;
        settled = stable >= 3;
        fz_op_end();
        if (!settled && elapsed > 15000000000LL) {
            fz_check(FZ_I_SETTLES, false, "%s checkpoint: still %s after 15 s", when,
                     busy ? "busy (Connecting/Closing sessions or undelivered callbacks)" : "changing");
            break;
        }
        if (!settled)
            fz_sleep_us(50000);
    }

    fz_op_begin("checkpoint: checks", 0);
    if (settled) {
        fz_check(FZ_I_SETTLES, true, "settled");
        for (int i = 0; i < n; i++) {
            if (objs[i]->kind == FZ_SESSION && fz_use(&objs[i]->users, objs[i])) {
                check_session(objs[i]);
                fz_unuse(&objs[i]->users, objs[i]);
            }
        }
    }
    /* A threaded loop's own thread delivers until qns_loop_free. */
    for (int i = 0; i < nl; i++) {
        fz_loop *l = loops[i];
        if (l->kind != FZ_LOOP_THREADED || !fz_use(&l->users, l))
            continue;
        size_t pending = qns_loop_pending(l->h);
        if (pending == 0 || !atomic_exchange(&l->stall_reported, true))
            fz_check(FZ_I_THREADED_DELIVERS, pending == 0,
                     "threaded loop #%llu has %zu callbacks queued that it no longer delivers%s",
                     (unsigned long long)l->id, pending,
                     atomic_load(&l->quit_called) ? " (qns_loop_quit was called on it)" : "");
        fz_unuse(&l->users, l);
    }
    fz_op_end();
    for (int i = 0; i < n; i++)
        fz_obj_unref(objs[i]);
    for (int i = 0; i < nl; i++)
        fz_loop_unref(loops[i]);
}

/* ---- the end: counts back to zero ---- */
typedef struct trace {
    char text[256];
} trace;

static void add(trace *t, const char *word) {
    size_t used = strlen(t->text);
    snprintf(t->text + used, sizeof t->text - used, "%s%s", used ? " " : "", word);
}
static void on_state(void *ud, qns_session *s, int state) {
    (void)s;
    char word[16];
    snprintf(word, sizeof word, "state:%d", state);
    add(ud, word);
}
static void on_opened(void *ud, qns_session *s) { (void)s, add(ud, "opened"); }
static void on_closed(void *ud, qns_session *s) { (void)s, add(ud, "closed"); }

/* With every session gone, a fresh open of a Discovered access point
 * starts it and the fresh close stops it again, which happens only when
 * the count went back to zero (as c-tests/test_stress.c checks). */
void fz_check_counts(void) {
    fz_network_quiet();
    fz_thread *t = fz_self;
    t->dispatching[t->ndispatching++] = fz_default_loop();
    for (int i = 0; i < FZ_APS; i++) {
        fz_op_begin("counts: fresh open and close", 0);
        qns_configuration *c = NULL;
        qns_session *s = NULL;
        trace tr = {""};
        fz_expect_status(qns_manager_configuration_from_identifier(fz_net_manager, fz_ap_id(i), &c), QNS_OK,
                         "qns_manager_configuration_from_identifier");
        fz_expect_status(qns_session_new(c, NULL, &s), QNS_OK, "qns_session_new");
        qns_session_on_state_changed(s, on_state, &tr, NULL, NULL);
        qns_session_on_opened(s, on_opened, &tr, NULL, NULL);
        qns_session_on_closed(s, on_closed, &tr, NULL, NULL);
        int before = qns_session_state(s);
        qns_session_open(s);
        bool opened = qns_session_is_open(s);
        qns_session_close(s);
        for (size_t n = 1; n > 0;)
            if (qns_loop_dispatch(NULL, 0, &n) != QNS_OK)
                break;
        unsigned after = qns_configuration_state(c);
        fz_check(FZ_I_COUNTS,
                 before == QNS_STATE_DISCONNECTED && opened &&
                     strcmp(tr.text, "state:2 opened state:3 closed state:4 state:5") == 0 &&
                     after == QNS_STATE_FLAG_DISCOVERED,
                 "%s: state %d before open, isOpen %d, signals \"%s\", configuration state %#x after close "
                 "(expected 5, 1, \"state:2 opened state:3 closed state:4 state:5\", 0x6)",
                 fz_ap_id(i), before, opened, tr.text, after);
        qns_session_free(s);
        qns_configuration_free(c);
        fz_op_end();
    }
    t->ndispatching--;
}
