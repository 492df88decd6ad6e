//! Signal connections and the payloads queued to event loops.
//!
//! The engine knows nothing about C: a connection carries a Rust closure that
//! the FFI layer builds around the C function pointer and user data. Dropping
//! the last reference to a connection runs the closure's destructor, which is
//! where the C `destroy(user_data)` happens; that is why connections are only
//! ever dropped outside every lock (see `engine::Effects`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::record::Record;
use crate::types::{SessionError, State, UsagePolicies};

/// Which signal a connection listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    StateChanged,
    Opened,
    Closed,
    Error,
    PreferredConfigurationChanged,
    NewConfigurationActivated,
    UsagePoliciesChanged,
    ConfigurationAdded,
    ConfigurationRemoved,
    ConfigurationChanged,
    OnlineStateChanged,
    UpdateCompleted,
}

impl Signal {
    pub fn is_session_signal(self) -> bool {
        matches!(
            self,
            Signal::StateChanged
                | Signal::Opened
                | Signal::Closed
                | Signal::Error
                | Signal::PreferredConfigurationChanged
                | Signal::NewConfigurationActivated
                | Signal::UsagePoliciesChanged
        )
    }
}

/// The arguments of one emitted signal.
#[derive(Clone, Debug)]
pub enum Payload {
    State(State),
    Opened,
    Closed,
    Error(SessionError),
    PreferredConfiguration(Arc<Record>, bool),
    NewConfigurationActivated,
    UsagePolicies(UsagePolicies),
    ConfigurationAdded(Arc<Record>),
    ConfigurationRemoved(Arc<Record>),
    ConfigurationChanged(Arc<Record>),
    Online(bool),
    UpdateCompleted,
}

impl Payload {
    pub fn signal(&self) -> Signal {
        match self {
            Payload::State(_) => Signal::StateChanged,
            Payload::Opened => Signal::Opened,
            Payload::Closed => Signal::Closed,
            Payload::Error(_) => Signal::Error,
            Payload::PreferredConfiguration(..) => Signal::PreferredConfigurationChanged,
            Payload::NewConfigurationActivated => Signal::NewConfigurationActivated,
            Payload::UsagePolicies(_) => Signal::UsagePoliciesChanged,
            Payload::ConfigurationAdded(_) => Signal::ConfigurationAdded,
            Payload::ConfigurationRemoved(_) => Signal::ConfigurationRemoved,
            Payload::ConfigurationChanged(_) => Signal::ConfigurationChanged,
            Payload::Online(_) => Signal::OnlineStateChanged,
            Payload::UpdateCompleted => Signal::UpdateCompleted,
        }
    }
}

pub type Deliver = Box<dyn Fn(&Payload) + Send + Sync>;

/// One registered callback. `alive` turns false when it is disconnected or its
/// object is freed; queued items of a dead connection are discarded.
pub struct Connection {
    pub token: u64,
    pub signal: Signal,
    alive: AtomicBool,
    deliver: Deliver,
}

impl Connection {
    pub fn new(token: u64, signal: Signal, deliver: Deliver) -> Arc<Self> {
        Arc::new(Connection {
            token,
            signal,
            alive: AtomicBool::new(true),
            deliver,
        })
    }

    pub fn kill(&self) {
        self.alive.store(false, Ordering::Release);
    }

    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    /// Runs the callback unless the connection died since the item was queued.
    pub fn deliver(&self, payload: &Payload) -> bool {
        if !self.is_alive() {
            return false;
        }
        (self.deliver)(payload);
        true
    }
}
