//! Helpers every FFI file uses: the panic guard, string in/out, handles.

use std::ffi::{CStr, c_char, c_void};
use std::sync::Arc;

use super::qns_status::{self, *};

/// Runs an exported body inside catch_unwind: a panic becomes `$default`
/// (QNS_ERR_INTERNAL for status calls), never an unwind into C.
macro_rules! ffi_boundary {
    ($default:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(_) => $default,
        }
    };
}
pub(crate) use ffi_boundary;

/// Early-returns the status of a failed check.
macro_rules! try_ffi {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(status) => return status,
        }
    };
}
pub(crate) use try_ffi;

/// A NUL-terminated UTF-8 string from C.
pub(crate) unsafe fn read_str<'a>(p: *const c_char) -> Result<&'a str, qns_status> {
    if p.is_null() {
        return Err(QNS_ERR_NULL_ARGUMENT);
    }
    // SAFETY: the caller passes a NUL-terminated string (header contract).
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| QNS_ERR_INVALID_UTF8)
}

/// snprintf-style output: `needed` (if not NULL) gets the length without the
/// NUL; `(NULL, 0)` only asks for the size; a short buffer gets a truncated,
/// NUL-terminated copy and QNS_ERR_BUFFER_TOO_SMALL.
pub(crate) unsafe fn write_str(
    s: &str,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    if !needed.is_null() {
        // SAFETY: a non-NULL out-parameter points to a size_t.
        unsafe { *needed = s.len() };
    }
    if buf.is_null() {
        return if len == 0 {
            QNS_OK
        } else {
            QNS_ERR_NULL_ARGUMENT
        };
    }
    if len == 0 {
        return QNS_ERR_BUFFER_TOO_SMALL;
    }
    let n = s.len().min(len - 1);
    // SAFETY: buf has room for len bytes (caller contract) and n < len.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
    if n < s.len() {
        QNS_ERR_BUFFER_TOO_SMALL
    } else {
        QNS_OK
    }
}

/// Writes an out-parameter, failing on NULL.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) -> qns_status {
    if out.is_null() {
        return QNS_ERR_NULL_ARGUMENT;
    }
    // SAFETY: non-NULL out-parameters point to a T (header contract).
    unsafe { out.write(value) };
    QNS_OK
}

/// Borrows the Rust object behind an opaque handle made by `into_handle`.
pub(crate) unsafe fn borrow<'a, H, T>(handle: *const H) -> Result<&'a T, qns_status> {
    // SAFETY: handles of type H are always Arc<T> pointers (see into_handle).
    unsafe { (handle as *const T).as_ref() }.ok_or(QNS_ERR_NULL_ARGUMENT)
}

/// A new strong reference to the object behind a handle.
pub(crate) unsafe fn clone_arc<H, T>(handle: *const H) -> Option<Arc<T>> {
    if handle.is_null() {
        return None;
    }
    // SAFETY: handle came from Arc::into_raw of an Arc<T> that is still alive.
    unsafe {
        Arc::increment_strong_count(handle as *const T);
        Some(Arc::from_raw(handle as *const T))
    }
}

pub(crate) fn into_handle<H, T>(arc: Arc<T>) -> *mut H {
    Arc::into_raw(arc) as *mut H
}

/// Drops the reference a handle owns.
pub(crate) unsafe fn release_handle<H, T>(handle: *const H) {
    if !handle.is_null() {
        // SAFETY: handle owns one strong count from into_handle or clone.
        drop(unsafe { Arc::from_raw(handle as *const T) });
    }
}

/// The user data of a connection; `destroy` runs once, when the last
/// reference to the connection goes (never under a lock, see engine::Effects).
pub(crate) struct UserData {
    pub ptr: *mut c_void,
    pub destroy: Option<unsafe extern "C" fn(*mut c_void)>,
}

// SAFETY: the library never touches *ptr; it only hands it back to the
// application's callbacks, which the header says may run on the loop's thread.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(destroy) = self.destroy {
            // SAFETY: the application's destroy callback and its own data.
            unsafe { destroy(self.ptr) };
        }
    }
}

/// Validates an enum value arriving as an integer.
pub(crate) fn check<T>(value: Option<T>) -> Result<T, qns_status> {
    value.ok_or(QNS_ERR_INVALID_ARGUMENT)
}
