//! qns_loop: where callbacks are delivered. NULL means the process default loop.

use std::ffi::c_int;
use std::sync::Arc;
use std::time::Duration;

use super::qns_status::{self, *};
use super::support::{clone_owned, ffi_boundary, into_handle, try_ffi, write_out};
use crate::event_loop::EventLoop;

/// An event loop (opaque). Thread-safe: every function may be called from any thread.
pub struct qns_loop {
    _private: [u8; 0],
}

/// The loop a handle names: NULL is the default loop; a loop the
/// application already freed is QNS_ERR_INVALID_ARGUMENT (while detectable).
pub(crate) unsafe fn loop_or_default(lp: *const qns_loop) -> Result<Arc<EventLoop>, qns_status> {
    if lp.is_null() {
        return Ok(EventLoop::default_loop());
    }
    // SAFETY: non-NULL loop handles are Arc<EventLoop> pointers.
    unsafe { clone_owned::<qns_loop, EventLoop>(lp) }
}

/// The process default loop (borrowed; qns_loop_free on it does nothing).
/// Objects created with a NULL loop deliver here; dispatch it from your main
/// thread. Thread: any.
#[unsafe(no_mangle)]
pub extern "C" fn qns_loop_default() -> *mut qns_loop {
    ffi_boundary!(std::ptr::null_mut(), {
        Arc::as_ptr(&EventLoop::default_loop()) as *mut qns_loop
    })
}

/// A new loop that the application dispatches (qns_loop_dispatch/run, or
/// poll qns_loop_fd). Free with qns_loop_free. QNS_ERR_SYSTEM if no eventfd.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_new(out: *mut *mut qns_loop) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if out.is_null() {
            return QNS_ERR_NULL_ARGUMENT;
        }
        match EventLoop::new() {
            Ok(lp) => unsafe { write_out(out, into_handle(lp)) },
            Err(_) => QNS_ERR_SYSTEM,
        }
    })
}

/// A new loop with its own thread, which delivers every callback of the
/// objects bound to it. qns_loop_free stops and joins the thread (from a
/// callback on that thread it only stops it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_new_threaded(out: *mut *mut qns_loop) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if out.is_null() {
            return QNS_ERR_NULL_ARGUMENT;
        }
        match EventLoop::new_threaded() {
            Ok(lp) => unsafe { write_out(out, into_handle(lp)) },
            Err(_) => QNS_ERR_SYSTEM,
        }
    })
}

/// Releases the application's reference. Objects still bound to the loop
/// keep it alive (their callbacks are then never delivered unless a threaded
/// loop). NULL and the default loop: no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_free(lp: *mut qns_loop) {
    ffi_boundary!((), {
        let Ok(arc) = (unsafe { loop_or_default(lp) }) else {
            return; // freed before: nothing to release twice
        };
        if arc.is_default() || !arc.liveness.mark_freed() {
            return;
        }
        arc.shutdown();
        drop(arc);
        unsafe { super::support::release_handle::<qns_loop, EventLoop>(lp) };
    })
}

/// A file descriptor that is readable while callbacks are pending; put it in
/// your poll/epoll/GLib/Qt loop and call qns_loop_dispatch(lp, 0, NULL) when
/// it is readable. Owned by the loop: do not read or close it. -1 for a
/// threaded loop (its thread consumes it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_fd(lp: *const qns_loop) -> c_int {
    ffi_boundary!(-1, {
        match unsafe { loop_or_default(lp) } {
            Ok(lp) if !lp.is_threaded() => lp.fd(),
            _ => -1,
        }
    })
}

/// Delivers pending callbacks in order. Waits up to timeout_ms for the first
/// one (0: do not wait, -1: wait without limit). `delivered` (may be NULL)
/// gets how many callbacks ran. Callbacks run on the calling thread. A
/// callback may call this again (nested dispatch keeps the order). One thread
/// dispatches a loop at a time: QNS_ERR_WRONG_STATE while another thread is
/// dispatching (or running) it, and on a threaded loop from another thread;
/// QNS_ERR_INVALID_ARGUMENT for timeout_ms < -1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_dispatch(
    lp: *const qns_loop,
    timeout_ms: c_int,
    delivered: *mut usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if timeout_ms < -1 {
            return QNS_ERR_INVALID_ARGUMENT;
        }
        let lp = try_ffi!(unsafe { loop_or_default(lp) });
        if lp.is_threaded() && !lp.is_owner_thread() {
            return QNS_ERR_WRONG_STATE;
        }
        let timeout = (timeout_ms >= 0).then(|| Duration::from_millis(timeout_ms as u64));
        let Ok(n) = lp.dispatch(timeout) else {
            return QNS_ERR_WRONG_STATE;
        };
        if !delivered.is_null() {
            unsafe { *delivered = n };
        }
        QNS_OK
    })
}

/// Dispatches until qns_loop_quit. QNS_ERR_WRONG_STATE on a threaded loop or
/// while another thread dispatches this loop.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_run(lp: *const qns_loop) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let lp = try_ffi!(unsafe { loop_or_default(lp) });
        if lp.is_threaded() {
            return QNS_ERR_WRONG_STATE;
        }
        match lp.run() {
            Ok(()) => QNS_OK,
            Err(_) => QNS_ERR_WRONG_STATE,
        }
    })
}

/// Makes qns_loop_run return (after the callback running now, if any): the
/// run in progress, or else the next one. Nothing else: a dispatch or a
/// waitForOpened never returns early because of it. QNS_ERR_WRONG_STATE on a
/// threaded loop (it is never run; qns_loop_free stops its thread).
/// Thread: any, including a callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_quit(lp: *const qns_loop) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let lp = try_ffi!(unsafe { loop_or_default(lp) });
        if lp.is_threaded() {
            return QNS_ERR_WRONG_STATE;
        }
        lp.quit();
        QNS_OK
    })
}

/// How many deliveries are queued.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_loop_pending(lp: *const qns_loop) -> usize {
    ffi_boundary!(0, {
        unsafe { loop_or_default(lp) }.map_or(0, |lp| lp.pending())
    })
}
