//! The Linux backend: rtnetlink for links, addresses and default routes.
//! One thread blocks on the multicast socket (no timers, no polling), drains
//! what the kernel queued, applies it to the model and reports the changes in
//! one batch, so a burst becomes at most one signal per observable change.
//! Lost events (ENOBUFS) trigger a full re-read that the engine diffs.

mod bearer;
pub mod identity;
mod manager;
mod model;
mod parse;
mod reachability;
mod socket;

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

use super::{Sink, Snapshot, Source, Update};
use crate::connectivity::{CheckConfig, Checker, Outcome};
use crate::types::{Capabilities, SessionError};
pub use manager::{Done, LinkManager, NetlinkOptions};
use model::KernelModel;
pub use model::{DEFAULT_NETWORK_ID, DEFAULT_NETWORK_NAME};
use reachability::CheckAction;
use socket::NlSocket;

/// Counters for benchmarks and diagnostics.
#[derive(Default)]
pub struct Counters {
    /// rtnetlink messages read from the multicast socket.
    pub events: AtomicU64,
    /// Batches reported to the engine.
    pub batches: AtomicU64,
    /// Full re-reads after the kernel dropped events.
    pub resyncs: AtomicU64,
    /// Batches that panicked and were recovered by a re-read.
    pub panics: AtomicU64,
    /// Interface counters held for reuse (see `statistics`).
    pub cached_statistics: AtomicU64,
}

pub static COUNTERS: Counters = Counters {
    events: AtomicU64::new(0),
    batches: AtomicU64::new(0),
    resyncs: AtomicU64::new(0),
    panics: AtomicU64::new(0),
    cached_statistics: AtomicU64::new(0),
};

/// The receive buffer of the event socket; QNS_NETLINK_RCVBUF overrides it.
const RECEIVE_BUFFER: usize = 4 << 20;
/// How long a counter read is reused (see `statistics`).
const STATISTICS_FRESH: Duration = Duration::from_millis(1);
/// Messages applied before a batch is reported even if more are queued.
const MAX_BATCH: usize = 4096;

/// When counters were read, and (received, sent) bytes.
type CounterRead = (Instant, (u64, u64));

struct Shared {
    model: Mutex<KernelModel>,
    /// Last counters read per ifindex, and when.
    statistics: Mutex<HashMap<i32, CounterRead>>,
    requests: Mutex<NlSocket>,
    events: Mutex<Option<NlSocket>>,
    /// Set once when the engine attaches the source.
    sink: OnceLock<Sink>,
    /// Subordinate mode (see manager.rs); None: standalone.
    manager: Option<Arc<dyn LinkManager>>,
    /// The optional connectivity check (SPEC §8), while configured.
    checker: Mutex<Option<Checker>>,
}

impl Shared {
    fn report(&self, updates: Vec<Update>) {
        if let Some(sink) = self.sink.get() {
            sink.report(self.subordinate(updates));
        }
    }

    /// In subordinate mode, what the manager decides replaces ours: no
    /// default and no "Default" network while it owns them, and its view of
    /// the interfaces it manages. Standalone: unchanged.
    fn subordinate(&self, updates: Vec<Update>) -> Vec<Update> {
        let Some(manager) = &self.manager else {
            return updates;
        };
        let owns_default = manager.owns_default();
        updates
            .into_iter()
            .filter_map(|update| match update {
                Update::Upsert(view) if owns_default && view.identifier == DEFAULT_NETWORK_ID => {
                    None
                }
                Update::Upsert(mut view) => {
                    manager.adjust(&mut view);
                    Some(Update::Upsert(view))
                }
                Update::Default(_) if owns_default => Some(Update::Default(None)),
                Update::Resync(snapshot) => {
                    Some(Update::Resync(subordinate_snapshot(manager, snapshot)))
                }
                other => Some(other),
            })
            .collect()
    }

