/* Targeted probes for the defects an earlier adversarial run found, and the
 * board through which the main thread does what a probe or a qns_loop_run
 * needs another thread for (a close() while a worker waits, a quit). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

/* ---- the board ---- */
enum { FREE, PENDING, TAKEN, DONE };
enum { QUIT, CLOSE, STOP };

typedef struct request {
    atomic_int state;
    int what;
    int64_t due;
    fz_loop *loop; /* QUIT */
    fz_obj *obj;   /* CLOSE, STOP */
    int64_t done_at;
} request;

#define BOARD 128
static request board[BOARD];

static request *post(int what, int64_t due, fz_loop *l, fz_obj *o) {
    for (int i = 0; i < BOARD; i++) {
        int expected = FREE;
        if (atomic_compare_exchange_strong(&board[i].state, &expected, TAKEN)) {
            request *q = &board[i];
            q->what = what;
            q->due = due;
            q->loop = l;
            q->obj = o;
            q->done_at = 0;
            if (l)
                fz_loop_ref(l);
            if (o)
                fz_obj_ref(o);
            atomic_store(&q->state, PENDING);
            return q;
        }
    }
    return NULL;
}

static void release(request *q) {
    fz_loop_unref(q->loop);
    fz_obj_unref(q->obj);
    q->loop = NULL;
    q->obj = NULL;
    atomic_store(&q->state, FREE);
}

void fz_board_post_quit(fz_loop *l, int64_t due) {
    if (!post(QUIT, due, l, NULL)) /* board full: quit now, run returns at once */
        fz_expect_status(qns_loop_quit(l->h), QNS_OK, "qns_loop_quit");
}

static void perform(request *q) {
    if (q->what == QUIT) {
        if (fz_use(&q->loop->users, q->loop)) {
            fz_op_begin("qns_loop_quit (board)", q->loop->id);
            fz_expect_status(qns_loop_quit(q->loop->h), QNS_OK, "qns_loop_quit");
            fz_op_end();
            fz_unuse(&q->loop->users, q->loop);
        }
        release(q); /* nobody waits for a quit's completion */
        return;
    }
    if (fz_use(&q->obj->users, q->obj)) {
        fz_op_begin(q->what == CLOSE ? "qns_session_close (board)" : "qns_session_stop (board)", q->obj->id);
        qns_status st = q->what == CLOSE ? qns_session_close(q->obj->h) : qns_session_stop(q->obj->h);
        fz_op_end();
        fz_expect_status(st, QNS_OK, q->what == CLOSE ? "qns_session_close" : "qns_session_stop");
        fz_unuse(&q->obj->users, q->obj);
    }
    q->done_at = fz_now_ns();
    atomic_store(&q->state, DONE); /* the poster releases it */
}

void fz_board_service(void) {
    int64_t now = fz_now_ns();
    for (int i = 0; i < BOARD; i++) {
        request *q = &board[i];
        if (atomic_load(&q->state) != PENDING || q->due > now)
            continue;
        int expected = PENDING;
        if (atomic_compare_exchange_strong(&q->state, &expected, TAKEN))
            perform(q);
    }
}

/* After the run: pending quits are dropped (every run has returned). */
void fz_board_cancel_all(void) {
    for (int i = 0; i < BOARD; i++) {
        int expected = PENDING;
        if (atomic_compare_exchange_strong(&board[i].state, &expected, TAKEN))
            release(&board[i]);
    }
}

/* The poster's side of a close request: cancel it, or wait until it is done. */
static int64_t finish(request *q) {
    int expected = PENDING;
    if (atomic_compare_exchange_strong(&q->state, &expected, TAKEN)) {
        release(q);
        return 0;
    }
    while (atomic_load(&q->state) != DONE)
        fz_sleep_us(200);
    int64_t done_at = q->done_at;
    release(q);
    return done_at;
}

/* ---- probes ---- */
static fz_obj *session_on_own_loop(fz_rng *r, fz_loop *l, bool callbacks) {
    qns_configuration *c = NULL;
    fz_expect_status(
        qns_manager_configuration_from_identifier(fz_net_manager, fz_ap_id((int)fz_below(r, FZ_APS)), &c), QNS_OK,
        "qns_manager_configuration_from_identifier");
    fz_obj *o = fz_session_create(r, c, l, callbacks);
    qns_configuration_free(c);
    return o;
}

/* SPEC §4.3: waitForOpened returns as soon as the attempt ends, whoever
 * ended it. A session without callbacks on a loop nothing else uses, opened
 * on this (its loop's) thread, closed or stopped by the main thread while
 * this thread waits. */
