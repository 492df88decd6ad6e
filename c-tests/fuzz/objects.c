/* Thread contexts, references and the shared pools of the fuzzer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

fz_config fz_cfg;
_Thread_local fz_thread *fz_self;
static _Atomic uint64_t next_id = 1;

int64_t fz_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void fz_sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* ---- threads ---- */
#define MAX_APP_THREADS 66  /* workers + main */
#define MAX_LIB_THREADS 192 /* library threads that ran a callback or destroy */
static fz_thread threads[MAX_APP_THREADS + MAX_LIB_THREADS];
static atomic_int app_threads = 0;
static pthread_key_t lib_key;
static pthread_once_t lib_key_once = PTHREAD_ONCE_INIT;
static _Thread_local fz_thread overflow; /* when every library slot is taken */
static _Atomic uint64_t lib_seeds = 0;

fz_thread *fz_thread_table(int *count) {
    *count = MAX_APP_THREADS + MAX_LIB_THREADS;
    return threads;
}

static void init_thread(fz_thread *t, int id, const char *role, uint64_t seed) {
    t->id = id;
    t->role = role;
    t->rng.s = seed;
    t->pthread = pthread_self();
    atomic_store(&t->op, "");
    t->op_depth = 0;
    t->ndispatching = t->nrunning = t->nheld = 0;
    fz_self = t;
}

fz_thread *fz_thread_register(const char *role) {
    int id = atomic_fetch_add(&app_threads, 1);
    if (id >= MAX_APP_THREADS) {
        fprintf(stderr, "fuzz: too many threads\n");
        abort();
    }
    fz_thread *t = &threads[id];
    init_thread(t, id, role, fz_cfg.seed * 0x100000001B3ull + (uint64_t)id * 0x9E3779B97F4A7C15ull);
    t->in_use = true;
    return t;
}

/* A library thread ended: its slot may be reused. */
static void lib_thread_exit(void *slot) {
    fz_thread *t = slot;
    atomic_store(&t->op_since, 0);
    __atomic_store_n(&t->in_use, false, __ATOMIC_RELEASE);
}

static void make_lib_key(void) { pthread_key_create(&lib_key, lib_thread_exit); }

