//! The one process-wide engine: records, sessions, counts, timers. Pure logic
//! behind one lock; everything that must not run under that lock (backend
//! commands, user `destroy` callbacks, waking waiters) is collected in
//! `Effects` and run after unlocking.

pub mod api;
mod connections;
pub mod record;
mod registry;
mod roaming;
mod session;
mod state;
mod status;
mod tally;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::backend::{self, Backend, Deferred, Sink, Source, SourceId, Update};
use crate::event_loop::EventLoop;
use crate::signals::Connection;
pub use connections::ConnectError;
pub use session::SessionCallError;
pub use state::{EngineState, USER_CHOICE_ID};

pub use record::Record;
pub use status::NetworkInfo;

pub struct Engine {
    state: Mutex<EngineState>,
    backend: Backend,
    /// Woken whenever a session's open attempt progresses (waitForOpened).
    progress: Condvar,
}

static ENGINE: OnceLock<Engine> = OnceLock::new();
static ATTACH: std::sync::Once = std::sync::Once::new();
static SELECTED_BACKEND: Mutex<Option<String>> = Mutex::new(None);

#[derive(Debug, PartialEq, Eq)]
pub enum SelectError {
    Unknown,
    /// The engine already runs another backend.
    InUse,
}

/// Chooses the backend before first use; choosing the running one (or the
/// name that chose it, such as "auto") is fine.
pub fn select_backend(name: &str) -> Result<(), SelectError> {
    if !backend::BACKEND_NAMES.contains(&name) {
        return Err(SelectError::Unknown);
    }
    let mut selected = SELECTED_BACKEND.lock();
    if let Some(engine) = ENGINE.get() {
        return if engine.backend.name == name || selected.as_deref() == Some(name) {
            Ok(())
        } else {
            Err(SelectError::InUse)
        };
    }
    *selected = Some(name.to_owned());
    Ok(())
}

/// qns_select_backend's choice, else QNS_BACKEND, else the default. An
/// unknown QNS_BACKEND is kept so that the "none" backend can say so.
fn chosen_backend_name(selected: &Option<String>) -> String {
    if let Some(name) = selected.clone() {
        return name;
    }
    match std::env::var("QNS_BACKEND") {
        Ok(name) if !name.is_empty() => name,
        _ => backend::DEFAULT_BACKEND.to_owned(),
    }
}

/// The engine, started on first use with the chosen backend.
pub fn engine() -> &'static Engine {
    let engine = ENGINE.get_or_init(|| {
        crate::fork_guard::install();
        // Holding the selection lock while starting makes select_backend
        // and the first use agree on which backend runs.
        let mut guard = SELECTED_BACKEND.lock();
        let name = chosen_backend_name(&guard);
        let backend = backend::create(&name);
        *guard = Some(name);
        let snapshots = backend
            .sources
            .iter()
            .map(|s| (s.snapshot(), s.statistics_reuse()))
            .collect();
        Engine {
            state: Mutex::new(EngineState::new(snapshots)),
            backend,
            progress: Condvar::new(),
        }
    });
    ATTACH.call_once(|| {
        for (id, source) in engine.backend.sources.iter().enumerate() {
            source.attach(Sink::new(id, |source, updates| {
                let effects = running().report(source, updates);
                Deferred::new(move || effects.run())
            }));
        }
        // An invalid QNS_CONNECTIVITY_URL leaves the check off.
        if let Ok(url) = std::env::var("QNS_CONNECTIVITY_URL")
            && let Ok(check) = crate::connectivity::CheckConfig::new(&url)
        {
            engine.set_connectivity_check(Some(check));
        }
    });
    engine
}

/// The engine from code that only runs once it exists (sinks, effects):
/// never re-enters start-up, so a source may report from inside attach().
fn running() -> &'static Engine {
    ENGINE
        .get()
        .expect("the engine exists before anything reports to it")
}

/// Starts the engine if it is not running yet (qns_sim_* need a running
/// simulated backend before they script it).
pub fn ensure_started() {
    let _ = engine();
}

pub fn backend_name() -> &'static str {
    engine().backend.name
}

/// Why the chosen backend is not running; empty while it runs (SPEC §6).
pub fn backend_error() -> &'static str {
    &engine().backend.error
}

impl Engine {
    /// Runs `f` under the engine lock, then the effects it collected.
    pub fn with<R>(&self, f: impl FnOnce(&mut EngineState, &mut Effects) -> R) -> R {
        let (r, fx) = self.with_deferred(f);
        fx.run();
        r
    }

