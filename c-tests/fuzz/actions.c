/* One random API action, from a worker's loop or from inside a callback.
 *
 * Inside a callback of loop L, calls that wait for other threads' callbacks
 * (freeing an object, qns_disconnect, freeing a threaded loop) are made only
 * on objects bound to L: their callbacks run on this very thread, so the
 * call never waits. Across loops such waits could form a cycle (two
 * callbacks each freeing the other's object) that no library can resolve;
 * worker threads outside callbacks may free anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* ---- helpers ---- */
static void push_dispatching(fz_loop *l) {
    fz_thread *t = fz_current();
    if (t->ndispatching < FZ_MAX_STACK)
        t->dispatching[t->ndispatching] = l;
    t->ndispatching++;
}

static void pop_dispatching(void) { fz_self->ndispatching--; }

/* Small timeouts: the waits are for what they deliver and when they return,
 * and long ones would make the fuzzer sleep instead of work. */
static int wait_timeout(fz_rng *r) {
    unsigned k = fz_below(r, 10);
    if (k < 4)
        return 0;
    if (k < 8)
        return 1 + (int)fz_below(r, 2);
    return fz_cfg.forever_waits ? -1 : 3 + (int)fz_below(r, 8);
}

/* Dispatches l here; `mine` says only this thread dispatches it now (then
 * the call must succeed; elsewhere another dispatcher makes it WRONG_STATE). */
static void dispatch(fz_loop *l, int timeout_ms, bool mine) {
    size_t n = 0;
    push_dispatching(l);
    fz_op_begin("qns_loop_dispatch", l->id);
    qns_status st = qns_loop_dispatch(l->h, timeout_ms, &n);
    fz_op_end();
    pop_dispatching();
    if (mine)
        fz_expect_status(st, QNS_OK, "qns_loop_dispatch of a loop only this thread dispatches");
    else
        fz_expect_status2(st, QNS_OK, QNS_ERR_WRONG_STATE, "qns_loop_dispatch");
}

/* Takes a use reference on l (the default loop always works). */
static bool use_loop(fz_loop *l) { return l->kind == FZ_LOOP_DEFAULT || fz_use(&l->users, l); }
static void unuse_loop(fz_loop *l) {
    if (l->kind != FZ_LOOP_DEFAULT)
        fz_unuse(&l->users, l);
}

/* A loop for a new object, with a memory and a use reference. */
static fz_loop *pick_loop(fz_rng *r) {
    fz_thread *t = fz_current();
    fz_loop *l = NULL;
    unsigned k = fz_below(r, 100);
    if (k < 40 && t->own_loop) {
        l = t->own_loop;
        fz_loop_ref(l);
    } else if (k < 60) {
        l = fz_pool_threaded(r);
    } else if (k < 75) {
        l = fz_pool_app_loop(r);
    }
    if (l && !use_loop(l)) {
        fz_loop_unref(l);
        l = NULL;
    }
    if (!l)
        l = fz_default_loop();
    return l;
}

static void release_loop(fz_loop *l) {
    unuse_loop(l);
    fz_loop_unref(l);
}

/* A configuration to create a session on (a new reference, or NULL). */
static qns_configuration *pick_configuration(fz_rng *r) {
    fz_thread *t = fz_current();
    qns_configuration *c = NULL;
    unsigned k = fz_below(r, 100);
    if (k < 6)
        return NULL;
    if (k < 12) {
        fz_expect_status(qns_manager_user_choice_configuration(fz_net_manager, &c), QNS_OK,
                         "qns_manager_user_choice_configuration");
        return c;
    }
    if (k < 18) {
        fz_expect_status(qns_manager_default_configuration(fz_net_manager, &c), QNS_OK,
                         "qns_manager_default_configuration");
        return c;
    }
    if (k < 28 && t->role[0] == 'w') { /* one this worker keeps: maybe a removed record */
        return qns_configuration_clone(t->cfgs[fz_below(r, 8)]);
    }
    const char *id = k < 40 ? fz_sn_id((int)fz_below(r, FZ_SNS)) : fz_ap_id((int)fz_below(r, FZ_APS));
    fz_expect_status(qns_manager_configuration_from_identifier(fz_net_manager, id, &c), QNS_OK,
                     "qns_manager_configuration_from_identifier");
    return c;
}

