//! The checker: one thread that runs the check when the backend says the
//! default route changed, and again every recheck interval while a default
//! route exists. It exists only while a check URL is configured.
//!
//! - `network_changed(g)` and `network_lost(g)` never block on a check: they
//!   record the newest generation and poke the thread.
//! - One check per change: a burst of changes coalesces into one check of
//!   the newest generation, and a change during a check aborts that check
//!   (its result would be outdated) and starts one for the new generation.
//! - Results carry their generation; one that is outdated when it is ready
//!   is dropped. The callback runs on the checker thread, under no lock.
//! - Idle, the thread sleeps without a deadline (no default route) or until
//!   the next periodic re-check: no other wake-ups.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use parking_lot::Mutex;

use super::classify::Outcome;
use super::config::CheckConfig;
use super::probe;
use super::resolve::Resolver;
use super::wait::{Interrupt, WaitEnd, Wake, wait};

/// Receives (generation, outcome) on the checker thread.
pub type ResultCallback = Box<dyn Fn(u64, Outcome) + Send + Sync>;

#[derive(Default)]
struct Control {
    /// The newest generation the backend reported.
    generation: Option<u64>,
    /// A default route exists (the last report was a change, not a loss).
    network: bool,
    /// A check of `generation` is wanted and has not started.
    pending: bool,
    stop: bool,
}

struct Shared {
    control: Mutex<Control>,
    wake: Wake,
}

pub struct Checker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checker {
    /// Starts the checker's thread. No check runs until network_changed().
    pub fn new(config: CheckConfig, on_result: ResultCallback) -> std::io::Result<Checker> {
        let shared = Arc::new(Shared {
            control: Mutex::new(Control::default()),
            wake: Wake::new()?,
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("qns-check".into())
            .spawn(move || run(&worker, &config, &on_result))?;
        Ok(Checker {
            shared,
            thread: Some(thread),
        })
    }

    /// The default route changed (appeared or moved): check it. Generations
    /// must grow; a generation not newer than the last one is ignored.
    pub fn network_changed(&self, generation: u64) {
        self.report(generation, true);
    }

    /// No default route any more: abort a running check, no periodic
    /// re-checks until the next network_changed().
    pub fn network_lost(&self, generation: u64) {
        self.report(generation, false);
    }

    fn report(&self, generation: u64, network: bool) {
        {
            let mut c = self.shared.control.lock();
            if c.generation.is_some_and(|last| generation <= last) {
                return;
            }
            c.generation = Some(generation);
            c.network = network;
            c.pending = network;
        }
        self.shared.wake.notify();
    }
}

impl Drop for Checker {
    /// Stops the thread and waits for it (a check in progress is aborted at
    /// once; a callback in progress finishes first, so none runs after
    /// this returns). Dropped from inside the callback it does not wait.
    /// Do not drop it while holding a lock the callback takes.
    fn drop(&mut self) {
        self.shared.control.lock().stop = true;
        self.shared.wake.notify();
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

/// What the thread does next.
enum Next {
    Check(u64),
    Sleep,
    Stop,
}

fn run(shared: &Shared, config: &CheckConfig, on_result: &ResultCallback) {
    let resolver = Resolver::default();
    let mut next_recheck: Option<Instant> = None;
    loop {
        let next = {
            let mut c = shared.control.lock();
            if c.stop {
                Next::Stop
            } else if let Some(generation) = c.generation.filter(|_| c.pending) {
                c.pending = false;
                Next::Check(generation)
            } else if !c.network {
                next_recheck = None;
                Next::Sleep
            } else if let Some(generation) = c
                .generation
                .filter(|_| next_recheck.is_some_and(|t| Instant::now() >= t))
            {
                Next::Check(generation)
            } else {
                Next::Sleep
            }
        };
        match next {
            Next::Stop => return,
            Next::Sleep => {
                // Woken by a report or shutdown, or at the re-check time.
                match wait(Some(shared.wake.fd()), libc::POLLIN, next_recheck, None) {
                    Ok(()) => shared.wake.drain(),
                    Err(WaitEnd::TimedOut | WaitEnd::Aborted) => {}
                }
            }
            Next::Check(generation) => {
                let outdated = || {
                    let c = shared.control.lock();
                    c.stop || c.generation != Some(generation) || !c.network
                };
                let interrupt = Interrupt {
                    wake: &shared.wake,
                    abort: &outdated,
                };
                let Ok(outcome) = probe::run(config, &resolver, Some(&interrupt)) else {
                    continue; // aborted: the loop picks up what replaced it
                };
                next_recheck = Some(Instant::now() + config.recheck_interval());
                if outdated() {
                    continue;
                }
                // A panicking callback must not end the checks.
                let deliver = || on_result(generation, outcome);
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(deliver));
            }
        }
    }
}