    /// Like `with`, but hands the effects back, for callers that must run
    /// them after releasing a lock of their own.
    pub fn with_deferred<R>(
        &self,
        f: impl FnOnce(&mut EngineState, &mut Effects) -> R,
    ) -> (R, Effects) {
        let mut fx = Effects::default();
        let r = {
            let mut st = self.state.lock();
            let r = f(&mut st, &mut fx);
            st.flush_manager_signals();
            r
        };
        (r, fx)
    }

    pub fn lock(&self) -> MutexGuard<'_, EngineState> {
        self.state.lock()
    }

    /// The byte counters of a record's interface, from the source that owns it.
    pub(crate) fn statistics(&self, record: &Record) -> Option<(u64, u64)> {
        self.backend
            .sources
            .get(record.source)?
            .statistics(&record.identifier())
    }

    /// The optional connectivity check for every source (SPEC §8).
    pub fn set_connectivity_check(&self, check: Option<crate::connectivity::CheckConfig>) {
        for source in &self.backend.sources {
            source.set_connectivity_check(check.clone());
        }
    }

    /// A source reports changes; returns effects to run after the caller
    /// released its own locks.
    fn report(&self, source: SourceId, updates: Vec<Update>) -> Effects {
        self.with_deferred(|st, fx| {
            for update in updates {
                st.apply_update(source, update, fx);
            }
            st.finish_updates();
            st.reevaluate_sessions(fx);
        })
        .1
    }
}

/// Source work the engine asked for while locked.
#[derive(Debug)]
pub enum Command {
    Start(Arc<Record>),
    Stop(Arc<Record>),
    /// Re-read every source (updateConfigurations).
    Refresh,
    /// Read an interface's counters as a session's baseline (after opening,
    /// or after roaming from `previous`).
    CaptureStatistics {
        session: u64,
        record: Arc<Record>,
        previous: Option<Arc<Record>>,
    },
}

#[derive(Default)]
#[must_use = "effects must be run after the locks are released"]
pub struct Effects {
    pub commands: Vec<Command>,
    /// Connections to drop outside every lock (their destroy callbacks).
    pub garbage: Vec<Arc<Connection>>,
    pub poke: Vec<Arc<EventLoop>>,
    /// Loops released while locked: dropping the last reference drops its
    /// queued deliveries, whose destroy callbacks must run unlocked.
    pub released_loops: Vec<Arc<EventLoop>>,
    pub progress: bool,
}

impl Effects {
    pub fn run(self) {
        if self.commands.is_empty()
            && self.garbage.is_empty()
            && self.poke.is_empty()
            && self.released_loops.is_empty()
        {
            // The common case (an open or close that queued nothing for
            // anyone but itself): only waiters to wake, if any wait.
            if self.progress {
                running().progress.notify_all();
            }
            return;
        }
        let Effects {
            commands,
            garbage,
            poke,
            released_loops,
            progress,
        } = self;
        // SPEC §5: once disconnect or free returns, no callback of theirs
        // runs on another thread. The last reference may go later (a queued
        // item holds one); destroy runs then, exactly once.
        for connection in &garbage {
            connection.wait_idle();
        }
        drop(garbage);
        drop(released_loops);
        let engine = running();
        if progress {
            engine.progress.notify_all();
        }
        for lp in poke {
            lp.poke();
        }
        for command in commands {
            engine.execute(command);
        }
    }
}

impl Engine {
    fn source_of(&self, record: &Record) -> Option<&Arc<dyn Source>> {
        self.backend.sources.get(record.source)
    }

    fn execute(&self, command: Command) {
        match command {
            Command::Start(record) => {
                if let Some(source) = self.source_of(&record) {
                    source.start(&record.identifier());
                }
            }
            Command::Stop(record) => {
                if let Some(source) = self.source_of(&record) {
                    source.stop(&record.identifier());
                }
            }
            Command::Refresh => {
                for source in &self.backend.sources {
                    source.refresh();
                }
            }
            Command::CaptureStatistics {
                session,
                record,
                previous,
            } => {
                let read_at = crate::clock::Tick::now();
                let now = self.statistics(&record).unwrap_or((0, 0));
                let before = previous.and_then(|p| self.statistics(&p));
                record.data.lock().counters = Some((read_at, now));
                self.with(|st, _| st.set_statistics_baseline(session, &record, now, before));
            }
        }
    }
}

/// A tiny identity hasher: session and manager ids are already unique u64s.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub type IdMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<IdHasher>>;
