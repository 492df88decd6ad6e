//! NetworkManager's notions as configurations (SPEC §7): one access point
//! per profile (identifier = settings path, alias uuid:<uuid>), states from
//! AvailableConnections and the active connections, the default from
//! PrimaryConnection, a "Default" service network in NetworkManager's
//! preference order, and the network status of SPEC §8.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::model::{AC_ACTIVATED, AC_ACTIVATING, Device, NmModel, Profile};
use crate::backend::NetworkStatus;
use crate::backend::netlink::{DEFAULT_NETWORK_ID, DEFAULT_NETWORK_NAME};
use crate::engine::record::{ConfigView, InterfaceInfo};
use crate::types::{Bearer, ConfigType, Purpose, Reachability, StateFlags, TransportMedium};

/// NMMetered YES and GUESS_YES.
fn is_metered(value: u32) -> bool {
    value == 1 || value == 3
}

pub fn uuid_alias(uuid: &str) -> String {
    format!("uuid:{uuid}")
}

/// Qt 5's mapping, plus Bluetooth (Qt 5 said Unknown there); a modem's
/// generation is not known without ModemManager, so gsm/cdma are Unknown.
pub fn bearer_of(kind: &str) -> Bearer {
    match kind {
        "802-3-ethernet" => Bearer::Ethernet,
        "802-11-wireless" => Bearer::Wlan,
        "bluetooth" => Bearer::Bluetooth,
        _ => Bearer::Unknown,
    }
}

/// Qt 6's mapping of NMState (notes/nm-backend.md §5.2).
pub fn reachability_of(state: u32) -> Reachability {
    match state {
        20 | 30 => Reachability::Disconnected,
        50 => Reachability::Local,
        60 => Reachability::Site,
        70 => Reachability::Online,
        _ => Reachability::Unknown,
    }
}

/// NMDeviceType of the primary connection's device as Qt 6 maps it.
pub fn transport_of(device_type: u32) -> TransportMedium {
    match device_type {
        1 => TransportMedium::Ethernet,
        2 => TransportMedium::WiFi,
        5 => TransportMedium::Bluetooth,
        8 => TransportMedium::Cellular,
        _ => TransportMedium::Unknown,
    }
}

/// Settings paths end in NetworkManager's creation counter: sorting by it
/// lists profiles in the order NetworkManager made them.
pub fn creation_key(path: &str) -> (u64, &str) {
    let number = path
        .rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX);
    (number, path)
}

/// What the backend shows, computed from the model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NmView {
    /// Profiles in creation order, then the "Default" service network.
    pub configurations: Vec<ConfigView>,
    pub default_id: Option<String>,
    pub status: Option<NetworkStatus>,
    /// Profile identifier -> the kernel interface of its active device.
    pub interfaces: HashMap<String, String>,
}

pub type InterfaceReader<'a> = &'a dyn Fn(&str) -> Option<Arc<InterfaceInfo>>;

pub fn compute(model: &NmModel, read_interface: InterfaceReader<'_>) -> NmView {
    let mut paths: Vec<&String> = model
        .profiles
        .iter()
        .filter(|(_, p)| p.settings.is_some())
        .map(|(path, _)| path)
        .collect();
    paths.sort_by_key(|p| creation_key(p));
    // Sets of what the devices and active connections say, once per view
    // (a burst of signals recomputes it; hundreds of profiles stay cheap).
    let available: HashSet<&str> = model
        .devices
        .values()
        .flat_map(|d| d.available.iter().map(String::as_str))
        .collect();
    let mut activity: HashMap<&str, (Option<&str>, bool)> = HashMap::new();
    for (ac_path, ac) in &model.actives {
        let entry = activity.entry(ac.connection.as_str()).or_default();
        match ac.state {
            AC_ACTIVATED => entry.0 = Some(ac_path.as_str()),
            AC_ACTIVATING => entry.1 = true,
            _ => {}
        }
    }
    let mut view = NmView::default();
    for path in &paths {
        let profile = &model.profiles[*path];
        let (activated, activating) = activity.get(path.as_str()).copied().unwrap_or_default();
        let facts = Facts {
            available: available.contains(path.as_str()),
            activated,
            activating,
        };
        let (config, interface) = profile_view(model, path, profile, facts, read_interface);
        if let Some(name) = interface {
            view.interfaces.insert((*path).clone(), name);
        }
        view.configurations.push(config);
    }
    view.default_id = model
        .profile_of_active(&model.manager.primary)
        .map(str::to_owned);
    view.configurations.push(default_network(model, &view));
    view.status = Some(status(model));
    view
}

