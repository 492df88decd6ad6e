//! fork() without exec (SPEC §5): the child has none of the library's
//! threads, shares the parent's eventfds and netlink sockets, and may hold
//! copies of locks that were taken when it forked. So once the library has
//! started, a child process gets QNS_ERR_FORKED (or the call's null value)
//! from every call that needs it, and touches nothing the parent uses.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static FORKED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

extern "C" fn in_child() {
    FORKED.store(true, Ordering::Relaxed);
}

/// Marks future children of this process; called when the library first
/// creates threads or descriptors (engine start, a loop).
pub fn install() {
    INSTALL.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic.
        unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
    });
}

/// True in a child forked after the library started.
pub fn forked() -> bool {
    FORKED.load(Ordering::Relaxed)
}
