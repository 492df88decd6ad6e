//! NetworkManager's objects as this backend keeps them: the manager, its
//! devices, active connections and settings profiles, filled from
//! GetManagedObjects and kept current from the standard PropertiesChanged
//! and the ObjectManager signals. Only what the backend uses is kept; every
//! property is optional on the wire and a wrong type leaves the old value.

use std::collections::HashMap;

use super::value::Value;

pub(super) const NM_PATH: &str = "/org/freedesktop/NetworkManager";
pub(super) const MANAGER_IFACE: &str = "org.freedesktop.NetworkManager";
pub(super) const DEVICE_IFACE: &str = "org.freedesktop.NetworkManager.Device";
pub(super) const WIRELESS_IFACE: &str = "org.freedesktop.NetworkManager.Device.Wireless";
pub(super) const ACTIVE_IFACE: &str = "org.freedesktop.NetworkManager.Connection.Active";
pub(super) const PROFILE_IFACE: &str = "org.freedesktop.NetworkManager.Settings.Connection";

/// NMActiveConnectionState.
pub(super) const AC_ACTIVATING: u32 = 1;
pub(super) const AC_ACTIVATED: u32 = 2;
pub(super) const AC_DEACTIVATED: u32 = 4;
/// NMDeviceState values the backend tells apart.
pub(super) const DEVICE_UNMANAGED: u32 = 10;
pub(super) const DEVICE_DISCONNECTED: u32 = 30;
pub(super) const DEVICE_ACTIVATED: u32 = 100;
pub(super) const DEVICE_FAILED: u32 = 120;

/// Objects this backend keeps must be NetworkManager's and of sane size.
const MAX_PATH: usize = 512;

