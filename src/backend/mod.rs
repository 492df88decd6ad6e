//! Backends report what the system looks like and carry out start/stop. A
//! backend is one or more *sources* (the networkmanager backend is
//! NetworkManager's profiles plus the kernel's interfaces). Each source owns
//! the identifiers it reports, reaches the engine only through the `Sink` it
//! was handed, and receives the commands for its own records. Sources decide
//! nothing about sessions, and the engine calls them only after unlocking.

pub mod netlink;
#[cfg(feature = "networkmanager")]
pub mod networkmanager;
pub mod simulated;
pub mod simulated_network;

use std::sync::Arc;

use crate::engine::record::ConfigView;
use crate::types::{Capabilities, Reachability, SessionError, TransportMedium};

/// A source's position in its backend: the engine's key for what it owns.
pub type SourceId = usize;

/// Everything a source knows at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub configurations: Vec<ConfigView>,
    pub default_id: Option<String>,
    pub capabilities: Option<Capabilities>,
    pub status: Option<NetworkStatus>,
}

/// What QNetworkInformation reports (SPEC §8), from one source's view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkStatus {
    pub reachability: Reachability,
    pub captive_portal: bool,
    /// None: the medium of the default configuration's bearer.
    pub transport: Option<TransportMedium>,
    /// None: whether the default configuration is metered.
    pub metered: Option<bool>,
}

/// A change a source reports to the engine.
#[derive(Clone, Debug)]
pub enum Update {
    /// A configuration appeared or changed.
    Upsert(ConfigView),
    /// A configuration disappeared.
    Remove(String),
    /// Only addresses of a configuration's interface changed (added: true),
    /// in order: the rest of its last view stands. A source with many
    /// addresses on one interface reports a change in the size of the
    /// change, not of the list.
    Addresses {
        id: String,
        changes: Vec<(crate::engine::record::InterfaceAddress, bool)>,
    },
    /// The source's whole view (after lost events, or a refresh): the engine
    /// diffs it against this source's records only.
    Resync(Snapshot),
    /// The source's default configuration changed.
    Default(Option<String>),
    Capabilities(Capabilities),
    /// A start requested by the engine failed; `message` is the system's own
    /// text where it gave one (the session property BackendErrorMessage).
    StartFailed {
        id: String,
        error: SessionError,
        message: Option<String>,
    },
    /// A stop requested by the engine did not happen (the record stays up).
    StopFailed {
        id: String,
    },
    /// A stop requested by the engine has taken effect. A source that may
    /// report the old connection's end and a new one's start in one batch
    /// (an open() right after the last close()) says so explicitly, since
    /// the engine could not see the record leave Active.
    Stopped {
        id: String,
    },
    /// The system refused a stop with a reason (NetworkManager's
    /// PermissionDenied): besides StopFailed, sessions taking it down see its
    /// state again, then the error, at once.
    StopRefused {
        id: String,
        error: SessionError,
        message: Option<String>,
    },
    /// A refresh requested by updateConfigurations() finished.
    RefreshCompleted,
    /// A configuration is now known under another identifier (NetworkManager
    /// renumbers its settings paths when it restarts): the record, its
    /// handles and sessions stay; managers get configurationChanged.
    Rename {
        from: String,
        to: String,
    },
    /// Reachability, captive portal, medium and metered; None: no opinion.
    Status(Option<NetworkStatus>),
}

/// Work the engine asked for, to run once every lock is released (it may
/// deliver destroy callbacks, wake waiters or call sources again).
#[must_use = "run it after releasing your own locks"]
pub struct Deferred(Option<Box<dyn FnOnce() + Send>>);

impl Deferred {
    pub fn new(work: impl FnOnce() + Send + 'static) -> Self {
        Deferred(Some(Box::new(work)))
    }

    pub fn none() -> Self {
        Deferred(None)
    }

    pub fn run(mut self) {
        if let Some(work) = self.0.take() {
            work();
        }
    }
}

type ReportFn = dyn Fn(SourceId, Vec<Update>) -> Deferred + Send + Sync;

/// A source's only way to reach the engine.
#[derive(Clone)]
pub struct Sink {
    source: SourceId,
    target: Arc<ReportFn>,
}

impl Sink {
    pub fn new(
        source: SourceId,
        target: impl Fn(SourceId, Vec<Update>) -> Deferred + Send + Sync + 'static,
    ) -> Sink {
        Sink {
            source,
            target: Arc::new(target),
        }
    }

