//! qns_session: QNetworkSession. Signals go to the loop given at creation.

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::sync::Arc;

use super::callbacks::{connect_object, qns_destroy_cb};
use super::configuration::{config_handle, qns_configuration, record_arc};
use super::event_loop::{loop_or_default, qns_loop};
use super::interface::qns_interface;
use super::qns_status::{self, *};
use super::support::{
    borrow_owned, clone_owned, ffi_boundary, into_handle, read_str, release_handle, try_ffi,
    write_out, write_str,
};
use crate::engine::SessionCallError;
use crate::engine::api::{PropertyError, PropertyValue, Session};
use crate::signals::{Payload, Signal};
use crate::types::State;

/// A network session (opaque). Thread-safe: any function from any thread.
pub struct qns_session {
    _private: [u8; 0],
}

/// opened(), closed(), newConfigurationActivated().
pub type qns_session_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, session: *mut qns_session)>;
/// stateChanged(state): state is a QNS_STATE_* value.
pub type qns_session_state_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, session: *mut qns_session, state: c_int)>;
/// error(error): a QNS_SESSION_ERROR_* value.
pub type qns_session_error_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, session: *mut qns_session, error: c_int)>;
/// preferredConfigurationChanged(config, isSeamless): config is lent for the call.
pub type qns_session_preferred_cb = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        session: *mut qns_session,
        configuration: *const qns_configuration,
        is_seamless: bool,
    ),
>;
/// usagePoliciesChanged(policies): QNS_USAGE_POLICY_* bits.
pub type qns_session_usage_cb = Option<
    unsafe extern "C" fn(user_data: *mut c_void, session: *mut qns_session, policies: c_uint),
>;

unsafe fn session<'a>(s: *const qns_session) -> Result<&'a Session, qns_status> {
    unsafe { borrow_owned::<qns_session, Session>(s) }
}

/// A session on `configuration` (NULL or unknown: an inert session in state
/// Invalid with error InvalidConfiguration, SPEC §4.1) delivering to `lp`
/// (NULL: the default loop). The session takes its own reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_new(
    configuration: *const qns_configuration,
    lp: *const qns_loop,
    out: *mut *mut qns_session,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if out.is_null() {
            return QNS_ERR_NULL_ARGUMENT;
        }
        let lp = try_ffi!(unsafe { loop_or_default(lp) });
        let s = Session::new(unsafe { record_arc(configuration) }, lp);
        unsafe { write_out(out, into_handle(s)) }
    })
}

/// Frees a session. An open session is closed without signals (its count is
/// released; an interface this library started goes down if it was the last).
/// Connections end, destroy callbacks run. Safe from its own callback. NULL: no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_free(s: *mut qns_session) {
    ffi_boundary!((), {
        if let Ok(session) = unsafe { session(s) }
            && session.liveness.mark_freed()
        {
            session.release();
            unsafe { release_handle::<qns_session, Session>(s) };
        }
    })
}

fn call_status(result: Result<(), SessionCallError>) -> qns_status {
    match result {
        Ok(()) => QNS_OK,
        Err(SessionCallError::NoSuchSession) => QNS_ERR_NOT_FOUND,
        Err(SessionCallError::WrongState) => QNS_ERR_WRONG_STATE,
    }
}

/// Runs one session action and maps its result.
unsafe fn act(
    s: *const qns_session,
    action: fn(&Session) -> Result<(), SessionCallError>,
) -> qns_status {
    let session = try_ffi!(unsafe { session(s) });
    call_status(action(session))
}

