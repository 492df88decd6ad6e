/* A seeded multi-threaded API-sequence fuzzer with a deadlock watchdog
 * (issue 8). Worker threads run random sequences of the whole C API on a
 * shared pool of loops (application-driven, threaded, the default one),
 * managers, sessions (access points, service networks, UserChoice, null),
 * configurations and callbacks while the simulated network changes; the
 * callbacks disconnect, free, open, wait and dispatch too. The invariants
 * (c-tests/fuzz/checks.c lists them) are checked all along, at quiescent
 * checkpoints and at the end; c-tests/fuzz/fuzz.h says why a violation is
 * always the library's.
 *
 * Environment: QNS_FUZZ_SEED (printed; replays the same random choices,
 * though threads interleave differently each run), QNS_FUZZ_SECONDS (3),
 * QNS_FUZZ_THREADS (8 workers), QNS_FUZZ_WATCHDOG (20 s in one operation),
 * QNS_FUZZ_CHECKPOINT (10: seconds between quiescent checkpoints),
 * QNS_FUZZ_FOREVER_WAITS (1: waitForOpened(-1) too), QNS_FUZZ_PROBES (1:
 * the targeted probes of c-tests/fuzz/probes.c), QNS_FUZZ_FREE_IN_WAIT (1:
 * callbacks may free the session whose waitForOpened delivers them). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz.h"

atomic_bool fz_stop = false;
static atomic_bool park_requested = false;
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static int parked = 0;
static atomic_int finished = 0;

static long env_long(const char *name, long fallback) {
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 0) : fallback;
}

void fz_worker_maybe_park(void) {
    if (!atomic_load(&park_requested))
        return;
    pthread_mutex_lock(&park_lock);
    parked++;
    pthread_cond_broadcast(&park_cond);
    while (atomic_load(&park_requested))
        pthread_cond_wait(&park_cond, &park_lock);
    parked--;
    pthread_mutex_unlock(&park_lock);
}

static void *worker(void *arg) {
    (void)arg;
    fz_thread *t = fz_thread_register("worker");
    t->own_loop = fz_loop_new(FZ_LOOP_APP, t->id);
    if (t->own_loop)
        fz_pool_put_app_loop(t->own_loop);
    while (!atomic_load(&fz_stop)) {
        fz_worker_maybe_park();
        fz_op_begin("step", 0);
        fz_worker_step(&t->rng);
        fz_op_end();
    }
    fz_worker_cleanup();
    if (t->own_loop)
        fz_loop_unref(t->own_loop); /* the pool keeps it for the end */
    atomic_fetch_add(&finished, 1);
    return NULL;
}

/* Parks every worker at the top of its loop and stops callback actions. */
static void pause_workers(void) {
    atomic_store(&fz_paused, true);
    atomic_store(&park_requested, true);
    for (;;) {
        fz_board_service(); /* a worker may wait for the board to get to its step's end */
        pthread_mutex_lock(&park_lock);
        bool all = parked + atomic_load(&finished) >= fz_cfg.threads;
        pthread_mutex_unlock(&park_lock);
        if (all && atomic_load(&fz_cb_acting) == 0)
            break;
        fz_sleep_us(1000);
    }
}

static void resume_workers(void) {
    atomic_store(&fz_paused, false);
    pthread_mutex_lock(&park_lock);
    atomic_store(&park_requested, false);
    pthread_cond_broadcast(&park_cond);
    pthread_mutex_unlock(&park_lock);
}

static uint64_t operations(void) {
    int count = 0;
    uint64_t sum = 0;
    fz_thread *threads = fz_thread_table(&count);
    for (int i = 0; i < count; i++)
        sum += atomic_load(&threads[i].ops);
    return sum;
}

/* Frees everything the pools still hold; the workers are gone. */
static void free_everything(void) {
    fz_obj *objs[FZ_SESSIONS + FZ_MANAGERS];
    int n = fz_pool_all_objs(objs, FZ_SESSIONS + FZ_MANAGERS);
    for (int i = 0; i < n; i++) {
        if (fz_use(&objs[i]->users, objs[i])) {
            fz_obj_kill(objs[i]);
            fz_unuse(&objs[i]->users, objs[i]);
        }
        fz_obj_unref(objs[i]);
    }
    fz_loop *loops[FZ_THREADED + FZ_APP_LOOPS];
    int nl = fz_pool_all_loops(loops, FZ_THREADED + FZ_APP_LOOPS);
    for (int i = 0; i < nl; i++) {
        fz_loop_kill(loops[i]);
        fz_pool_drop_loop(loops[i]);
        fz_loop_unref(loops[i]);
    }
    fz_pool_clear();
    fz_thread *t = fz_self;
    t->dispatching[t->ndispatching++] = fz_default_loop();
    for (size_t delivered = 1; delivered > 0;)
        if (qns_loop_dispatch(NULL, 0, &delivered) != QNS_OK)
            break;
    t->ndispatching--;
}

