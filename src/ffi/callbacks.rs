//! Callback typedefs shared by the `qns_*_on_*` functions, and the helper
//! that turns a C callback + user data into an engine connection.

use std::ffi::c_void;

use super::qns_status::{self, *};
use super::support::UserData;
use crate::engine::ConnectError;
use crate::signals::{Deliver, Payload};

/// Runs once when a connection ends (qns_disconnect, or the object is freed),
/// after any delivery of it has returned. May be NULL.
pub type qns_destroy_cb = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// Wraps `call` (which gets the user data pointer and the payload) into a
/// connection; writes the token on success. On failure destroy is not
/// called: the caller keeps its user data.
pub(crate) fn register(
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
