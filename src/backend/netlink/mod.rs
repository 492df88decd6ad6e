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
mod socket;

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::{Deferred, Sink, Snapshot, Source, Update};
use crate::types::{Capabilities, SessionError};
pub use manager::{Done, LinkManager, NetlinkOptions, Outcome};
use model::KernelModel;
pub use model::{DEFAULT_NETWORK_ID, DEFAULT_NETWORK_NAME};
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
}

pub static COUNTERS: Counters = Counters {
    events: AtomicU64::new(0),
    batches: AtomicU64::new(0),
    resyncs: AtomicU64::new(0),
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
    /// Held from reading the model until its report reached the engine, so
    /// reports from different threads (events, refresh, the manager's
    /// reannounce) arrive in the order they were read.
    order: Mutex<()>,
}

impl Shared {
    fn report(&self, updates: Vec<Update>) {
        self.report_deferred(updates).run();
    }

    fn report_deferred(&self, updates: Vec<Update>) -> Deferred {
        match self.sink.get() {
            Some(sink) => sink.report_deferred(self.subordinate(updates)),
            None => Deferred::none(),
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

/// CAP_NET_ADMIN in the effective set (bit 12 of CapEff).
fn has_net_admin() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .is_some_and(|caps| caps & (1 << 12) != 0)
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
                order: Mutex::new(()),
            }),
        })
    }

    /// Reports the whole view again (subordinate mode: the manager's view
    /// of its interfaces or its ownership of the default changed).
    pub fn reannounce(&self) {
        let order = self.shared.order.lock();
        let snapshot = self.shared.model.lock().snapshot();
        let deferred = self.shared.report_deferred(vec![Update::Resync(snapshot)]);
        drop(order);
        deferred.run();
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
                    Update::StopFailed { id, error, message }
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
        let order = shared.order.lock();
        let mut lost = false;
        let mut applied = 0;
        let mut updates = {
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
            if lost {
                Vec::new()
            } else {
                model.take_updates()
            }
        };
        COUNTERS.events.fetch_add(applied as u64, Ordering::Relaxed);
        if lost {
            COUNTERS.resyncs.fetch_add(1, Ordering::Relaxed);
            updates = resync(&shared);
        }
        COUNTERS.batches.fetch_add(1, Ordering::Relaxed);
        let deferred = shared.report_deferred(updates);
        drop(order);
        deferred.run();
    }
}

/// Re-reads everything after lost events; the engine diffs the snapshot.
fn resync(shared: &Shared) -> Vec<Update> {
    let (can_start, caps) = {
        let m = shared.model.lock();
        (m.can_start(), m.capabilities())
    };
    let fresh = read_all(&mut shared.requests.lock(), can_start, caps);
    let mut model = shared.model.lock();
    match fresh {
        Ok(fresh) => {
            *model = fresh;
            vec![Update::Resync(model.snapshot())]
        }
        Err(_) => model.take_updates(),
    }
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

    fn stop(&self, identifier: &str) {
        // A failed stop leaves the link as it is; sessions in Closing fall
        // back to the link's real state when their timer ends.
        if !self.delegate(identifier, false) {
            let _ = self.set_up(identifier, false);
        }
    }

    fn refresh(&self) {
        let order = self.shared.order.lock();
        let mut updates = resync(&self.shared);
        updates.push(Update::RefreshCompleted);
        let deferred = self.shared.report_deferred(updates);
        drop(order);
        deferred.run();
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
        self.shared
            .statistics
            .lock()
            .insert(index, (Instant::now(), bytes));
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
