//! Beyond Qt 5 (SPEC §8): what Qt 6's QNetworkInformation reports —
//! reachability, captive portal, transport medium, metered — on every
//! backend, with change signals, and the optional connectivity check.

use std::ffi::{c_char, c_int, c_void};

use super::callbacks::{connect_object, qns_destroy_cb};
use super::manager::qns_manager;
use super::qns_status::{self, *};
use super::support::{borrow_owned, ffi_boundary, read_str, try_ffi};
use crate::connectivity::{CheckConfig, UrlError};
use crate::engine::api::Manager;
use crate::signals::{Payload, Signal};

/// reachabilityChanged (a QNS_REACHABILITY_* value) and
/// transportMediumChanged (a QNS_TRANSPORT_* value).
pub type qns_manager_value_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, manager: *mut qns_manager, value: c_int)>;
/// isBehindCaptivePortalChanged and isMeteredChanged.
pub type qns_manager_flag_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, manager: *mut qns_manager, value: bool)>;

unsafe fn info(manager: *const qns_manager) -> Option<crate::engine::NetworkInfo> {
    unsafe { borrow_owned::<qns_manager, Manager>(manager) }
        .ok()
        .map(|m| m.network_info())
}

/// QNetworkInformation::reachability(): QNS_REACHABILITY_UNKNOWN (the backend
/// cannot tell), _DISCONNECTED (nothing Active), _LOCAL (link-local
/// addresses only), _SITE (a wider network but no internet: no default
/// route, or the connectivity check failed or found a captive portal),
/// _ONLINE. isOnline() is Qt 5's weaker "some interface is up". Unknown for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_reachability(manager: *const qns_manager) -> c_int {
    ffi_boundary!(0, {
        unsafe { info(manager) }.map_or(0, |i| i.reachability as c_int)
    })
}

/// QNetworkInformation::isBehindCaptivePortal(): the connectivity check was
/// redirected or got an unexpected page (netlink), or NetworkManager says
/// PORTAL. false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_is_behind_captive_portal(manager: *const qns_manager) -> bool {
    ffi_boundary!(false, {
        unsafe { info(manager) }.is_some_and(|i| i.captive_portal)
    })
}

/// QNetworkInformation::transportMedium(): QNS_TRANSPORT_* of the default
/// configuration (its bearer's family; NetworkManager: the primary
/// connection's device). Unknown for NULL or without a default.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_transport_medium(manager: *const qns_manager) -> c_int {
    ffi_boundary!(0, {
        unsafe { info(manager) }.map_or(0, |i| i.transport as c_int)
    })
}

/// QNetworkInformation::isMetered(): the default configuration is metered
/// (NetworkManager: its Metered property). false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_is_metered(manager: *const qns_manager) -> bool {
    ffi_boundary!(false, {
        unsafe { info(manager) }.is_some_and(|i| i.metered)
    })
}

/// Turns the optional connectivity check on for the whole process (all
/// managers): an HTTP GET of `url` on every default-route change (and every
/// 5 minutes while there is one), done on its own thread, never delaying a
/// callback. 204, or 200 with `expected_body` (NULL: an empty body), keeps
/// Online; a redirect or another page means a captive portal; no answer in
/// 5 s, an error, or DNS failure means Site. Until the first answer for the
/// current route, reachability is Site. NULL or "" turns it off. Plain
/// http:// only (no TLS). Also set by QNS_CONNECTIVITY_URL at start.
/// netlink only: NetworkManager runs its own check (its Connectivity).
/// QNS_ERR_INVALID_ARGUMENT for a malformed URL, QNS_ERR_UNSUPPORTED for
/// https and other schemes, QNS_ERR_INVALID_UTF8. Thread: any.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_set_connectivity_check(
    manager: *const qns_manager,
    url: *const c_char,
    expected_body: *const c_char,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        try_ffi!(unsafe { borrow_owned::<qns_manager, Manager>(manager) });
        let url = if url.is_null() {
            ""
        } else {
            try_ffi!(unsafe { read_str(url) })
        };
        let expected = if expected_body.is_null() {
            None
        } else {
            Some(try_ffi!(unsafe { read_str(expected_body) }))
        };
        let check = if url.is_empty() {
            None
        } else {
            match CheckConfig::new(url) {
                Ok(config) => Some(match expected {
                    Some(body) => config.with_expected_body(body.as_bytes()),
                    None => config,
                }),
                Err(UrlError::UnsupportedScheme(_)) => return QNS_ERR_UNSUPPORTED,
                Err(_) => return QNS_ERR_INVALID_ARGUMENT,
            }
        };
        crate::engine::engine().set_connectivity_check(check);
        QNS_OK
    })
}

unsafe fn connect(
    manager: *const qns_manager,
    signal: Signal,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
    call: impl Fn(*mut c_void, *mut qns_manager, &Payload) + Send + Sync + 'static,
) -> qns_status {
    unsafe {
        connect_object::<qns_manager, Manager>(manager, signal, user_data, destroy, token, call)
    }
}

/// reachabilityChanged(reachability): only on an actual change.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_reachability_changed(
    manager: *const qns_manager,
    callback: qns_manager_value_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect(
                manager,
                Signal::ReachabilityChanged,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::Reachability(r) = p {
                        cb(ud, m, *r as c_int)
                    }
                },
            )
        }
    })
}

/// isBehindCaptivePortalChanged(state): only on an actual change.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_captive_portal_changed(
    manager: *const qns_manager,
    callback: qns_manager_flag_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect(
                manager,
                Signal::CaptivePortalChanged,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::CaptivePortal(b) = p {
                        cb(ud, m, *b)
                    }
                },
            )
        }
    })
}

/// transportMediumChanged(medium): only on an actual change.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_transport_medium_changed(
    manager: *const qns_manager,
    callback: qns_manager_value_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect(
                manager,
                Signal::TransportMediumChanged,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::TransportMedium(t) = p {
                        cb(ud, m, *t as c_int)
                    }
                },
            )
        }
    })
}

/// isMeteredChanged(metered): only on an actual change.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_metered_changed(
    manager: *const qns_manager,
    callback: qns_manager_flag_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect(
                manager,
                Signal::MeteredChanged,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::Metered(b) = p {
                        cb(ud, m, *b)
                    }
                },
            )
        }
    })
}