/// open(): Active -> opened() then stateChanged(Connected) if it changed;
/// Discovered -> Connecting, the backend starts it, opened() + Connected
/// when Active, or stateChanged + error(UnknownSessionError) after the
/// configuration's connect timeout; Defined/Undefined ->
/// stateChanged(Invalid), then error(InvalidConfiguration). Opening an open session does nothing.
/// Results arrive as signals; the return is QNS_OK unless s is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_open(s: *const qns_session) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { act(s, Session::open) } })
}
/// close(): closed(), count-1; the last close takes down an interface this
/// library started (Closing, then Disconnected). Not open: no-op.
/// While connecting: ends the attempt with closed().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_close(s: *const qns_session) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { act(s, Session::close) } })
}
/// stop(): takes the interface down whatever the count; other sessions on
/// that configuration get closed() + error(SessionAbortedError), open
/// sessions on a service network that used it roam to another member. This
/// one gets closed() (whether or not it was open), Closing, error(Session-
/// AbortedError) when its stop ended other sessions, then Disconnected.
/// Without QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES:
/// error(OperationNotSupported).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_stop(s: *const qns_session) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { act(s, Session::stop) } })
}
/// migrate(): after preferredConfigurationChanged; state Roaming, then
/// newConfigurationActivated(). QNS_ERR_WRONG_STATE when nothing was offered.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_migrate(s: *const qns_session) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { act(s, Session::migrate) } })
}
/// ignore(): stay on the current access point; the candidate is not offered
/// again while it stays up. QNS_ERR_WRONG_STATE when nothing was offered.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_ignore(s: *const qns_session) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { act(s, Session::ignore) } })
}
/// accept(): after newConfigurationActivated; Connected on the new access
/// point, the old one released. QNS_ERR_WRONG_STATE otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_accept(s: *const qns_session) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { act(s, Session::accept) } })
}
/// reject(): after newConfigurationActivated; back to the old access point,
/// or closed() + error(RoamingError) when it is gone. QNS_ERR_WRONG_STATE otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_reject(s: *const qns_session) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { act(s, Session::reject) } })
}

/// waitForOpened(msecs): true at once if open; false at once if open() was
/// not called or failed; otherwise waits up to msecs (-1: no limit) and
/// returns as soon as the attempt ends, whoever ended it (close() or stop()
/// from another thread too). On the thread of the session's loop it
/// delivers that loop's callbacks while it waits, and always delivers the
/// deciding signals (opened() or error()) before it returns. A callback it
/// delivers may free the session. false for NULL or msecs < -1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_wait_for_opened(s: *const qns_session, msecs: c_int) -> bool {
    ffi_boundary!(false, {
        if msecs < -1 {
            return false;
        }
        // A strong reference for the whole wait: a callback delivered
        // during it may free the application's handle.
        match unsafe { clone_owned::<qns_session, Session>(s) } {
            Ok(session) => session.wait_for_opened(msecs),
            Err(_) => false,
        }
    })
}

/// moveToThread(): later signals go to `lp` (NULL: the default loop), and
/// those still queued on the old loop move along, in order, after what `lp`
/// already holds. A delivery already running on the old loop's thread
/// finishes there. QNS_ERR_NOT_FOUND for a freed session. Thread: any.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_set_loop(
    s: *const qns_session,
    lp: *const qns_loop,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let session = try_ffi!(unsafe { session(s) });
        if session.set_loop(try_ffi!(unsafe { loop_or_default(lp) })) {
            QNS_OK
        } else {
            QNS_ERR_NOT_FOUND
        }
    })
}

/// state(): QNS_STATE_*; QNS_STATE_INVALID for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_state(s: *const qns_session) -> c_int {
    ffi_boundary!(State::Invalid as c_int, {
        unsafe { session(s) }.map_or(State::Invalid, |s| s.state()) as c_int
    })
}

/// isOpen(): opened by the application and Connected (or Roaming).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_is_open(s: *const qns_session) -> bool {
    ffi_boundary!(false, { unsafe { session(s) }.is_ok_and(|s| s.is_open()) })
}

/// error(): the last error (QNS_SESSION_ERROR_*); not reset by success.
/// QNS_SESSION_ERROR_INVALID_CONFIGURATION for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_error(s: *const qns_session) -> c_int {
    ffi_boundary!(4, {
        unsafe { session(s) }.map_or(4, |s| s.error() as c_int)
    })
}

/// errorString(): Qt's text for error(), static, never freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_error_string(s: *const qns_session) -> *const c_char {
    ffi_boundary!(c"Invalid configuration.".as_ptr(), {
        let text =
            unsafe { session(s) }.map_or(crate::types::INVALID_SESSION_TEXT, |s| s.error_string());
        error_c_str(text)
    })
}

fn error_c_str(text: &str) -> *const c_char {
    const TEXTS: [&std::ffi::CStr; 6] = [
        c"Unknown session error.",
        c"The session was aborted by the user or system.",
        c"Roaming was aborted or is not possible.",
        c"The requested operation is not supported by the system.",
        c"The specified configuration cannot be used.",
        c"Invalid configuration.",
    ];
    TEXTS
        .iter()
        .find(|t| t.to_bytes() == text.as_bytes())
        .map_or(c"".as_ptr(), |t| t.as_ptr())
}

/// configuration(): what the session was created on (a new reference), or
/// NULL in *out for a session on a null configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_configuration(
    s: *const qns_session,
    out: *mut *mut qns_configuration,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let session = try_ffi!(unsafe { session(s) });
        let config = session.configuration();
        unsafe { write_out(out, config.map_or(std::ptr::null_mut(), config_handle)) }
    })
}

