//! qns_manager: QNetworkConfigurationManager. A cheap view on the process-wide
//! engine; its signals are delivered on the loop it was created with.

use std::ffi::{c_char, c_uint, c_void};
use std::sync::Arc;

use super::callbacks::{connect_object, qns_destroy_cb};
use super::configuration::{config_handle, list_handle, qns_configuration, qns_configuration_list};
use super::event_loop::{loop_or_default, qns_loop};
use super::qns_status::{self, *};
use super::support::{
    borrow_owned, ffi_boundary, into_handle, read_str, release_handle, try_ffi, write_out,
};
use crate::engine::api::Manager;
use crate::signals::{Payload, Signal};

/// A configuration manager (opaque). Thread-safe: any function from any thread.
pub struct qns_manager {
    _private: [u8; 0],
}

/// configurationAdded / configurationRemoved / configurationChanged. The
/// configuration is lent for the call: clone it to keep it.
pub type qns_manager_configuration_cb = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        manager: *mut qns_manager,
        configuration: *const qns_configuration,
    ),
>;
/// onlineStateChanged(isOnline).
pub type qns_manager_online_cb = Option<
    unsafe extern "C" fn(user_data: *mut c_void, manager: *mut qns_manager, is_online: bool),
>;
/// updateCompleted().
pub type qns_manager_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, manager: *mut qns_manager)>;

/// A new manager whose signals go to `lp` (NULL: the default loop). The first
/// manager or session starts the library with its backend.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_new(
    lp: *const qns_loop,
    out: *mut *mut qns_manager,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if out.is_null() {
            return QNS_ERR_NULL_ARGUMENT;
        }
        let lp = try_ffi!(unsafe { loop_or_default(lp) });
        let manager = Manager::new(lp);
        unsafe { write_out(out, into_handle(manager)) }
    })
}

/// Frees a manager: its connections end (destroy callbacks run), queued
/// deliveries are dropped. Safe from inside its own callback. NULL: no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_free(manager: *mut qns_manager) {
    ffi_boundary!((), {
        if let Ok(m) = unsafe { borrow_owned::<qns_manager, Manager>(manager) }
            && m.liveness.mark_freed()
        {
            m.release();
            unsafe { release_handle::<qns_manager, Manager>(manager) };
        }
    })
}

/// moveToThread(): later signals go to `lp` (NULL: the default loop), and
/// those still queued on the old loop move along, in order, after what `lp`
/// already holds. QNS_ERR_NOT_FOUND for a freed manager. Thread: any.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_set_loop(
    manager: *const qns_manager,
    lp: *const qns_loop,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let m = try_ffi!(unsafe { borrow_owned::<qns_manager, Manager>(manager) });
        if m.set_loop(try_ffi!(unsafe { loop_or_default(lp) })) {
            QNS_OK
        } else {
            QNS_ERR_NOT_FOUND
        }
    })
}

/// allConfigurations(filter): every configuration whose state s satisfies
/// (s & filter) == filter (filter 0: all), access points in creation order,
/// then service networks. The list is new: free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_all_configurations(
    manager: *const qns_manager,
    filter: c_uint,
    out: *mut *mut qns_configuration_list,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let m = try_ffi!(unsafe { borrow_owned::<qns_manager, Manager>(manager) });
        if out.is_null() {
            return QNS_ERR_NULL_ARGUMENT;
        }
        if filter & !0xF != 0 {
            return QNS_ERR_INVALID_ARGUMENT;
        }
        unsafe { write_out(out, list_handle(m.all_configurations(filter))) }
    })
}

/// configurationFromIdentifier(id): a new reference, or NULL in *out (the
/// null configuration) when no configuration has that identifier.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_configuration_from_identifier(
    manager: *const qns_manager,
    identifier: *const c_char,
    out: *mut *mut qns_configuration,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let m = try_ffi!(unsafe { borrow_owned::<qns_manager, Manager>(manager) });
        let id = try_ffi!(unsafe { read_str(identifier) });
        let found = m.configuration_from_identifier(id);
        unsafe { write_out(out, found.map_or(std::ptr::null_mut(), config_handle)) }
    })
}

