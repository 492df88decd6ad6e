//! One process-wide timer thread for connect timeouts, auto-close and the
//! simulated backend's delayed starts. It is started on the first timer and
//! sleeps without a deadline while no timer is armed: no idle wake-ups.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

pub type TimerId = u64;
type Action = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Inner {
    by_deadline: BTreeMap<(Instant, TimerId), Action>,
    deadlines: HashMap<TimerId, Instant>,
    next_id: TimerId,
    thread_started: bool,
}

struct Timers {
    inner: Mutex<Inner>,
    cond: Condvar,
}

static TIMERS: LazyLock<Timers> = LazyLock::new(|| Timers {
    inner: Mutex::new(Inner::default()),
    cond: Condvar::new(),
});

/// Runs `action` on the timer thread after `delay`, unless cancelled first.
pub fn schedule(delay: Duration, action: impl FnOnce() + Send + 'static) -> TimerId {
    let deadline = Instant::now().checked_add(delay).unwrap_or_else(far_future);
    let mut inner = TIMERS.inner.lock();
    inner.next_id += 1;
    let id = inner.next_id;
    inner.by_deadline.insert((deadline, id), Box::new(action));
    inner.deadlines.insert(id, deadline);
    if !inner.thread_started {
        inner.thread_started = true;
        std::thread::Builder::new()
            .name("qns-timers".into())
            .spawn(run)
            .expect("spawn timer thread");
    }
    drop(inner);
    TIMERS.cond.notify_one();
    id
}

/// Cancels a timer; returns false when it already ran or never existed.
pub fn cancel(id: TimerId) -> bool {
    let action = {
        let mut inner = TIMERS.inner.lock();
        match inner.deadlines.remove(&id) {
            Some(deadline) => inner.by_deadline.remove(&(deadline, id)),
            None => None,
        }
    };
    // The closure is dropped here, outside the timer lock.
    action.is_some()
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

fn run() {
    let mut inner = TIMERS.inner.lock();
    loop {
        let Some((&(deadline, id), _)) = inner.by_deadline.iter().next() else {
            TIMERS.cond.wait(&mut inner);
            continue;
        };
        if Instant::now() < deadline {
            TIMERS.cond.wait_until(&mut inner, deadline);
            continue;
        }
        let action = inner.by_deadline.remove(&(deadline, id));
        inner.deadlines.remove(&id);
        drop(inner);
        if let Some(action) = action {
            // A panic in an action must not kill the thread that every timer needs.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(action));
        }
        inner = TIMERS.inner.lock();
    }
}