/* ---- sessions ---- */
static void connect_random(fz_rng *r, fz_obj *o) {
    enum fz_signal first = o->kind == FZ_SESSION ? FZ_SIG_STATE : FZ_SIG_ADDED;
    enum fz_signal last = o->kind == FZ_SESSION ? FZ_SIG_USAGE : FZ_SIG_UPDATED;
    enum fz_signal sig = (enum fz_signal)(first + (int)fz_below(r, (unsigned)(last - first + 1)));
    fz_conn *c = fz_connect(o, sig, false, false);
    if (c) {
        fz_pool_put_conn(c, r);
        fz_conn_unref(c);
    }
}

fz_obj *fz_session_create(fz_rng *r, const qns_configuration *cfg, fz_loop *loop, bool callbacks) {
    qns_session *h = NULL;
    const qns_loop *lh = loop->kind == FZ_LOOP_DEFAULT && fz_chance(r, 500) ? NULL : loop->h;
    fz_op_begin("qns_session_new", 0);
    qns_status st = qns_session_new(cfg, lh, &h);
    fz_op_end();
    fz_expect_status(st, QNS_OK, "qns_session_new");
    if (st != QNS_OK)
        return NULL;
    fz_obj *o = fz_obj_new(FZ_SESSION, h, loop);
    qns_configuration *mine = NULL;
    fz_expect_status(qns_session_configuration(h, &mine), QNS_OK, "qns_session_configuration");
    o->inert = mine == NULL;
    o->cfg_type = mine ? qns_configuration_type(mine) : -1;
    qns_configuration_free(mine);
    if (callbacks && fz_use(&o->users, o)) {
        o->tracker = fz_connect(o, FZ_SIG_STATE, true, false);
        if (o->tracker) {
            int expected = -1; /* unless a delivery already came */
            atomic_compare_exchange_strong(&o->last_state, &expected, 100 + qns_session_state(h));
            fz_conn_unref(o->tracker); /* o->tracker is read only while o lives */
        }
        int extra = (int)fz_below(r, 5);
        for (int i = 0; i < extra; i++)
            connect_random(r, o);
        if (fz_chance(r, 250)) { /* turns application-level roaming on */
            fz_conn *c = fz_connect(o, FZ_SIG_PREFERRED, false, false);
            if (c) {
                fz_pool_put_conn(c, r);
                fz_conn_unref(c);
            }
        }
        fz_unuse(&o->users, o);
    }
    return o;
}

/* Creates a session in a free pool slot (none free: nothing). `on`: its
 * loop (held by the caller), else a random one. */
static void create_session(fz_rng *r, fz_loop *on) {
    int slot = fz_pool_reserve(FZ_SESSION);
    if (slot < 0)
        return;
    qns_configuration *cfg = pick_configuration(r);
    fz_loop *loop = on;
    if (on)
        fz_loop_ref(on);
    else
        loop = pick_loop(r);
    fz_obj *o = fz_session_create(r, cfg, loop, !fz_chance(r, 250));
    if (on)
        fz_loop_unref(on);
    else
        release_loop(loop);
    qns_configuration_free(cfg);
    fz_pool_fill(FZ_SESSION, slot, o);
    fz_obj_unref(o);
}

static void check_inert_session(fz_obj *o) {
    qns_session *s = o->h;
    int state = qns_session_state(s), error = qns_session_error(s);
    bool open = qns_session_is_open(s);
    const char *text = qns_session_error_string(s);
    fz_check(FZ_I_INERT,
             state == QNS_STATE_INVALID && !open && error == QNS_SESSION_ERROR_INVALID_CONFIGURATION &&
                 text && strcmp(text, "Invalid configuration.") == 0,
             "a session on a null configuration: state %d, open %d, error %d \"%s\"", state, open, error,
             text ? text : "(null)");
}

