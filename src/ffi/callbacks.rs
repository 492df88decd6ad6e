//! Callback typedefs shared by the `qns_*_on_*` functions, and the helper
//! that turns a C callback + user data into an engine connection.

use std::ffi::c_void;

use std::sync::Arc;

use super::qns_status::{self, *};
use super::support::{Owned, UserData, clone_owned};
use crate::engine::ConnectError;
use crate::engine::api::{Manager, Session};
use crate::signals::{Deliver, Payload, Signal};

/// Runs once when a connection ends (qns_disconnect, or the object is freed),
/// after any delivery of it has returned. May be NULL.
pub type qns_destroy_cb = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// Wraps `call` (which gets the user data pointer and the payload) into a
/// connection; writes the token on success. On failure destroy is not
/// called: the caller keeps its user data.
fn register(
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token_out: *mut u64,
    call: impl Fn(*mut c_void, &Payload) + Send + Sync + 'static,
    connect: impl FnOnce(Deliver) -> Result<u64, (ConnectError, Deliver)>,
) -> qns_status {
    let data = UserData {
        ptr: user_data,
        destroy,
    };
    let deliver: Deliver = Box::new(move |payload| {
        // Capture the whole UserData (its Drop runs destroy), not just the field.
        let data = &data;
        call(data.ptr, payload)
    });
    match connect(deliver) {
        Ok(token) => {
            if !token_out.is_null() {
                // SAFETY: a non-NULL token out-parameter points to a uint64_t.
                unsafe { *token_out = token };
            }
            QNS_OK
        }
        Err((error, deliver)) => {
            // Only reachable through a freed object (a misuse): keep the
            // promise that destroy does not run on failure.
            std::mem::forget(deliver);
            match error {
                ConnectError::NoSuchObject => QNS_ERR_NOT_FOUND,
                ConnectError::WrongSignal => QNS_ERR_INVALID_ARGUMENT,
            }
        }
    }
}

/// An object whose signals C code can connect to.
pub(crate) trait Emitter: Send + Sync + 'static {
    fn connect(&self, signal: Signal, deliver: Deliver) -> Result<u64, (ConnectError, Deliver)>;
}

impl Emitter for Manager {
    fn connect(&self, signal: Signal, deliver: Deliver) -> Result<u64, (ConnectError, Deliver)> {
        Manager::connect(self, signal, deliver)
    }
}

impl Emitter for Session {
    fn connect(&self, signal: Signal, deliver: Deliver) -> Result<u64, (ConnectError, Deliver)> {
        Session::connect(self, signal, deliver)
    }
}

/// Connects `call` to `signal` of the object behind `handle` (an `Arc<T>`
/// pointer); `call` gets the user data, the handle and the payload.
pub(crate) unsafe fn connect_object<H, T: Emitter + Owned>(
    handle: *const H,
    signal: Signal,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
    call: impl Fn(*mut c_void, *mut H, &Payload) + Send + Sync + 'static,
) -> qns_status {
    // SAFETY: handles of type H are Arc<T> pointers (support::into_handle).
    let object = match unsafe { clone_owned::<H, T>(handle) } {
        Ok(object) => object,
        Err(status) => return status,
    };
    // Weak: a queued delivery must not keep the object (and through it its
    // loop and that loop's queue) alive, or freeing would leak a cycle. A
    // delivery upgrades it, so the object outlives a running callback even
    // when the callback frees it.
    let weak = Arc::downgrade(&object);
    register(
        user_data,
        destroy,
        token,
        move |ud, payload| {
            if let Some(object) = weak.upgrade() {
                call(ud, Arc::as_ptr(&object) as *mut H, payload)
            }
        },
        |deliver| object.connect(signal, deliver),
    )
}
