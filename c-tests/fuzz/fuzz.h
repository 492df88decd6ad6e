/* The multi-threaded API-sequence fuzzer (c-tests/test_fuzz.c): shared
 * types. Worker threads run random sequences of C API calls on a shared
 * pool of loops, managers, sessions and connections while the simulated
 * network changes underneath; callbacks do random things too (disconnect,
 * free, open, dispatch...). Every callback and destroy checks the SPEC §5
 * delivery rules on entry; quiescent checkpoints check SPEC §4.2 states;
 * the end checks destroy counts and reference counts; a watchdog aborts
 * when a thread stays in one operation too long.
 *
 * Ownership, so that every reported violation is the library's:
 * - Handles are used only under a "use" reference (fz_use). Freeing needs
 *   every use reference to be the freeing thread's own (fz_try_kill, a CAS),
 *   so the fuzzer never frees a handle another thread is passing to the
 *   library, and never blocks to get there.
 * - Structs (fz_loop, fz_obj, fz_conn) live by a separate memory count; a
 *   connection's struct is the callback's user data and is kept (plus a
 *   quarantine) after its destroy ran, so a late callback is reported, not
 *   a crash in the fuzzer.
 * - "After qns_disconnect / free returned" is a seq_cst store made right
 *   after the call returns; a callback's first action is a seq_cst
 *   increment of its running counts followed by a seq_cst load of those
 *   flags. Either the callback sees the flag (it started after the call
 *   returned) or the returning thread sees the running count (a callback
 *   was still running on another thread when the call returned): both are
 *   SPEC §5 violations, and neither can be seen otherwise. */
#ifndef FUZZ_H
#define FUZZ_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qnetworksession.h"

/* ---- configuration (environment) ---- */
typedef struct fz_config {
    uint64_t seed;           /* QNS_FUZZ_SEED */
    int seconds;             /* QNS_FUZZ_SECONDS */
    int threads;             /* QNS_FUZZ_THREADS: worker threads */
    int watchdog_seconds;    /* QNS_FUZZ_WATCHDOG */
    int checkpoint_seconds;  /* QNS_FUZZ_CHECKPOINT: quiescent checks this often */
    bool forever_waits;      /* QNS_FUZZ_FOREVER_WAITS (default 1): waitForOpened(-1) */
    bool probes;             /* QNS_FUZZ_PROBES (default 1): targeted probes */
    bool free_in_wait;       /* QNS_FUZZ_FREE_IN_WAIT (default 1): a callback may free the
                                session whose waitForOpened delivers it */
} fz_config;
extern fz_config fz_cfg;

/* ---- invariants (checked and reported in checks.c) ---- */
enum fz_invariant {
    FZ_I_CB_AFTER_DISCONNECT,
    FZ_I_CB_AFTER_FREE,
    FZ_I_RUNNING_AFTER_DISCONNECT,
    FZ_I_RUNNING_AFTER_FREE,
    FZ_I_CB_AFTER_DESTROY,
    FZ_I_DESTROY_ONCE,
    FZ_I_DESTROY_AFTER_END,
    FZ_I_DESTROY_NOT_RUNNING,
    FZ_I_DESTROY_ALL,
    FZ_I_THREAD,
    FZ_I_ONE_DELIVERER,
    FZ_I_ARGS,
    FZ_I_STATUS,
    FZ_I_STATE_REPEAT,
    FZ_I_INERT,
    FZ_I_STATES,
    FZ_I_TRACKER,
    FZ_I_SETTLES,
    FZ_I_THREADED_DELIVERS,
    FZ_I_QUIT,
    FZ_I_WAIT_ENDS,
    FZ_I_COUNTS,
    FZ_I_COUNT
};

