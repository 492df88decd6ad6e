//! Backends report what the system looks like and carry out start/stop. They
//! decide nothing about sessions. They never call into the engine while the
//! engine is locked: the engine hands them commands only after unlocking.

pub mod netlink;
pub mod simulated;

use std::sync::Arc;

use crate::engine::record::ConfigView;
use crate::types::{Capabilities, SessionError};

/// Everything a backend knows at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub configurations: Vec<ConfigView>,
    pub default_id: Option<String>,
    pub capabilities: Option<Capabilities>,
}

/// A change a backend reports to the engine.
#[derive(Clone, Debug)]
pub enum Update {
    /// A configuration appeared or changed.
    Upsert(ConfigView),
    /// A configuration disappeared.
    Remove(String),
    /// The whole view (after lost events, or a refresh): the engine diffs it.
    Resync(Snapshot),
    /// The backend's default configuration changed.
    Default(Option<String>),
    Capabilities(Capabilities),
    /// A start requested by the engine failed.
    StartFailed(String, SessionError),
    /// A refresh requested by updateConfigurations() finished.
    RefreshCompleted,
}

pub trait Backend: Send + Sync {
    fn name(&self) -> &'static str;
    /// The initial view, read synchronously when the engine starts.
    fn snapshot(&self) -> Snapshot;
    /// Begin reporting live changes (after the engine exists).
    fn attach(&self) {}
    /// Bring an access point up; success shows as an Upsert with Active.
    fn start(&self, identifier: &str);
    /// Take an access point down.
    fn stop(&self, identifier: &str);
    /// Re-read everything, then report RefreshCompleted.
    fn refresh(&self);
    /// (received, sent) byte counters of an access point's interface.
    fn statistics(&self, identifier: &str) -> Option<(u64, u64)>;
}

pub const BACKEND_NAMES: &[&str] = &["netlink", "simulated"];

/// The backend used when neither QNS_BACKEND nor qns_select_backend chose one.
pub const DEFAULT_BACKEND: &str = "netlink";

/// Creates a backend; None when the name is unknown or it cannot start here
/// (no netlink socket), in which case the engine falls back to simulated.
pub fn create(name: &str) -> Option<Arc<dyn Backend>> {
    match name {
        "netlink" => netlink::NetlinkBackend::new()
            .ok()
            .map(|b| Arc::new(b) as Arc<dyn Backend>),
        "simulated" => Some(Arc::new(simulated::SimulatedBackend)),
        _ => None,
    }
}