static void probe_wait_sees_remote_close(fz_rng *r) {
    fz_loop *l = fz_loop_new(FZ_LOOP_APP, fz_self->id);
    if (!l)
        return;
    fz_obj *o = session_on_own_loop(r, l, false);
    if (o && fz_use(&o->users, o)) {
        fz_expect_status(qns_session_open(o->h), QNS_OK, "qns_session_open");
        if (qns_session_state(o->h) == QNS_STATE_CONNECTING) {
            int64_t start = fz_now_ns();
            request *q = post(fz_chance(r, 700) ? CLOSE : STOP, start + (int64_t)fz_below(r, 20) * 1000000, NULL, o);
            int timeout = fz_cfg.forever_waits ? -1 : 8000;
            fz_wait_for_opened(o, timeout,
                               timeout < 0 ? "qns_session_wait_for_opened(-1) while the main thread closes or stops it"
                                           : "qns_session_wait_for_opened while the main thread closes or stops it");
            int64_t returned = fz_now_ns();
            int64_t closed = q ? finish(q) : 0;
            /* The close ended the attempt (and every attempt ends within a
             * second anyway, network.c): a wait still going 5 s after the
             * close returned missed it. (With -1 the watchdog reports it.) */
            if (closed)
                fz_check(FZ_I_WAIT_ENDS, returned - closed < 5000000000LL,
                         "waitForOpened(%d) on session #%llu returned %.1f s after another thread's %s of it "
                         "had returned (the attempt ended then)",
                         timeout, (unsigned long long)o->id, (double)(returned - closed) / 1e9,
                         q->what == CLOSE ? "close()" : "stop()");
        }
        fz_unuse(&o->users, o);
    }
    if (o) {
        fz_obj_kill(o);
        fz_obj_unref(o);
    }
    fz_loop_kill(l);
    fz_loop_unref(l);
}

/* Dispatches or runs this thread's own loop l; returns how long it took. */
static int64_t timed(fz_loop *l, int ms, bool run, size_t *delivered) {
    fz_thread *t = fz_self;
    t->dispatching[t->ndispatching++] = l;
    fz_op_begin(run ? "qns_loop_run after qns_loop_quit (probe)" : "qns_loop_dispatch after qns_loop_quit (probe)",
                l->id);
    int64_t start = fz_now_ns();
    qns_status st = run ? qns_loop_run(l->h) : qns_loop_dispatch(l->h, ms, delivered);
    int64_t took = fz_now_ns() - start;
    fz_op_end();
    t->ndispatching--;
    fz_expect_status(st, QNS_OK, run ? "qns_loop_run" : "qns_loop_dispatch");
    return took;
}

/* SPEC §5: qns_loop_quit ends the run in progress or the next one, and
 * nothing else: a dispatch after it still waits its whole timeout. The loop
 * is this thread's own and has no objects, so nothing else can wake it
 * (the clocks are the same monotonic one; 0.5 ms is for rounding). */
static void probe_quit_is_not_sticky(fz_rng *r) {
    fz_loop *l = fz_loop_new(FZ_LOOP_APP, fz_self->id);
    if (!l)
        return;
    int ms = 5 + (int)fz_below(r, 10);
    int64_t least = (int64_t)ms * 1000000 - 500000;
    size_t delivered = 99;
    fz_expect_status(qns_loop_quit(l->h), QNS_OK, "qns_loop_quit");
    int64_t took = timed(l, ms, false, &delivered);
    fz_check(FZ_I_QUIT, took >= least && delivered == 0,
             "qns_loop_dispatch(%d ms) on an empty loop after qns_loop_quit returned after %.2f ms, %zu delivered", ms,
             (double)took / 1e6, delivered);
    timed(l, 0, true, NULL); /* the quit is still pending: it ends this run (a hang: the watchdog) */
    took = timed(l, ms, false, NULL);
    fz_check(FZ_I_QUIT, took >= least,
             "qns_loop_dispatch(%d ms) after the run that used up a qns_loop_quit returned after %.2f ms", ms,
             (double)took / 1e6);
    fz_loop_kill(l);
    fz_loop_unref(l);
}

/* SPEC §5 / header: a callback may free the session that emitted it, also
 * when waitForOpened on that session delivered it, and also when the
 * loop's handle is already freed (the session keeps the loop alive). */
static void probe_free_inside_wait(fz_rng *r) {
    fz_loop *l = fz_loop_new(FZ_LOOP_APP, fz_self->id);
    if (!l)
        return;
    fz_obj *o = session_on_own_loop(r, l, false);
    if (o && fz_use(&o->users, o)) {
        static const enum fz_signal signals[] = {FZ_SIG_STATE, FZ_SIG_OPENED, FZ_SIG_ERROR, FZ_SIG_CLOSED};
        for (int i = 0; i < 4; i++) {
            fz_conn *c = fz_connect(o, signals[i], false, true);
            fz_conn_unref(c);
        }
        fz_expect_status(qns_session_open(o->h), QNS_OK, "qns_session_open");
        if (fz_chance(r, 700))
            fz_loop_kill(l); /* the session keeps the loop alive */
        fz_wait_for_opened(o, fz_chance(r, 500) ? 50 : (fz_cfg.forever_waits ? -1 : 500),
                  "qns_session_wait_for_opened whose callbacks free the session");
        fz_unuse(&o->users, o); /* a callback may have freed it meanwhile */
    }
    if (o) {
        if (fz_use(&o->users, o)) {
            fz_obj_kill(o);
            fz_unuse(&o->users, o);
        }
        fz_obj_unref(o);
    }
    fz_loop_kill(l);
    fz_loop_unref(l);
}

/* Each probe runs now and then per worker, not at the step rate: on a
 * library with the defects they aim at, each one costs seconds. */
void fz_probe_step(fz_rng *r) {
    static const int64_t every_ms[3] = {4000, 500, 500};
    fz_thread *t = fz_self;
    int which = (int)fz_below(r, 3);
    int64_t now = fz_now_ns();
    if (now < t->next_probe[which])
        return;
    t->next_probe[which] = now + (every_ms[which] + (int64_t)fz_below(r, (unsigned)every_ms[which])) * 1000000;
    switch (which) {
    case 0: probe_wait_sees_remote_close(r); break;
    case 1: probe_quit_is_not_sticky(r); break;
    default: probe_free_inside_wait(r); break;
    }
}
