//! qns_sim_*: script the simulated backend from C, to test application code
//! (roaming included) without touching the machine's network. Every call
//! needs the simulated backend to be the running one (QNS_BACKEND=simulated
//! or qns_select_backend("simulated") before first use), else
//! QNS_ERR_WRONG_BACKEND. Changes reach managers and sessions before the call
//! returns; their signals are queued to the objects' loops. Thread: any.

use std::ffi::{c_char, c_int, c_uint};
use std::time::Duration;

use super::qns_status::{self, *};
use super::support::{check, ffi_boundary, read_str, try_ffi};
use crate::backend::simulated::{self as sim, SimError, StartBehavior};
use crate::engine::record::{ConfigView, InterfaceAddress, InterfaceInfo};
use crate::types::{
    Bearer, Capabilities, ConfigType, Purpose, Reachability, SessionError, StateFlags,
    TransportMedium,
};

/// Runs one scripting call on the running engine (starting it if needed:
/// the simulation is scripted only once it is the running backend).
fn scripted(call: impl FnOnce() -> Result<(), SimError>) -> qns_status {
    crate::engine::ensure_started();
    match call() {
        Ok(()) => QNS_OK,
        Err(SimError::NotActive) => QNS_ERR_WRONG_BACKEND,
        Err(SimError::NotFound) => QNS_ERR_NOT_FOUND,
        Err(SimError::AlreadyExists) => QNS_ERR_ALREADY_EXISTS,
        Err(SimError::WrongType) => QNS_ERR_WRONG_TYPE,
    }
}

fn state_flags(state: c_uint) -> Result<StateFlags, qns_status> {
    check(StateFlags::from_raw_state(state))
}

unsafe fn id_list(ids: *const *const c_char, count: usize) -> Result<Vec<String>, qns_status> {
    if count > 0 && ids.is_null() {
        return Err(QNS_ERR_NULL_ARGUMENT);
    }
    (0..count)
        .map(|i| unsafe { read_str(*ids.add(i)) }.map(str::to_owned))
        .collect()
}

/// Adds an access point: identifier (unique), name, QNS_BEARER_* bearer,
/// QNS_STATE_FLAG_* state (exactly one of the four). Starts succeed at once
/// until qns_sim_set_start_behavior says otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_add_access_point(
    identifier: *const c_char,
    name: *const c_char,
    bearer: c_int,
    state: c_uint,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let name = try_ffi!(unsafe { read_str(name) });
        let bearer = try_ffi!(check(Bearer::from_raw(bearer)));
        let state = try_ffi!(state_flags(state));
        scripted(|| sim::add(ConfigView::access_point(id, name, bearer, state)))
    })
}

/// Adds a service network whose children are `count` access point
/// identifiers, highest priority first (they may be added later).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_add_service_network(
    identifier: *const c_char,
    name: *const c_char,
    children: *const *const c_char,
    count: usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let name = try_ffi!(unsafe { read_str(name) });
        let children = try_ffi!(unsafe { id_list(children, count) });
        let mut view = ConfigView::access_point(id, name, Bearer::Unknown, StateFlags::UNDEFINED);
        view.kind = ConfigType::ServiceNetwork;
        view.children = children;
        scripted(|| sim::add(view))
    })
}

/// Replaces a service network's children (priority order).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_children(
    identifier: *const c_char,
    children: *const *const c_char,
    count: usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let children = try_ffi!(unsafe { id_list(children, count) });
        scripted(|| sim::set_children(id, children))
    })
}

/// Removes a configuration (configurationRemoved; open sessions on it abort).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_remove(identifier: *const c_char) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        scripted(|| sim::remove(id))
    })
}

/// Sets an access point's state (QNS_STATE_FLAG_*), as the system would.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_state(identifier: *const c_char, state: c_uint) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let state = try_ffi!(state_flags(state));
        scripted(|| sim::set_state(id, state))
    })
}

/// Renames a configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_name(
    identifier: *const c_char,
    name: *const c_char,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let name = try_ffi!(unsafe { read_str(name) });
        scripted(|| sim::set_name(id, name))
    })
}

/// Sets the bearer (QNS_BEARER_*).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_bearer(
    identifier: *const c_char,
    bearer: c_int,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let bearer = try_ffi!(check(Bearer::from_raw(bearer)));
        scripted(|| sim::set_bearer(id, bearer))
    })
}

/// Sets the purpose (QNS_PURPOSE_*).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_purpose(
    identifier: *const c_char,
    purpose: c_int,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let purpose = try_ffi!(check(Purpose::from_raw(purpose)));
        scripted(|| sim::set_purpose(id, purpose))
    })
}

/// Marks a configuration metered: sessions on it get NoBackgroundTrafficPolicy.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_metered(
    identifier: *const c_char,
    metered: bool,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        scripted(|| sim::set_metered(id, metered))
    })
}

/// Makes isRoamingAvailable() true even without two children.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_roaming_available(
    identifier: *const c_char,
    available: bool,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        scripted(|| sim::set_roaming_available(id, available))
    })
}

/// What a start of this access point does: QNS_SIM_START_SUCCEED (Active at
/// once), QNS_SIM_START_FAIL (error `error`, a QNS_SESSION_ERROR_*),
/// QNS_SIM_START_DELAY (Active after delay_ms), QNS_SIM_START_NEVER.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_start_behavior(
    identifier: *const c_char,
    mode: c_int,
    delay_ms: c_int,
    error: c_int,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let behavior = match mode {
            0 => StartBehavior::Succeed,
            1 => StartBehavior::Fail(try_ffi!(check(SessionError::from_raw(error)))),
            2 if delay_ms >= 0 => StartBehavior::Delay(Duration::from_millis(delay_ms as u64)),
            3 => StartBehavior::Never,
            _ => return QNS_ERR_INVALID_ARGUMENT,
        };
        scripted(|| sim::set_start_behavior(id, behavior))
    })
}