static void query_session(fz_rng *r, fz_obj *o) {
    qns_session *s = o->h;
    fz_op_begin("session queries", o->id);
    if (o->inert)
        check_inert_session(o);
    int state = qns_session_state(s);
    fz_check(FZ_I_ARGS, state >= QNS_STATE_INVALID && state <= QNS_STATE_ROAMING, "qns_session_state %d", state);
    int error = qns_session_error(s);
    fz_check(FZ_I_ARGS, error >= 0 && error <= 4, "qns_session_error %d", error);
    fz_check(FZ_I_ARGS, qns_session_error_string(s) != NULL, "qns_session_error_string NULL");
    (void)qns_session_is_open(s);
    (void)qns_session_active_time(s);
    (void)qns_session_bytes_received(s);
    (void)qns_session_bytes_written(s);
    unsigned usage = qns_session_usage_policies(s);
    fz_check(FZ_I_ARGS, (usage & ~1u) == 0, "qns_session_usage_policies %u", usage);
    char buf[64];
    switch (fz_below(r, 6)) {
    case 0: {
        qns_interface *i = NULL;
        fz_expect_status(qns_session_interface(s, &i), QNS_OK, "qns_session_interface");
        if (i) {
            qns_interface_name(i, buf, sizeof buf, NULL);
            qns_interface_hardware_address(i, buf, sizeof buf, NULL);
            (void)qns_interface_index(i);
            (void)qns_interface_flags(i);
            (void)qns_interface_mtu(i);
            size_t n = qns_interface_address_count(i);
            for (size_t k = 0; k < n; k++) {
                int prefix = 0;
                fz_expect_status(qns_interface_address(i, k, buf, sizeof buf, NULL, &prefix), QNS_OK,
                                 "qns_interface_address");
            }
            qns_interface_free(i);
        }
        break;
    }
    case 1:
        (void)qns_session_property_type(s, "ActiveConfiguration");
        (void)qns_session_property_string(s, "ActiveConfiguration", buf, sizeof buf, NULL);
        (void)qns_session_property_string(s, "UserChoiceConfiguration", buf, sizeof buf, NULL);
        break;
    case 2: {
        bool b;
        int64_t v;
        (void)qns_session_property_bool(s, "ConnectInBackground", &b);
        (void)qns_session_property_int(s, "AutoCloseSessionTimeout", &v);
        fz_expect_status(qns_session_set_property_bool(s, "ConnectInBackground", fz_chance(r, 500)), QNS_OK,
                         "set ConnectInBackground");
        break;
    }
    case 3: /* a real timer that closes the session */
        fz_expect_status(qns_session_set_property_int(s, "AutoCloseSessionTimeout",
                                                      fz_chance(r, 500) ? -1 : (int64_t)fz_below(r, 300)),
                         QNS_OK, "set AutoCloseSessionTimeout");
        break;
    case 4:
        fz_expect_status(qns_session_set_property_bool(s, "ActiveConfiguration", true), QNS_ERR_READ_ONLY,
                         "set ActiveConfiguration");
        fz_expect_status(qns_session_set_property_int(s, "NoSuchKey", 1), QNS_ERR_NOT_FOUND, "set NoSuchKey");
        fz_expect_status(qns_session_set_property_int(s, "ConnectInBackground", 1), QNS_ERR_WRONG_TYPE,
                         "set ConnectInBackground to an int");
        break;
    default: {
        fz_expect_status(qns_session_clear_property(s, fz_chance(r, 500) ? "ConnectInBackground"
                                                                         : "AutoCloseSessionTimeout"),
                         QNS_OK, "qns_session_clear_property");
        qns_configuration *c = NULL;
        fz_expect_status(qns_session_configuration(s, &c), QNS_OK, "qns_session_configuration");
        qns_configuration_free(c);
    }
    }
    fz_op_end();
}

static void session_call(fz_rng *r, fz_obj *o) {
    qns_session *s = o->h;
    unsigned k = fz_below(r, 20);
    qns_status st;
    if (k < 7) {
        fz_op_begin("qns_session_open", o->id);
        st = qns_session_open(s);
        fz_op_end();
        fz_expect_status(st, QNS_OK, "qns_session_open");
    } else if (k < 12) {
        fz_op_begin("qns_session_close", o->id);
        st = qns_session_close(s);
        fz_op_end();
        fz_expect_status(st, QNS_OK, "qns_session_close");
    } else if (k < 13) {
        fz_op_begin("qns_session_stop", o->id);
        st = qns_session_stop(s);
        fz_op_end();
        fz_expect_status(st, QNS_OK, "qns_session_stop");
    } else if (k < 17) {
        static const char *const names[] = {"qns_session_migrate", "qns_session_ignore", "qns_session_accept",
                                            "qns_session_reject"};
        int which = (int)(k - 13);
        fz_op_begin(names[which], o->id);
        st = which == 0 ? qns_session_migrate(s)
             : which == 1 ? qns_session_ignore(s)
             : which == 2 ? qns_session_accept(s)
                          : qns_session_reject(s);
        fz_op_end();
        fz_expect_status2(st, QNS_OK, QNS_ERR_WRONG_STATE, names[which]);
    } else {
        query_session(r, o);
    }
}

