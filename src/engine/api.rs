//! The engine's public face: managers, sessions and configuration queries.
//! The FFI layer and Rust tests use only this.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::engine;
use super::record::{InterfaceInfo, Record};
use super::state::{ManagerData, Owner, Phase, SessionData};
use super::{ConnectError, SessionCallError};
use crate::event_loop::EventLoop;
use crate::liveness::Liveness;
use crate::signals::{Deliver, Signal};
use crate::types::{
    Capabilities, ConfigType, SessionError, State, UsagePolicies, property_keys as keys,
};

/// A QNetworkConfigurationManager: a view on the engine, bound to a loop
/// (the engine's state holds which one: objects can move between loops).
pub struct Manager {
    id: u64,
    pub liveness: Liveness,
}

/// A QNetworkSession, bound to a loop.
pub struct Session {
    id: u64,
    pub liveness: Liveness,
}

impl Manager {
    pub fn new(lp: Arc<EventLoop>) -> Arc<Manager> {
        let id = engine().with(|st, _| {
            let id = st.next_id();
            st.managers.insert(
                id,
                ManagerData {
                    lp: lp.clone(),
                    connections: Vec::new(),
                    leaving: Vec::new(),
                },
            );
            id
        });
        Arc::new(Manager {
            id,
            liveness: Liveness::new(),
        })
    }

    /// The loop its signals go to; None once released.
    pub fn event_loop(&self) -> Option<Arc<EventLoop>> {
        engine().lock().managers.get(&self.id).map(|m| m.lp.clone())
    }

    /// moveToThread: later signals, and those still queued, go to `lp`.
    pub fn set_loop(&self, lp: Arc<EventLoop>) -> bool {
        engine().with(|st, fx| st.move_to_loop(Owner::Manager(self.id), lp, fx))
    }

    /// Ends the manager's connections; the handle itself stays valid memory.
    pub fn release(&self) {
        engine().with(|st, fx| {
            if let Some(m) = st.managers.remove(&self.id) {
                st.drop_connections(m.connections, m.leaving, fx);
                fx.released_loops.push(m.lp);
            }
        });
    }

    pub fn connect(
        &self,
        signal: Signal,
        deliver: Deliver,
    ) -> Result<u64, (ConnectError, Deliver)> {
        engine().with(|st, _| st.connect(Owner::Manager(self.id), signal, deliver))
    }

    pub fn all_configurations(&self, filter: u32) -> Vec<Arc<Record>> {
        engine().lock().configurations(filter)
    }

    pub fn configuration_from_identifier(&self, id: &str) -> Option<Arc<Record>> {
        engine().lock().lookup(id)
    }

    /// The default while it is Active; a UserChoice default while
    /// something could be opened.
    pub fn default_configuration(&self) -> Option<Arc<Record>> {
        let st = engine().lock();
        if st.default_is_user_choice() {
            return Some(st.user_choice.clone()).filter(|r| r.state().is_discovered());
        }
        st.default_record().filter(|r| r.state().is_active())
    }

    pub fn user_choice_configuration(&self) -> Arc<Record> {
        engine().lock().user_choice.clone()
    }

    pub fn is_online(&self) -> bool {
        engine().lock().online
    }

    pub fn capabilities(&self) -> Capabilities {
        engine().lock().capabilities
    }

    /// Reachability, captive portal, transport medium, metered (SPEC §8).
    pub fn network_info(&self) -> super::NetworkInfo {
        engine().lock().network_info
    }

    /// Asks the backend to re-read; updateCompleted follows.
    pub fn update_configurations(&self) {
        engine().with(|st, fx| st.request_refresh(fx));
    }
}

/// Ends a connection made on a manager or a session.
pub fn disconnect(token: u64) -> bool {
    engine().with(|st, fx| st.disconnect(token, fx))
}

/// Members of a service network, highest priority first.
pub fn children(record: &Record) -> Vec<Arc<Record>> {
    engine().lock().children_of(record)
}