/// Sets the interface byte counters (received, sent) of an access point.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_bytes(
    identifier: *const c_char,
    received: u64,
    sent: u64,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        scripted(|| sim::set_bytes(id, received, sent))
    })
}

/// Gives an access point a network interface (no addresses yet); `name` NULL
/// removes it. hardware_address may be NULL ("").
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_interface(
    identifier: *const c_char,
    name: *const c_char,
    index: c_int,
    hardware_address: *const c_char,
    flags: c_uint,
    mtu: c_int,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        if name.is_null() {
            return scripted(|| sim::set_interface(id, None));
        }
        let name = try_ffi!(unsafe { read_str(name) });
        let mac = if hardware_address.is_null() {
            ""
        } else {
            try_ffi!(unsafe { read_str(hardware_address) })
        };
        if flags & !0x3F != 0 || index < 0 || mtu < 0 {
            return QNS_ERR_INVALID_ARGUMENT;
        }
        let info = InterfaceInfo {
            name: name.to_owned(),
            index,
            hardware_address: mac.to_owned(),
            flags,
            mtu,
            addresses: Vec::new(),
        };
        scripted(|| sim::set_interface(id, Some(info)))
    })
}

/// Adds an address ("192.0.2.7", "2001:db8::7") with its prefix length to
/// the access point's interface. QNS_ERR_INVALID_ARGUMENT for an unparsable
/// address or a prefix too long for it; QNS_ERR_NOT_FOUND without an interface.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_add_interface_address(
    identifier: *const c_char,
    address: *const c_char,
    prefix_length: c_int,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let id = try_ffi!(unsafe { read_str(identifier) });
        let text = try_ffi!(unsafe { read_str(address) });
        let Ok(ip) = text.parse::<std::net::IpAddr>() else {
            return QNS_ERR_INVALID_ARGUMENT;
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if !(0..=max).contains(&prefix_length) {
            return QNS_ERR_INVALID_ARGUMENT;
        }
        scripted(|| {
            sim::add_address(
                id,
                InterfaceAddress {
                    ip,
                    prefix_length: prefix_length as u8,
                },
            )
        })
    })
}

/// Chooses the default configuration; "UserChoice" leaves the choice to the
/// user (defaultConfiguration() is then the UserChoice configuration, and a
/// UserChoice session opens the first Active access point, else the first
/// Discovered one); NULL returns to the automatic choice (the first Active
/// access point in creation order).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_sim_set_default(identifier: *const c_char) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        if identifier.is_null() {
            return scripted(|| sim::set_default(None));
        }
        let id = try_ffi!(unsafe { read_str(identifier) });
        scripted(|| sim::set_default(Some(id)))
    })
}

/// Sets the capabilities the simulated backend advertises and honours
/// (QNS_CAPABILITY_* bits; default: start/stop, both roaming kinds, statistics).
#[unsafe(no_mangle)]
pub extern "C" fn qns_sim_set_capabilities(capabilities: c_uint) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(caps) = Capabilities::from_bits(capabilities) else {
            return QNS_ERR_INVALID_ARGUMENT;
        };
        scripted(|| sim::set_capabilities(caps))
    })
}

/// Sets the reachability the simulated network reports
/// (QNS_REACHABILITY_*). Until one of qns_sim_set_reachability,
/// _set_captive_portal, _set_transport_medium or _set_network_metered is
/// called (or the QNS_SIMULATED_NETWORK file has a `network` line) the
/// simulation reports no network status and the library derives
/// reachability itself; after it, the parts not set read: reachability
/// Unknown, no captive portal, and the default configuration's medium and
/// metering. qns_sim_reset() returns to reporting nothing.
#[unsafe(no_mangle)]
pub extern "C" fn qns_sim_set_reachability(reachability: c_int) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let reachability = try_ffi!(check(Reachability::from_raw(reachability)));
        scripted(|| sim::modify_network_status(|s| s.reachability = reachability))
    })
}

/// Sets whether the simulated network is behind a captive portal (see
/// qns_sim_set_reachability for the parts not set).
#[unsafe(no_mangle)]
pub extern "C" fn qns_sim_set_captive_portal(behind_portal: bool) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        scripted(|| sim::modify_network_status(|s| s.captive_portal = behind_portal))
    })
}

/// Sets the transport medium the simulated network reports (QNS_TRANSPORT_*)
/// instead of the default configuration's (see qns_sim_set_reachability).
#[unsafe(no_mangle)]
pub extern "C" fn qns_sim_set_transport_medium(medium: c_int) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let medium = try_ffi!(check(TransportMedium::from_raw(medium)));
        scripted(|| sim::modify_network_status(|s| s.transport = Some(medium)))
    })
}

/// Sets whether the simulated network as a whole is metered (what Qt 6's
/// QNetworkInformation::isMetered reports) instead of following the default
/// configuration (see qns_sim_set_reachability). Sessions' usage policies
/// follow each access point's own qns_sim_set_metered.
#[unsafe(no_mangle)]
pub extern "C" fn qns_sim_set_network_metered(metered: bool) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        scripted(|| sim::modify_network_status(|s| s.metered = Some(metered)))
    })
}

/// Removes every configuration, restores the default capabilities and
/// stops reporting a network status (a QNS_SIMULATED_NETWORK file's network
/// included).
#[unsafe(no_mangle)]
pub extern "C" fn qns_sim_reset() -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, { scripted(sim::reset) })
}
