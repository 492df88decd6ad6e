//! A cheap monotonic clock for what needs no better than the kernel's tick:
//! when a session connected (activeTime() counts seconds) and when an
//! interface's counters were read (reused for a millisecond or so). It is
//! CLOCK_MONOTONIC_COARSE, which the vDSO answers from the last tick
//! without reading the hardware counter: 11 ns a call against 40 ns for
//! Instant::now() on the machine of docs/performance.md, at a resolution
//! of 1-4 ms. open() takes one stamp, so this is most of a cycle's clock.

use std::time::Duration;

/// Nanoseconds on CLOCK_MONOTONIC_COARSE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tick(u64);

impl Tick {
    pub fn now() -> Tick {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: writes one timespec we own; this clock cannot fail on Linux.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut t) };
        Tick(t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
    }

    /// Time from `earlier` to this stamp; zero if `earlier` is later.
    pub fn since(self, earlier: Tick) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    pub fn elapsed(self) -> Duration {
        Tick::now().since(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_advance_with_time() {
        let a = Tick::now();
        std::thread::sleep(Duration::from_millis(30));
        let b = Tick::now();
        assert!(b.since(a) >= Duration::from_millis(20), "{a:?} {b:?}");
        assert_eq!(a.since(b), Duration::ZERO);
    }
}