/// The device an active connection runs on (its first).
fn device_of<'a>(model: &'a NmModel, active: &str) -> Option<&'a Device> {
    model
        .actives
        .get(active)?
        .devices
        .first()
        .and_then(|d| model.devices.get(d))
}

/// What the devices and active connections say about one profile.
#[derive(Clone, Copy)]
struct Facts<'a> {
    available: bool,
    /// Its ACTIVATED active connection.
    activated: Option<&'a str>,
    activating: bool,
}

fn profile_view(
    model: &NmModel,
    path: &str,
    profile: &Profile,
    facts: Facts<'_>,
    read_interface: InterfaceReader<'_>,
) -> (ConfigView, Option<String>) {
    let settings = profile.settings.as_ref().expect("only loaded profiles");
    let Facts {
        available,
        activated,
        activating,
    } = facts;
    let state = if activated.is_some() {
        StateFlags::ACTIVE
    } else if available || activating {
        StateFlags::DISCOVERED
    } else {
        StateFlags::DEFINED
    };
    let mut view = ConfigView::access_point(path, &settings.id, bearer_of(&settings.kind), state);
    view.purpose = Purpose::Public;
    view.aliases = vec![uuid_alias(&settings.uuid)];
    // NetworkManager is already bringing it up: a start would only restart it.
    view.startable = state == StateFlags::DISCOVERED && !activating;
    let device = activated.and_then(|ac| device_of(model, ac));
    view.metered = is_metered(settings.metered) || device.is_some_and(|d| is_metered(d.metered));
    let interface = device
        .map(Device::kernel_interface)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    view.interface = interface.as_deref().and_then(read_interface);
    (view, interface)
}

/// "Default": the usable profiles in NetworkManager's order of preference:
/// the primary connection, the one about to become primary, the other
/// activated ones (default-route holders first), then the available ones by
/// autoconnect priority and most recent use.
fn default_network(model: &NmModel, view: &NmView) -> ConfigView {
    let mut ranked: Vec<(u8, i64, u64, &str)> = view
        .configurations
        .iter()
        .filter(|c| c.state.is_discovered())
        .map(|c| {
            let path = c.identifier.as_str();
            let settings = model.profiles[path].settings.as_ref().expect("shown");
            let holds = |ac: &str| model.profile_of_active(ac) == Some(path);
            let default_route = model
                .actives_of(path)
                .any(|(_, a)| a.state == AC_ACTIVATED && (a.default4 || a.default6));
            let rank = if holds(&model.manager.primary) {
                0
            } else if holds(&model.manager.activating) {
                1
            } else if c.state.is_active() && default_route {
                2
            } else if c.state.is_active() {
                3
            } else {
                4
            };
            (
                rank,
                -settings.priority,
                u64::MAX - settings.timestamp,
                path,
            )
        })
        .collect();
    ranked.sort();
    let mut network = ConfigView::access_point(
        DEFAULT_NETWORK_ID,
        DEFAULT_NETWORK_NAME,
        Bearer::Unknown,
        StateFlags::UNDEFINED,
    );
    network.kind = ConfigType::ServiceNetwork;
    network.purpose = Purpose::Unknown;
    network.children = ranked.into_iter().map(|r| r.3.to_owned()).collect();
    network
}