pub fn plausible_path(path: &str) -> bool {
    path.len() <= MAX_PATH
        && path
            .strip_prefix(NM_PATH)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// "/" means "none" in NetworkManager's object-valued properties.
fn object(value: &Value) -> Option<String> {
    let path = value.as_str()?;
    Some(if plausible_path(path) { path } else { "/" }.to_owned())
}

fn objects(value: &Value) -> Option<Vec<String>> {
    Some(
        value
            .as_strings()?
            .into_iter()
            .filter(|p| plausible_path(p))
            .collect(),
    )
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manager {
    pub state: u32,
    pub connectivity: u32,
    pub primary: String,
    pub activating: String,
    pub metered: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Device {
    pub interface: String,
    pub ip_interface: String,
    pub device_type: u32,
    pub state: u32,
    pub managed: bool,
    pub active_connection: String,
    pub available: Vec<String>,
    pub metered: u32,
    pub wireless: bool,
    /// Device.Wireless.LastScan: CLOCK_BOOTTIME ms, -1 for never.
    pub last_scan: Option<i64>,
    /// The reason of the last StateChanged (a failure's cause).
    pub last_reason: u32,
}

impl Device {
    /// The kernel interface that carries its traffic.
    pub fn kernel_interface(&self) -> &str {
        if self.ip_interface.is_empty() {
            &self.interface
        } else {
            &self.ip_interface
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Active {
    pub connection: String,
    pub state: u32,
    pub devices: Vec<String>,
    pub default4: bool,
    pub default6: bool,
    /// Reached ACTIVATED at some point (a later DEACTIVATED is a loss,
    /// not a failed start).
    pub was_activated: bool,
}

/// What GetSettings said about a profile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub id: String,
    pub uuid: String,
    pub kind: String,
    pub autoconnect: bool,
    pub priority: i64,
    pub timestamp: u64,
    /// NMMetered of connection.metered.
    pub metered: u32,
}

impl Settings {
    /// Reads GetSettings' a{sa{sv}}; None without a connection.uuid.
    pub fn parse(settings: &Value) -> Option<Settings> {
        let connection = settings.get("connection")?;
        let text = |key: &str| {
            connection
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let uuid = text("uuid").filter(|u| !u.is_empty() && u.len() <= 64)?;
        Some(Settings {
            id: text("id").unwrap_or_default(),
            uuid,
            kind: text("type").unwrap_or_default(),
            autoconnect: connection
                .get("autoconnect")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            priority: connection
                .get("autoconnect-priority")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            timestamp: connection
                .get("timestamp")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            metered: connection
                .get("metered")
                .and_then(Value::as_u32)
                .unwrap_or(0),
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// None until GetSettings answered (the profile is not shown before).
    pub settings: Option<Settings>,
}

#[derive(Clone, Debug, Default)]
pub struct NmModel {
    pub manager: Manager,
    pub devices: HashMap<String, Device>,
    pub actives: HashMap<String, Active>,
    pub profiles: HashMap<String, Profile>,
}

impl NmModel {
    /// Applies one object's interfaces and properties (a{sa{sv}}), as
    /// GetManagedObjects and InterfacesAdded carry them.
    pub fn apply_object(&mut self, path: &str, interfaces: &Value) {
        for (interface, properties) in interfaces.entries() {
            self.apply_properties(path, interface, properties, true);
        }
    }

    /// Applies properties of one interface; `create` adds an object we do
    /// not know yet (PropertiesChanged never does: the object comes first).
    pub fn apply_properties(&mut self, path: &str, interface: &str, props: &Value, create: bool) {
        if path != NM_PATH && !plausible_path(path) {
            return;
        }
        match interface {
            MANAGER_IFACE if path == NM_PATH => self.manager.apply(props),
            DEVICE_IFACE => {
                if let Some(d) = entry(&mut self.devices, path, create) {
                    d.apply(props)
                }
            }
            WIRELESS_IFACE => {
                if let Some(d) = entry(&mut self.devices, path, create) {
                    d.wireless = true;
                    if let Some(t) = props.get("LastScan").and_then(Value::as_i64) {
                        d.last_scan = Some(t);
                    }
                }
            }
            ACTIVE_IFACE => {
                if let Some(a) = entry(&mut self.actives, path, create) {
                    a.apply(props)
                }
            }
            PROFILE_IFACE if create => {
                self.profiles.entry(path.to_owned()).or_default();
            }
            _ => {}
        }
    }

    /// InterfacesRemoved: the object goes when its main interface does.
    pub fn remove_interfaces(&mut self, path: &str, interfaces: &[String]) {
        for interface in interfaces {
            match interface.as_str() {
                DEVICE_IFACE => {
                    self.devices.remove(path);
                }
                ACTIVE_IFACE => {
                    self.actives.remove(path);
                }
                PROFILE_IFACE => {
                    self.profiles.remove(path);
                }
                _ => {}
            }
        }
    }

    /// The profile an active connection activates, if we know it.
    pub fn profile_of_active(&self, active: &str) -> Option<&str> {
        let a = self.actives.get(active)?;
        self.profiles
            .contains_key(&a.connection)
            .then_some(a.connection.as_str())
    }

    /// Active connections of a profile.
    pub fn actives_of<'a>(
        &'a self,
        profile: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Active)> {
        self.actives
            .iter()
            .filter(move |(_, a)| a.connection == profile)
            .map(|(p, a)| (p.as_str(), a))
    }

    pub fn device_by_interface(&self, name: &str) -> Option<(&str, &Device)> {
        self.devices
            .iter()
            .find(|(_, d)| d.interface == name || d.ip_interface == name)
            .map(|(p, d)| (p.as_str(), d))
    }
}

fn entry<'a, T: Default>(
    map: &'a mut HashMap<String, T>,
    path: &str,
    create: bool,
) -> Option<&'a mut T> {
    if create && !map.contains_key(path) {
        map.insert(path.to_owned(), T::default());
    }
    map.get_mut(path)
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

impl Manager {
    fn apply(&mut self, p: &Value) {
        set(&mut self.state, p.get("State").and_then(Value::as_u32));
        set(
            &mut self.connectivity,
            p.get("Connectivity").and_then(Value::as_u32),
        );
        set(
            &mut self.primary,
            p.get("PrimaryConnection").and_then(object),
        );
        set(
            &mut self.activating,
            p.get("ActivatingConnection").and_then(object),
        );
        set(&mut self.metered, p.get("Metered").and_then(Value::as_u32));
    }
}

impl Device {
    fn apply(&mut self, p: &Value) {
        let text = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .filter(|s| s.len() < 64)
                .map(str::to_owned)
        };
        set(&mut self.interface, text("Interface"));
        set(&mut self.ip_interface, text("IpInterface"));
        set(
            &mut self.device_type,
            p.get("DeviceType").and_then(Value::as_u32),
        );
        set(&mut self.state, p.get("State").and_then(Value::as_u32));
        set(&mut self.managed, p.get("Managed").and_then(Value::as_bool));
        set(
            &mut self.active_connection,
            p.get("ActiveConnection").and_then(object),
        );
        set(
            &mut self.available,
            p.get("AvailableConnections").and_then(objects),
        );
        set(&mut self.metered, p.get("Metered").and_then(Value::as_u32));
        if let Some(reason) = p
            .get("StateReason")
            .and_then(Value::as_struct)
            .and_then(|f| f.get(1))
            .and_then(Value::as_u32)
        {
            self.last_reason = reason;
        }
    }
}

impl Active {
    fn apply(&mut self, p: &Value) {
        set(&mut self.connection, p.get("Connection").and_then(object));
        set(&mut self.state, p.get("State").and_then(Value::as_u32));
        set(&mut self.devices, p.get("Devices").and_then(objects));
        set(
            &mut self.default4,
            p.get("Default").and_then(Value::as_bool),
        );
        set(
            &mut self.default6,
            p.get("Default6").and_then(Value::as_bool),
        );
        if self.state == AC_ACTIVATED {
            self.was_activated = true;
        }
    }

    /// StateChanged carries the new state with its reason.
    pub fn set_state(&mut self, state: u32) {
        self.state = state;
        if state == AC_ACTIVATED {
            self.was_activated = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::value::build::*;
    use super::*;

    fn settings(uuid: Value) -> Value {
        dict(vec![(
            "connection",
            dict(vec![
                ("id", v(s("Home"))),
                ("uuid", v(uuid)),
                ("type", v(s("802-11-wireless"))),
                ("autoconnect", v(Value::Bool(false))),
                ("metered", v(Value::Int(1))),
            ]),
        )])
    }

    #[test]
    fn settings_need_a_uuid_and_default_the_rest() {
        let parsed = Settings::parse(&settings(s("u-1"))).unwrap();
        assert_eq!(parsed.id, "Home");
        assert_eq!(parsed.kind, "802-11-wireless");
        assert!(!parsed.autoconnect);
        assert_eq!(parsed.metered, 1);
        assert_eq!(Settings::parse(&settings(u(5))), None);
        assert_eq!(Settings::parse(&settings(s(""))), None);
        assert_eq!(Settings::parse(&u(1)), None);
        assert_eq!(Settings::parse(&dict(vec![("connection", u(1))])), None);
        let minimal = dict(vec![("connection", dict(vec![("uuid", v(s("x")))]))]);
        let m = Settings::parse(&minimal).unwrap();
        assert!(m.autoconnect);
        assert_eq!(m.id, "");
    }

    #[test]
    fn objects_from_managed_objects_and_wrong_types_keep_old_values() {
        let mut model = NmModel::default();
        let dev = "/org/freedesktop/NetworkManager/Devices/1";
        model.apply_object(
            dev,
            &dict(vec![
                (
                    DEVICE_IFACE,
                    dict(vec![
                        ("Interface", v(s("eth0"))),
                        ("State", v(u(100))),
                        (
                            "AvailableConnections",
                            v(paths(&[
                                "/org/freedesktop/NetworkManager/Settings/1",
                                "/etc/passwd",
                            ])),
                        ),
                        ("StateReason", v(Value::Struct(vec![u(100), u(41)]))),
                    ]),
                ),
                (WIRELESS_IFACE, dict(vec![("LastScan", v(Value::Int(-1)))])),
            ]),
        );
        let d = &model.devices[dev];
        assert_eq!(d.interface, "eth0");
        assert_eq!(d.state, 100);
        assert_eq!(
            d.available,
            vec!["/org/freedesktop/NetworkManager/Settings/1"]
        );
        assert_eq!(d.last_reason, 41);
        assert!(d.wireless);
        model.apply_properties(dev, DEVICE_IFACE, &dict(vec![("State", v(s("up")))]), false);
        assert_eq!(model.devices[dev].state, 100);
        // PropertiesChanged for an object we never saw adds nothing.
        model.apply_properties(
            "/org/freedesktop/NetworkManager/Devices/9",
            DEVICE_IFACE,
            &dict(vec![]),
            false,
        );
        assert_eq!(model.devices.len(), 1);
        // Absurd paths are not NetworkManager's objects.
        model.apply_object("/", &dict(vec![(DEVICE_IFACE, dict(vec![]))]));
        model.apply_object(
            &format!("{NM_PATH}/{}", "x".repeat(600)),
            &dict(vec![(DEVICE_IFACE, dict(vec![]))]),
        );
        assert_eq!(model.devices.len(), 1);
        model.remove_interfaces(dev, &[WIRELESS_IFACE.to_owned()]);
        assert_eq!(model.devices.len(), 1);
        model.remove_interfaces(dev, &[DEVICE_IFACE.to_owned()]);
        assert!(model.devices.is_empty());
    }

    #[test]
    fn the_manager_object() {
        let mut model = NmModel::default();
        model.apply_object(
            NM_PATH,
            &dict(vec![(MANAGER_IFACE, dict(vec![("State", v(u(70)))]))]),
        );
        assert_eq!(model.manager.state, 70);
        model.apply_properties(
            "/org/freedesktop",
            MANAGER_IFACE,
            &dict(vec![("State", v(u(20)))]),
            false,
        );
        assert_eq!(model.manager.state, 70, "only the manager's own path");
    }

    #[test]
    fn object_properties_outside_networkmanager_read_as_none() {
        let mut m = Manager::default();
        m.apply(&dict(vec![("PrimaryConnection", v(s("/org/evil")))]));
        assert_eq!(m.primary, "/");
        m.apply(&dict(vec![(
            "PrimaryConnection",
            v(s("/org/freedesktop/NetworkManager/ActiveConnection/3")),
        )]));
        assert_eq!(
            m.primary,
            "/org/freedesktop/NetworkManager/ActiveConnection/3"
        );
    }
}