    /// Reports while the model is still locked, so reports reach the engine
    /// in the order the model changed (the event thread and a command may
    /// both report); what the report caused runs after unlocking.
    fn report_locked(&self, mut model: MutexGuard<'_, KernelModel>, updates: Vec<Update>) {
        let action = model.check_action.take();
        let deferred = self
            .sink
            .get()
            .map(|sink| sink.report_deferred(self.subordinate(updates)));
        drop(model);
        if let Some(deferred) = deferred {
            deferred.run();
        }
        if let Some(action) = action
            && let Some(checker) = self.checker.lock().as_ref()
        {
            match action {
                CheckAction::Changed(generation) => checker.network_changed(generation),
                CheckAction::Lost(generation) => checker.network_lost(generation),
            }
        }
    }

    /// A check finished: its verdict, if still about the current route.
    fn check_finished(&self, generation: u64, outcome: Outcome) {
        let mut model = self.model.lock();
        if let Some(update) = model.check_result(generation, outcome) {
            self.report_locked(model, vec![update]);
        }
    }
}

fn subordinate_snapshot(manager: &Arc<dyn LinkManager>, mut snapshot: Snapshot) -> Snapshot {
    if manager.owns_default() {
        snapshot
            .configurations
            .retain(|v| v.identifier != DEFAULT_NETWORK_ID);
        snapshot.default_id = None;
    }
    for view in &mut snapshot.configurations {
        manager.adjust(view);
    }
    snapshot
}

/// The kernel's interfaces as configurations.
pub struct NetlinkSource {
    shared: Arc<Shared>,
}