/* Roaming answers belong in the callbacks that ask for them. */
static void answer_roaming(fz_rng *r, fz_obj *o, enum fz_signal signal) {
    qns_status st;
    if (signal == FZ_SIG_PREFERRED) {
        st = fz_chance(r, 700) ? qns_session_migrate(o->h) : qns_session_ignore(o->h);
        fz_expect_status2(st, QNS_OK, QNS_ERR_WRONG_STATE, "migrate/ignore after preferredConfigurationChanged");
    } else if (signal == FZ_SIG_ACTIVATED) {
        st = fz_chance(r, 700) ? qns_session_accept(o->h) : qns_session_reject(o->h);
        fz_expect_status2(st, QNS_OK, QNS_ERR_WRONG_STATE, "accept/reject after newConfigurationActivated");
    }
}

/* ---- managers ---- */
static void query_manager(fz_rng *r, fz_obj *m) {
    qns_manager *h = m->h;
    qns_configuration *c = NULL;
    qns_configuration_list *l = NULL;
    fz_op_begin("manager queries", m->id);
    switch (fz_below(r, 5)) {
    case 0: {
        static const unsigned filters[] = {0, QNS_STATE_FLAG_DEFINED, QNS_STATE_FLAG_DISCOVERED, QNS_STATE_FLAG_ACTIVE};
        fz_expect_status(qns_manager_all_configurations(h, filters[fz_below(r, 4)], &l), QNS_OK,
                         "qns_manager_all_configurations");
        size_t n = qns_configuration_list_size(l);
        for (size_t i = 0; i < n; i++) {
            unsigned s = qns_configuration_state(qns_configuration_list_get(l, i));
            fz_check(FZ_I_ARGS, s == 1 || s == 2 || s == 6 || s == 14, "configuration state %#x", s);
        }
        qns_configuration_list_free(l);
        break;
    }
    case 1:
        fz_expect_status(qns_manager_default_configuration(h, &c), QNS_OK, "qns_manager_default_configuration");
        qns_configuration_free(c);
        break;
    case 2:
        (void)qns_manager_is_online(h);
        (void)qns_manager_capabilities(h);
        break;
    case 3:
        fz_expect_status(qns_manager_update_configurations(h), QNS_OK, "qns_manager_update_configurations");
        break;
    default:
        fz_expect_status(qns_manager_configuration_from_identifier(h, fz_ap_id((int)fz_below(r, FZ_APS)), &c),
                         QNS_OK, "qns_manager_configuration_from_identifier");
        qns_configuration_free(c);
    }
    fz_op_end();
}

static void create_manager(fz_rng *r) {
    int slot = fz_pool_reserve(FZ_MANAGER);
    if (slot < 0)
        return;
    fz_loop *loop = pick_loop(r);
    qns_manager *h = NULL;
    fz_obj *m = NULL;
    fz_op_begin("qns_manager_new", 0);
    qns_status st = qns_manager_new(loop->kind == FZ_LOOP_DEFAULT ? NULL : loop->h, &h);
    fz_op_end();
    fz_expect_status(st, QNS_OK, "qns_manager_new");
    if (st == QNS_OK) {
        m = fz_obj_new(FZ_MANAGER, h, loop);
        if (fz_use(&m->users, m)) {
            int n = 1 + (int)fz_below(r, 4);
            for (int i = 0; i < n; i++)
                connect_random(r, m);
            fz_unuse(&m->users, m);
        }
    }
    release_loop(loop);
    fz_pool_fill(FZ_MANAGER, slot, m);
    fz_obj_unref(m);
}

