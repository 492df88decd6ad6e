//! The data the engine lock protects.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};

use super::IdMap;
use super::record::{ConfigView, NO_SOURCE, Record};
use crate::backend::{NetworkStatus, Snapshot};
use crate::event_loop::EventLoop;
use crate::signals::Connection;
use crate::timers::TimerId;
use crate::types::{Bearer, Capabilities, ConfigType, Purpose, SessionError, State, StateFlags};
use crate::types::{INVALID_SESSION_TEXT, UsagePolicies};

/// Identifier of the UserChoice placeholder configuration.
pub const USER_CHOICE_ID: &str = "UserChoice";

pub struct EngineState {
    /// Live records in creation order.
    pub(super) records: Vec<Arc<Record>>,
    pub(super) by_id: HashMap<String, Arc<Record>>,
    /// Alternative identifiers ("uuid:..."), each naming one live record.
    pub(super) by_alias: HashMap<String, Arc<Record>>,
    pub(super) user_choice: Arc<Record>,
    /// What each source of the backend said, in the backend's order.
    pub(super) sources: Vec<SourceState>,
    pub(super) online: bool,
    /// The union of the sources' capabilities.
    pub(super) capabilities: Capabilities,
    pub(super) sessions: IdMap<SessionData>,
    pub(super) managers: IdMap<ManagerData>,
    pub(super) tokens: IdMap<Owner>,
    pub(super) next_id: u64,
    pub(super) next_serial: u64,
    /// Records that changed observably in the batch being applied: idle
    /// sessions re-derive their state only from these.
    pub(super) changed: HashSet<u64>,
    /// Manager signals of the operation in progress (see emit_to_managers).
    pub(super) manager_outbox: Vec<crate::signals::Payload>,
    /// Counts over all records, kept change by change (see tally.rs).
    pub(super) tally: super::tally::Tally,
    /// Service networks whose members changed in the batch being applied.
    pub(super) touched_networks: HashSet<u64>,
    /// Reachability and the rest, as last derived (SPEC §8).
    pub(super) network_info: super::status::NetworkInfo,
}

/// One source's opinions besides its records.
#[derive(Debug)]
pub struct SourceState {
    pub(super) default_id: Option<String>,
    pub(super) capabilities: Capabilities,
    pub(super) status: Option<NetworkStatus>,
    /// A refresh was asked of it and it has not reported RefreshCompleted.
    pub(super) refreshing: bool,
    /// Source::statistics_reuse.
    pub(super) statistics_reuse: std::time::Duration,
}