/// interface(): the network interface in use while open (a new object to
/// free), or NULL in *out when not open or the backend knows none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_interface(
    s: *const qns_session,
    out: *mut *mut qns_interface,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let session = try_ffi!(unsafe { session(s) });
        let info = session.interface();
        unsafe { write_out(out, info.map_or(std::ptr::null_mut(), into_handle)) }
    })
}

/// activeTime(): seconds since the session became Connected; 0 when not open.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_active_time(s: *const qns_session) -> u64 {
    ffi_boundary!(0, { unsafe { session(s) }.map_or(0, |s| s.active_time()) })
}

/// bytesReceived(): through the interface in use since the session opened
/// (includes other traffic on it); 0 when not open or without statistics.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_bytes_received(s: *const qns_session) -> u64 {
    ffi_boundary!(0, { unsafe { session(s) }.map_or(0, |s| s.bytes().0) })
}

/// bytesWritten(): as qns_session_bytes_received, for sent bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_bytes_written(s: *const qns_session) -> u64 {
    ffi_boundary!(0, { unsafe { session(s) }.map_or(0, |s| s.bytes().1) })
}

/// usagePolicies(): QNS_USAGE_POLICY_* bits (metered -> NoBackgroundTraffic).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_usage_policies(s: *const qns_session) -> c_uint {
    ffi_boundary!(0, {
        unsafe { session(s) }.map_or(0, |s| s.usage_policies().bits())
    })
}

unsafe fn property(
    s: *const qns_session,
    key: *const c_char,
) -> Result<Option<PropertyValue>, qns_status> {
    let session = unsafe { session(s) }?;
    let key = unsafe { read_str(key) }?;
    Ok(session.property(key))
}

/// The type of sessionProperty(key): QNS_PROPERTY_NONE for unknown or unset
/// keys (and NULL arguments), else BOOL, INT or STRING. Keys:
/// "ActiveConfiguration" (string, read-only), "UserChoiceConfiguration"
/// (string, read-only), "ConnectInBackground" (bool, unset by default),
/// "AutoCloseSessionTimeout" (int ms, -1 by default: a real timer that closes
/// an open session after that long, closed() and its count released, but
/// the network stays up; it reads -1 again once it fired),
/// "BackendErrorMessage" (string, read-only, ours: the system's own text for
/// the last failure, such as NetworkManager's "Not authorized to control
/// networking."; no value when the backend gave none; errorString() keeps
/// Qt's text). A session on a null or removed configuration has no value for
/// any key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_property_type(
    s: *const qns_session,
    key: *const c_char,
) -> c_int {
    ffi_boundary!(0, {
        match unsafe { property(s, key) } {
            Ok(Some(PropertyValue::Bool(_))) => 1,
            Ok(Some(PropertyValue::Int(_))) => 2,
            Ok(Some(PropertyValue::Text(_))) => 3,
            _ => 0,
        }
    })
}

/// A bool property. QNS_ERR_NOT_FOUND when unset or unknown,
/// QNS_ERR_WRONG_TYPE when it is not a bool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_property_bool(
    s: *const qns_session,
    key: *const c_char,
    out: *mut bool,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        match try_ffi!(unsafe { property(s, key) }) {
            Some(PropertyValue::Bool(b)) => unsafe { write_out(out, b) },
            Some(_) => QNS_ERR_WRONG_TYPE,
            None => QNS_ERR_NOT_FOUND,
        }
    })
}

/// An integer property (AutoCloseSessionTimeout).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_property_int(
    s: *const qns_session,
    key: *const c_char,
    out: *mut i64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        match try_ffi!(unsafe { property(s, key) }) {
            Some(PropertyValue::Int(i)) => unsafe { write_out(out, i) },
            Some(_) => QNS_ERR_WRONG_TYPE,
            None => QNS_ERR_NOT_FOUND,
        }
    })
}

/// A string property (ActiveConfiguration, UserChoiceConfiguration: "" when
/// not open; BackendErrorMessage), snprintf style into buf.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_property_string(
    s: *const qns_session,
    key: *const c_char,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        match try_ffi!(unsafe { property(s, key) }) {
            Some(PropertyValue::Text(t)) => unsafe { write_str(&t, buf, len, needed) },
            Some(_) => QNS_ERR_WRONG_TYPE,
            None => QNS_ERR_NOT_FOUND,
        }
    })
}