    /// Reports a batch and runs what it caused.
    pub fn report(&self, updates: Vec<Update>) {
        self.report_deferred(updates).run();
    }

    /// Reports a batch; the caller runs the result after dropping its locks
    /// (a source that reports under its own lock keeps reports in order).
    pub fn report_deferred(&self, updates: Vec<Update>) -> Deferred {
        (self.target)(self.source, updates)
    }
}

pub trait Source: Send + Sync {
    /// For diagnostics ("netlink", "networkmanager", "simulated").
    fn name(&self) -> &'static str;
    /// The initial view, read synchronously when the engine starts.
    fn snapshot(&self) -> Snapshot;
    /// Begin reporting live changes through `sink` (once the engine exists).
    fn attach(&self, sink: Sink);
    /// Bring an access point up; success shows as an Upsert with Active,
    /// failure as StartFailed.
    fn start(&self, identifier: &str);
    /// Take an access point down.
    fn stop(&self, identifier: &str);
    /// Re-read everything, then report RefreshCompleted.
    fn refresh(&self);
    /// (received, sent) byte counters of an access point's interface.
    fn statistics(&self, identifier: &str) -> Option<(u64, u64)>;
    /// How long counters read from it may stand for a later read: a
    /// session's baseline at open() then comes from the record's last read
    /// under the same lock hold, without a second trip to the source. Zero
    /// (the default): every baseline is a fresh read.
    fn statistics_reuse(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
    /// Turns the optional connectivity check (SPEC §8) on with this
    /// configuration, or off with None. Sources with their own notion of
    /// connectivity (NetworkManager) or none (simulated) ignore it.
    fn set_connectivity_check(&self, _check: Option<crate::connectivity::CheckConfig>) {}
}

/// The sources that make up the running backend, in precedence order: the
/// first source with a default configuration or a network status decides.
pub struct Backend {
    pub name: &'static str,
    pub sources: Vec<Arc<dyn Source>>,
    /// Why the chosen backend is not running ("none" only; SPEC §6).
    pub error: String,
}

impl Backend {
    fn single(name: &'static str, source: Arc<dyn Source>) -> Backend {
        Backend {
            name,
            sources: vec![source],
            error: String::new(),
        }
    }

    /// The inert backend: no records, no capabilities, and the reason.
    pub fn none(error: String) -> Backend {
        Backend {
            name: "none",
            sources: Vec::new(),
            error,
        }
    }
}

/// Every name QNS_BACKEND and qns_select_backend accept.
pub const BACKEND_NAMES: &[&str] = &["auto", "netlink", "networkmanager", "simulated", "none"];

/// The choice when neither QNS_BACKEND nor qns_select_backend made one.
pub const DEFAULT_BACKEND: &str = "auto";

/// Starts the named backend. One that cannot start gives "none" with the
/// reason, never another backend in its place (SPEC §6).
pub fn create(name: &str) -> Backend {
    match name {
        "auto" => auto(),
        "netlink" => netlink_backend(),
        "simulated" => match simulated::SimulatedSource::new() {
            Ok(source) => Backend::single("simulated", Arc::new(source)),
            Err(e) => Backend::none(e),
        },
        "networkmanager" => networkmanager_backend(),
        "none" => Backend::none(String::new()),
        other => Backend::none(format!("unknown backend \"{other}\"")),
    }
}

fn netlink_backend() -> Backend {
    match netlink::NetlinkSource::new() {
        Ok(source) => Backend::single("netlink", Arc::new(source)),
        Err(e) => Backend::none(format!(
            "the netlink backend cannot start: no NETLINK_ROUTE socket ({e})"
        )),
    }
}

#[cfg(feature = "networkmanager")]
fn networkmanager_backend() -> Backend {
    networkmanager::create(false).expect("by name it always decides")
}

#[cfg(not(feature = "networkmanager"))]
fn networkmanager_backend() -> Backend {
    Backend::none("the networkmanager backend is not available in this build".to_owned())
}

/// auto: NetworkManager where it owns its bus name (docs/backends.md says
/// how a NetworkManager that starts later is picked up), else the kernel's
/// view; without a system bus, the netlink backend alone.
#[cfg(feature = "networkmanager")]
fn auto() -> Backend {
    networkmanager::create(true).unwrap_or_else(netlink_backend)
}

#[cfg(not(feature = "networkmanager"))]
fn auto() -> Backend {
    netlink_backend()
}
