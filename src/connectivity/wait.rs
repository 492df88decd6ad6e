//! Waiting on one fd with a deadline, interruptible through an eventfd: the
//! checker's thread is woken by a newer network change or by shutdown in the
//! middle of a check, so no wait of a check outlives its purpose.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Instant;

/// An eventfd: readable from notify() until drain().
pub struct Wake {
    fd: OwnedFd,
}

impl Wake {
    pub fn new() -> io::Result<Wake> {
        // SAFETY: eventfd has no memory arguments; the result is checked.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is fresh and owned by nothing else.
        Ok(Wake {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn notify(&self) {
        let one = 1u64;
        // SAFETY: writes 8 bytes from a live u64. It can only fail when the
        // counter is near overflow, and then the fd is readable anyway.
        unsafe { libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    pub fn drain(&self) {
        let mut count = 0u64;
        // SAFETY: reads 8 bytes into a live u64; EAGAIN (not notified) is fine.
        unsafe { libc::read(self.fd.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// A wait's early end.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitEnd {
    TimedOut,
    /// The interrupt fired and `abort` said the work is no longer wanted.
    Aborted,
}

/// What may cut a wait short: `wake` fires, and `abort()` then says whether
/// to give up (a wake-up for something else just continues the wait).
pub struct Interrupt<'a> {
    pub wake: &'a Wake,
    pub abort: &'a (dyn Fn() -> bool + Sync),
}

/// Milliseconds for poll(), rounded up so a wait never ends early.
fn poll_timeout(deadline: Option<Instant>) -> Option<libc::c_int> {
    let Some(deadline) = deadline else {
        return Some(-1);
    };
    let left = deadline.checked_duration_since(Instant::now())?;
    if left.is_zero() {
        return None;
    }
    let ms = left.as_nanos().div_ceil(1_000_000);
    Some(ms.min(libc::c_int::MAX as u128) as libc::c_int)
}

/// Waits until `fd` has one of `events` (None: only the interrupt and the
/// deadline matter), the deadline passes (None: no deadline), or the
/// interrupt aborts.
pub fn wait(
    fd: Option<RawFd>,
    events: libc::c_short,
    deadline: Option<Instant>,
    interrupt: Option<&Interrupt>,
) -> Result<(), WaitEnd> {
    loop {
        let timeout = poll_timeout(deadline).ok_or(WaitEnd::TimedOut)?;
        let mut fds = [
            libc::pollfd {
                fd: fd.unwrap_or(-1),
                events,
                revents: 0,
            },
            libc::pollfd {
                fd: interrupt.map_or(-1, |i| i.wake.fd()),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: fds is a live array of two pollfd (negative fds are ignored).
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
        if rc < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            // Cannot happen with valid fds; let the caller's next call report it.
            return Ok(());
        }
        if let Some(interrupt) = interrupt
            && fds[1].revents != 0
        {
            interrupt.wake.drain();
            if (interrupt.abort)() {
                return Err(WaitEnd::Aborted);
            }
        }
        if fds[0].revents != 0 {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn deadline_interrupt_and_readiness() {
        let wake = Wake::new().unwrap();
        let started = Instant::now();
        let soon = Some(started + Duration::from_millis(30));
        assert_eq!(wait(None, 0, soon, None), Err(WaitEnd::TimedOut));
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert_eq!(wait(None, 0, Some(started), None), Err(WaitEnd::TimedOut));

        // A wake-up that is not an abort keeps waiting; one that is ends it.
        let abort = AtomicBool::new(false);
        let check = || abort.load(Ordering::SeqCst);
        let interrupt = Interrupt {
            wake: &wake,
            abort: &check,
        };
        wake.notify();
        let soon = Some(Instant::now() + Duration::from_millis(30));
        assert_eq!(
            wait(None, 0, soon, Some(&interrupt)),
            Err(WaitEnd::TimedOut)
        );
        abort.store(true, Ordering::SeqCst);
        wake.notify();
        assert_eq!(wait(None, 0, None, Some(&interrupt)), Err(WaitEnd::Aborted));

        // The fd itself: another eventfd that is readable.
        let other = Wake::new().unwrap();
        other.notify();
        assert_eq!(wait(Some(other.fd()), libc::POLLIN, None, None), Ok(()));
    }
}