fz_thread *fz_current(void) {
    if (fz_self)
        return fz_self;
    pthread_once(&lib_key_once, make_lib_key);
    uint64_t seed = fz_cfg.seed ^ (0xA5A5A5A5ull + atomic_fetch_add(&lib_seeds, 1) * 0x9E3779B97F4A7C15ull);
    for (int i = MAX_APP_THREADS; i < MAX_APP_THREADS + MAX_LIB_THREADS; i++) {
        bool expected = false;
        if (__atomic_compare_exchange_n(&threads[i].in_use, &expected, true, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            init_thread(&threads[i], i, "library", seed);
            pthread_setspecific(lib_key, &threads[i]);
            return &threads[i];
        }
    }
    init_thread(&overflow, 9999, "library", seed);
    return &overflow;
}

void fz_op_begin(const char *op, uint64_t obj) {
    fz_thread *t = fz_current();
    if (t->op_depth++ == 0)
        atomic_store(&t->op_since, fz_now_ns());
    atomic_store(&t->op, op);
    atomic_store(&t->op_obj, obj);
}

void fz_op_end(void) {
    fz_thread *t = fz_self;
    if (--t->op_depth == 0)
        atomic_store(&t->op_since, 0);
}

/* ---- use references ---- */
static void held_add(void *obj, int delta) {
    fz_thread *t = fz_current();
    for (int i = 0; i < t->nheld; i++) {
        if (t->held[i].obj == obj) {
            t->held[i].n += delta;
            if (t->held[i].n == 0)
                t->held[i] = t->held[--t->nheld];
            return;
        }
    }
    if (delta > 0 && t->nheld < FZ_MAX_STACK) {
        t->held[t->nheld].obj = obj;
        t->held[t->nheld].n = delta;
        t->nheld++;
    }
}

int fz_held_by_me(void *obj) {
    fz_thread *t = fz_current();
    for (int i = 0; i < t->nheld; i++)
        if (t->held[i].obj == obj)
            return t->held[i].n;
    return 0;
}

bool fz_use(atomic_int *users, void *obj) {
    fz_thread *t = fz_current();
    if (t->nheld >= FZ_MAX_STACK && fz_held_by_me(obj) == 0)
        return false;
    int v = atomic_load(users);
    do {
        if (v & FZ_DEAD)
            return false;
    } while (!atomic_compare_exchange_weak(users, &v, v + 1));
    held_add(obj, 1);
    return true;
}

void fz_unuse(atomic_int *users, void *obj) {
    held_add(obj, -1);
    atomic_fetch_sub(users, 1);
}

bool fz_alive(atomic_int *users) { return (atomic_load(users) & FZ_DEAD) == 0; }

bool fz_try_kill(atomic_int *users, void *obj) {
    int mine = fz_held_by_me(obj);
    int expected = mine;
    return atomic_compare_exchange_strong(users, &expected, mine | FZ_DEAD);
}

/* ---- loops ---- */
static fz_loop default_loop;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void init_default_loop(void) {
    default_loop.kind = FZ_LOOP_DEFAULT;
    default_loop.h = qns_loop_default();
    default_loop.id = atomic_fetch_add(&next_id, 1);
    atomic_store(&default_loop.mem, 1 << 28); /* never freed */
    default_loop.owner = -1;
}

fz_loop *fz_default_loop(void) {
    pthread_once(&default_once, init_default_loop);
    return &default_loop;
}

fz_loop *fz_loop_new(enum fz_loop_kind kind, int owner) {
    qns_loop *h = NULL;
    qns_status st = kind == FZ_LOOP_THREADED ? qns_loop_new_threaded(&h) : qns_loop_new(&h);
    fz_expect_status(st, QNS_OK, kind == FZ_LOOP_THREADED ? "qns_loop_new_threaded" : "qns_loop_new");
    if (st != QNS_OK)
        return NULL;
    fz_loop *l = calloc(1, sizeof *l);
    atomic_store(&l->mem, 1);
    l->id = atomic_fetch_add(&next_id, 1);
    l->kind = kind;
    l->h = h;
    l->owner = owner;
    return l;
}

void fz_loop_ref(fz_loop *l) { atomic_fetch_add(&l->mem, 1); }

void fz_loop_unref(fz_loop *l) {
    if (l && atomic_fetch_sub(&l->mem, 1) == 1)
        free(l);
}

bool fz_loop_kill(fz_loop *l) {
    if (l->kind == FZ_LOOP_DEFAULT || !fz_try_kill(&l->users, l))
        return false;
    fz_op_begin("qns_loop_free", l->id);
    qns_loop_free(l->h);
    fz_op_end();
    return true;
}

/* ---- sessions and managers ---- */
fz_obj *fz_obj_new(enum fz_kind kind, void *h, fz_loop *loop) {
    fz_obj *o = calloc(1, sizeof *o);
    atomic_store(&o->mem, 1);
    o->id = atomic_fetch_add(&next_id, 1);
    o->kind = kind;
    o->h = h;
    o->loop = loop;
    fz_loop_ref(loop);
    atomic_store(&o->last_state, -1);
    return o;
}

void fz_obj_ref(fz_obj *o) { atomic_fetch_add(&o->mem, 1); }

void fz_obj_unref(fz_obj *o) {
    if (o && atomic_fetch_sub(&o->mem, 1) == 1) {
        fz_loop_unref(o->loop);
        free(o);
    }
}

static int frames_of_obj_here(fz_obj *o) {
    fz_thread *t = fz_current();
    int n = 0;
    for (int i = 0; i < t->nrunning; i++)
        n += t->running[i].conn->owner == o;
    return n;
}

static bool waiting_here(fz_obj *o) {
    fz_thread *t = fz_current();
    for (int i = 0; i < t->nwaiting && i < FZ_MAX_STACK; i++)
        if (t->waiting[i] == o)
            return true;
    return false;
}

bool fz_wait_for_opened(fz_obj *s, int ms, const char *what) {
    fz_thread *t = fz_current();
    if (t->ndispatching < FZ_MAX_STACK)
        t->dispatching[t->ndispatching] = s->loop;
    if (t->nwaiting < FZ_MAX_STACK)
        t->waiting[t->nwaiting] = s;
    t->ndispatching++;
    t->nwaiting++;
    fz_op_begin(what, s->id);
    bool opened = qns_session_wait_for_opened(s->h, ms);
    fz_op_end();
    t->ndispatching--;
    t->nwaiting--;
    if (s->inert)
        fz_check(FZ_I_INERT, !opened, "waitForOpened on a null-configuration session returned true");
    return opened;
}

bool fz_obj_kill(fz_obj *o) {
    if (!fz_cfg.free_in_wait && waiting_here(o))
        return false; /* QNS_FUZZ_FREE_IN_WAIT=0 */
    if (!fz_try_kill(&o->users, o))
        return false;
    bool session = o->kind == FZ_SESSION;
    fz_op_begin(session ? "qns_session_free" : "qns_manager_free", o->id);
    if (session)
        qns_session_free(o->h);
    else
        qns_manager_free(o->h);
    atomic_store(&o->freed, true); /* the happens-before edge of "free returned" */
    int elsewhere = atomic_load(&o->cb_running) - frames_of_obj_here(o);
    if (elsewhere != 0) {
        /* For the message: the connection that started last is alive (its
         * callback runs, so its destroy cannot have run). */
        fz_conn *last = atomic_load(&o->cb_last);
        bool disconnecting = last && atomic_load(&last->end_requested) && !atomic_load(&last->ended);
        fz_check(FZ_I_RUNNING_AFTER_FREE, false,
                 "%s #%llu returned on thread %d (%s) while %d of its callbacks still ran on other threads "
                 "(last started: %s on thread %d%s)",
                 session ? "qns_session_free" : "qns_manager_free", (unsigned long long)o->id, fz_self->id,
                 fz_self->nrunning ? "inside a callback" : "not inside a callback", elsewhere,
                 last ? fz_signal_names[last->signal] : "?", atomic_load(&o->cb_thread),
                 disconnecting ? ", a qns_disconnect of it was in progress" : "");
    } else {
        fz_check(FZ_I_RUNNING_AFTER_FREE, true, "no callback runs elsewhere");
    }
    fz_op_end();
    fz_pool_drop_obj(o);
    return true;
}

/* ---- connections ---- */
fz_conn *fz_conn_new(fz_obj *owner, enum fz_signal signal) {
    fz_conn *c = calloc(1, sizeof *c);
    atomic_store(&c->mem, 1);
    c->magic = FZ_CONN_MAGIC;
    c->id = atomic_fetch_add(&next_id, 1);
    c->signal = signal;
    c->owner = owner;
    fz_obj_ref(owner);
    return c;
}

void fz_conn_ref(fz_conn *c) { atomic_fetch_add(&c->mem, 1); }

/* Freed connection structs wait here a while: a callback or destroy the
 * library runs late then reads valid memory and is reported, not a crash. */
#define GRAVEYARD 65536
static fz_conn *graveyard[GRAVEYARD];
static size_t graveyard_next;
static pthread_mutex_t graveyard_lock = PTHREAD_MUTEX_INITIALIZER;

static void conn_release(fz_conn *c) {
    if (!c)
        return;
    c->magic = 0;
    fz_obj_unref(c->owner);
    free(c);
}

void fz_conn_unref(fz_conn *c) {
    if (!c || atomic_fetch_sub(&c->mem, 1) != 1)
        return;
    pthread_mutex_lock(&graveyard_lock);
    fz_conn *old = graveyard[graveyard_next];
    graveyard[graveyard_next] = c;
    graveyard_next = (graveyard_next + 1) % GRAVEYARD;
    pthread_mutex_unlock(&graveyard_lock);
    conn_release(old);
}

void fz_graveyard_flush(void) {
    for (size_t i = 0; i < GRAVEYARD; i++) {
        pthread_mutex_lock(&graveyard_lock);
        fz_conn *c = graveyard[i];
        graveyard[i] = NULL;
        pthread_mutex_unlock(&graveyard_lock);
        conn_release(c);
    }
}

static int frames_of_conn_here(fz_conn *c) {
    fz_thread *t = fz_current();
    int n = 0;
    for (int i = 0; i < t->nrunning; i++)
        n += t->running[i].conn == c;
    return n;
}

bool fz_conn_disconnect(fz_conn *c) {
    uint64_t token = atomic_load(&c->token);
    if (token == 0 || c->keep)
        return false;
    bool owner_freed_before = atomic_load(&c->owner->freed);
    bool ended_before = atomic_load(&c->ended);
    atomic_store(&c->end_requested, true);
    fz_op_begin("qns_disconnect", c->id);
    qns_status st = qns_disconnect(token);
    bool ok = st == QNS_OK;
    if (ok) {
        atomic_store(&c->ended, true); /* the happens-before edge of "disconnect returned" */
        int elsewhere = atomic_load(&c->running) - frames_of_conn_here(c);
        fz_check(FZ_I_RUNNING_AFTER_DISCONNECT, elsewhere == 0,
                 "qns_disconnect(%s #%llu of %llu) returned on thread %d (%s) while its callback still ran "
                 "on another thread (last started on thread %d)",
                 fz_signal_names[c->signal], (unsigned long long)c->id, (unsigned long long)c->owner->id,
                 fz_self->id, fz_self->nrunning ? "inside a callback" : "not inside a callback",
                 atomic_load(&c->cb_thread));
        int before = atomic_fetch_add(&c->disconnect_ok, 1);
        fz_check(FZ_I_STATUS, before == 0 && !ended_before && !owner_freed_before,
                 "qns_disconnect of an already ended connection #%llu returned QNS_OK",
                 (unsigned long long)c->id);
    } else {
        fz_expect_status(st, QNS_ERR_NOT_FOUND, "qns_disconnect");
    }
    fz_op_end();
    return ok;
}

/* ---- pools ---- */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static fz_obj *sessions[FZ_SESSIONS];
static fz_obj *managers[FZ_MANAGERS];
static fz_conn *conns[FZ_CONNS];
static fz_loop *threaded[FZ_THREADED];
static fz_loop *app_loops[FZ_APP_LOOPS];

/* A slot taken for an object being created: getters skip it. Creating only
 * into a reserved slot means a new object never has to be freed again at
 * once (which could fail: its callbacks may already use it). */
static fz_obj reserved;

static fz_obj **slots_of(enum fz_kind kind, int *n) {
    *n = kind == FZ_SESSION ? FZ_SESSIONS : FZ_MANAGERS;
    return kind == FZ_SESSION ? sessions : managers;
}

int fz_pool_reserve(enum fz_kind kind) {
    int n, slot = -1;
    fz_obj **slots = slots_of(kind, &n);
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < n && slot < 0; i++) {
        if (!slots[i]) {
            slots[i] = &reserved;
            slot = i;
        }
    }
    pthread_mutex_unlock(&pool_lock);
    return slot;
}