/* ---- configurations a worker keeps ---- */
static void configuration_step(fz_rng *r) {
    fz_thread *t = fz_self;
    int i = (int)fz_below(r, 8);
    qns_configuration *c = t->cfgs[i];
    char buf[64];
    fz_op_begin("configuration", 0);
    switch (fz_below(r, 7)) {
    case 0: /* replace it with a fresh one */
        t->cfgs[i] = NULL; /* pick_configuration may clone one of them */
        qns_configuration_free(c);
        t->cfgs[i] = pick_configuration(r);
        break;
    case 1: {
        qns_configuration *copy = qns_configuration_clone(c);
        fz_check(FZ_I_ARGS, qns_configuration_equal(copy, c), "a clone is not equal to its original");
        qns_configuration_free(copy);
        (void)qns_configuration_equal(c, t->cfgs[fz_below(r, 8)]);
        break;
    }
    case 2: {
        qns_configuration_list *l = NULL;
        fz_expect_status(qns_configuration_children(c, &l), QNS_OK, "qns_configuration_children");
        size_t n = qns_configuration_list_size(l);
        if (n > 0) {
            qns_configuration *child = qns_configuration_clone(qns_configuration_list_get(l, fz_below(r, (unsigned)n)));
            qns_configuration_free(t->cfgs[(i + 1) % 8]);
            t->cfgs[(i + 1) % 8] = child;
        }
        qns_configuration_list_free(l);
        break;
    }
    case 3: { /* never above 1 s: every open attempt ends soon (see network.c) */
        int ms = (int)fz_below(r, 1001);
        bool ok = qns_configuration_set_connect_timeout(c, ms);
        fz_check(FZ_I_STATUS, ok == (c != NULL), "qns_configuration_set_connect_timeout(%d) returned %d", ms, ok);
        fz_check(FZ_I_STATUS, !qns_configuration_set_connect_timeout(c, -1),
                 "qns_configuration_set_connect_timeout(-1) returned true");
        break;
    }
    default: {
        qns_configuration_name(c, buf, sizeof buf, NULL);
        qns_configuration_identifier(c, buf, sizeof buf, NULL);
        int type = qns_configuration_type(c);
        unsigned state = qns_configuration_state(c);
        fz_check(FZ_I_ARGS, type >= 0 && type <= 3 && (state == 1 || state == 2 || state == 6 || state == 14),
                 "configuration type %d state %#x", type, state);
        (void)qns_configuration_purpose(c);
        (void)qns_configuration_bearer_type(c);
        (void)qns_configuration_bearer_type_family(c);
        fz_check(FZ_I_ARGS, qns_configuration_bearer_type_name(c) != NULL, "bearer type name NULL");
        (void)qns_configuration_is_valid(c);
        (void)qns_configuration_is_roaming_available(c);
        (void)qns_configuration_connect_timeout(c);
    }
    }
    fz_op_end();
}

/* ---- loops ---- */
static void quit_some_loop(fz_rng *r) {
    fz_loop *l = NULL;
    unsigned k = fz_below(r, 10);
    if (k < 4)
        l = fz_pool_app_loop(r);
    else if (k < 5)
        l = fz_pool_threaded(r); /* SPEC §5: quit ends a run, and nothing else */
    if (!l) {
        l = fz_default_loop();
        fz_loop_ref(l);
    }
    if (use_loop(l)) {
        if (l->kind == FZ_LOOP_THREADED)
            atomic_store(&l->quit_called, true);
        fz_op_begin("qns_loop_quit", l->id);
        /* A threaded loop is never run: quit refuses it (and so cannot stop
         * its thread). */
        fz_expect_status(qns_loop_quit(l->h), l->kind == FZ_LOOP_THREADED ? QNS_ERR_WRONG_STATE : QNS_OK,
                         "qns_loop_quit");
        fz_op_end();
        unuse_loop(l);
    }
    fz_loop_unref(l);
}

/* qns_loop_run on the worker's own loop; the main thread quits it soon. */
static void run_own_loop(fz_rng *r) {
    fz_loop *l = fz_self->own_loop;
    if (!l || !use_loop(l))
        return;
    fz_board_post_quit(l, fz_now_ns() + (int64_t)fz_below(r, 3000) * 1000);
    push_dispatching(l);
    fz_op_begin("qns_loop_run", l->id);
    qns_status st = qns_loop_run(l->h);
    fz_op_end();
    pop_dispatching();
    fz_expect_status(st, QNS_OK, "qns_loop_run of the worker's own loop");
    unuse_loop(l);
}

