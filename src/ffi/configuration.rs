//! qns_configuration: a reference-counted handle on a live record
//! (QNetworkConfiguration). NULL is the null configuration: every getter
//! accepts it and answers as Qt's QNetworkConfiguration() does.

use std::ffi::{c_char, c_int, c_uint};
use std::sync::Arc;

use super::qns_status::{self, *};
use super::support::{clone_arc, ffi_boundary, into_handle, release_handle, write_out, write_str};
use crate::engine::record::{DEFAULT_CONNECT_TIMEOUT_MS, Record};
use crate::types::{Bearer, ConfigType, StateFlags};

/// A configuration (opaque). Thread-safe; every handle to the same record
/// sees its changes at once.
pub struct qns_configuration {
    _private: [u8; 0],
}

/// A list of configurations owned by the caller (qns_configuration_list_free).
pub struct qns_configuration_list {
    _private: [u8; 0],
}

pub(crate) unsafe fn record<'a>(cfg: *const qns_configuration) -> Option<&'a Record> {
    // SAFETY: configuration handles are Arc<Record> pointers.
    unsafe { (cfg as *const Record).as_ref() }
}

pub(crate) unsafe fn record_arc(cfg: *const qns_configuration) -> Option<Arc<Record>> {
    unsafe { clone_arc::<qns_configuration, Record>(cfg) }
}

pub(crate) fn config_handle(record: Arc<Record>) -> *mut qns_configuration {
    into_handle(record)
}

pub(crate) fn list_handle(records: Vec<Arc<Record>>) -> *mut qns_configuration_list {
    Box::into_raw(Box::new(records)) as *mut qns_configuration_list
}

unsafe fn list<'a>(l: *const qns_configuration_list) -> Option<&'a Vec<Arc<Record>>> {
    // SAFETY: list handles are Box<Vec<Arc<Record>>> pointers.
    unsafe { (l as *const Vec<Arc<Record>>).as_ref() }
}

/// A new reference to the same record (NULL gives NULL). Free it with
/// qns_configuration_free. Use this to keep a configuration a callback lent you.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_clone(
    cfg: *const qns_configuration,
) -> *mut qns_configuration {
    ffi_boundary!(std::ptr::null_mut(), {
        match unsafe { record_arc(cfg) } {
            Some(r) => config_handle(r),
            None => std::ptr::null_mut(),
        }
    })
}

/// Releases a reference. NULL: no-op. Never free a configuration lent to a callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_free(cfg: *mut qns_configuration) {
    ffi_boundary!((), {
        unsafe { release_handle::<qns_configuration, Record>(cfg) }
    })
}

/// operator==: the same record (two NULLs are equal; a record removed and
/// re-added under the same identifier is a different record).
#[unsafe(no_mangle)]
pub extern "C" fn qns_configuration_equal(
    a: *const qns_configuration,
    b: *const qns_configuration,
) -> bool {
    std::ptr::eq(a, b)
}

/// name() into buf (snprintf style; see the header's string convention).
/// NULL configuration: "".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_name(
    cfg: *const qns_configuration,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let name = unsafe { record(cfg) }.map(|r| r.name()).unwrap_or_default();
        unsafe { write_str(&name, buf, len, needed) }
    })
}

/// identifier() into buf (snprintf style). NULL configuration: "".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_identifier(
    cfg: *const qns_configuration,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = unsafe { record(cfg) }.map_or_else(|| "".into(), |r| r.identifier());
        unsafe { write_str(&id, buf, len, needed) }
    })
}

/// type(): QNS_TYPE_*; NULL gives QNS_TYPE_INVALID.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_type(cfg: *const qns_configuration) -> c_int {
    ffi_boundary!(ConfigType::Invalid as c_int, {
        unsafe { record(cfg) }.map_or(ConfigType::Invalid, |r| r.kind) as c_int
    })
}

/// state(): QNS_STATE_FLAG_* (a removed record keeps its last state);
/// NULL gives QNS_STATE_FLAG_UNDEFINED.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_state(cfg: *const qns_configuration) -> c_uint {
    ffi_boundary!(StateFlags::UNDEFINED.bits(), {
        unsafe { record(cfg) }
            .map_or(StateFlags::UNDEFINED, |r| r.state())
            .bits()
    })
}

/// purpose(): QNS_PURPOSE_*; NULL gives QNS_PURPOSE_UNKNOWN.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_purpose(cfg: *const qns_configuration) -> c_int {
    ffi_boundary!(0, {
        unsafe { record(cfg) }.map_or(0, |r| r.data.lock().purpose as c_int)
    })
}

/// bearerType(): QNS_BEARER_*; QNS_BEARER_UNKNOWN for NULL, service networks,
/// UserChoice and a removed configuration (compat).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_bearer_type(cfg: *const qns_configuration) -> c_int {
    ffi_boundary!(0, { bearer(cfg) as c_int })
}