void fz_pool_fill(enum fz_kind kind, int slot, fz_obj *o) {
    int n;
    fz_obj **slots = slots_of(kind, &n);
    if (o)
        fz_obj_ref(o);
    pthread_mutex_lock(&pool_lock);
    slots[slot] = o;
    pthread_mutex_unlock(&pool_lock);
}

static fz_obj *get_obj(fz_obj **slots, int n, fz_rng *r) {
    fz_obj *o = NULL;
    pthread_mutex_lock(&pool_lock);
    for (int tries = 0; tries < 4 && !o; tries++) {
        o = slots[fz_below(r, (unsigned)n)];
        if (o == &reserved)
            o = NULL;
        if (o)
            fz_obj_ref(o);
    }
    pthread_mutex_unlock(&pool_lock);
    return o;
}

fz_obj *fz_pool_session(fz_rng *r) { return get_obj(sessions, FZ_SESSIONS, r); }
fz_obj *fz_pool_manager(fz_rng *r) { return get_obj(managers, FZ_MANAGERS, r); }

void fz_pool_drop_obj(fz_obj *o) {
    int n;
    fz_obj **slots = slots_of(o->kind, &n);
    bool dropped = false;
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < n; i++) {
        if (slots[i] == o) {
            slots[i] = NULL;
            dropped = true;
        }
    }
    pthread_mutex_unlock(&pool_lock);
    if (dropped)
        fz_obj_unref(o);
}

