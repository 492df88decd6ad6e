//! Signal connections and the payloads queued to event loops.
//!
//! The engine knows nothing about C: a connection carries a Rust closure that
//! the FFI layer builds around the C function pointer and user data. Dropping
//! the last reference to a connection runs the closure's destructor, which is
//! where the C `destroy(user_data)` happens; that is why connections are only
//! ever dropped outside every lock (see `engine::Effects`).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use parking_lot::{Condvar, Mutex};

use crate::engine::record::Record;
use crate::types::{Reachability, SessionError, State, TransportMedium, UsagePolicies};

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
    ReachabilityChanged,
    CaptivePortalChanged,
    TransportMediumChanged,
    MeteredChanged,
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
    Reachability(Reachability),
    CaptivePortal(bool),
    TransportMedium(TransportMedium),
    Metered(bool),
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
            Payload::Reachability(_) => Signal::ReachabilityChanged,
            Payload::CaptivePortal(_) => Signal::CaptivePortalChanged,
            Payload::TransportMedium(_) => Signal::TransportMediumChanged,
            Payload::Metered(_) => Signal::MeteredChanged,
        }
    }
}

pub type Deliver = Box<dyn Fn(&Payload) + Send + Sync>;

/// `Connection::state`: the number of deliveries running, plus two flags.
const DEAD: u64 = 1 << 63;
/// Someone waits in `wait_idle`: the last delivery to finish wakes it.
const WAITING: u64 = 1 << 62;
const RUNNING: u64 = WAITING - 1;

/// One registered callback. It dies when it is disconnected or its object is
/// freed; queued items of a dead connection are discarded, and the call that
/// killed it waits (`wait_idle`) for deliveries already running elsewhere.
pub struct Connection {
    pub token: u64,
    pub signal: Signal,
    state: AtomicU64,
    /// The thread that last started a delivery (see `wait_idle`).
    runner: AtomicU64,
    /// configurationChanged only: records with a delivery still queued, so
    /// a second change of one record is not queued twice (the handle is
    /// live: a second delivery would show the same state again).
    queued_changes: Option<Box<Mutex<HashSet<u64>>>>,
    deliver: Deliver,
}

thread_local! {
    /// Connections whose callbacks run on this thread, innermost last.
    static DELIVERING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    static THREAD_NUMBER: u64 = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}
static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);

/// Threads blocked in `wait_idle`, and the thread each waits for: a wait
/// that would close a cycle is skipped instead of deadlocking both.
static IDLE: LazyLock<(Mutex<HashMap<u64, u64>>, Condvar)> =
    LazyLock::new(|| (Mutex::new(HashMap::new()), Condvar::new()));

fn this_thread() -> u64 {
    THREAD_NUMBER.with(|n| *n)
}

impl Connection {
    pub fn new(token: u64, signal: Signal, deliver: Deliver) -> Arc<Self> {
        let queued_changes = (signal == Signal::ConfigurationChanged).then(Default::default);
        Arc::new(Connection {
            token,
            signal,
            state: AtomicU64::new(0),
            runner: AtomicU64::new(0),
            queued_changes,
            deliver,
        })
    }

    /// Whether `payload` should be queued to this connection now: false for
    /// a configurationChanged of a record whose last one is still queued.
    pub fn should_queue(&self, payload: &Payload) -> bool {
        match (&self.queued_changes, payload) {
            (Some(queued), Payload::ConfigurationChanged(record)) => {
                queued.lock().insert(record.serial)
            }
            _ => true,
        }
    }

    pub fn kill(&self) {
        self.state.fetch_or(DEAD, Ordering::AcqRel);
    }

    /// A delivery of it is running (on some thread) right now.
    pub fn is_running(&self) -> bool {
        self.state.load(Ordering::Acquire) & RUNNING != 0
    }

    pub fn is_alive(&self) -> bool {
        self.state.load(Ordering::Acquire) & DEAD == 0
    }

    /// Runs the callback unless the connection died since the item was
    /// queued. Counted as running from before the liveness check, so a
    /// `kill` + `wait_idle` either sees it or it sees the kill.
    pub fn deliver(&self, payload: &Payload) -> bool {
        if let (Some(queued), Payload::ConfigurationChanged(record)) =
            (&self.queued_changes, payload)
        {
            // Before the callback: a change during it is queued afresh.
            queued.lock().remove(&record.serial);
        }
        let before = self.state.fetch_add(1, Ordering::AcqRel);
        let mut running = Running {
            connection: self,
            listed: false,
        };
        if before & DEAD != 0 {
            return false;
        }
        self.runner.store(this_thread(), Ordering::Relaxed);
        DELIVERING.with(|d| d.borrow_mut().push(self as *const Self as usize));
        running.listed = true;
        (self.deliver)(payload);
        true
    }

    /// After `kill`: returns once no delivery of this connection runs on
    /// another thread (from inside its own callback it returns at once).
    /// Never called under a lock a callback might need.
    pub fn wait_idle(&self) {
        let me = self as *const Self as usize;
        let own = DELIVERING.with(|d| d.borrow().iter().filter(|c| **c == me).count() as u64);
        let running = || self.state.load(Ordering::Acquire) & RUNNING;
        if running() <= own {
            return;
        }
        let (waits, cond) = &*IDLE;
        let mut waits = waits.lock();
        self.state.fetch_or(WAITING, Ordering::AcqRel);
        let waiter = this_thread();
        while running() > own {
            // Two threads, each inside a callback, each freeing what the
            // other runs: waiting would block both forever.
            let runner = self.runner.load(Ordering::Relaxed);
            let mut next = Some(runner);
            while let Some(t) = next {
                if t == waiter {
                    return;
                }
                next = waits.get(&t).copied();
            }
            waits.insert(waiter, runner);
            cond.wait(&mut waits);
            waits.remove(&waiter);
        }
    }

    fn finish(&self) {
        let before = self.state.fetch_sub(1, Ordering::AcqRel);
        if before & WAITING != 0 {
            let (waits, cond) = &*IDLE;
            let _waits = waits.lock();
            cond.notify_all();
        }
    }
}

/// Ends a delivery however the callback returns.
struct Running<'a> {
    connection: &'a Connection,
    /// It is on this thread's DELIVERING list (the callback was called).
    listed: bool,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if self.listed {
            DELIVERING.with(|d| d.borrow_mut().pop());
        }
        self.connection.finish();
    }
}