/// CAP_NET_ADMIN in the effective set, from capget(2) (one system call
/// where /proc/self/status is an open, a read and a parse).
fn has_net_admin() -> bool {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    const CAP_NET_ADMIN: u32 = 12;
    let mut header = Header {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: capget with a v3 header and room for its two data entries.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
    rc == 0 && data[0].effective & (1 << CAP_NET_ADMIN) != 0
}

fn ifinfomsg(index: i32, flags: u32, change: u32) -> Vec<u8> {
    let mut body = vec![libc::AF_UNSPEC as u8, 0, 0, 0];
    body.extend(index.to_ne_bytes());
    body.extend(flags.to_ne_bytes());
    body.extend(change.to_ne_bytes());
    body
}

/// A link dump without statistics (RTEXT_FILTER_SKIP_STATS in IFLA_EXT_MASK):
/// a third of the bytes, and the kernel skips gathering counters per link.
fn link_dump_request() -> Vec<u8> {
    const IFLA_EXT_MASK: u16 = 29;
    const RTEXT_FILTER_SKIP_STATS: u32 = 1 << 3;
    let mut body = ifinfomsg(0, 0, 0);
    body.extend(8u16.to_ne_bytes());
    body.extend(IFLA_EXT_MASK.to_ne_bytes());
    body.extend(RTEXT_FILTER_SKIP_STATS.to_ne_bytes());
    body
}

/// Reads links, addresses and default routes into a fresh model. Addresses
/// and routes are dumped on a second socket by a second thread while this
/// one reads the links: on a multi-core machine start-up is then bounded by
/// the kernel's link dump alone.
fn read_all(sock: &mut NlSocket, can_start: bool, caps: Capabilities) -> io::Result<KernelModel> {
    loop {
        let mut model = KernelModel::new(can_start, caps);
        let (links, others) = std::thread::scope(|scope| {
            let others = scope.spawn(dump_addresses_and_routes);
            let links = sock.dump(parse::RTM_GETLINK, &link_dump_request(), |m| {
                model.apply(m);
            });
            (
                links,
                others
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("dump thread panicked"))),
            )
        });
        let attempt = links.and_then(|()| {
            for (kind, payload) in others? {
                model.apply(&parse::Message {
                    kind,
                    flags: 0,
                    seq: 0,
                    payload: &payload,
                });
            }
            Ok(())
        });
        match attempt {
            Ok(()) => return Ok(model),
            // The tables changed during the dump: read them again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The address and route dumps, as (message type, payload) pairs.
fn dump_addresses_and_routes() -> io::Result<Vec<(u16, Vec<u8>)>> {
    let mut sock = NlSocket::open(0)?;
    let mut messages = Vec::new();
    let mut keep = |m: &parse::Message| messages.push((m.kind, m.payload.to_vec()));
    let mut addr = vec![libc::AF_UNSPEC as u8, 0, 0, 0];
    addr.extend(0u32.to_ne_bytes());
    sock.dump(parse::RTM_GETADDR, &addr, &mut keep)?;
    let route = vec![libc::AF_UNSPEC as u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    sock.dump(parse::RTM_GETROUTE, &route, &mut keep)?;
    Ok(messages)
}

impl NetlinkSource {
    pub fn new() -> io::Result<NetlinkSource> {
        Self::with_options(NetlinkOptions::default())
    }

    pub fn with_options(options: NetlinkOptions) -> io::Result<NetlinkSource> {
        use socket::*;
        let groups = RTMGRP_LINK
            | RTMGRP_IPV4_IFADDR
            | RTMGRP_IPV6_IFADDR
            | RTMGRP_IPV4_ROUTE
            | RTMGRP_IPV6_ROUTE;
        // Subscribe before reading, so nothing between the two is missed.
        let events = NlSocket::open(groups)?;
        let size = std::env::var("QNS_NETLINK_RCVBUF")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(RECEIVE_BUFFER);
        events.set_receive_buffer(size);
        let mut requests = NlSocket::open(0)?;
        let can_start = has_net_admin();
        let mut caps = Capabilities::APPLICATION_LEVEL_ROAMING
            | Capabilities::FORCED_ROAMING
            | Capabilities::DATA_STATISTICS;
        if can_start {
            caps |= Capabilities::CAN_START_AND_STOP_INTERFACES;
        }
        let model = read_all(&mut requests, can_start, caps)?;
        Ok(NetlinkSource {
            shared: Arc::new(Shared {
                model: Mutex::new(model),
                statistics: Mutex::new(HashMap::new()),
                requests: Mutex::new(requests),
                events: Mutex::new(Some(events)),
                sink: OnceLock::new(),
                manager: options.manager,
                checker: Mutex::new(None),
            }),
        })
    }

    /// Reports the whole view again (subordinate mode: the manager's view
    /// of its interfaces or its ownership of the default changed).
    pub fn reannounce(&self) {
        let mut model = self.shared.model.lock();
        let snapshot = model.snapshot();
        self.shared
            .report_locked(model, vec![Update::Resync(snapshot)]);
    }

    /// The interface name of one of our records.
    fn interface_name(&self, identifier: &str) -> Option<String> {
        let index = self.shared.model.lock().index_of(identifier)?;
        let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
        // SAFETY: the buffer holds IF_NAMESIZE bytes, as if_indextoname needs.
        let found = unsafe { libc::if_indextoname(index as u32, name.as_mut_ptr()) };
        if found.is_null() {
            return None;
        }
        // SAFETY: if_indextoname wrote a NUL-terminated name into the buffer.
        let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
        Some(name.to_string_lossy().into_owned())
    }

    /// Hands a start or stop of an interface the manager manages to it;
    /// false when standalone or not managed.
    fn delegate(&self, identifier: &str, start: bool) -> bool {
        let Some(manager) = &self.shared.manager else {
            return false;
        };
        let Some(name) = self.interface_name(identifier) else {
            return false;
        };
        let shared = self.shared.clone();
        let id = identifier.to_owned();
        let done: Done = Box::new(move |outcome| {
            if let Some((error, message)) = outcome {
                shared.report(vec![if start {
                    Update::StartFailed { id, error, message }
                } else {
                    Update::StopRefused { id, error, message }
                }]);
            }
        });
        if start {
            manager.start(&name, done)
        } else {
            manager.stop(&name, done)
        }
    }

    fn set_up(&self, identifier: &str, up: bool) -> io::Result<bool> {
        let Some(index) = self.shared.model.lock().index_of(identifier) else {
            return Err(io::ErrorKind::NotFound.into());
        };
        if self.shared.model.lock().is_up(index) == up {
            return Ok(false);
        }
        let flags = if up { libc::IFF_UP as u32 } else { 0 };
        self.shared.requests.lock().request(
            parse::RTM_NEWLINK,
            &ifinfomsg(index, flags, libc::IFF_UP as u32),
        )?;
        Ok(true)
    }
}

/// The event thread: blocks until the kernel has something, drains it, reports.
fn run(shared: Arc<Shared>, mut events: NlSocket) {
    loop {
        let mut pfd = libc::pollfd {
            fd: events.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; blocks with no timeout (no idle wake-ups).
        if unsafe { libc::poll(&mut pfd, 1, -1) } < 0 {
            continue;
        }
        // Live updates must never end silently: whatever goes wrong in one
        // batch, the view is re-read and the thread carries on.
        let lost = guarded(|| drain_and_report(&shared, &mut events), || true);
        if lost {
            COUNTERS.resyncs.fetch_add(1, Ordering::Relaxed);
            guarded(|| resync(&shared, Vec::new()), || ());
        }
        COUNTERS.batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs `work`, or `recover` if it panicked.
fn guarded<T>(work: impl FnOnce() -> T, recover: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        COUNTERS.panics.fetch_add(1, Ordering::Relaxed);
        recover()
    })
}

/// Applies what the kernel queued and reports it; true when events were lost.
fn drain_and_report(shared: &Shared, events: &mut NlSocket) -> bool {
    let mut lost = false;
    let mut applied = 0;
    let mut model = shared.model.lock();
    while applied < MAX_BATCH {
        match events.recv(false) {
            Ok(datagram) => {
                for message in parse::messages(datagram) {
                    model.apply(&message);
                    applied += 1;
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => lost = true,
            Err(_) => break, // WouldBlock: drained
        }
    }
    COUNTERS.events.fetch_add(applied as u64, Ordering::Relaxed);
    if !lost {
        let updates = model.take_updates();
        shared.report_locked(model, updates);
    }
    lost
}

/// Re-reads everything (after lost events, or for a refresh) and reports
/// the snapshot, which the engine diffs, followed by `then`.
fn resync(shared: &Shared, then: Vec<Update>) {
    let (can_start, caps) = {
        let m = shared.model.lock();
        (m.can_start(), m.capabilities())
    };
    let fresh = read_all(&mut shared.requests.lock(), can_start, caps);
    let mut model = shared.model.lock();
    let mut updates = match fresh {
        Ok(mut fresh) => {
            // The check is about the route, not about what was re-read.
            fresh.check = std::mem::take(&mut model.check);
            *model = fresh;
            vec![Update::Resync(model.snapshot())]
        }
        Err(_) => model.take_updates(),
    };
    updates.extend(then);
    shared.report_locked(model, updates);
}

impl Source for NetlinkSource {
    fn name(&self) -> &'static str {
        "netlink"
    }

    fn snapshot(&self) -> Snapshot {
        let snapshot = self.shared.model.lock().snapshot();
        match &self.shared.manager {
            Some(manager) => subordinate_snapshot(manager, snapshot),
            None => snapshot,
        }
    }

    fn attach(&self, sink: Sink) {
        if self.shared.sink.set(sink).is_err() {
            return;
        }
        let Some(events) = self.shared.events.lock().take() else {
            return;
        };
        let shared = self.shared.clone();
        let _ = std::thread::Builder::new()
            .name("qns-netlink".into())
            .spawn(move || run(shared, events));
        // The manager may have changed its mind between our snapshot and now.
        if self.shared.manager.is_some() {
            self.reannounce();
        }
    }

    fn start(&self, identifier: &str) {
        if self.delegate(identifier, true) {
            return;
        }
        if let Err(e) = self.set_up(identifier, true) {
            let error = match e.raw_os_error() {
                Some(libc::EPERM | libc::EACCES | libc::EOPNOTSUPP) => {
                    SessionError::OperationNotSupported
                }
                _ => SessionError::Unknown,
            };
            self.shared.report(vec![Update::StartFailed {
                id: identifier.to_owned(),
                error,
                message: None,
            }]);
        }
    }

    /// The link is down once the kernel acknowledged it: the model says so
    /// at once, before the event arrives, so an open() right after sees a
    /// link to start again, never the stale up state (SPEC §4.3). A stop
    /// that failed is reported, so nothing waits for a down that never comes.
    fn stop(&self, identifier: &str) {
        if self.delegate(identifier, false) {
            return;
        }
        match self.set_up(identifier, false) {
            Ok(true) => {
                let mut model = self.shared.model.lock();
                if let Some(index) = model.index_of(identifier) {
                    model.mark_down(index);
                }
                let updates = model.take_updates();
                self.shared.report_locked(model, updates);
            }
            Ok(false) => {}
            Err(_) => self.shared.report(vec![Update::StopFailed {
                id: identifier.to_owned(),
            }]),
        }
    }

    fn refresh(&self) {
        resync(&self.shared, vec![Update::RefreshCompleted]);
    }

    /// The checker exists only while a URL is configured. It is installed
    /// before the model asks for a check, and an old one is dropped (which
    /// joins its thread) holding no lock its callback takes.
    fn set_connectivity_check(&self, check: Option<CheckConfig>) {
        let checker = check.and_then(|config| {
            let shared = Arc::downgrade(&self.shared);
            Checker::new(
                config,
                Box::new(move |generation, outcome| {
                    if let Some(shared) = shared.upgrade() {
                        shared.check_finished(generation, outcome);
                    }
                }),
            )
            .ok()
        });
        let enabled = checker.is_some();
        let old = std::mem::replace(&mut *self.shared.checker.lock(), checker);
        drop(old);
        let mut model = self.shared.model.lock();
        let update = model.set_check_enabled(enabled);
        self.shared.report_locked(model, vec![update]);
    }

    fn statistics_reuse(&self) -> Duration {
        STATISTICS_FRESH
    }

    /// Counters read within the last millisecond are reused: a session
    /// takes a baseline at every open, and a burst of opens on one
    /// interface should not cost a kernel round trip each.
    fn statistics(&self, identifier: &str) -> Option<(u64, u64)> {
        let index = self.shared.model.lock().index_of(identifier)?;
        if let Some((at, bytes)) = self.shared.statistics.lock().get(&index)
            && at.elapsed() < STATISTICS_FRESH
        {
            return Some(*bytes);
        }
        let payload = self
            .shared
            .requests
            .lock()
            .query(
                parse::RTM_GETLINK,
                &ifinfomsg(index, 0, 0),
                parse::RTM_NEWLINK,
            )
            .ok()?;
        let bytes = parse::link(&payload)?.bytes;
        let mut cache = self.shared.statistics.lock();
        // Only reads of the last millisecond are reused, so older ones (of
        // links long gone among them) are dropped: the cache stays as small
        // as one burst of opens, however many links come and go.
        cache.retain(|_, (at, _)| at.elapsed() < STATISTICS_FRESH);
        cache.insert(index, (Instant::now(), bytes));
        COUNTERS
            .cached_statistics
            .store(cache.len() as u64, Ordering::Relaxed);
        Some(bytes)
    }
}

/// (received, sent) bytes of an interface from the kernel's 64-bit link
/// counters, on a socket of its own (for sources that know interfaces by
/// name, such as NetworkManager's devices).
pub fn link_counters(index: i32) -> Option<(u64, u64)> {
    let mut sock = NlSocket::open(0).ok()?;
    let payload = sock
        .query(
            parse::RTM_GETLINK,
            &ifinfomsg(index, 0, 0),
            parse::RTM_NEWLINK,
        )
        .ok()?;
    Some(parse::link(&payload)?.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch that panics is recovered (the event thread then re-reads)
    /// instead of ending live updates.
    #[test]
    fn a_panicking_batch_is_recovered() {
        let before = COUNTERS.panics.load(Ordering::Relaxed);
        let lost = guarded(|| -> bool { panic!("malformed state") }, || true);
        assert!(lost, "recovery asks for a re-read");
        assert_eq!(COUNTERS.panics.load(Ordering::Relaxed), before + 1);
        assert!(!guarded(|| false, || true));
    }
}
