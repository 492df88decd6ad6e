//! Helpers every FFI file uses: the panic guard, string in/out, handles.

use std::ffi::{CStr, c_char, c_void};
use std::sync::Arc;

use super::qns_status::{self, *};
use crate::liveness::Liveness;

/// Runs an exported body inside catch_unwind: a panic becomes `$default`
/// (QNS_ERR_INTERNAL for status calls), never an unwind into C. In a child
/// forked after the library started, the body does not run: status calls
/// return QNS_ERR_FORKED, the others `$default` (SPEC §5).
macro_rules! ffi_boundary {
    ($default:expr, $body:block) => {
        if $crate::fork_guard::forked() {
            $crate::ffi::support::OnFork::on_fork($default)
        } else {
            match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
                Ok(value) => value,
                Err(_) => $default,
            }
        }
    };
}
pub(crate) use ffi_boundary;

/// What a call returns in a forked child: its null value, or for status
/// calls QNS_ERR_FORKED.
pub trait OnFork: Sized {
    fn on_fork(default: Self) -> Self {
        default
    }
}

impl OnFork for qns_status {
    fn on_fork(_: Self) -> Self {
        QNS_ERR_FORKED
    }
}
impl OnFork for () {}
impl OnFork for bool {}
impl OnFork for i32 {}
impl OnFork for u32 {}
impl OnFork for u64 {}
impl OnFork for usize {}
impl<T> OnFork for *const T {}
impl<T> OnFork for *mut T {}

/// Objects whose handles carry a liveness word (see crate::liveness).
pub(crate) trait Owned {
    fn liveness(&self) -> &Liveness;
}

impl Owned for crate::engine::api::Manager {
    fn liveness(&self) -> &Liveness {
        &self.liveness
    }
}
impl Owned for crate::engine::api::Session {
    fn liveness(&self) -> &Liveness {
        &self.liveness
    }
}
impl Owned for crate::event_loop::EventLoop {
    fn liveness(&self) -> &Liveness {
        &self.liveness
    }
}

/// Borrows a manager, session or loop the application still owns: NULL is
/// QNS_ERR_NULL_ARGUMENT, a handle already freed (while its memory is still
/// held, e.g. by a running callback) QNS_ERR_INVALID_ARGUMENT.
pub(crate) unsafe fn borrow_owned<'a, H, T: Owned>(handle: *const H) -> Result<&'a T, qns_status> {
    let object = unsafe { borrow::<H, T>(handle) }?;
    if object.liveness().is_live() {
        Ok(object)
    } else {
        Err(QNS_ERR_INVALID_ARGUMENT)
    }
}

/// A strong reference to an owned object, checked as `borrow_owned`.
pub(crate) unsafe fn clone_owned<H, T: Owned>(handle: *const H) -> Result<Arc<T>, qns_status> {
    unsafe { borrow_owned::<H, T>(handle) }?;
    unsafe { clone_arc::<H, T>(handle) }.ok_or(QNS_ERR_NULL_ARGUMENT)
}

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
/// NUL; `(NULL, 0)` only asks for the size; a short buffer gets a copy
/// truncated at a UTF-8 character boundary, NUL-terminated, and
/// QNS_ERR_BUFFER_TOO_SMALL. `needed` is written with QNS_OK and
/// QNS_ERR_BUFFER_TOO_SMALL only (its purpose), never with another error.
pub(crate) unsafe fn write_str(
    s: &str,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    if buf.is_null() && len != 0 {
        return QNS_ERR_NULL_ARGUMENT;
    }
    if !needed.is_null() {
        // SAFETY: a non-NULL out-parameter points to a size_t.
        unsafe { *needed = s.len() };
    }
    if buf.is_null() {
        return QNS_OK;
    }
    if len == 0 {
        return QNS_ERR_BUFFER_TOO_SMALL;
    }
    let n = s.floor_char_boundary(s.len().min(len - 1));
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
