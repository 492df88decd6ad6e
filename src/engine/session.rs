//! The session state machine: open/close/stop with per-configuration counts,
//! state derivation from records (SPEC §4.2-4.3), timeouts and auto-close.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Tick;

use super::record::{Record, RecordData};
use super::state::{Bringing, EngineState, Phase, Roam, SessionData};
use super::{Command, Effects, engine};
use crate::signals::{Payload, Signal};
use crate::timers;
use crate::types::{Capabilities, ConfigType, SessionError, State, UsagePolicies};

/// Session state for a record: Active -> Connected, Discovered ->
/// Disconnected, otherwise NotAvailable; a removed record gives Invalid.
pub(super) fn state_of(record: &Record) -> State {
    state_of_data(&record.data.lock())
}

/// What becoming connected needs of the access point, read in one look.
pub(super) struct Sight {
    state: State,
    metered: bool,
    counters: Option<(Tick, (u64, u64))>,
}

impl Sight {
    fn of_data(d: &RecordData) -> Sight {
        Sight {
            state: state_of_data(d),
            metered: d.metered,
            counters: d.counters,
        }
    }

    pub(super) fn of(record: &Record) -> Sight {
        Sight::of_data(&record.data.lock())
    }
}

fn state_of_data(d: &RecordData) -> State {
    if !d.valid {
        State::Invalid
    } else if d.state.is_active() {
        State::Connected
    } else if d.state.is_discovered() {
        State::Disconnected
    } else {
        State::NotAvailable
    }
}

impl SessionData {
    pub(super) fn emit(&self, payload: Payload) {
        super::connections::emit(&self.connections, &self.lp, &payload);
    }

    /// The open attempt progressed or ended: wake waitForOpened, both the
    /// threads that wait on the engine and one that dispatches this loop
    /// (nothing may be queued for it, e.g. after close() from elsewhere).
    pub(super) fn wake_waiters(&self, fx: &mut Effects) {
        fx.progress = true;
        if self.lp.has_waiters() {
            fx.poke.push(self.lp.clone());
        }
    }

    pub(super) fn has_listener(&self, signal: Signal) -> bool {
        self.connections.iter().any(|c| c.signal == signal)
    }

    pub(super) fn derived_state(&self) -> State {
        match self.phase {
            Phase::Connecting => State::Connecting,
            Phase::Closing => State::Closing,
            Phase::Open if matches!(self.roam, Roam::Migrated { .. }) => State::Roaming,
            Phase::Open => self.in_use.as_deref().map_or(State::Invalid, state_of),
            Phase::Idle => self.target().map_or(State::Invalid, |r| state_of(r)),
        }
    }

    pub(super) fn set_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.emit(Payload::State(state));
        }
    }

    pub(super) fn refresh_state(&mut self) {
        let state = self.derived_state();
        self.set_state(state);
    }

    /// refresh_state() then refresh_usage(), reading the record once where
    /// both follow the same one (an open session's access point, or an idle
    /// session's configuration): the open/close path.
    pub(super) fn refresh_state_and_usage(&mut self) {
        let one_record = match self.phase {
            Phase::Open => !matches!(self.roam, Roam::Migrated { .. }),
            Phase::Idle => self.in_use.is_none(),
            _ => false,
        };
        let record = self.in_use.as_ref().or(self.target());
        let (Some(record), true) = (record, one_record) else {
            self.refresh_state();
            self.refresh_usage();
            return;
        };
        let (state, metered) = {
            let d = record.data.lock();
            (state_of_data(&d), d.metered)
        };
        self.set_state(state);
        self.set_usage(metered);
    }

    /// Records and emits an error; a backend's own message belongs to the
    /// failure that set it, so any later error clears it.
    pub(super) fn set_error(&mut self, error: SessionError) {
        self.error = error;
        self.backend_message = None;
        if self.config.is_some() {
            self.error_text = error.text();
        }
        self.emit(Payload::Error(error));
    }

    pub(super) fn cancel_timer(&mut self) {
        if let Some((id, _)) = self.timer.take() {
            timers::cancel(id);
        }
    }

    fn cancel_auto_close(&mut self) {
        if let Some((id, _)) = self.auto_close_timer.take() {
            timers::cancel(id);
        }
    }

    /// The record whose connect timeout governs this session's waits.
    pub(super) fn timeout(&self) -> Duration {
        let ms = self.target().map_or(0, |r| r.connect_timeout_ms());
        Duration::from_millis(ms.max(0) as u64)
    }

    pub(super) fn refresh_usage(&mut self) {
        let metered = self
            .in_use
            .as_ref()
            .or(self.target())
            .is_some_and(|r| r.data.lock().metered);
        self.set_usage(metered);
    }

    fn set_usage(&mut self, metered: bool) {
        let usage = if metered {
            UsagePolicies::NO_BACKGROUND_TRAFFIC
        } else {
            UsagePolicies::empty()
        };
        if usage != self.usage {
            self.usage = usage;
            self.emit(Payload::UsagePolicies(usage));
        }
    }
}