fn bearer(cfg: *const qns_configuration) -> Bearer {
    unsafe { record(cfg) }.map_or(Bearer::Unknown, |r| r.bearer())
}

/// bearerTypeFamily(): CDMA2000/EVDO/WCDMA/HSPA/3G give QNS_BEARER_3G;
/// WiMAX/LTE/4G give QNS_BEARER_4G; others themselves.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_bearer_type_family(
    cfg: *const qns_configuration,
) -> c_int {
    ffi_boundary!(0, { bearer(cfg).family() as c_int })
}

/// bearerTypeName(): a static string, never freed: "Ethernet", "WLAN", ...,
/// "Unknown" for an unknown bearer, "" for NULL, a service network,
/// UserChoice or a removed configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_bearer_type_name(
    cfg: *const qns_configuration,
) -> *const c_char {
    ffi_boundary!(c"".as_ptr(), {
        let name = unsafe { record(cfg) }.map_or("", |r| r.bearer_type_name());
        static_c_str(name)
    })
}

/// The NUL-terminated twin of a static bearer name.
fn static_c_str(name: &'static str) -> *const c_char {
    const NAMES: [(&str, &std::ffi::CStr); 14] = [
        ("", c""),
        ("Unknown", c"Unknown"),
        ("Ethernet", c"Ethernet"),
        ("WLAN", c"WLAN"),
        ("2G", c"2G"),
        ("CDMA2000", c"CDMA2000"),
        ("WCDMA", c"WCDMA"),
        ("HSPA", c"HSPA"),
        ("Bluetooth", c"Bluetooth"),
        ("WiMAX", c"WiMAX"),
        ("EVDO", c"EVDO"),
        ("LTE", c"LTE"),
        ("3G", c"3G"),
        ("4G", c"4G"),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(c"".as_ptr(), |(_, c)| c.as_ptr())
}

/// isValid(): false for NULL and for a removed record.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_is_valid(cfg: *const qns_configuration) -> bool {
    ffi_boundary!(false, {
        unsafe { record(cfg) }.is_some_and(|r| r.is_valid())
    })
}

/// isRoamingAvailable(): a service network with two or more children, or a
/// backend that says so.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_is_roaming_available(
    cfg: *const qns_configuration,
) -> bool {
    ffi_boundary!(false, {
        unsafe { record(cfg) }.is_some_and(|r| r.is_roaming_available())
    })
}

/// connectTimeout() in ms (default 30000, also for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_connect_timeout(cfg: *const qns_configuration) -> c_int {
    ffi_boundary!(DEFAULT_CONNECT_TIMEOUT_MS, {
        unsafe { record(cfg) }.map_or(DEFAULT_CONNECT_TIMEOUT_MS, |r| r.connect_timeout_ms())
    })
}

/// setConnectTimeout(): changes the shared record (all handles see it);
/// open() honours it. Returns false for NULL or a negative timeout.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_set_connect_timeout(
    cfg: *const qns_configuration,
    timeout_ms: c_int,
) -> bool {
    ffi_boundary!(false, {
        match unsafe { record(cfg) } {
            Some(r) if timeout_ms >= 0 => {
                r.data.lock().connect_timeout_ms = timeout_ms;
                true
            }
            _ => false,
        }
    })
}

/// children(): the members of a service network, highest priority first, as
/// a new list (empty for other types and NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_children(
    cfg: *const qns_configuration,
    out: *mut *mut qns_configuration_list,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if out.is_null() {
            return QNS_ERR_NULL_ARGUMENT;
        }
        let children = unsafe { record(cfg) }
            .map(crate::engine::api::children)
            .unwrap_or_default();
        unsafe { write_out(out, list_handle(children)) }
    })
}

/// Number of configurations in a list (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_list_size(l: *const qns_configuration_list) -> usize {
    ffi_boundary!(0, { unsafe { list(l) }.map_or(0, |v| v.len()) })
}

/// The configuration at `index`, lent while the list lives (clone it to keep
/// it). NULL when out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_list_get(
    l: *const qns_configuration_list,
    index: usize,
) -> *const qns_configuration {
    ffi_boundary!(std::ptr::null(), {
        unsafe { list(l) }
            .and_then(|v| v.get(index))
            .map_or(std::ptr::null(), |r| {
                Arc::as_ptr(r) as *const qns_configuration
            })
    })
}

/// Frees a list and its references. NULL: no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_configuration_list_free(l: *mut qns_configuration_list) {
    ffi_boundary!((), {
        if !l.is_null() {
            drop(unsafe { Box::from_raw(l as *mut Vec<Arc<Record>>) });
        }
    })
}