unsafe fn set_property(
    s: *const qns_session,
    key: *const c_char,
    value: Option<PropertyValue>,
) -> qns_status {
    let session = try_ffi!(unsafe { session(s) });
    let key = try_ffi!(unsafe { read_str(key) });
    match session.set_property(key, value) {
        Ok(()) => QNS_OK,
        Err(PropertyError::UnknownKey) => QNS_ERR_NOT_FOUND,
        Err(PropertyError::ReadOnly) => QNS_ERR_READ_ONLY,
        Err(PropertyError::WrongType) => QNS_ERR_WRONG_TYPE,
    }
}

/// setSessionProperty(key, bool) for "ConnectInBackground" (stored; no prompt
/// is ever shown). QNS_ERR_READ_ONLY for the read-only keys (ignored, as Qt),
/// QNS_ERR_NOT_FOUND for unknown keys, QNS_ERR_WRONG_TYPE for int keys.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_set_property_bool(
    s: *const qns_session,
    key: *const c_char,
    value: bool,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        unsafe { set_property(s, key, Some(PropertyValue::Bool(value))) }
    })
}

/// setSessionProperty(key, int) for "AutoCloseSessionTimeout" in ms (any
/// negative value disables it and reads back as -1).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_set_property_int(
    s: *const qns_session,
    key: *const c_char,
    value: i64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        unsafe { set_property(s, key, Some(PropertyValue::Int(value))) }
    })
}

/// setSessionProperty(key, QVariant()): back to the default.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_clear_property(
    s: *const qns_session,
    key: *const c_char,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { unsafe { set_property(s, key, None) } })
}

unsafe fn connect_session(
    s: *const qns_session,
    signal: Signal,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
    call: impl Fn(*mut c_void, *mut qns_session, &Payload) + Send + Sync + 'static,
) -> qns_status {
    unsafe { connect_object::<qns_session, Session>(s, signal, user_data, destroy, token, call) }
}

/// stateChanged(state). `token` (may be NULL) is for qns_disconnect.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_on_state_changed(
    s: *const qns_session,
    callback: qns_session_state_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_session(
                s,
                Signal::StateChanged,
                user_data,
                destroy,
                token,
                move |ud, s, p| {
                    if let Payload::State(st) = p {
                        cb(ud, s, *st as c_int)
                    }
                },
            )
        }
    })
}
/// opened(): delivered before the stateChanged of the same change.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_on_opened(
    s: *const qns_session,
    callback: qns_session_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_session(
                s,
                Signal::Opened,
                user_data,
                destroy,
                token,
                move |ud, s, _p| cb(ud, s),
            )
        }
    })
}
/// closed(): delivered before the stateChanged of the same change.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_on_closed(
    s: *const qns_session,
    callback: qns_session_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_session(
                s,
                Signal::Closed,
                user_data,
                destroy,
                token,
                move |ud, s, _p| cb(ud, s),
            )
        }
    })
}
/// error(error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_on_error(
    s: *const qns_session,
    callback: qns_session_error_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_session(
                s,
                Signal::Error,
                user_data,
                destroy,
                token,
                move |ud, s, p| {
                    if let Payload::Error(e) = p {
                        cb(ud, s, *e as c_int)
                    }
                },
            )
        }
    })
}
/// preferredConfigurationChanged(config, isSeamless). Registering one turns
/// application-level roaming on for this session; disconnecting the last
/// one turns it off (forced roaming then applies where the backend can).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_on_preferred_configuration_changed(
    s: *const qns_session,
    callback: qns_session_preferred_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_session(
                s,
                Signal::PreferredConfigurationChanged,
                user_data,
                destroy,
                token,
                move |ud, s, p| {
                    if let Payload::PreferredConfiguration(r, seamless) = p {
                        cb(ud, s, Arc::as_ptr(r) as *const qns_configuration, *seamless)
                    }
                },
            )
        }
    })
}
/// newConfigurationActivated(): after migrate() or a forced roam.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_on_new_configuration_activated(
    s: *const qns_session,
    callback: qns_session_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_session(
                s,
                Signal::NewConfigurationActivated,
                user_data,
                destroy,
                token,
                move |ud, s, _p| cb(ud, s),
            )
        }
    })
}
/// usagePoliciesChanged(policies).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_on_usage_policies_changed(
    s: *const qns_session,
    callback: qns_session_usage_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_session(
                s,
                Signal::UsagePoliciesChanged,
                user_data,
                destroy,
                token,
                move |ud, s, p| {
                    if let Payload::UsagePolicies(u) = p {
                        cb(ud, s, u.bits())
                    }
                },
            )
        }
    })
}