/// Adds this session to an access point's count.
pub(super) fn hold(record: &Record) {
    record.data.lock().open_count += 1;
}

/// Drops this session from an access point's count; the last one out takes
/// down an interface this library brought up (never one the system did).
/// True when this was the last count on an interface this library started.
pub(super) fn release(record: &Arc<Record>, fx: &mut Effects) -> bool {
    release_and_look(record, fx).0
}

/// release(), and what the record looks like after it, in one look.
fn release_and_look(record: &Arc<Record>, fx: &mut Effects) -> (bool, Sight) {
    let mut d = record.data.lock();
    let last_of_ours = d.open_count == 1 && d.started_by_us;
    d.open_count = d.open_count.saturating_sub(1);
    if d.open_count == 0 && d.started_by_us {
        d.started_by_us = false;
        if d.valid {
            d.stopping = true;
            fx.commands.push(Command::Stop(record.clone()));
        }
    }
    (last_of_ours, Sight::of_data(&d))
}

/// Drops this session's count and leaves the interface as it is, even the
/// last count on one this library started: that one stays ours, and a
/// later last close() takes it down (AutoCloseSessionTimeout, see close_as).
fn release_keeping_up(record: &Arc<Record>) -> Sight {
    let mut d = record.data.lock();
    d.open_count = d.open_count.saturating_sub(1);
    Sight::of_data(&d)
}

/// Who closes: the application (close()), or the session itself when its
/// AutoCloseSessionTimeout fires. Qt documents that timeout as saving the
/// session's own polling, not as disconnecting, and Qt's sessionAutoClose
/// test expects the network still up afterwards: so it keeps it up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Closer {
    Application,
    AutoClose,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SessionCallError {
    NoSuchSession,
    WrongState,
}

impl EngineState {
    /// Schedules a session timer. The token lets a timer that fired just as
    /// it was replaced recognise itself as stale.
    pub(super) fn session_timer(
        &mut self,
        sid: u64,
        kind: TimerKind,
        delay: Duration,
    ) -> (u64, u64) {
        let token = self.next_id();
        let id = timers::schedule(delay, move || {
            engine().with(|st, fx| st.on_session_timer(sid, kind, token, fx));
        });
        (id, token)
    }

    /// Asks the source to bring an access point up where a start would
    /// (and the backend can). Only what a start brings up is ours to take
    /// down later. One going down at our request comes back up the same way
    /// (SPEC §4.3: open() right after the last close() starts it again).
    pub(super) fn start_access_point(&self, ap: &Arc<Record>, fx: &mut Effects) {
        if !self.can_start_stop() {
            return;
        }
        let mut d = ap.data.lock();
        if (d.startable || d.stopping) && !d.started_by_us {
            d.started_by_us = true;
            fx.commands.push(Command::Start(ap.clone()));
        }
    }

    pub(super) fn can_start_stop(&self) -> bool {
        self.capabilities
            .contains(Capabilities::CAN_START_AND_STOP_INTERFACES)
    }