/// Whether the engine still knows a record (used to reject foreign handles).
pub fn is_known(record: &Arc<Record>) -> bool {
    let st = engine().lock();
    Arc::ptr_eq(record, &st.user_choice)
        || st
            .by_id
            .get(&*record.identifier())
            .is_some_and(|r| Arc::ptr_eq(r, record))
}

/// Unregisters a waitForOpened waiter however the wait ends.
struct WaiterGuard<'a>(&'a EventLoop);

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.0.remove_waiter();
    }
}

/// A value of a session property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PropertyValue {
    Bool(bool),
    Int(i64),
    Text(String),
}

#[derive(Debug, PartialEq, Eq)]
pub enum PropertyError {
    UnknownKey,
    ReadOnly,
    WrongType,
}

impl Session {
    /// A session on `config`; None (or a removed record) makes it inert (§4.1).
    pub fn new(config: Option<Arc<Record>>, lp: Arc<EventLoop>) -> Arc<Session> {
        let config = config.filter(|c| c.kind != ConfigType::Invalid);
        let id = engine().with(|st, _| {
            let known = config.as_ref().is_some_and(|c| {
                c.kind == ConfigType::UserChoice
                    || st
                        .by_id
                        .get(&*c.identifier())
                        .is_some_and(|r| Arc::ptr_eq(r, c))
            });
            let mut sd = SessionData::new(lp.clone(), config.filter(|_| known));
            sd.state = sd.derived_state();
            let id = st.next_id();
            st.sessions.insert(id, sd);
            id
        });
        Arc::new(Session {
            id,
            liveness: Liveness::new(),
        })
    }

    /// The loop its signals go to; None once released.
    pub fn event_loop(&self) -> Option<Arc<EventLoop>> {
        engine().lock().sessions.get(&self.id).map(|s| s.lp.clone())
    }

    /// moveToThread: later signals, and those still queued, go to `lp`.
    pub fn set_loop(&self, lp: Arc<EventLoop>) -> bool {
        engine().with(|st, fx| st.move_to_loop(Owner::Session(self.id), lp, fx))
    }

    /// Frees the session's engine side: callbacks end, counts are released.
    pub fn release(&self) {
        engine().with(|st, fx| st.remove_session(self.id, fx));
    }

    pub fn connect(
        &self,
        signal: Signal,
        deliver: Deliver,
    ) -> Result<u64, (ConnectError, Deliver)> {
        engine().with(|st, _| st.connect(Owner::Session(self.id), signal, deliver))
    }

    fn call(
        &self,
        f: impl FnOnce(
            &mut super::EngineState,
            u64,
            &mut super::Effects,
        ) -> Result<(), SessionCallError>,
    ) -> Result<(), SessionCallError> {
        engine().with(|st, fx| f(st, self.id, fx))
    }

    pub fn open(&self) -> Result<(), SessionCallError> {
        self.call(|st, id, fx| st.open(id, fx))
    }
    pub fn close(&self) -> Result<(), SessionCallError> {
        self.call(|st, id, fx| st.close(id, fx))
    }
    pub fn stop(&self) -> Result<(), SessionCallError> {
        self.call(|st, id, fx| st.stop(id, fx))
    }
    pub fn migrate(&self) -> Result<(), SessionCallError> {
        self.call(|st, id, fx| st.migrate(id, fx))
    }
    pub fn ignore(&self) -> Result<(), SessionCallError> {
        self.call(|st, id, fx| st.ignore(id, fx))
    }
    pub fn accept(&self) -> Result<(), SessionCallError> {
        self.call(|st, id, fx| st.accept(id, fx))
    }
    pub fn reject(&self) -> Result<(), SessionCallError> {
        self.call(|st, id, fx| st.reject(id, fx))
    }

    fn read<R: Default>(&self, f: impl FnOnce(&SessionData) -> R) -> R {
        engine()
            .lock()
            .sessions
            .get(&self.id)
            .map(f)
            .unwrap_or_default()
    }

    pub fn state(&self) -> State {
        engine()
            .lock()
            .sessions
            .get(&self.id)
            .map_or(State::Invalid, |s| s.state)
    }