/* Frees the worker's loop while sessions still use it: they keep it alive,
 * and only waitForOpened on this thread delivers their callbacks now. */
static void replace_own_loop(void) {
    fz_thread *t = fz_self;
    fz_loop *old = t->own_loop;
    if (old) {
        if (!fz_loop_kill(old))
            return; /* someone uses its handle right now */
        fz_pool_drop_loop(old);
        fz_loop_unref(old);
    }
    t->own_loop = fz_loop_new(FZ_LOOP_APP, t->id);
    if (t->own_loop)
        fz_pool_put_app_loop(t->own_loop);
}

static void threaded_step(fz_rng *r) {
    fz_loop *l = fz_pool_threaded(r);
    if (!l) {
        l = fz_loop_new(FZ_LOOP_THREADED, -1);
        if (l && !fz_pool_put_threaded(l))
            fz_loop_kill(l);
        fz_loop_unref(l);
        return;
    }
    if (fz_loop_kill(l)) /* joins its thread */
        fz_pool_drop_loop(l);
    fz_loop_unref(l);
}

/* ---- the worker's menu ---- */
static fz_obj *use_pooled_session(fz_rng *r) {
    fz_obj *o = fz_pool_session(r);
    if (o && !fz_use(&o->users, o)) {
        fz_obj_unref(o);
        o = NULL;
    }
    return o;
}

static void done_with(fz_obj *o) {
    fz_unuse(&o->users, o);
    fz_obj_unref(o);
}

void fz_worker_step(fz_rng *r) {
    fz_thread *t = fz_self;
    unsigned k = fz_below(r, 1000);
    atomic_fetch_add_explicit(&t->ops, 1, memory_order_relaxed);
    fz_obj *o;
    if (k < 170) {
        if ((o = use_pooled_session(r))) {
            session_call(r, o);
            done_with(o);
        }
    } else if (k < 230) {
        create_session(r, NULL);
    } else if (k < 275) {
        if ((o = use_pooled_session(r))) {
            fz_obj_kill(o);
            done_with(o);
        }
    } else if (k < 330) {
        if ((o = use_pooled_session(r))) {
            int ms = wait_timeout(r);
            fz_wait_for_opened(o, ms, ms < 0 ? "qns_session_wait_for_opened(-1)" : "qns_session_wait_for_opened");
            done_with(o);
        }
    } else if (k < 380) {
        o = fz_chance(r, 800) ? fz_pool_session(r) : fz_pool_manager(r);
        if (o && fz_use(&o->users, o)) {
            connect_random(r, o);
            fz_unuse(&o->users, o);
        }
        fz_obj_unref(o);
    } else if (k < 440) {
        fz_conn *c = fz_pool_conn(r);
        if (c)
            fz_conn_disconnect(c);
        fz_conn_unref(c);
    } else if (k < 455) {
        o = fz_pool_manager(r);
        if (!o)
            create_manager(r);
        else if (fz_use(&o->users, o)) {
            fz_obj_kill(o);
            fz_unuse(&o->users, o);
        }
        fz_obj_unref(o);
    } else if (k < 495) {
        o = fz_pool_manager(r);
        if (o && fz_use(&o->users, o)) {
            query_manager(r, o);
            fz_unuse(&o->users, o);
        }
        fz_obj_unref(o);
    } else if (k < 540) {
        configuration_step(r);
    } else if (k < 700) {
        if (t->own_loop)
            dispatch(t->own_loop, fz_chance(r, 900) ? 0 : 1, true);
    } else if (k < 740) {
        dispatch(fz_default_loop(), fz_chance(r, 900) ? 0 : 1, false);
    } else if (k < 830) {
        fz_network_step(r);
    } else if (k < 834) {
        quit_some_loop(r);
    } else if (k < 840) {
        run_own_loop(r);
    } else if (k < 843) {
        replace_own_loop();
    } else if (k < 846) {
        threaded_step(r);
    } else if (k < 852) {
        if (fz_cfg.probes)
            fz_probe_step(r);
    } else {
        if (t->own_loop)
            dispatch(t->own_loop, 0, true);
    }
}

void fz_worker_cleanup(void) {
    fz_thread *t = fz_self;
    for (int i = 0; i < 8; i++) {
        qns_configuration_free(t->cfgs[i]);
        t->cfgs[i] = NULL;
    }
}

