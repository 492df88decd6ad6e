/* A small test harness for the C tests: checks, a signal trace recorder
 * and loop helpers. Each test program runs its tests on the simulated
 * backend, resetting it between tests. */
#ifndef QNS_TEST_H
#define QNS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>

#include "qnetworksession.h"

extern int qns_test_failures;
extern int qns_test_checks;

#define CHECK(cond)                                                            \
    do {                                                                       \
        qns_test_checks++;                                                     \
        if (!(cond)) {                                                         \
            qns_test_failures++;                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long qns_a_ = (long long)(a), qns_b_ = (long long)(b);            \
        qns_test_checks++;                                                     \
        if (qns_a_ != qns_b_) {                                                \
            qns_test_failures++;                                               \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",        \
                    __FILE__, __LINE__, #a, qns_a_, #b, qns_b_);               \
        }                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *qns_a_ = (a), *qns_b_ = (b);                               \
        qns_test_checks++;                                                     \
        if (strcmp(qns_a_, qns_b_) != 0) {                                     \
            qns_test_failures++;                                               \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n",          \
                    __FILE__, __LINE__, #a, qns_a_, qns_b_);                   \
        }                                                                      \
    } while (0)

#define CHECK_OK(call) CHECK_EQ_INT((call), QNS_OK)

/* A trace of delivered signals, as space-separated tokens. */
typedef struct trace {
    char text[8192];
} trace;

void trace_add(trace *t, const char *fmt, ...);
/* Returns the trace so far and clears it (static buffer, valid until next call). */
const char *trace_take(trace *t);
/* Records every signal of a session / manager into t. */
void watch_session(trace *t, qns_session *s);
void watch_manager(trace *t, qns_manager *m);
/* Records reachability/captive portal/medium/metered changes (SPEC §8) as
 * "reach:N portal:B medium:N metered:B". */
void watch_network_info(trace *t, qns_manager *m);
/* Records preferredConfigurationChanged (turns application-level roaming on). */
void watch_preferred(trace *t, qns_session *s, uint64_t *token);
/* Dispatches the default loop until nothing is pending; returns how many ran. */
size_t dispatch_all(void);
/* Identifier of a configuration into a static buffer. */
const char *cfg_id(const qns_configuration *c);
/* Looks up a configuration by identifier (new reference or NULL). */
qns_configuration *lookup(qns_manager *m, const char *id);
/* A session on configuration id, on the default loop, watched into t (t may be NULL). */
qns_session *session_on(qns_manager *m, const char *id, trace *t);
/* Runs a shell command (printf-style); a failure counts as a test failure. */
void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Qt 5's generic engine identifier of an interface (SPEC §6), in one of a
 * few static buffers. */
const char *qt_id(const char *ifname);
/* Delivers the default loop's callbacks until quiet_ms pass without any
 * (the kernel's or the daemon's events have then been read and reported),
 * at most max_ms. */
void settle_quiet(int quiet_ms, int max_ms);
/* Moves this thread into a new network namespace with loopback up; false
 * (after printing why) without root, namespaces or iproute2: skip (77). */
bool enter_network_namespace(void);
/* Sends count raw 1000-byte frames out of ifname (AF_PACKET). */
void send_raw_frames(const char *ifname, int count);
/* Sleeps for ms milliseconds. */
void sleep_ms(int ms);

#define EXPECT_TRACE(t, expected)                                              \
    do {                                                                       \
        dispatch_all();                                                        \
        CHECK_STR(trace_take(t), expected);                                    \
    } while (0)

/* The backend run_test selects (default "simulated", which it also resets). */
extern const char *qns_test_backend;

typedef void (*test_fn)(void);
/* Runs a test: resets the simulation and drains the default loop first. */
void run_test(const char *name, test_fn fn);
/* Prints the summary line; returns the process exit code. */
int finish_tests(void);

#define RUN(fn) run_test(#fn, fn)

#endif