void fz_pool_put_conn(fz_conn *c, fz_rng *r) {
    fz_conn_ref(c);
    pthread_mutex_lock(&pool_lock);
    int i = (int)fz_below(r, FZ_CONNS);
    fz_conn *old = conns[i];
    conns[i] = c;
    pthread_mutex_unlock(&pool_lock);
    fz_conn_unref(old);
}

fz_conn *fz_pool_conn(fz_rng *r) {
    pthread_mutex_lock(&pool_lock);
    fz_conn *c = conns[fz_below(r, FZ_CONNS)];
    if (c)
        fz_conn_ref(c);
    pthread_mutex_unlock(&pool_lock);
    return c;
}

static bool put_loop(fz_loop **slots, int n, fz_loop *l) {
    bool done = false;
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < n && !done; i++) {
        if (!slots[i]) {
            fz_loop_ref(l);
            slots[i] = l;
            done = true;
        }
    }
    pthread_mutex_unlock(&pool_lock);
    return done;
}

static fz_loop *get_loop(fz_loop **slots, int n, fz_rng *r) {
    pthread_mutex_lock(&pool_lock);
    fz_loop *l = slots[fz_below(r, (unsigned)n)];
    if (l)
        fz_loop_ref(l);
    pthread_mutex_unlock(&pool_lock);
    return l;
}