fn status(model: &NmModel) -> NetworkStatus {
    let m = &model.manager;
    NetworkStatus {
        reachability: reachability_of(m.state),
        captive_portal: m.connectivity == 2,
        transport: device_of(model, &m.primary).map(|d| transport_of(d.device_type)),
        metered: Some(is_metered(m.metered)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{Active, Manager, Settings};
    use super::*;

    const P1: &str = "/org/freedesktop/NetworkManager/Settings/1";
    const P2: &str = "/org/freedesktop/NetworkManager/Settings/2";
    const P10: &str = "/org/freedesktop/NetworkManager/Settings/10";
    const D1: &str = "/org/freedesktop/NetworkManager/Devices/1";
    const A1: &str = "/org/freedesktop/NetworkManager/ActiveConnection/1";

    fn profile(id: &str, uuid: &str, kind: &str) -> Profile {
        Profile {
            settings: Some(Settings {
                id: id.into(),
                uuid: uuid.into(),
                kind: kind.into(),
                autoconnect: true,
                ..Default::default()
            }),
        }
    }

    fn model() -> NmModel {
        let mut m = NmModel::default();
        m.profiles
            .insert(P10.into(), profile("Ten", "u10", "802-11-wireless"));
        m.profiles
            .insert(P2.into(), profile("Two", "u2", "802-3-ethernet"));
        m.profiles.insert(P1.into(), profile("One", "u1", "gsm"));
        m.profiles.insert(
            "/org/freedesktop/NetworkManager/Settings/3".into(),
            Profile::default(),
        );
        m.devices.insert(
            D1.into(),
            Device {
                interface: "eth0".into(),
                device_type: 1,
                state: 100,
                managed: true,
                available: vec![P2.into(), P10.into()],
                metered: 3,
                ..Default::default()
            },
        );
        m
    }

    fn no_kernel(_: &str) -> Option<Arc<InterfaceInfo>> {
        None
    }

    #[test]
    fn profiles_in_creation_order_with_states_from_networkmanager() {
        let mut m = model();
        let v = compute(&m, &no_kernel);
        let ids: Vec<&str> = v
            .configurations
            .iter()
            .map(|c| c.identifier.as_str())
            .collect();
        // Not yet read profiles are left out; the service network comes last.
        assert_eq!(ids, vec![P1, P2, P10, "default"]);
        let one = &v.configurations[0];
        assert_eq!(
            (one.name.as_str(), one.bearer, one.purpose),
            ("One", Bearer::Unknown, Purpose::Public)
        );
        assert_eq!(one.state, StateFlags::DEFINED);
        assert_eq!(one.aliases, vec!["uuid:u1".to_owned()]);
        assert_eq!(v.configurations[1].state, StateFlags::DISCOVERED);
        assert!(v.configurations[1].startable);
        assert_eq!(v.configurations[2].bearer, Bearer::Wlan);
        assert_eq!(v.default_id, None);

        m.actives.insert(
            A1.into(),
            Active {
                connection: P2.into(),
                state: AC_ACTIVATING,
                devices: vec![D1.into()],
                ..Default::default()
            },
        );
        let v = compute(&m, &no_kernel);
        assert_eq!(v.configurations[1].state, StateFlags::DISCOVERED);
        assert!(
            !v.configurations[1].startable,
            "NetworkManager is already starting it"
        );

        m.actives.get_mut(A1).unwrap().set_state(AC_ACTIVATED);
        m.manager = Manager {
            primary: A1.into(),
            state: 70,
            connectivity: 2,
            metered: 1,
            ..Default::default()
        };
        let v = compute(&m, &no_kernel);
        let two = &v.configurations[1];
        assert_eq!(two.state, StateFlags::ACTIVE);
        assert!(two.metered, "the device says GUESS_YES");
        assert_eq!(v.default_id.as_deref(), Some(P2));
        assert_eq!(v.interfaces.get(P2).map(String::as_str), Some("eth0"));
        let network = v.configurations.last().unwrap();
        assert_eq!(network.kind, ConfigType::ServiceNetwork);
        assert_eq!(network.children, vec![P2.to_owned(), P10.to_owned()]);
        let status = v.status.unwrap();
        assert_eq!(status.reachability, Reachability::Online);
        assert!(status.captive_portal);
        assert_eq!(status.transport, Some(TransportMedium::Ethernet));
        assert_eq!(status.metered, Some(true));
    }

    #[test]
    fn dangling_references_are_ignored() {
        let mut m = model();
        m.manager.primary = "/org/freedesktop/NetworkManager/ActiveConnection/77".into();
        m.actives.insert(
            A1.into(),
            Active {
                connection: "/org/freedesktop/NetworkManager/Settings/99".into(),
                state: AC_ACTIVATED,
                devices: vec!["/org/freedesktop/NetworkManager/Devices/42".into()],
                ..Default::default()
            },
        );
        let v = compute(&m, &no_kernel);
        assert_eq!(v.default_id, None);
        assert_eq!(v.status.unwrap().transport, None);
        assert!(
            v.configurations
                .iter()
                .all(|c| c.state != StateFlags::ACTIVE)
        );
    }

    #[test]
    fn mappings() {
        assert_eq!(reachability_of(40), Reachability::Unknown);
        assert_eq!(reachability_of(30), Reachability::Disconnected);
        assert_eq!(reachability_of(50), Reachability::Local);
        assert_eq!(transport_of(8), TransportMedium::Cellular);
        assert_eq!(transport_of(29), TransportMedium::Unknown);
        assert_eq!(bearer_of("bluetooth"), Bearer::Bluetooth);
        assert_eq!(bearer_of("vpn"), Bearer::Unknown);
        assert!(creation_key(P2) < creation_key(P10));
        assert!(
            creation_key(P10) < creation_key("/org/freedesktop/NetworkManager/Settings/HomeNet")
        );
    }
}
