/* What both NetworkManager benchmark programs use, the same way: activating
 * and deactivating a profile of the fake NetworkManager over the system bus
 * (libdbus, on a connection of their own), and a second connection that
 * notes when the active connection's StateChanged(ACTIVATED) reaches this
 * process. The programs watch that connection's socket in the same poll as
 * their own event loop, so one thread takes both timestamps (no cross-thread
 * wake-up in the measurement). */
#ifndef QNS_NM_TRIGGER_H
#define QNS_NM_TRIGGER_H

#include <dbus/dbus.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static inline double nm_now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static DBusConnection *nm_calls;
/* When StateChanged(2) arrived (us); 0: not yet. Written by the watcher thread. */
static unsigned long long nm_activated_at;

static inline void nm_store(unsigned long long *at, double us) { __atomic_store_n(at, (unsigned long long)us, __ATOMIC_SEQ_CST); }
static inline double nm_load(unsigned long long *at) { return (double)__atomic_load_n(at, __ATOMIC_SEQ_CST); }

static inline DBusHandlerResult nm_filter(DBusConnection *c, DBusMessage *m, void *ud) {
    (void)c;
    (void)ud;
    if (dbus_message_is_signal(m, "org.freedesktop.NetworkManager.Connection.Active", "StateChanged")) {
        dbus_uint32_t state = 0, reason = 0;
        if (dbus_message_get_args(m, NULL, DBUS_TYPE_UINT32, &state, DBUS_TYPE_UINT32, &reason,
                                  DBUS_TYPE_INVALID) &&
            state == 2)
            nm_store(&nm_activated_at, nm_now_us());
    }
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static DBusConnection *nm_watch;

/* The socket to poll for the watched signal, and what to call when readable. */
static inline int nm_watch_fd(void) {
    int fd = -1;
    dbus_connection_get_unix_fd(nm_watch, &fd);
    return fd;
}

static inline void nm_watch_read(void) {
    dbus_connection_read_write(nm_watch, 0);
    while (dbus_connection_dispatch(nm_watch) == DBUS_DISPATCH_DATA_REMAINS) {
    }
}

/* Connects both connections and starts the watcher; 0 on success. */
static inline int nm_trigger_init(void) {
    dbus_threads_init_default();
    DBusError e;
    dbus_error_init(&e);
    nm_calls = dbus_bus_get_private(DBUS_BUS_SYSTEM, &e);
    DBusConnection *watch = nm_watch = dbus_bus_get_private(DBUS_BUS_SYSTEM, &e);
    if (!nm_calls || !watch) {
        fprintf(stderr, "no system bus: %s\n", e.message ? e.message : "?");
        return -1;
    }
    dbus_bus_add_match(watch,
                       "type='signal',interface='org.freedesktop.NetworkManager.Connection.Active',"
                       "member='StateChanged'",
                       &e);
    dbus_connection_add_filter(watch, nm_filter, NULL, NULL);
    dbus_connection_flush(watch);
    return 0;
}

/* ActivateConnection(profile, "/", "/"); the active connection's path into ac. */
static inline int nm_activate(const char *profile, char *ac, size_t len) {
    DBusMessage *m = dbus_message_new_method_call("org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
                                                  "org.freedesktop.NetworkManager", "ActivateConnection");
    const char *root = "/";
    dbus_message_append_args(m, DBUS_TYPE_OBJECT_PATH, &profile, DBUS_TYPE_OBJECT_PATH, &root,
                             DBUS_TYPE_OBJECT_PATH, &root, DBUS_TYPE_INVALID);
    DBusError e;
    dbus_error_init(&e);
    DBusMessage *r = dbus_connection_send_with_reply_and_block(nm_calls, m, 10000, &e);
    dbus_message_unref(m);
    if (!r) {
        fprintf(stderr, "ActivateConnection: %s\n", e.message ? e.message : "?");
        dbus_error_free(&e);
        return -1;
    }
    const char *path = "";
    dbus_message_get_args(r, NULL, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
    snprintf(ac, len, "%s", path);
    dbus_message_unref(r);
    return 0;
}

static inline int nm_deactivate(const char *ac) {
    DBusMessage *m = dbus_message_new_method_call("org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
                                                  "org.freedesktop.NetworkManager", "DeactivateConnection");
    dbus_message_append_args(m, DBUS_TYPE_OBJECT_PATH, &ac, DBUS_TYPE_INVALID);
    DBusError e;
    dbus_error_init(&e);
    DBusMessage *r = dbus_connection_send_with_reply_and_block(nm_calls, m, 10000, &e);
    dbus_message_unref(m);
    if (!r) {
        dbus_error_free(&e);
        return -1;
    }
    dbus_message_unref(r);
    return 0;
}

#endif