    pub fn is_open(&self) -> bool {
        self.read(|s| s.is_open())
    }

    pub fn error(&self) -> SessionError {
        engine()
            .lock()
            .sessions
            .get(&self.id)
            .map_or(SessionError::InvalidConfiguration, |s| s.error)
    }

    pub fn error_string(&self) -> &'static str {
        engine()
            .lock()
            .sessions
            .get(&self.id)
            .map_or(crate::types::INVALID_SESSION_TEXT, |s| s.error_text)
    }

    pub fn configuration(&self) -> Option<Arc<Record>> {
        self.read(|s| s.config.clone())
    }

    /// interface(): that of the session's configuration whenever the
    /// session's state is Connected, opened by this session or not (compat:
    /// Qt's sessionProperties test), and while Roaming after migrate(), when
    /// it is the new access point's (the application tests it, SPEC §4.4);
    /// a service network's is the access point in use, else its best
    /// Active member.
    pub fn interface(&self) -> Option<Arc<InterfaceInfo>> {
        let st = engine().lock();
        let s = st.sessions.get(&self.id)?;
        if !matches!(s.state, State::Connected | State::Roaming) {
            return None;
        }
        let access_point = match (&s.in_use, s.target()) {
            (Some(ap), _) if s.is_open() => ap.clone(),
            (_, Some(t)) if t.kind == ConfigType::ServiceNetwork => {
                st.children_of(t).into_iter().find(|c| c.is_usable())?
            }
            (_, Some(t)) => t.clone(),
            (_, None) => return None,
        };
        access_point.data.lock().interface.clone()
    }

    /// Seconds since the session became Connected; 0 when it is not open.
    pub fn active_time(&self) -> u64 {
        self.read(|s| {
            if s.is_open() {
                s.connected_at.map_or(0, |t| t.elapsed().as_secs())
            } else {
                0
            }
        })
    }

    /// (received, written) since the session was opened; 0 when not open.
    pub fn bytes(&self) -> (u64, u64) {
        // A backend honours what it advertises (SPEC §4.6).
        if !engine()
            .lock()
            .capabilities
            .contains(Capabilities::DATA_STATISTICS)
        {
            return (0, 0);
        }
        let Some((record, stats)) = self.read(|s| {
            if s.is_open() {
                s.in_use.clone().map(|r| (r, s.stats))
            } else {
                None
            }
        }) else {
            return (0, 0);
        };
        let read_at = crate::clock::Tick::now();
        let now = engine().statistics(&record).unwrap_or((0, 0));
        // The next open() may take its baseline from this read.
        record.data.lock().counters = Some((read_at, now));
        let base = stats.base.unwrap_or(now);
        (
            stats.carried.0 + now.0.saturating_sub(base.0),
            stats.carried.1 + now.1.saturating_sub(base.1),
        )
    }

    pub fn usage_policies(&self) -> UsagePolicies {
        self.read(|s| s.usage)
    }

    /// sessionProperty(key). A session on a null or removed configuration
    /// has no value for any key (compat).
    pub fn property(&self, key: &str) -> Option<PropertyValue> {
        self.read(|s| {
            if !s.config.as_ref().is_some_and(|c| c.is_valid()) {
                return None;
            }
            Self::property_of(s, key)
        })
    }

    fn property_of(s: &SessionData, key: &str) -> Option<PropertyValue> {
        match key {
            keys::ACTIVE_CONFIGURATION => Some(PropertyValue::Text(match s.phase {
                Phase::Open => s
                    .in_use
                    .as_ref()
                    .map(|r| r.identifier().to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            })),
            keys::USER_CHOICE_CONFIGURATION => Some(PropertyValue::Text(
                match (&s.config, &s.resolved, s.phase) {
                    (Some(c), Some(r), Phase::Open | Phase::Connecting)
                        if c.kind == ConfigType::UserChoice =>
                    {
                        r.identifier().to_string()
                    }
                    _ => String::new(),
                },
            )),
            keys::CONNECT_IN_BACKGROUND => s.connect_in_background.map(PropertyValue::Bool),
            keys::AUTO_CLOSE_SESSION_TIMEOUT => Some(PropertyValue::Int(s.auto_close_ms)),
            keys::BACKEND_ERROR_MESSAGE => s.backend_message.clone().map(PropertyValue::Text),
            _ => None,
        }
    }

    /// Sets a property; None clears it (back to its default).
    pub fn set_property(
        &self,
        key: &str,
        value: Option<PropertyValue>,
    ) -> Result<(), PropertyError> {
        match key {
            keys::ACTIVE_CONFIGURATION
            | keys::USER_CHOICE_CONFIGURATION
            | keys::BACKEND_ERROR_MESSAGE => {
                return Err(PropertyError::ReadOnly);
            }
            keys::CONNECT_IN_BACKGROUND | keys::AUTO_CLOSE_SESSION_TIMEOUT => {}
            _ => return Err(PropertyError::UnknownKey),
        }
        engine().with(|st, _| {
            let Some(s) = st.sessions.get_mut(&self.id) else {
                return Ok(());
            };
            match (key, value) {
                (keys::CONNECT_IN_BACKGROUND, None) => s.connect_in_background = None,
                (keys::CONNECT_IN_BACKGROUND, Some(PropertyValue::Bool(b))) => {
                    s.connect_in_background = Some(b)
                }
                (keys::AUTO_CLOSE_SESSION_TIMEOUT, None) => s.auto_close_ms = -1,
                (keys::AUTO_CLOSE_SESSION_TIMEOUT, Some(PropertyValue::Int(ms))) => {
                    s.auto_close_ms = if ms < 0 { -1 } else { ms };
                }
                _ => return Err(PropertyError::WrongType),
            }
            if key == keys::AUTO_CLOSE_SESSION_TIMEOUT {
                st.arm_auto_close(self.id);
            }
            Ok(())
        })
    }

    /// waitForOpened(msecs): -1 waits forever. On the session's loop thread
    /// it delivers that loop's events while it waits, and the deciding
    /// signals (opened(), or error()) before it returns, in every case.
    ///
    /// The caller holds a strong reference to the session for the whole call
    /// (a callback delivered here may free it), and the loop is held here:
    /// the application may have freed its own handle to it.
    pub fn wait_for_opened(&self, msecs: i32) -> bool {
        let Some(lp) = self.event_loop() else {
            return false;
        };
        let deadline = if msecs < 0 {
            None
        } else {
            Instant::now().checked_add(Duration::from_millis(msecs as u64))
        };
        let status = || {
            engine()
                .lock()
                .sessions
                .get(&self.id)
                .map_or(Some(false), |s| match s.phase {
                    Phase::Open => Some(true),
                    Phase::Connecting => None,
                    _ => Some(false),
                })
        };
        if lp.is_owner_thread() {
            // Registered before the first look at the state, so a change
            // made right after that look still pokes this loop.
            lp.add_waiter();
            let _registered = WaiterGuard(&lp);
            loop {
                if let Some(done) = status() {
                    // The transition that decided it queued its signals
                    // under the engine lock that status() just took (or
                    // earlier): deliver them, so the caller sees
                    // opened()/error() on return.
                    let _ = lp.dispatch(Some(Duration::ZERO));
                    return done;
                }
                let remaining = match deadline {
                    Some(d) => match d.checked_duration_since(Instant::now()) {
                        Some(r) if !r.is_zero() => Some(r),
                        _ => return false,
                    },
                    None => None,
                };
                if lp.dispatch(remaining).is_err() {
                    break; // another thread dispatches the loop: just wait
                }
            }
        }
        let engine = engine();
        let mut st = engine.lock();
        loop {
            match st.sessions.get(&self.id).map(|s| s.phase) {
                Some(Phase::Open) => return true,
                Some(Phase::Connecting) => {}
                _ => return false,
            }
            match deadline {
                Some(d) => {
                    if engine.progress.wait_until(&mut st, d).timed_out() {
                        return st.sessions.get(&self.id).is_some_and(|s| s.is_open());
                    }
                }
                None => engine.progress.wait(&mut st),
            }
        }
    }
}
