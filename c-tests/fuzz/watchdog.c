/* The deadlock watchdog: a thread that stays in one operation (a worker's
 * step, a callback, a checkpoint round) longer than QNS_FUZZ_WATCHDOG
 * seconds means a deadlock, a lost wake-up or a spin. Every timeout the
 * fuzzer uses is far shorter (network.c keeps open attempts under 1 s), so
 * this never fires on a correct library. It prints what every thread was
 * doing and aborts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static pthread_t thread;
static atomic_bool stopping;

static void dump(int64_t now) {
    int count = 0;
    fz_thread *threads = fz_thread_table(&count);
    for (int i = 0; i < count; i++) {
        fz_thread *t = &threads[i];
        if (!__atomic_load_n(&t->in_use, __ATOMIC_ACQUIRE))
            continue;
        int64_t since = atomic_load(&t->op_since);
        const char *op = atomic_load(&t->op);
        if (since)
            fprintf(stderr, "  thread %3d %-8s in %s (#%" PRIu64 ") for %.1f s; %" PRIu64 " operations\n", t->id,
                    t->role, op, atomic_load(&t->op_obj), (double)(now - since) / 1e9, atomic_load(&t->ops));
        else
            fprintf(stderr, "  thread %3d %-8s idle; last %s (#%" PRIu64 "); %" PRIu64 " operations\n", t->id,
                    t->role, op && *op ? op : "-", atomic_load(&t->op_obj), atomic_load(&t->ops));
    }
}

static void *watch(void *arg) {
    (void)arg;
    int64_t limit = (int64_t)fz_cfg.watchdog_seconds * 1000000000;
    while (!atomic_load(&stopping)) {
        fz_sleep_us(250000);
        int64_t now = fz_now_ns();
        int count = 0;
        fz_thread *threads = fz_thread_table(&count);
        for (int i = 0; i < count; i++) {
            fz_thread *t = &threads[i];
            int64_t since = atomic_load(&t->op_since);
            if (!__atomic_load_n(&t->in_use, __ATOMIC_ACQUIRE) || since == 0 || now - since < limit)
                continue;
            fflush(stdout);
            fprintf(stderr,
                    "\nDEADLOCK WATCHDOG: thread %d (%s) has been in %s (#%" PRIu64 ") for %.1f s "
                    "(limit QNS_FUZZ_WATCHDOG=%d; replay with QNS_FUZZ_SEED=%" PRIu64 "). Threads:\n",
                    t->id, t->role, atomic_load(&t->op), atomic_load(&t->op_obj), (double)(now - since) / 1e9,
                    fz_cfg.watchdog_seconds, fz_cfg.seed);
            dump(now);
            fflush(stderr);
            abort();
        }
    }
    return NULL;
}

void fz_watchdog_start(void) { pthread_create(&thread, NULL, watch, NULL); }

void fz_watchdog_stop(void) {
    atomic_store(&stopping, true);
    pthread_join(thread, NULL);
}
