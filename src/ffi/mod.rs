//! The C surface. Only argument checking, handle conversion and the panic
//! guard live here; behaviour lives in `engine`. Conventions (DESIGN.md):
//! `qns_` prefix, status codes, out-parameters written only on success,
//! NULL checked everywhere, snprintf-style string outputs.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod callbacks;
pub mod configuration;
pub mod constants;
pub mod event_loop;
pub mod interface;
pub mod manager;
pub mod network_info;
pub mod session;
pub mod simulated;
pub mod socket;
pub(crate) mod support;

use std::ffi::{c_char, c_int};

pub use callbacks::qns_destroy_cb;
use support::{ffi_boundary, read_str};

/// Result of a fallible call. Append only: numbers never change.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum qns_status {
    QNS_OK = 0,
    /// A required pointer argument was NULL.
    QNS_ERR_NULL_ARGUMENT = 1,
    /// An integer argument was out of range (an enum value, a count).
    QNS_ERR_INVALID_ARGUMENT = 2,
    /// A string argument was not valid UTF-8.
    QNS_ERR_INVALID_UTF8 = 3,
    /// An unknown identifier, key or token.
    QNS_ERR_NOT_FOUND = 4,
    /// The call does not apply in the object's current state.
    QNS_ERR_WRONG_STATE = 5,
    /// The output buffer was too small; the needed length was reported.
    QNS_ERR_BUFFER_TOO_SMALL = 6,
    /// The session property is read-only.
    QNS_ERR_READ_ONLY = 7,
    /// The value has the wrong type for this property or configuration.
    QNS_ERR_WRONG_TYPE = 8,
    /// Another backend is already running in this process.
    QNS_ERR_BACKEND_IN_USE = 9,
    /// No backend of that name exists.
    QNS_ERR_UNKNOWN_BACKEND = 10,
    /// The call needs the simulated backend, and another one runs.
    QNS_ERR_WRONG_BACKEND = 11,
    /// An identifier that already exists.
    QNS_ERR_ALREADY_EXISTS = 12,
    /// The operating system refused (errno is set).
    QNS_ERR_SYSTEM = 13,
    /// An internal error was caught at the boundary; the library state is intact.
    QNS_ERR_INTERNAL = 14,
    /// This process was forked after the library started: only the parent
    /// may use it (the child has none of its threads). exec() first.
    QNS_ERR_FORKED = 15,
    /// A valid value this library does not support (an https:// URL: it
    /// carries no TLS).
    QNS_ERR_UNSUPPORTED = 16,
}

pub use qns_status::*;

/// A static description of a status code; never NULL, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn qns_status_str(status: c_int) -> *const c_char {
    let text: &'static [u8] = match status {
        0 => b"ok\0",
        1 => b"a required pointer argument was NULL\0",
        2 => b"an argument was out of range\0",
        3 => b"a string argument was not valid UTF-8\0",
        4 => b"not found\0",
        5 => b"not possible in the current state\0",
        6 => b"the buffer is too small\0",
        7 => b"the property is read-only\0",
        8 => b"the value has the wrong type\0",
        9 => b"another backend is already running\0",
        10 => b"unknown backend\0",
        11 => b"the simulated backend is not the running one\0",
        12 => b"the identifier already exists\0",
        13 => b"the operating system refused\0",
        14 => b"internal error\0",
        15 => b"the process forked after the library started; only the parent may use it\0",
        16 => b"not supported by this library\0",
        _ => b"unknown status\0",
    };
    text.as_ptr().cast()
}

/// The library version as "MAJOR.MINOR.PATCH"; static, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn qns_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Chooses the backend before the library is first used: "auto" (the
/// default: "networkmanager" where NetworkManager owns its name on the system
/// bus, else "netlink"), "networkmanager", "netlink", "simulated" or "none".
/// Without this call the environment variable QNS_BACKEND decides, else
/// "auto". A backend that cannot start runs as "none" (no configurations, no
/// capabilities) and qns_backend_error says why; the library never falls back
/// to another backend by itself. Returns QNS_ERR_BACKEND_IN_USE once another
/// backend runs (choosing the running one again is QNS_OK),
/// QNS_ERR_UNKNOWN_BACKEND for other names. Thread: any.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_select_backend(name: *const c_char) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let name = match unsafe { read_str(name) } {
            Ok(name) => name,
            Err(status) => return status,
        };
        match crate::engine::select_backend(name) {
            Ok(()) => QNS_OK,
            Err(crate::engine::SelectError::Unknown) => QNS_ERR_UNKNOWN_BACKEND,
            Err(crate::engine::SelectError::InUse) => QNS_ERR_BACKEND_IN_USE,
        }
    })
}

/// The running backend's name: "netlink", "networkmanager", "simulated" or
/// "none" (starts the library if needed); static, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn qns_backend_name() -> *const c_char {
    ffi_boundary!(c"".as_ptr(), {
        match crate::engine::backend_name() {
            "netlink" => c"netlink".as_ptr(),
            "networkmanager" => c"networkmanager".as_ptr(),
            "simulated" => c"simulated".as_ptr(),
            "none" => c"none".as_ptr(),
            _ => c"".as_ptr(),
        }
    })
}

/// Why the chosen backend is not running, as one English sentence (for
/// example when no netlink socket can be opened in a sandbox, or
/// QNS_SIMULATED_NETWORK names a bad file), snprintf style; "" while the
/// chosen backend runs. Starts the library if needed. Thread: any.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_backend_error(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        unsafe { support::write_str(crate::engine::backend_error(), buf, len, needed) }
    })
}

/// Ends a signal connection made by any `qns_*_on_*` call. Its queued
/// deliveries are dropped, and its destroy callback runs once no delivery of
/// it is running. Safe from inside the callback itself. QNS_ERR_NOT_FOUND for
/// an unknown or already ended token. Thread: any.
#[unsafe(no_mangle)]
pub extern "C" fn qns_disconnect(token: u64) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if crate::engine::api::disconnect(token) {
            QNS_OK
        } else {
            QNS_ERR_NOT_FOUND
        }
    })
}
