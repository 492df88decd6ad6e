//! Configuration records: one live, shared record per configuration the
//! backend reports. A C `qns_configuration*` is an `Arc<Record>`, so every
//! handle sees changes at once and equality is record identity (SPEC §2).

use crate::clock::Tick;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::backend::SourceId;
use crate::types::{Bearer, ConfigType, Purpose, StateFlags};

/// The owner of records no source reports (UserChoice).
pub const NO_SOURCE: SourceId = SourceId::MAX;

pub const DEFAULT_CONNECT_TIMEOUT_MS: i32 = 30_000;

/// What a backend says about one configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigView {
    pub identifier: String,
    pub name: String,
    pub kind: ConfigType,
    /// Ignored for service networks: their state follows their children.
    pub state: StateFlags,
    pub purpose: Purpose,
    pub bearer: Bearer,
    /// Member identifiers of a service network, highest priority first.
    pub children: Vec<String>,
    /// The backend says sessions on it can roam even without children.
    pub roaming_available: bool,
    pub metered: bool,
    pub interface: Option<Arc<InterfaceInfo>>,
    /// A start request would bring it up (e.g. administratively down), as
    /// opposed to Discovered and waiting for an address by itself.
    pub startable: bool,
    /// Other identifiers configurationFromIdentifier finds it by
    /// ("uuid:<uuid>" for a NetworkManager profile).
    pub aliases: Vec<String>,
}

impl ConfigView {
    pub fn access_point(identifier: &str, name: &str, bearer: Bearer, state: StateFlags) -> Self {
        ConfigView {
            identifier: identifier.to_owned(),
            name: name.to_owned(),
            kind: ConfigType::InternetAccessPoint,
            state,
            purpose: Purpose::Unknown,
            bearer,
            children: Vec::new(),
            roaming_available: false,
            metered: false,
            interface: None,
            startable: false,
            aliases: Vec::new(),
        }
    }
}

/// The network interface behind an access point (QNetworkInterface).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceInfo {
    pub name: String,
    pub index: i32,
    pub hardware_address: String,
    /// QNetworkInterface::InterfaceFlags.
    pub flags: u32,
    pub mtu: i32,
    pub addresses: Vec<InterfaceAddress>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceAddress {
    pub ip: std::net::IpAddr,
    pub prefix_length: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewChange {
    pub observable: bool,
    pub any: bool,
}

pub struct Record {
    pub serial: u64,
    /// Changes only when the owning source renames it (Update::Rename).
    identifier: RwLock<Arc<str>>,
    pub kind: ConfigType,
    /// The source that reports it and carries out its commands.
    pub source: SourceId,
    pub data: Mutex<RecordData>,
}

#[derive(Clone, Debug)]
pub struct RecordData {
    pub name: String,
    pub state: StateFlags,
    pub purpose: Purpose,
    pub bearer: Bearer,
    pub children: Vec<String>,
    pub roaming_hint: bool,
    pub metered: bool,
    pub interface: Option<Arc<InterfaceInfo>>,
    pub startable: bool,
    pub aliases: Vec<String>,
    pub valid: bool,
    pub connect_timeout_ms: i32,
    /// Sessions of this process holding this access point open.
    pub open_count: u32,
    /// This library brought the interface up, so the last close takes it down.
    pub started_by_us: bool,
    /// This library asked its source to take it down and the source has not
    /// yet reported it down (nor that the stop failed): an Active state is
    /// stale, so an open() starts it again instead of trusting it.
    pub stopping: bool,
    /// The interface's (received, sent) counters as last read, and when: a
    /// baseline taken within the source's reuse window comes from here.
    pub counters: Option<(Tick, (u64, u64))>,
}

impl Record {
    pub fn new(serial: u64, source: SourceId, view: &ConfigView) -> Arc<Record> {
        Arc::new(Record {
            serial,
            identifier: RwLock::new(view.identifier.as_str().into()),
            kind: view.kind,
            source,
            data: Mutex::new(RecordData {
                name: view.name.clone(),
                state: view.state,
                purpose: view.purpose,
                bearer: view.bearer,
                children: view.children.clone(),
                roaming_hint: view.roaming_available,
                metered: view.metered,
                interface: view.interface.clone(),
                startable: view.startable,
                aliases: view.aliases.clone(),
                valid: true,
                connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
                open_count: 0,
                started_by_us: false,
                stopping: false,
                counters: None,
            }),
        })
    }

    pub fn identifier(&self) -> Arc<str> {
        self.identifier.read().clone()
    }

    pub(crate) fn set_identifier(&self, identifier: &str) {
        *self.identifier.write() = identifier.into();
    }

    pub fn state(&self) -> StateFlags {
        self.data.lock().state
    }

    /// Active and not on its way down (see RecordData::stopping).
    pub fn is_usable(&self) -> bool {
        let d = self.data.lock();
        d.state.is_active() && !d.stopping
    }

    pub fn is_valid(&self) -> bool {
        self.data.lock().valid
    }

    pub fn name(&self) -> String {
        self.data.lock().name.clone()
    }

    pub fn connect_timeout_ms(&self) -> i32 {
        self.data.lock().connect_timeout_ms
    }

    pub fn is_roaming_available(&self) -> bool {
        let d = self.data.lock();
        (self.kind == ConfigType::ServiceNetwork && d.children.len() >= 2) || d.roaming_hint
    }

    /// bearerType(): Unknown for anything but a valid access point (compat:
    /// a removed configuration loses its bearer).
    pub fn bearer(&self) -> Bearer {
        let d = self.data.lock();
        match self.kind {
            ConfigType::InternetAccessPoint if d.valid => d.bearer,
            _ => Bearer::Unknown,
        }
    }

    /// bearerTypeName(): "" for anything but a valid access point.
    pub fn bearer_type_name(&self) -> &'static str {
        let valid_access_point =
            self.kind == ConfigType::InternetAccessPoint && self.data.lock().valid;
        if valid_access_point {
            self.bearer().name()
        } else {
            ""
        }
    }

    /// Applies a backend view. `observable` is a change a caller of the
    /// configuration API can see (name, state, purpose, bearer, children,
    /// roaming): what configurationChanged reports. `any` also counts what
    /// only sessions see (metered, interface).
    pub fn apply_view(&self, view: &ConfigView, state: StateFlags) -> ViewChange {
        let mut d = self.data.lock();
        let before_roaming = (d.children.len(), d.roaming_hint);
        let observable = d.name != view.name
            || d.state != state
            || d.purpose != view.purpose
            || d.bearer != view.bearer
            || d.children != view.children
            || before_roaming != (view.children.len(), view.roaming_available);
        d.name.clone_from(&view.name);
        if !state.is_active() {
            d.stopping = false;
        }
        d.state = state;
        d.purpose = view.purpose;
        d.bearer = view.bearer;
        d.children.clone_from(&view.children);
        d.roaming_hint = view.roaming_available;
        let any = observable || d.metered != view.metered || d.interface != view.interface;
        d.metered = view.metered;
        d.startable = view.startable;
        d.interface.clone_from(&view.interface);
        d.aliases.clone_from(&view.aliases);
        ViewChange { observable, any }
    }
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Record({} #{})", self.identifier(), self.serial)
    }
}
