//! What the NetworkManager thread shares with the threads that call the
//! source (the engine's commands, the netlink source's questions): a
//! command queue with an eventfd to wake the thread, the sink, the start-up
//! handshake, and small published tables. Every lock here is held briefly
//! and never while waiting for D-Bus.

use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::backend::netlink::{Done, NetlinkSource};
use crate::backend::{Sink, Snapshot, Update};

pub enum Command {
    /// Activate a profile (its settings path).
    Activate(String),
    /// Deactivate a profile's active connections.
    Deactivate(String),
    /// Activate a device by interface name (netlink's records).
    StartDevice(String, Done),
    /// Device.Disconnect by interface name.
    StopDevice(String, Done),
    Refresh,
    /// The source is not used after all (auto chose otherwise).
    Shutdown,
}

/// What the start-up probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// No system bus (the reason).
    NoBus(String),
    /// A bus, but org.freedesktop.NetworkManager has no owner.
    Absent,
    Present,
}

#[derive(Default)]
pub struct Startup {
    pub probe: Option<Probe>,
    /// The first full view, once loaded (or None if nothing to load).
    pub snapshot: Option<Snapshot>,
    /// The initial load finished (or failed, or NetworkManager is absent).
    pub loaded: bool,
    /// The engine took its snapshot: later views go through the sink.
    pub consumed: bool,
}

/// How a netlink record of a NetworkManager-managed device looks to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// NetworkManager is bringing it up.
    pub activating: bool,
    /// ActivateConnection on the device would bring it up.
    pub startable: bool,
    /// NetworkManager says it is connected.
    pub activated: bool,
}

pub struct Shared {
    commands: Mutex<VecDeque<Command>>,
    wake: OwnedFd,
    sink: Mutex<(Option<Sink>, Vec<Update>)>,
    pub startup: Mutex<Startup>,
    pub startup_changed: Condvar,
    /// Interface name -> managed device, for the netlink source.
    pub links: Mutex<HashMap<String, Link>>,
    /// Profile identifier -> kernel interface of its active device.
    pub interfaces: Mutex<HashMap<String, String>>,
    /// NetworkManager decides the default and "Default" now.
    pub owns_default: AtomicBool,
    pub netlink: OnceLock<Weak<NetlinkSource>>,
}

impl Shared {
    pub fn new() -> std::io::Result<Arc<Shared>> {
        // SAFETY: eventfd returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Arc::new(Shared {
            commands: Mutex::new(VecDeque::new()),
            // SAFETY: a descriptor we own from here on.
            wake: unsafe { OwnedFd::from_raw_fd(fd) },
            sink: Mutex::new((None, Vec::new())),
            startup: Mutex::new(Startup::default()),
            startup_changed: Condvar::new(),
            links: Mutex::new(HashMap::new()),
            interfaces: Mutex::new(HashMap::new()),
            owns_default: AtomicBool::new(false),
            netlink: OnceLock::new(),
        }))
    }

    /// Queues a command and wakes the thread; never blocks on D-Bus.
    pub fn command(&self, command: Command) {
        self.commands.lock().push_back(command);
        let one: u64 = 1;
        // SAFETY: writes 8 bytes to our eventfd; a full counter only means
        // the thread is already due to wake.
        let _ = unsafe { libc::write(self.wake.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    pub fn wake_fd(&self) -> RawFd {
        self.wake.as_raw_fd()
    }

    pub fn take_commands(&self) -> Vec<Command> {
        let mut buf = 0u64;
        // SAFETY: reads the eventfd counter into 8 bytes (resets it).
        let _ = unsafe { libc::read(self.wake.as_raw_fd(), (&mut buf as *mut u64).cast(), 8) };
        self.commands.lock().drain(..).collect()
    }

    /// Reports to the engine, or keeps the updates until it attaches.
    pub fn report(&self, updates: Vec<Update>) {
        if updates.is_empty() {
            return;
        }
        let deferred = {
            let mut sink = self.sink.lock();
            match &sink.0 {
                Some(s) => s.report_deferred(updates),
                None => {
                    sink.1.extend(updates);
                    return;
                }
            }
        };
        deferred.run();
    }

    pub fn attach(&self, sink: Sink) {
        let deferred = {
            let mut state = self.sink.lock();
            if state.0.is_some() {
                return;
            }
            let queued = std::mem::take(&mut state.1);
            let deferred = (!queued.is_empty()).then(|| sink.report_deferred(queued));
            state.0 = Some(sink);
            deferred
        };
        if let Some(d) = deferred {
            d.run();
        }
    }

    /// Waits until the probe answered, at most `timeout`.
    pub fn wait_probe(&self, timeout: Duration) -> Option<Probe> {
        let deadline = Instant::now() + timeout;
        let mut s = self.startup.lock();
        while s.probe.is_none() {
            if self
                .startup_changed
                .wait_until(&mut s, deadline)
                .timed_out()
            {
                break;
            }
        }
        s.probe.clone()
    }

    /// The engine's start-up snapshot: waits for the first load at most
    /// `timeout`; whatever comes later is reported through the sink.
    pub fn take_snapshot(&self, timeout: Duration) -> Snapshot {
        let deadline = Instant::now() + timeout;
        let mut s = self.startup.lock();
        while !s.loaded {
            if self
                .startup_changed
                .wait_until(&mut s, deadline)
                .timed_out()
            {
                break;
            }
        }
        s.consumed = true;
        s.snapshot.take().unwrap_or_default()
    }

    pub fn set_probe(&self, probe: Probe) {
        let mut s = self.startup.lock();
        if s.probe.is_none() {
            s.probe = Some(probe);
            self.startup_changed.notify_all();
        }
    }

    /// The netlink source to tell when our view of its interfaces changed.
    pub fn reannounce_netlink(&self) {
        if let Some(netlink) = self.netlink.get().and_then(Weak::upgrade) {
            netlink.reannounce();
        }
    }

    pub fn owns_default(&self) -> bool {
        self.owns_default.load(Ordering::SeqCst)
    }
}