    pub(crate) fn open(&mut self, sid: u64, fx: &mut Effects) -> Result<(), SessionCallError> {
        let is_user_choice = self
            .sessions
            .get(&sid)
            .and_then(|s| s.config.as_ref())
            .is_some_and(|c| c.kind == ConfigType::UserChoice);
        let user_choice = if is_user_choice {
            self.resolve_user_choice()
        } else {
            None
        };
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        let Some(config) = sd.config.clone() else {
            sd.set_error(SessionError::InvalidConfiguration);
            return Ok(());
        };
        if matches!(sd.phase, Phase::Connecting | Phase::Open) {
            return Ok(());
        }
        sd.cancel_timer();
        if sd.phase == Phase::Closing {
            sd.phase = Phase::Idle;
            sd.in_use = None;
        }
        let target = if config.kind == ConfigType::UserChoice {
            match user_choice {
                Some(resolved) => {
                    sd.resolved = Some(resolved.clone());
                    resolved
                }
                None => return self.fail_unusable(sid),
            }
        } else {
            config
        };
        if target.kind != ConfigType::InternetAccessPoint && !target.is_valid() {
            return self.fail_unusable(sid);
        }
        let access_point = match target.kind {
            ConfigType::ServiceNetwork => {
                let children = self.children_of(&target);
                let best = children.iter().find(|c| c.is_usable());
                match best.or_else(|| children.iter().find(|c| c.state().is_discovered())) {
                    Some(child) => child.clone(),
                    None => return self.fail_unusable(sid),
                }
            }
            _ => target,
        };
        self.open_access_point(sid, access_point, fx);
        Ok(())
    }

    /// What a UserChoice session opens: the default configuration, else the
    /// first access point a start can bring up.
    fn resolve_user_choice(&self) -> Option<Arc<Record>> {
        self.default_record().or_else(|| {
            self.records
                .iter()
                .find(|r| r.kind == ConfigType::InternetAccessPoint && r.state().is_discovered())
                .cloned()
        })
    }

    /// open() on something not at least Discovered: stateChanged(Invalid),
    /// then error(InvalidConfiguration); the count is untouched (compat).
    fn fail_unusable(&mut self, sid: u64) -> Result<(), SessionCallError> {
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        sd.resolved = None;
        sd.set_state(State::Invalid);
        sd.set_error(SessionError::InvalidConfiguration);
        Ok(())
    }

    fn open_access_point(&mut self, sid: u64, ap: Arc<Record>, fx: &mut Effects) {
        let can_start = self.can_start_stop();
        // One look at the record: whether it can be opened (then the count
        // is taken at once) and whether it is up.
        let (openable, usable, sight) = {
            let mut d = ap.data.lock();
            let openable = d.valid && d.state.is_discovered();
            if openable {
                d.open_count += 1;
            }
            (
                openable,
                d.state.is_active() && !d.stopping,
                Sight::of_data(&d),
            )
        };
        if !openable {
            let _ = self.fail_unusable(sid);
            return;
        }
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        if usable {
            sd.in_use = Some(ap);
            self.become_connected(sid, sight, fx);
            return;
        }
        sd.in_use = Some(ap.clone());
        sd.phase = Phase::Connecting;
        sd.set_state(State::Connecting);
        let timeout = sd.timeout();
        if can_start {
            self.start_access_point(&ap, fx);
        }
        let timer = self.session_timer(sid, TimerKind::Connect, timeout);
        if let Some(sd) = self.sessions.get_mut(&sid) {
            sd.timer = Some(timer);
        }
    }