int main(void) {
    fz_cfg.seed = (uint64_t)strtoull(getenv("QNS_FUZZ_SEED") ? getenv("QNS_FUZZ_SEED") : "20240808", NULL, 0);
    fz_cfg.seconds = (int)env_long("QNS_FUZZ_SECONDS", 3);
    fz_cfg.threads = (int)env_long("QNS_FUZZ_THREADS", 8);
    fz_cfg.watchdog_seconds = (int)env_long("QNS_FUZZ_WATCHDOG", 20);
    fz_cfg.checkpoint_seconds = (int)env_long("QNS_FUZZ_CHECKPOINT", 10);
    fz_cfg.forever_waits = env_long("QNS_FUZZ_FOREVER_WAITS", 1) != 0;
    fz_cfg.probes = env_long("QNS_FUZZ_PROBES", 1) != 0;
    fz_cfg.free_in_wait = env_long("QNS_FUZZ_FREE_IN_WAIT", 1) != 0;
    if (fz_cfg.threads < 1 || fz_cfg.threads > 64 || fz_cfg.seconds < 0 || fz_cfg.watchdog_seconds < 2) {
        fprintf(stderr, "QNS_FUZZ_THREADS must be 1..64, QNS_FUZZ_SECONDS >= 0, QNS_FUZZ_WATCHDOG >= 2\n");
        return 2;
    }
    printf("fuzz: seed %" PRIu64 " (QNS_FUZZ_SEED), %d s, %d threads, watchdog %d s, checkpoints every %d s%s%s%s\n",
           fz_cfg.seed, fz_cfg.seconds, fz_cfg.threads, fz_cfg.watchdog_seconds, fz_cfg.checkpoint_seconds,
           fz_cfg.forever_waits ? "" : ", no waitForOpened(-1)", fz_cfg.probes ? "" : ", no probes",
           fz_cfg.free_in_wait ? "" : ", no frees inside a wait on the same session");
    fflush(stdout);
    if (qns_select_backend("simulated") != QNS_OK) {
        fprintf(stderr, "the simulated backend is not available\n");
        return 77;
    }
    fz_thread_register("main");
    qns_sim_reset();
    qns_manager *net = NULL;
    fz_expect_status(qns_manager_new(NULL, &net), QNS_OK, "qns_manager_new");
    fz_network_setup(net);
    fz_watchdog_start();

    pthread_t workers[64];
    for (int i = 0; i < fz_cfg.threads; i++)
        pthread_create(&workers[i], NULL, worker, NULL);
    int64_t start = fz_now_ns(), end = start + (int64_t)fz_cfg.seconds * 1000000000;
    int64_t next_checkpoint = start + (int64_t)fz_cfg.checkpoint_seconds * 1000000000, paused_ns = 0;
    while (fz_now_ns() < end) {
        fz_board_service();
        int64_t now = fz_now_ns();
        if (fz_cfg.checkpoint_seconds > 0 && now >= next_checkpoint && now < end - 2000000000LL) {
            pause_workers();
            fz_checkpoint("periodic");
            resume_workers();
            next_checkpoint = fz_now_ns() + (int64_t)fz_cfg.checkpoint_seconds * 1000000000;
            paused_ns += fz_now_ns() - now;
        }
        fz_sleep_us(1000);
    }
    uint64_t ops = operations(), callbacks = fz_callbacks_total();
    double seconds = (double)(fz_now_ns() - start - paused_ns) / 1e9;
    atomic_store(&fz_stop, true);
    while (atomic_load(&finished) < fz_cfg.threads) { /* a worker in qns_loop_run needs its quit */
        fz_board_service();
        fz_sleep_us(1000);
    }
    for (int i = 0; i < fz_cfg.threads; i++)
        pthread_join(workers[i], NULL);
    fz_board_cancel_all();

    pause_workers(); /* callbacks on threaded loops only check from now on */
    fz_checkpoint("final");
    free_everything();
    /* A threaded loop freed from its own callback is stopped, not joined:
     * its thread may still be finishing (dropping the deliveries it held). */
    for (int i = 0; i < 1000 && atomic_load(&fz_registered) != atomic_load(&fz_destroyed_once); i++)
        fz_sleep_us(10000);
    if (!fz_check(FZ_I_DESTROY_ALL, atomic_load(&fz_registered) == atomic_load(&fz_destroyed_once),
                  "%" PRIu64 " connections were registered, %" PRIu64 " destroys ran", atomic_load(&fz_registered),
                  atomic_load(&fz_destroyed_once)))
        fz_report_undestroyed();
    fz_check_counts();
    qns_manager_free(net);
    fz_watchdog_stop();
    fz_graveyard_flush();
    return fz_report(seconds, ops, callbacks);
}