static void drop_loop(fz_loop **slots, int n, fz_loop *l) {
    bool dropped = false;
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < n; i++) {
        if (slots[i] == l) {
            slots[i] = NULL;
            dropped = true;
        }
    }
    pthread_mutex_unlock(&pool_lock);
    if (dropped)
        fz_loop_unref(l);
}

bool fz_pool_put_threaded(fz_loop *l) { return put_loop(threaded, FZ_THREADED, l); }
fz_loop *fz_pool_threaded(fz_rng *r) { return get_loop(threaded, FZ_THREADED, r); }
void fz_pool_drop_loop(fz_loop *l) {
    drop_loop(threaded, FZ_THREADED, l);
    drop_loop(app_loops, FZ_APP_LOOPS, l);
}
void fz_pool_put_app_loop(fz_loop *l) { put_loop(app_loops, FZ_APP_LOOPS, l); }
fz_loop *fz_pool_app_loop(fz_rng *r) { return get_loop(app_loops, FZ_APP_LOOPS, r); }

int fz_pool_all_objs(fz_obj **out, int max) {
    int n = 0;
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < FZ_SESSIONS && n < max; i++)
        if (sessions[i] && sessions[i] != &reserved)
            fz_obj_ref(out[n++] = sessions[i]);
    for (int i = 0; i < FZ_MANAGERS && n < max; i++)
        if (managers[i] && managers[i] != &reserved)
            fz_obj_ref(out[n++] = managers[i]);
    pthread_mutex_unlock(&pool_lock);
    return n;
}

int fz_pool_all_loops(fz_loop **out, int max) {
    int n = 0;
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < FZ_THREADED && n < max; i++)
        if (threaded[i])
            fz_loop_ref(out[n++] = threaded[i]);
    for (int i = 0; i < FZ_APP_LOOPS && n < max; i++)
        if (app_loops[i])
            fz_loop_ref(out[n++] = app_loops[i]);
    pthread_mutex_unlock(&pool_lock);
    return n;
}

void fz_pool_clear(void) {
    for (int i = 0; i < FZ_CONNS; i++) {
        pthread_mutex_lock(&pool_lock);
        fz_conn *c = conns[i];
        conns[i] = NULL;
        pthread_mutex_unlock(&pool_lock);
        fz_conn_unref(c);
    }
}