impl Default for SourceState {
    fn default() -> Self {
        SourceState {
            default_id: None,
            capabilities: Capabilities::empty(),
            status: None,
            refreshing: false,
            statistics_reuse: std::time::Duration::ZERO,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Session(u64),
    Manager(u64),
}

pub struct ManagerData {
    pub(super) lp: Arc<EventLoop>,
    pub(super) connections: Vec<Arc<Connection>>,
    /// Connections being disconnected whose callback may still run on
    /// another thread: freeing the object waits for them too.
    pub(super) leaving: Vec<Weak<Connection>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not opened by the application (or the open attempt ended).
    Idle,
    /// open() waits for the access point to become Active.
    Connecting,
    /// Opened and connected: isOpen() is true.
    Open,
    /// stop() or the last close() is taking the interface down.
    Closing,
}

#[derive(Clone, Debug)]
pub enum Roam {
    None,
    /// preferredConfigurationChanged was sent; waiting for migrate/ignore.
    Offered {
        candidate: Arc<Record>,
        current_lost: bool,
    },
    /// migrate() done, newConfigurationActivated sent; waiting for
    /// accept/reject. The new child is already the one in use (the
    /// application tests it); `previous` stays held until the answer.
    Migrated {
        previous: Arc<Record>,
    },
}

pub struct SessionData {
    pub(super) lp: Arc<EventLoop>,
    /// What the session was created on; None for a null or unknown configuration.
    pub(super) config: Option<Arc<Record>>,
    /// What open() resolved a UserChoice to (else the configuration itself).
    pub(super) resolved: Option<Arc<Record>>,
    /// The access point this session holds a count on.
    pub(super) in_use: Option<Arc<Record>>,
    pub(super) phase: Phase,
    pub(super) roam: Roam,
    /// A candidate the application ignored, not offered again while it stays Active.
    pub(super) ignored: Option<u64>,
    pub(super) state: State,
    pub(super) error: SessionError,
    pub(super) error_text: &'static str,
    pub(super) usage: UsagePolicies,
    pub(super) connected_at: Option<crate::clock::Tick>,
    pub(super) stats: Statistics,
    pub(super) connect_in_background: Option<bool>,
    /// The system's own text for the last failure (BackendErrorMessage).
    pub(super) backend_message: Option<String>,
    pub(super) auto_close_ms: i64,
    /// Connect timeout or the wait for an answer to preferredConfigurationChanged.
    pub(super) timer: Option<(TimerId, u64)>,
    pub(super) auto_close_timer: Option<(TimerId, u64)>,
    pub(super) connections: Vec<Arc<Connection>>,
    /// As ManagerData::leaving.
    pub(super) leaving: Vec<Weak<Connection>>,
}

/// Byte counters relative to when the session opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct Statistics {
    /// Counters of the interface in use when the baseline was taken.
    pub(super) base: Option<(u64, u64)>,
    /// Bytes through interfaces the session used before roaming.
    pub(super) carried: (u64, u64),
}

impl SessionData {
    pub(super) fn new(lp: Arc<EventLoop>, config: Option<Arc<Record>>) -> Self {
        let (state, error, error_text) = match &config {
            None => (
                State::Invalid,
                SessionError::InvalidConfiguration,
                INVALID_SESSION_TEXT,
            ),
            Some(_) => (
                State::Invalid,
                SessionError::Unknown,
                SessionError::Unknown.text(),
            ),
        };
        SessionData {
            lp,
            config,
            resolved: None,
            in_use: None,
            phase: Phase::Idle,
            roam: Roam::None,
            ignored: None,
            state,
            error,
            error_text,
            usage: UsagePolicies::empty(),
            connected_at: None,
            stats: Statistics::default(),
            connect_in_background: None,
            backend_message: None,
            auto_close_ms: -1,
            timer: None,
            auto_close_timer: None,
            connections: Vec::new(),
            leaving: Vec::new(),
        }
    }

    /// The configuration whose state the session follows while not open.
    pub(super) fn target(&self) -> Option<&Arc<Record>> {
        self.resolved.as_ref().or(self.config.as_ref())
    }

    pub(super) fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }
}

impl EngineState {
    /// `sources`: each source's snapshot and statistics reuse window.
    pub(super) fn new(sources: Vec<(Snapshot, std::time::Duration)>) -> Self {
        let (snapshots, reuse): (Vec<Snapshot>, Vec<_>) = sources.into_iter().unzip();
        let user_choice = Record::new(
            0,
            NO_SOURCE,
            &ConfigView {
                identifier: USER_CHOICE_ID.to_owned(),
                name: USER_CHOICE_ID.to_owned(),
                kind: ConfigType::UserChoice,
                state: StateFlags::DEFINED,
                purpose: Purpose::Unknown,
                bearer: Bearer::Unknown,
                children: Vec::new(),
                roaming_available: false,
                metered: false,
                interface: None,
                startable: false,
                aliases: Vec::new(),
            },
        );
        let mut st = EngineState {
            records: Vec::new(),
            by_id: HashMap::new(),
            by_alias: HashMap::new(),
            user_choice,
            sources: reuse
                .into_iter()
                .map(|statistics_reuse| SourceState {
                    statistics_reuse,
                    ..SourceState::default()
                })
                .collect(),
            online: false,
            capabilities: Capabilities::empty(),
            sessions: IdMap::default(),
            managers: IdMap::default(),
            tokens: IdMap::default(),
            next_id: 0,
            next_serial: 0,
            changed: HashSet::new(),
            tally: Default::default(),
            touched_networks: HashSet::new(),
            manager_outbox: Vec::new(),
            network_info: Default::default(),
        };
        // No manager exists yet, so this emits nothing.
        let mut fx = super::Effects::default();
        for (source, snapshot) in snapshots.into_iter().enumerate() {
            st.apply_update(source, crate::backend::Update::Resync(snapshot), &mut fx);
        }
        st.finish_updates();
        // No manager exists yet: the records are in allConfigurations().
        st.manager_outbox.clear();
        debug_assert!(fx.commands.is_empty());
        st
    }

    pub(super) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}