    /// The access point in use is Active: opened(), then Connected. `ap`
    /// is what the access point in use looked like just now. The byte
    /// baseline is the record's last counters when they are recent enough
    /// for its source (no source call, no second lock hold), else a fresh
    /// read after unlocking.
    fn become_connected(&mut self, sid: u64, ap: Sight, fx: &mut Effects) {
        let sources = &self.sources;
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        let Some(source) = sd.in_use.as_ref().map(|r| r.source) else {
            return;
        };
        let window = sources
            .get(source)
            .map_or(Duration::ZERO, |s| s.statistics_reuse);
        let now = Tick::now();
        sd.cancel_timer();
        sd.phase = Phase::Open;
        sd.connected_at = Some(now);
        sd.stats = Default::default();
        sd.emit(Payload::Opened);
        let roaming = matches!(sd.roam, Roam::Migrated { .. });
        sd.set_state(if roaming { State::Roaming } else { ap.state });
        sd.set_usage(ap.metered);
        match (
            ap.counters.filter(|(at, _)| now.since(*at) < window),
            &sd.in_use,
        ) {
            (Some((_, bytes)), _) => sd.stats.base = Some(bytes),
            (None, Some(record)) => fx.commands.push(Command::CaptureStatistics {
                session: sid,
                record: record.clone(),
                previous: None,
            }),
            (None, None) => {}
        }
        sd.wake_waiters(fx);
        if sd.auto_close_ms >= 0 || sd.auto_close_timer.is_some() {
            self.arm_auto_close(sid);
        }
    }

    /// The open attempt ended without a connection.
    pub(super) fn fail_connect(&mut self, sid: u64, error: SessionError, fx: &mut Effects) {
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        sd.cancel_timer();
        if let Some(ap) = sd.in_use.take() {
            release(&ap, fx);
        }
        sd.phase = Phase::Idle;
        sd.resolved = None;
        sd.refresh_state();
        sd.set_error(error);
        sd.wake_waiters(fx);
    }

    /// The session loses its connection: closed(), the new state, error().
    pub(super) fn abort(&mut self, sid: u64, error: SessionError, fx: &mut Effects) {
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        sd.cancel_timer();
        sd.cancel_auto_close();
        if let Some(ap) = sd.in_use.take() {
            release(&ap, fx);
        }
        if let Roam::Migrated { previous, .. } = std::mem::replace(&mut sd.roam, Roam::None) {
            release(&previous, fx);
        }
        sd.roam = Roam::None;
        sd.phase = Phase::Idle;
        sd.resolved = None;
        sd.connected_at = None;
        sd.emit(Payload::Closed);
        sd.refresh_state();
        sd.set_error(error);
        sd.refresh_usage();
        sd.wake_waiters(fx);
    }

    pub(crate) fn close(&mut self, sid: u64, fx: &mut Effects) -> Result<(), SessionCallError> {
        self.close_as(sid, Closer::Application, fx)
    }

    pub(super) fn close_as(
        &mut self,
        sid: u64,
        closer: Closer,
        fx: &mut Effects,
    ) -> Result<(), SessionCallError> {
        let release_count = |record: &Arc<Record>, fx: &mut Effects| match closer {
            Closer::Application => release_and_look(record, fx),
            Closer::AutoClose => (false, release_keeping_up(record)),
        };
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        match sd.phase {
            Phase::Idle | Phase::Closing => return Ok(()),
            Phase::Connecting => {
                // Ends the open attempt; closed() tells the application so.
                sd.cancel_timer();
                if let Some(ap) = sd.in_use.take() {
                    release(&ap, fx);
                }
                sd.phase = Phase::Idle;
                sd.resolved = None;
                sd.emit(Payload::Closed);
                sd.refresh_state();
            }
            Phase::Open => {
                sd.cancel_timer();
                sd.cancel_auto_close();
                if let Roam::Migrated { previous, .. } = std::mem::replace(&mut sd.roam, Roam::None)
                {
                    release_count(&previous, fx);
                }
                let ap = sd.in_use.take();
                let (stops, after) = match &ap {
                    Some(ap) => {
                        let (stops, sight) = release_count(ap, fx);
                        (stops, Some(sight))
                    }
                    None => (false, None),
                };
                sd.connected_at = None;
                sd.resolved = None;
                // An idle session on this very access point derives its
                // state from it: the look release just took is that.
                let follows_ap = sd
                    .target()
                    .zip(ap.as_ref())
                    .is_some_and(|(t, ap)| Arc::ptr_eq(t, ap));
                if stops {
                    sd.phase = Phase::Closing;
                    sd.in_use = ap;
                } else {
                    sd.phase = Phase::Idle;
                    drop(ap);
                }
                sd.emit(Payload::Closed);
                match after {
                    Some(sight) if follows_ap && !stops => {
                        sd.set_state(sight.state);
                        sd.set_usage(sight.metered);
                    }
                    _ => sd.refresh_state_and_usage(),
                }
                if stops {
                    let timeout = sd.timeout();
                    let timer = self.session_timer(sid, TimerKind::Closing, timeout);
                    if let Some(sd) = self.sessions.get_mut(&sid) {
                        sd.timer = Some(timer);
                    }
                }
            }
        }
        if let Some(sd) = self.sessions.get(&sid) {
            sd.wake_waiters(fx);
        }
        Ok(())
    }