/// defaultConfiguration(): the backend's default (a new reference), or NULL
/// in *out when offline.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_default_configuration(
    manager: *const qns_manager,
    out: *mut *mut qns_configuration,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let m = try_ffi!(unsafe { borrow_owned::<qns_manager, Manager>(manager) });
        let found = m.default_configuration();
        unsafe { write_out(out, found.map_or(std::ptr::null_mut(), config_handle)) }
    })
}

/// The UserChoice placeholder (identifier "UserChoice"): a session on it
/// resolves to the default configuration when opened. Not listed by
/// allConfigurations. A new reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_user_choice_configuration(
    manager: *const qns_manager,
    out: *mut *mut qns_configuration,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let m = try_ffi!(unsafe { borrow_owned::<qns_manager, Manager>(manager) });
        if out.is_null() {
            return QNS_ERR_NULL_ARGUMENT;
        }
        unsafe { write_out(out, config_handle(m.user_choice_configuration())) }
    })
}

/// isOnline(): a default route (or the backend's equivalent) through an
/// Active configuration exists. false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_is_online(manager: *const qns_manager) -> bool {
    ffi_boundary!(false, {
        unsafe { borrow_owned::<qns_manager, Manager>(manager) }.is_ok_and(|m| m.is_online())
    })
}

/// capabilities(): QNS_CAPABILITY_* bits the running backend really has. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_capabilities(manager: *const qns_manager) -> c_uint {
    ffi_boundary!(0, {
        unsafe { borrow_owned::<qns_manager, Manager>(manager) }
            .map_or(0, |m| m.capabilities().bits())
    })
}

/// updateConfigurations(): asks the backend to re-read; updateCompleted
/// follows on every manager's loop.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_update_configurations(
    manager: *const qns_manager,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let m = try_ffi!(unsafe { borrow_owned::<qns_manager, Manager>(manager) });
        m.update_configurations();
        QNS_OK
    })
}

/// Common part of the manager signal registrations.
unsafe fn connect_manager(
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

/// configurationAdded(config). Token (may be NULL) for qns_disconnect.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_configuration_added(
    manager: *const qns_manager,
    callback: qns_manager_configuration_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_manager(
                manager,
                Signal::ConfigurationAdded,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::ConfigurationAdded(r) = p {
                        cb(ud, m, Arc::as_ptr(r) as *const qns_configuration)
                    }
                },
            )
        }
    })
}
/// configurationRemoved(config): the handle is already invalid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_configuration_removed(
    manager: *const qns_manager,
    callback: qns_manager_configuration_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_manager(
                manager,
                Signal::ConfigurationRemoved,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::ConfigurationRemoved(r) = p {
                        cb(ud, m, Arc::as_ptr(r) as *const qns_configuration)
                    }
                },
            )
        }
    })
}
/// configurationChanged(config): only when something observable changed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_configuration_changed(
    manager: *const qns_manager,
    callback: qns_manager_configuration_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_manager(
                manager,
                Signal::ConfigurationChanged,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::ConfigurationChanged(r) = p {
                        cb(ud, m, Arc::as_ptr(r) as *const qns_configuration)
                    }
                },
            )
        }
    })
}

/// onlineStateChanged(isOnline): only on a real flip.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_online_state_changed(
    manager: *const qns_manager,
    callback: qns_manager_online_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_manager(
                manager,
                Signal::OnlineStateChanged,
                user_data,
                destroy,
                token,
                move |ud, m, p| {
                    if let Payload::Online(online) = p {
                        cb(ud, m, *online)
                    }
                },
            )
        }
    })
}

/// updateCompleted(): after qns_manager_update_configurations.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_manager_on_update_completed(
    manager: *const qns_manager,
    callback: qns_manager_cb,
    user_data: *mut c_void,
    destroy: qns_destroy_cb,
    token: *mut u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(cb) = callback else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        unsafe {
            connect_manager(
                manager,
                Signal::UpdateCompleted,
                user_data,
                destroy,
                token,
                move |ud, m, _| cb(ud, m),
            )
        }
    })
}