/* ---- random numbers (one generator per thread) ---- */
typedef struct fz_rng {
    uint64_t s;
} fz_rng;
static inline uint64_t fz_next(fz_rng *r) { /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline unsigned fz_below(fz_rng *r, unsigned n) { return n ? (unsigned)(fz_next(r) % n) : 0; }
static inline bool fz_chance(fz_rng *r, unsigned per_mille) { return fz_below(r, 1000) < per_mille; }

int64_t fz_now_ns(void); /* CLOCK_MONOTONIC */
void fz_sleep_us(long us);

/* ---- objects ---- */
#define FZ_DEAD 0x40000000 /* in `users`: the handle is being (or was) freed */

enum fz_loop_kind { FZ_LOOP_DEFAULT, FZ_LOOP_APP, FZ_LOOP_THREADED };

typedef struct fz_loop {
    atomic_int mem;   /* struct references */
    atomic_int users; /* handle users, | FZ_DEAD once freed */
    uint64_t id;
    enum fz_loop_kind kind;
    qns_loop *h;
    int owner;             /* APP: the worker that dispatches it */
    atomic_int deliverer;  /* thread id + 1 of the thread in one of its callbacks */
    int depth;             /* nesting of `deliverer` (touched only by it) */
    atomic_int lib_thread; /* THREADED: thread id + 1 of its delivering thread */
    atomic_bool quit_called; /* THREADED: qns_loop_quit was called on it */
    atomic_bool stall_reported;
} fz_loop;

enum fz_kind { FZ_SESSION, FZ_MANAGER };

typedef struct fz_conn fz_conn;

typedef struct fz_obj { /* a session or a manager */
    atomic_int mem;
    atomic_int users;
    uint64_t id;
    enum fz_kind kind;
    void *h; /* qns_session * or qns_manager * */
    fz_loop *loop;
    int cfg_type;   /* session: QNS_TYPE_* of its configuration, -1 for NULL */
    bool inert;     /* session: created on NULL (SPEC §4.1) */
    atomic_int cb_running;  /* callbacks of this object running now */
    atomic_int cb_thread;   /* the thread that last started one (for messages) */
    _Atomic(fz_conn *) cb_last; /* the connection whose callback started last (for messages) */
    atomic_bool freed;      /* its _free returned */
    fz_conn *tracker;       /* session: a stateChanged connection kept all its life */
    atomic_int last_state;  /* what the tracker saw last (-1: nothing yet) */
} fz_obj;

enum fz_signal {
    FZ_SIG_STATE, FZ_SIG_OPENED, FZ_SIG_CLOSED, FZ_SIG_ERROR, FZ_SIG_PREFERRED,
    FZ_SIG_ACTIVATED, FZ_SIG_USAGE, /* session signals */
    FZ_SIG_ADDED, FZ_SIG_REMOVED, FZ_SIG_CHANGED, FZ_SIG_ONLINE, FZ_SIG_UPDATED, /* manager */
    FZ_SIG_COUNT
};
extern const char *const fz_signal_names[FZ_SIG_COUNT];

#define FZ_CONN_MAGIC 0xC0FFEE11u

struct fz_conn {
    atomic_int mem;
    uint32_t magic;
    uint64_t id;
    enum fz_signal signal;
    fz_obj *owner;
    _Atomic uint64_t token;     /* 0 until registration returned */
    atomic_int running;         /* deliveries of it running now */
    atomic_int cb_thread;       /* the thread that last started one (for messages) */
    atomic_int destroyed;       /* destroy(user_data) calls */
    atomic_bool end_requested;  /* qns_disconnect of it was called */
    atomic_bool ended;          /* a qns_disconnect of it returned QNS_OK */
    atomic_int disconnect_ok;   /* how many qns_disconnect calls returned QNS_OK */
    fz_conn *prev, *next;       /* in the list of connections whose destroy has not run */
    bool keep;                  /* the tracker: the fuzz never disconnects it */
    bool frees_owner;           /* probe: its callback frees the owner */
};

/* ---- threads ---- */
#define FZ_MAX_STACK 32

typedef struct fz_thread {
    int id;              /* 0..threads-1 workers, then main, then library threads */
    const char *role;    /* "worker", "main", "library" */
    fz_rng rng;
    bool in_use;         /* library-thread slot taken */
    pthread_t pthread;
    _Atomic(const char *) op;  /* innermost operation now ("" when idle) */
    _Atomic uint64_t op_obj;   /* the object it works on */
    _Atomic int64_t op_since;  /* when the outermost operation began; 0 idle */
    int op_depth;
    _Atomic uint64_t ops;       /* operations: random actions (a worker step, or one in a callback) */
    _Atomic uint64_t callbacks; /* callbacks that ran here */
    _Atomic uint64_t checks[FZ_I_COUNT]; /* per thread: no shared cache line per check */
    fz_loop *dispatching[FZ_MAX_STACK]; /* loops this thread is dispatching / waiting on */
    int ndispatching;
    struct {
        fz_conn *conn;
        bool delivering; /* this frame took its loop's deliverer role */
    } running[FZ_MAX_STACK]; /* callbacks on this thread's stack */
    int nrunning;
    struct { void *obj; int n; } held[FZ_MAX_STACK]; /* use references this thread holds */
    int nheld;
    fz_obj *waiting[FZ_MAX_STACK]; /* sessions this thread is in waitForOpened on */
    int nwaiting;
    fz_loop *own_loop; /* worker: its application loop */
    int64_t next_probe[3]; /* worker: when each probe may run again */
    qns_configuration *cfgs[8]; /* worker: configurations it holds */
} fz_thread;

extern _Thread_local fz_thread *fz_self;
fz_thread *fz_thread_table(int *count); /* every thread context (watchdog, stats) */
fz_thread *fz_thread_register(const char *role); /* workers and main */
fz_thread *fz_current(void); /* the calling thread's context (library threads get one) */

void fz_op_begin(const char *op, uint64_t obj);
/* qns_session_wait_for_opened on s from this thread (it may deliver s's loop here). */
bool fz_wait_for_opened(fz_obj *s, int ms, const char *what);
void fz_op_end(void);

/* ---- references ---- */
bool fz_use(atomic_int *users, void *obj);   /* false when dead */
void fz_unuse(atomic_int *users, void *obj);
bool fz_try_kill(atomic_int *users, void *obj); /* CAS: only my own uses -> DEAD */
bool fz_alive(atomic_int *users);
int fz_held_by_me(void *obj);

fz_loop *fz_loop_new(enum fz_loop_kind kind, int owner); /* NULL on failure */
void fz_loop_ref(fz_loop *l);
void fz_loop_unref(fz_loop *l);
fz_loop *fz_default_loop(void);
bool fz_loop_kill(fz_loop *l); /* frees the handle if the kill CAS succeeds */

fz_obj *fz_obj_new(enum fz_kind kind, void *h, fz_loop *loop);
void fz_obj_ref(fz_obj *o);
void fz_obj_unref(fz_obj *o);
bool fz_obj_kill(fz_obj *o); /* frees the handle if the kill CAS succeeds, then checks §5 */

fz_conn *fz_conn_new(fz_obj *owner, enum fz_signal signal);
void fz_conn_ref(fz_conn *c);
void fz_conn_unref(fz_conn *c);
/* qns_disconnect(c's token) with the §5 checks; true when it returned QNS_OK. */
bool fz_conn_disconnect(fz_conn *c);

/* Pools: fixed arrays under a mutex; get returns a new memory reference. */
#define FZ_SESSIONS 48
#define FZ_MANAGERS 6
#define FZ_CONNS 256
#define FZ_THREADED 3
#define FZ_APP_LOOPS 64
int fz_pool_reserve(enum fz_kind kind);                /* a free slot, or -1 */
void fz_pool_fill(enum fz_kind kind, int slot, fz_obj *o); /* NULL gives the slot back */
fz_obj *fz_pool_session(fz_rng *r);
fz_obj *fz_pool_manager(fz_rng *r);
void fz_pool_drop_obj(fz_obj *o);
void fz_pool_put_conn(fz_conn *c, fz_rng *r);
fz_conn *fz_pool_conn(fz_rng *r);
bool fz_pool_put_threaded(fz_loop *l);
fz_loop *fz_pool_threaded(fz_rng *r);
void fz_pool_drop_loop(fz_loop *l); /* from the threaded and application loop pools */
void fz_pool_put_app_loop(fz_loop *l);
fz_loop *fz_pool_app_loop(fz_rng *r);
/* Every live session / manager (for checkpoints and the end): new references. */
int fz_pool_all_objs(fz_obj **out, int max);
int fz_pool_all_loops(fz_loop **out, int max);
void fz_pool_clear(void); /* drops every pool reference */
void fz_graveyard_flush(void);

/* ---- callbacks (callbacks.c) ---- */
/* Registers signal on o (which the caller holds); NULL when it failed. */
fz_conn *fz_connect(fz_obj *o, enum fz_signal signal, bool keep, bool frees_owner);
extern atomic_bool fz_paused; /* checkpoint: callbacks only check, they do nothing */
extern atomic_int fz_cb_acting; /* callbacks inside an action now */
extern _Atomic uint64_t fz_registered, fz_destroyed_once;
void fz_report_undestroyed(void); /* the end: describes connections whose destroy never ran */
uint64_t fz_callbacks_total(void);

/* ---- actions (actions.c): one random API action ---- */
void fz_worker_step(fz_rng *r);
void fz_callback_action(fz_rng *r, fz_conn *c);
/* A session on cfg bound to loop (held by the caller), with a tracker and
 * random callbacks when `callbacks`; not yet in the pool. */
fz_obj *fz_session_create(fz_rng *r, const qns_configuration *cfg, fz_loop *loop, bool callbacks);
void fz_worker_cleanup(void);

/* ---- the simulated network (network.c) ---- */
#define FZ_APS 6
#define FZ_SNS 2
void fz_network_setup(qns_manager *m);
void fz_network_step(fz_rng *r);
void fz_network_quiet(void);      /* final state for the count check */
const char *fz_ap_id(int i);
const char *fz_sn_id(int i);
extern qns_manager *fz_net_manager;

/* ---- probes and the helper board (probes.c) ---- */
void fz_probe_step(fz_rng *r);
void fz_board_service(void);      /* main thread: due closes and quits */
void fz_board_post_quit(fz_loop *l, int64_t due);
void fz_board_cancel_all(void);

/* Counts one check; on failure counts a violation and prints the first few. */
bool fz_check(enum fz_invariant inv, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void fz_expect_status(qns_status got, qns_status want, const char *call);
void fz_expect_status2(qns_status got, qns_status a, qns_status b, const char *call);
void fz_checkpoint(const char *when); /* quiescent checks; workers parked */
void fz_check_counts(void);           /* everything freed: counts back to zero */
int fz_report(double seconds, uint64_t ops, uint64_t callbacks); /* summary; exit code */

/* ---- watchdog.c ---- */
void fz_watchdog_start(void);
void fz_watchdog_stop(void);

/* Pausing workers for checkpoints (test_fuzz.c). */
void fz_worker_maybe_park(void);
extern atomic_bool fz_stop;

#endif