    pub(crate) fn stop(&mut self, sid: u64, fx: &mut Effects) -> Result<(), SessionCallError> {
        let can_stop = self.can_start_stop();
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        if sd.config.is_none() {
            return Ok(());
        }
        if !can_stop {
            sd.set_error(SessionError::OperationNotSupported);
            return Ok(());
        }
        let target = match (&sd.in_use, sd.target()) {
            (Some(ap), _) => Some(ap.clone()),
            (None, Some(t)) if t.kind == ConfigType::InternetAccessPoint => Some(t.clone()),
            _ => None,
        };
        let Some(ap) = target else { return Ok(()) };
        if !ap.is_valid() {
            return Ok(());
        }
        ap.data.lock().started_by_us = false;
        // Sessions on that configuration end (SPEC §4.3). Open sessions on a
        // service network that uses it are not on that configuration: they
        // keep their count and roam, as when the system loses the member
        // (Qt's sessionOpenCloseStop expects them Roaming or Connected).
        let others: Vec<(u64, Phase, bool)> = self
            .sessions
            .iter()
            .filter(|(id, s)| **id != sid && s.holds(&ap))
            .map(|(id, s)| {
                let on_network = s
                    .target()
                    .is_some_and(|t| t.kind == ConfigType::ServiceNetwork);
                (*id, s.phase, on_network)
            })
            .collect();
        let mut roaming = 0;
        let mut ended = 0;
        for (other, phase, on_network) in others {
            match phase {
                Phase::Open if on_network => roaming += 1,
                Phase::Connecting => {
                    ended += 1;
                    self.fail_connect(other, SessionError::Aborted, fx)
                }
                _ => {
                    ended += 1;
                    self.abort(other, SessionError::Aborted, fx)
                }
            }
        }
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return Ok(());
        };
        sd.cancel_timer();
        sd.cancel_auto_close();
        if let Some(held) = sd.in_use.take()
            && matches!(sd.phase, Phase::Open | Phase::Connecting)
        {
            release(&held, fx);
        }
        if let Roam::Migrated { previous, .. } = std::mem::replace(&mut sd.roam, Roam::None) {
            release(&previous, fx);
        }
        let was_up = ap.state().is_active();
        {
            let mut d = ap.data.lock();
            d.open_count = roaming;
            d.stopping = was_up;
        }
        sd.resolved = None;
        sd.connected_at = None;
        // The caller: closed() once whether or not it was open, Closing,
        // then the state the stop leaves; and SessionAbortedError once when
        // its stop ended other sessions (compat: Qt's sessionOpenCloseStop
        // wants it exactly when the others get it, and none when they roam).
        sd.emit(Payload::Closed);
        sd.set_state(State::Closing);
        if ended > 0 {
            sd.set_error(SessionError::Aborted);
        }
        fx.commands.push(Command::Stop(ap.clone()));
        sd.wake_waiters(fx);
        if !was_up {
            // Nothing is up to wait for: the derived state at once.
            sd.phase = Phase::Idle;
            sd.refresh_state();
            sd.refresh_usage();
            return Ok(());
        }
        sd.phase = Phase::Closing;
        sd.in_use = Some(ap.clone());
        let timeout = sd.timeout();
        let timer = self.session_timer(sid, TimerKind::Closing, timeout);
        if let Some(sd) = self.sessions.get_mut(&sid) {
            sd.timer = Some(timer);
        }
        Ok(())
    }

    /// A start the engine asked for failed: sessions waiting on it fail,
    /// with the system's own message where it gave one.
    pub(super) fn start_failed(
        &mut self,
        id: &str,
        error: SessionError,
        message: Option<String>,
        fx: &mut Effects,
    ) {
        let Some(record) = self.by_id.get(id).cloned() else {
            return;
        };
        record.data.lock().started_by_us = false;
        let waiting = self.sessions_using(&record, |s| s.phase == Phase::Connecting);
        for sid in waiting {
            self.fail_connect(sid, error, fx);
            if let Some(sd) = self.sessions.get_mut(&sid) {
                sd.backend_message.clone_from(&message);
            }
        }
        // Sessions roaming onto it (a lost member's replacement).
        let roaming = self.sessions_using(&record, |s| {
            s.phase == Phase::Open
                && matches!(s.roam, Roam::Migrated { bringing, .. } if bringing != Bringing::No)
        });
        for sid in roaming {
            self.bringing_failed(sid, fx);
            if let Some(sd) = self.sessions.get_mut(&sid) {
                sd.backend_message.clone_from(&message);
            }
        }
    }

    /// The sessions whose access point in use is `record` and that `which`
    /// selects.
    fn sessions_using(
        &self,
        record: &Arc<Record>,
        which: impl Fn(&SessionData) -> bool,
    ) -> Vec<u64> {
        self.sessions
            .iter()
            .filter(|(_, s)| s.in_use.as_ref().is_some_and(|r| Arc::ptr_eq(r, record)) && which(s))
            .map(|(id, _)| *id)
            .collect()
    }

    /// A stop the engine asked for was refused: sessions taking the access
    /// point down see its real state again, then the error (Qt 5 did the
    /// same when NetworkManager refused: Connected, then the error).
    pub(super) fn stop_refused(
        &mut self,
        id: &str,
        error: SessionError,
        message: Option<String>,
        fx: &mut Effects,
    ) {
        let Some(record) = self.by_id.get(id).cloned() else {
            return;
        };
        let closing = self.sessions_using(&record, |s| s.phase == Phase::Closing);
        for sid in closing {
            let Some(sd) = self.sessions.get_mut(&sid) else {
                continue;
            };
            sd.cancel_timer();
            sd.phase = Phase::Idle;
            sd.in_use = None;
            sd.refresh_state();
            sd.set_error(error);
            sd.backend_message.clone_from(&message);
            fx.progress = true;
        }
        // Sessions roaming onto it (a lost member's replacement).
        let roaming = self.sessions_using(&record, |s| {
            s.phase == Phase::Open
                && matches!(s.roam, Roam::Migrated { bringing, .. } if bringing != Bringing::No)
        });
        for sid in roaming {
            if let Some(sd) = self.sessions.get_mut(&sid) {
                sd.backend_message.clone_from(&message);
            }
            self.bringing_failed(sid, fx);
        }
    }

    /// A stop the engine asked for is over (it failed, or it took effect and
    /// what Active the record says now is a new start's): its Active state is
    /// real again, and sessions waiting on it may use it.
    pub(super) fn stop_over(&mut self, id: &str) {
        if let Some(record) = self.by_id.get(id) {
            let mut d = record.data.lock();
            d.stopping = false;
            self.changed.insert(record.serial);
        }
    }

    /// After a batch of record changes: move the sessions whose records
    /// changed to what they say (the others have nothing new to derive).
    pub(crate) fn reevaluate_sessions(&mut self, fx: &mut Effects) {
        if !self.changed.is_empty() || !self.touched_networks.is_empty() {
            let ids: Vec<u64> = self
                .sessions
                .iter()
                .filter(|(_, sd)| self.affects(sd))
                .map(|(id, _)| *id)
                .collect();
            for sid in ids {
                self.reevaluate(sid, fx);
            }
        }
        self.changed.clear();
        self.touched_networks.clear();
    }

    /// Whether the batch changed a record the session follows or holds, or
    /// a member of the service network it is on.
    fn affects(&self, sd: &SessionData) -> bool {
        let changed = |r: &Arc<Record>| self.changed.contains(&r.serial);
        let roam = match &sd.roam {
            Roam::None => None,
            Roam::Offered { candidate, .. } => Some(candidate),
            Roam::Migrated { previous, .. } => Some(previous),
        };
        sd.target()
            .is_some_and(|t| changed(t) || self.touched_networks.contains(&t.serial))
            || sd.in_use.as_ref().is_some_and(changed)
            || roam.is_some_and(changed)
    }

    fn reevaluate(&mut self, sid: u64, fx: &mut Effects) {
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        if sd.config.is_none() {
            return;
        }
        let service_target = sd
            .target()
            .is_some_and(|t| t.kind == ConfigType::ServiceNetwork);
        match sd.phase {
            Phase::Idle => {
                // Only a change of its own record moves an idle session, so
                // the Invalid a failed open() left stays until then.
                let target_changed = sd
                    .target()
                    .is_some_and(|t| self.changed.contains(&t.serial));
                if !target_changed {
                    return;
                }
            }
            Phase::Connecting => {
                let ap = sd
                    .in_use
                    .clone()
                    .expect("connecting sessions hold an access point");
                if service_target {
                    let target = sd.target().cloned().expect("service target");
                    let best = self
                        .children_of(&target)
                        .into_iter()
                        .find(|c| c.is_usable());
                    if let Some(best) = best {
                        if !Arc::ptr_eq(&best, &ap) {
                            hold(&best);
                            release(&ap, fx);
                        }
                        let sight = Sight::of(&best);
                        if let Some(sd) = self.sessions.get_mut(&sid) {
                            sd.in_use = Some(best);
                        }
                        self.become_connected(sid, sight, fx);
                        return;
                    }
                }
                // Links pass through short states (up before carrier) while
                // they start: only removal, a start failure or the connect
                // timeout end the attempt.
                if !ap.is_valid() {
                    self.fail_connect(sid, SessionError::Aborted, fx);
                } else if ap.is_usable() {
                    self.become_connected(sid, Sight::of(&ap), fx);
                }
                return;
            }
            Phase::Open if service_target => {
                self.evaluate_roaming(sid, fx);
                return;
            }
            Phase::Open => {
                let lost = sd
                    .in_use
                    .as_ref()
                    .is_none_or(|ap| !ap.state().is_active() || !ap.is_valid());
                if lost {
                    self.abort(sid, SessionError::Aborted, fx);
                    return;
                }
            }
            Phase::Closing => {
                let down = sd
                    .in_use
                    .as_ref()
                    .is_none_or(|ap| !ap.state().is_active() || !ap.is_valid());
                if down {
                    sd.cancel_timer();
                    sd.phase = Phase::Idle;
                    sd.in_use = None;
                }
            }
        }
        if let Some(sd) = self.sessions.get_mut(&sid) {
            sd.refresh_state();
            sd.refresh_usage();
        }
    }

    pub(super) fn on_session_timer(
        &mut self,
        sid: u64,
        kind: TimerKind,
        token: u64,
        fx: &mut Effects,
    ) {
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        let current = if kind == TimerKind::AutoClose {
            sd.auto_close_timer
        } else {
            sd.timer
        };
        if current.map(|(_, t)| t) != Some(token) {
            return;
        }
        match kind {
            TimerKind::AutoClose => {
                sd.auto_close_timer = None;
                // Once it fired it reads -1 again, so a later open() does
                // not close at once (compat: Qt's sessionAutoClose test).
                sd.auto_close_ms = -1;
                if sd.phase == Phase::Open {
                    let _ = self.close_as(sid, Closer::AutoClose, fx);
                }
            }
            TimerKind::Connect => {
                sd.timer = None;
                if sd.phase == Phase::Connecting {
                    self.fail_connect(sid, SessionError::Unknown, fx);
                }
            }
            TimerKind::Closing => {
                sd.timer = None;
                if sd.phase == Phase::Closing {
                    sd.phase = Phase::Idle;
                    sd.in_use = None;
                    sd.refresh_state();
                }
            }
            TimerKind::RoamAnswer => {
                sd.timer = None;
                if let Roam::Offered {
                    current_lost: true, ..
                } = sd.roam
                {
                    sd.roam = Roam::None;
                    self.abort(sid, SessionError::Aborted, fx);
                }
            }
            TimerKind::BringUp => {
                sd.timer = None;
                self.bringing_failed(sid, fx);
            }
        }
    }

    /// Arms the AutoCloseSessionTimeout timer of an open session.
    pub(super) fn arm_auto_close(&mut self, sid: u64) {
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        sd.cancel_auto_close();
        if sd.phase != Phase::Open || sd.auto_close_ms < 0 {
            return;
        }
        // The coarse clock may make `elapsed` up to one tick too long: take
        // it off, so the session never closes before its time.
        let elapsed = sd.connected_at.map_or(Duration::ZERO, |t| {
            t.elapsed().saturating_sub(crate::clock::Tick::resolution())
        });
        let delay = Duration::from_millis(sd.auto_close_ms as u64).saturating_sub(elapsed);
        let timer = self.session_timer(sid, TimerKind::AutoClose, delay);
        if let Some(sd) = self.sessions.get_mut(&sid) {
            sd.auto_close_timer = Some(timer);
        }
    }

    pub(super) fn set_statistics_baseline(
        &mut self,
        sid: u64,
        record: &Arc<Record>,
        now: (u64, u64),
        previous_now: Option<(u64, u64)>,
    ) {
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        if !sd.in_use.as_ref().is_some_and(|r| Arc::ptr_eq(r, record)) {
            return;
        }
        if let (Some(base), Some(prev)) = (sd.stats.base, previous_now) {
            sd.stats.carried.0 += prev.0.saturating_sub(base.0);
            sd.stats.carried.1 += prev.1.saturating_sub(base.1);
        }
        sd.stats.base = Some(now);
    }

    /// Frees a session: its callbacks end, its counts are released.
    pub(crate) fn remove_session(&mut self, sid: u64, fx: &mut Effects) {
        let Some(mut sd) = self.sessions.remove(&sid) else {
            return;
        };
        sd.cancel_timer();
        sd.cancel_auto_close();
        if matches!(sd.phase, Phase::Open | Phase::Connecting)
            && let Some(ap) = sd.in_use.take()
        {
            release(&ap, fx);
        }
        if let Roam::Migrated { previous, .. } = std::mem::replace(&mut sd.roam, Roam::None) {
            release(&previous, fx);
        }
        let connections = std::mem::take(&mut sd.connections);
        let leaving = std::mem::take(&mut sd.leaving);
        self.drop_connections(connections, leaving, fx);
        sd.wake_waiters(fx);
        fx.released_loops.push(sd.lp.clone());
    }
}

impl SessionData {
    /// Whether this session holds a count on the access point.
    fn holds(&self, ap: &Arc<Record>) -> bool {
        let in_use = matches!(self.phase, Phase::Open | Phase::Connecting)
            && self.in_use.as_ref().is_some_and(|r| Arc::ptr_eq(r, ap));
        let migrating =
            matches!(&self.roam, Roam::Migrated { previous, .. } if Arc::ptr_eq(previous, ap));
        in_use || migrating
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TimerKind {
    Connect,
    Closing,
    AutoClose,
    RoamAnswer,
    /// A service network's member being started for a roam.
    BringUp,
}