/* ---- from inside a callback ---- */
static void spin(fz_rng *r) { /* widens the window in which a racing free or disconnect returns */
    volatile unsigned x = 0;
    unsigned n = 200 + fz_below(r, 5000);
    for (unsigned i = 0; i < n; i++)
        x += i;
}

/* Callbacks nest (a nested dispatch or wait delivers more); the thread's
 * stacks hold FZ_MAX_STACK frames, so nesting stops well before. */
#define MAX_NESTING 6

void fz_callback_action(fz_rng *r, fz_conn *c) {
    fz_obj *o = c->owner;
    fz_loop *l = o->loop;
    bool may_nest = fz_self->nrunning < MAX_NESTING;
    if (c->frees_owner) {
        atomic_fetch_add_explicit(&fz_self->ops, 1, memory_order_relaxed);
        fz_obj_kill(o);
        return;
    }
    if (o->kind == FZ_SESSION && (c->signal == FZ_SIG_PREFERRED || c->signal == FZ_SIG_ACTIVATED) &&
        fz_chance(r, 800) && fz_use(&o->users, o)) {
        atomic_fetch_add_explicit(&fz_self->ops, 1, memory_order_relaxed);
        answer_roaming(r, o, c->signal);
        fz_unuse(&o->users, o);
        return;
    }
    if (!fz_chance(r, 350))
        return;
    atomic_fetch_add_explicit(&fz_self->ops, 1, memory_order_relaxed);
    unsigned k = fz_below(r, 40);
    if (k < 3) {
        spin(r);
    } else if (k < 6) {
        fz_conn_disconnect(c); /* itself: returns at once */
    } else if (k < 9) {
        fz_conn *other = fz_pool_conn(r);
        if (other && other->owner->loop == l) /* its callbacks run on this thread */
            fz_conn_disconnect(other);
        fz_conn_unref(other);
    } else if (k < 11) {
        fz_obj_kill(o); /* the object whose callback this is */
    } else if (k < 20) {
        if (fz_use(&o->users, o)) {
            if (o->kind == FZ_SESSION)
                session_call(r, o);
            else
                query_manager(r, o);
            fz_unuse(&o->users, o);
        }
    } else if (k < 22) {
        if (fz_use(&o->users, o)) {
            connect_random(r, o);
            fz_unuse(&o->users, o);
        }
    } else if (k < 24) {
        if (may_nest && use_loop(l)) { /* nested dispatch of the loop delivering us */
            dispatch(l, 0, true);
            unuse_loop(l);
        }
    } else if (k < 27) {
        if (may_nest && o->kind == FZ_SESSION && fz_use(&o->users, o)) {
            int ms = wait_timeout(r);
            fz_wait_for_opened(o, ms, ms < 0 ? "qns_session_wait_for_opened(-1)" : "qns_session_wait_for_opened");
            fz_unuse(&o->users, o);
        }
    } else if (k < 30) {
        fz_network_step(r);
    } else if (k < 31) {
        if (fz_chance(r, 200) && use_loop(l)) {
            if (l->kind == FZ_LOOP_THREADED)
                atomic_store(&l->quit_called, true);
            fz_expect_status(qns_loop_quit(l->h), l->kind == FZ_LOOP_THREADED ? QNS_ERR_WRONG_STATE : QNS_OK,
                             "qns_loop_quit from a callback");
            unuse_loop(l);
        }
    } else if (k < 33) {
        fz_obj *other = fz_pool_session(r);
        if (other && other->loop == l && fz_use(&other->users, other)) {
            fz_obj_kill(other);
            fz_unuse(&other->users, other);
        }
        fz_obj_unref(other);
    } else if (k < 35) {
        if (use_loop(l)) { /* on this loop: freeing it when the pool is full never waits */
            create_session(r, l);
            unuse_loop(l);
        }
    } else if (k < 36) {
        if (l->kind == FZ_LOOP_THREADED && fz_chance(r, 100) && fz_loop_kill(l)) /* only stops it */
            fz_pool_drop_loop(l);
    } else {
        fz_obj *other = use_pooled_session(r);
        if (other) { /* calls that never wait, on any session */
            session_call(r, other);
            done_with(other);
        }
    }
}
