//! The thread that owns the D-Bus connection: it follows NetworkManager
//! (libnm's subscription set: standard PropertiesChanged, ObjectManager,
//! StateChanged, Settings.Connection.Updated, CheckPermissions, all bound
//! to NetworkManager's unique name; the initial view from one
//! GetManagedObjects), carries out the engine's commands, and survives
//! NetworkManager restarting and the system bus going away.
//!
//! It blocks in poll() on the bus socket, its command eventfd and, while
//! the bus is gone, an inotify watch on the bus socket's directory; the
//! timeout is the nearest deadline (a call's, the restart grace, a
//! reconnection attempt), so an idle process has no wake-ups at all.

use std::collections::{HashMap, HashSet, VecDeque};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use dbus::Message;
use dbus::message::MessageType;

use super::bus::{self, Bus, DBUS_NAME};
use super::errors;
use super::model::{self, NmModel, Settings};
use super::shared::{Command, Link, Probe, Shared};
use super::value::{self, Value};
use super::views::{self, NmView};
use crate::backend::netlink::{DEFAULT_NETWORK_ID, Done};
use crate::backend::{NetworkStatus, Snapshot, Update};
use crate::engine::record::{ConfigView, InterfaceInfo};
use crate::types::{Capabilities, SessionError};

const NM_NAME: &str = "org.freedesktop.NetworkManager";
const OBJECT_MANAGER: &str = "org.freedesktop.DBus.ObjectManager";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

/// Reads: GetManagedObjects, GetSettings, GetPermissions, GetNameOwner.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Activation and deactivation may wait for a polkit agent's answer; the
/// session's own connect timeout decides what the application sees.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(90);
/// SPEC §7: records of a NetworkManager that went away wait this long for
/// it to come back before they are removed.
const RESTART_GRACE: Duration = Duration::from_secs(5);
/// updateConfigurations() asks for a Wi-Fi scan at most this often.
const SCAN_INTERVAL: Duration = Duration::from_secs(10);
/// Reconnection attempts after the bus went away: doubling, capped; an
/// inotify event on the socket's directory tries at once.
const RECONNECT_FIRST: Duration = Duration::from_millis(100);
const RECONNECT_MAX: Duration = Duration::from_secs(60);

/// GetSettings calls outstanding at once (pipelined, within the bus's limit
/// of pending replies per connection).
const SETTINGS_IN_FLIGHT: usize = 32;

/// Capabilities besides start/stop (which needs network-control).
const BASE_CAPABILITIES: Capabilities = Capabilities::APPLICATION_LEVEL_ROAMING
    .union(Capabilities::FORCED_ROAMING)
    .union(Capabilities::DATA_STATISTICS);

/// QNS_NM_DEBUG=1 traces the conversation with NetworkManager on stderr.
static DEBUG: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| std::env::var_os("QNS_NM_DEBUG").is_some_and(|v| v == "1"));

macro_rules! trace {
    ($($arg:tt)*) => {
        if *DEBUG {
            eprintln!("qns-nm: {}", format!($($arg)*));
        }
    };
}

/// The renaming step between two settings paths (NetworkManager's restart
/// can swap paths between profiles).
const RENAMING_PREFIX: &str = "\u{1}renaming:";

enum Call {
    NameOwner,
    Objects,
    Settings(String),
    Permissions,
    Activate(String),
    ActivateDevice(Option<Done>),
    Deactivate(String),
    Disconnect(Option<Done>),
    Scan,
}

struct Pending {
    deadline: Instant,
    generation: u64,
    call: Call,
}

/// One NetworkManager process, known by its unique name.
struct Daemon {
    owner: String,
    /// GetManagedObjects is outstanding.
    objects_pending: bool,
    /// GetSettings requests not answered yet, by profile (queued or sent).
    settings_pending: HashMap<String, u32>,
    /// Profiles waiting for a GetSettings slot.
    settings_queue: VecDeque<String>,
    /// GetSettings calls sent and not answered.
    settings_in_flight: usize,
    /// A full view was loaded at least once.
    loaded_once: bool,
    rules: Vec<String>,
    permissions: Option<Capabilities>,
}

/// What the engine was told, to report only differences.
struct Reported {
    views: HashMap<String, ConfigView>,
    default_id: Option<String>,
    status: Option<NetworkStatus>,
    capabilities: Capabilities,
}

impl Default for Reported {
    fn default() -> Self {
        Reported {
            views: HashMap::new(),
            default_id: None,
            status: None,
            capabilities: Capabilities::empty(),
        }
    }
}

pub struct Client {
    shared: Arc<Shared>,
    address: String,
    bus: Option<Bus>,
    reconnect_at: Option<Instant>,
    reconnect_delay: Duration,
    inotify: Option<OwnedFd>,
    pending: HashMap<u32, Pending>,
    daemon: Option<Daemon>,
    generation: u64,
    model: NmModel,
    reported: Reported,
    /// NetworkManager went away; its records wait until then.
    grace_until: Option<Instant>,
    /// The "Default" network is ours (the netlink source dropped its own).
    default_claimed: bool,
    /// updateConfigurations() waits for this load.
    refresh_owed: bool,
    last_scan: Option<Instant>,
    /// Device activations the netlink source waits for, by active connection.
    link_waiters: HashMap<String, Done>,
    /// Active connections whose failure was reported.
    failed: HashSet<String>,
    dirty: bool,
    /// Failed activations to report after the view of the same batch.
    failures: Vec<Update>,
    /// Profiles the engine asked to stop, and the active connections that
    /// deactivates: Update::Stopped once none of them is ACTIVATED (see
    /// stops_done).
    stopping: HashMap<String, Vec<String>>,
    link_failures: Vec<(Done, (SessionError, Option<String>))>,
    with_netlink: bool,
    /// Kernel interfaces of active devices as last read (see view()); any
    /// news about a device reads them again.
    interfaces: std::cell::RefCell<HashMap<String, Option<Arc<InterfaceInfo>>>>,
}

impl Client {
    pub fn new(shared: Arc<Shared>, with_netlink: bool) -> Client {
        Client {
            shared,
            address: bus::system_bus_address(),
            bus: None,
            reconnect_at: None,
            reconnect_delay: RECONNECT_FIRST,
            inotify: None,
            pending: HashMap::new(),
            daemon: None,
            generation: 0,
            model: NmModel::default(),
            reported: Reported::default(),
            grace_until: None,
            default_claimed: false,
            refresh_owed: false,
            last_scan: None,
            link_waiters: HashMap::new(),
            failed: HashSet::new(),
            dirty: false,
            failures: Vec::new(),
            stopping: HashMap::new(),
            link_failures: Vec::new(),
            with_netlink,
            interfaces: Default::default(),
        }
    }

    /// The thread's body: returns on Shutdown.
    pub fn run(mut self) {
        self.try_connect(true);
        loop {
            // Sending also reads: libdbus may hold messages it already read
            // from the socket, so drain them before sleeping on the socket.
            self.read_bus();
            if self.dirty {
                self.dirty = false;
                self.publish();
            }
            if !self.failures.is_empty() {
                let failures = std::mem::take(&mut self.failures);
                self.shared.report(failures);
            }
            for (done, failure) in std::mem::take(&mut self.link_failures) {
                done(Some(failure));
            }
            let now = Instant::now();
            let timeout = self
                .next_deadline()
                .map(|d| d.saturating_duration_since(now));
            self.wait(timeout);
            for command in self.shared.take_commands() {
                if matches!(command, Command::Shutdown) {
                    return;
                }
                self.execute(command);
            }
            self.expire(Instant::now());
        }
    }

    // ----------------------------------------------------------- connection

    fn try_connect(&mut self, first: bool) {
        trace!("connecting to {}", self.address);
        let result = Bus::connect(&self.address);
        trace!("connected: {:?}", result.as_ref().err());
        match result {
            Ok(bus) => {
                self.inotify = None;
                self.reconnect_at = None;
                self.reconnect_delay = RECONNECT_FIRST;
                let rule = format!(
                    "type='signal',sender='{DBUS_NAME}',interface='{DBUS_NAME}',member='NameOwnerChanged',arg0='{NM_NAME}'"
                );
                bus.call_bus_no_reply("AddMatch", &rule);
                if let Some(serial) = bus.call_bus("GetNameOwner", NM_NAME) {
                    self.expect(serial, Call::NameOwner, READ_TIMEOUT);
                }
                self.bus = Some(bus);
            }
            Err(reason) => {
                if first {
                    self.shared.set_probe(Probe::NoBus(reason));
                    self.finish_startup(None);
                }
                self.schedule_reconnect();
            }
        }
    }

    fn schedule_reconnect(&mut self) {
        if self.inotify.is_none() {
            self.inotify = watch_socket_directory(&self.address);
        }
        self.reconnect_at = Some(Instant::now() + self.reconnect_delay);
        self.reconnect_delay = (self.reconnect_delay * 2).min(RECONNECT_MAX);
    }

    fn bus_lost(&mut self) {
        self.bus = None;
        self.daemon_lost("the system bus went away");
        self.schedule_reconnect();
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.pending
            .values()
            .map(|p| p.deadline)
            .chain(self.grace_until)
            .chain(self.reconnect_at)
            .min()
    }

    fn wait(&mut self, timeout: Option<Duration>) {
        let mut fds = vec![libc::pollfd {
            fd: self.shared.wake_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        if let Some((fd, write)) = self.bus.as_ref().and_then(Bus::watch) {
            let events = libc::POLLIN | if write { libc::POLLOUT } else { 0 };
            fds.push(libc::pollfd {
                fd,
                events,
                revents: 0,
            });
        }
        if let Some(inotify) = &self.inotify {
            fds.push(libc::pollfd {
                fd: inotify.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128 - 1) as i32 + 1);
        // SAFETY: valid pollfds for the call's duration.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n > 0
            && let Some(inotify) = &self.inotify
            && fds
                .iter()
                .any(|p| p.fd == inotify.as_raw_fd() && p.revents != 0)
        {
            let mut buf = [0u8; 4096];
            // SAFETY: drains the inotify descriptor into our buffer.
            let _ = unsafe { libc::read(inotify.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            // The socket appeared or changed: try now, then back off anew.
            self.reconnect_delay = RECONNECT_FIRST;
            self.reconnect_at = Some(Instant::now());
        }
    }

    fn read_bus(&mut self) {
        let Some(bus) = &self.bus else {
            return;
        };
        if !bus.pump() {
            self.bus_lost();
            return;
        }
        while let Some(message) = self.bus.as_ref().and_then(Bus::pop) {
            self.dispatch(message);
        }
    }

    fn expect(&mut self, serial: u32, call: Call, timeout: Duration) {
        self.pending.insert(
            serial,
            Pending {
                deadline: Instant::now() + timeout,
                generation: self.generation,
                call,
            },
        );
    }

    /// Calls past their deadline fail as if NetworkManager had said so.
    fn expire(&mut self, now: Instant) {
        let late: Vec<u32> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(s, _)| *s)
            .collect();
        for serial in late {
            if let Some(p) = self.pending.remove(&serial) {
                self.failed_call(
                    p,
                    "org.freedesktop.DBus.Error.NoReply",
                    "NetworkManager did not answer in time",
                );
            }
        }
        if self.grace_until.is_some_and(|g| g <= now) {
            self.grace_until = None;
            self.release_records();
        }
        if self.bus.is_none() && self.reconnect_at.is_some_and(|r| r <= now) {
            self.reconnect_at = None;
            self.try_connect(false);
        }
    }

    // ----------------------------------------------------------- daemon life

    fn daemon_appeared(&mut self, owner: String) {
        if self.daemon.as_ref().is_some_and(|d| d.owner == owner) {
            return;
        }
        if self.daemon.is_some() {
            self.daemon_lost("NetworkManager was replaced");
        }
        let Some(bus) = &self.bus else { return };
        self.generation += 1;
        let rules = vec![
            bus::match_rule(
                &owner,
                PROPERTIES,
                Some("PropertiesChanged"),
                Some(model::NM_PATH),
            ),
            bus::match_rule(&owner, OBJECT_MANAGER, None, Some("/org/freedesktop")),
            bus::match_rule(&owner, model::MANAGER_IFACE, Some("StateChanged"), None),
            bus::match_rule(&owner, model::DEVICE_IFACE, Some("StateChanged"), None),
            bus::match_rule(&owner, model::ACTIVE_IFACE, Some("StateChanged"), None),
            bus::match_rule(&owner, model::PROFILE_IFACE, Some("Updated"), None),
            bus::match_rule(&owner, model::MANAGER_IFACE, Some("CheckPermissions"), None),
        ];
        for rule in &rules {
            bus.call_bus_no_reply("AddMatch", rule);
        }
        self.daemon = Some(Daemon {
            owner,
            objects_pending: false,
            settings_pending: HashMap::new(),
            settings_queue: VecDeque::new(),
            settings_in_flight: 0,
            loaded_once: false,
            rules,
            permissions: None,
        });
        self.shared.set_probe(Probe::Present);
        self.load();
        self.ask_permissions();
    }

    /// One GetManagedObjects, then GetSettings of every profile.
    fn load(&mut self) {
        let (Some(bus), Some(daemon)) = (&self.bus, &mut self.daemon) else {
            return;
        };
        let serial = bus.call(
            &daemon.owner,
            "/org/freedesktop",
            OBJECT_MANAGER,
            "GetManagedObjects",
            |m| m,
        );
        daemon.objects_pending = true;
        match serial {
            Some(s) => self.expect(s, Call::Objects, READ_TIMEOUT),
            None => self.load_failed(),
        }
    }

    fn ask_permissions(&mut self) {
        let (Some(bus), Some(daemon)) = (&self.bus, &self.daemon) else {
            return;
        };
        if let Some(s) = bus.call(
            &daemon.owner,
            model::NM_PATH,
            model::MANAGER_IFACE,
            "GetPermissions",
            |m| m,
        ) {
            self.expect(s, Call::Permissions, READ_TIMEOUT);
        }
    }

    /// Queues a GetSettings; at most SETTINGS_IN_FLIGHT are outstanding at
    /// once (the bus limits a connection's pending replies: 128 by default).
    fn ask_settings(&mut self, path: &str) {
        let Some(daemon) = &mut self.daemon else {
            return;
        };
        *daemon.settings_pending.entry(path.to_owned()).or_default() += 1;
        daemon.settings_queue.push_back(path.to_owned());
        self.send_settings_requests();
    }

    fn send_settings_requests(&mut self) {
        loop {
            let (Some(bus), Some(daemon)) = (&self.bus, &mut self.daemon) else {
                return;
            };
            if daemon.settings_in_flight >= SETTINGS_IN_FLIGHT {
                return;
            }
            let Some(path) = daemon.settings_queue.pop_front() else {
                return;
            };
            match bus.call(
                &daemon.owner,
                &path,
                model::PROFILE_IFACE,
                "GetSettings",
                |m| m,
            ) {
                Some(s) => {
                    daemon.settings_in_flight += 1;
                    self.expect(s, Call::Settings(path), READ_TIMEOUT);
                }
                None => {
                    self.model.profiles.remove(&path);
                    self.settings_done(&path);
                }
            }
        }
    }

    /// NetworkManager (or the bus) went away: its records wait for it.
    fn daemon_lost(&mut self, why: &str) {
        let Some(daemon) = self.daemon.take() else {
            return;
        };
        if let Some(bus) = &self.bus {
            for rule in &daemon.rules {
                bus.call_bus_no_reply("RemoveMatch", rule);
            }
        }
        let orphans: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        for p in orphans {
            self.failed_call(p, "org.freedesktop.DBus.Error.NoReply", why);
        }
        let waiters: Vec<Done> = self.link_waiters.drain().map(|(_, d)| d).collect();
        self.model = NmModel::default();
        self.interfaces.borrow_mut().clear();
        self.failed.clear();
        self.shared.links.lock().clear();
        self.shared.interfaces.lock().clear();
        if self.shared.netlink.get().is_some() {
            self.shared.reannounce_netlink();
        }
        for done in waiters {
            done(Some((SessionError::Unknown, Some(why.to_owned()))));
        }
        if self.refresh_owed {
            self.refresh_owed = false;
            self.shared.report(vec![Update::RefreshCompleted]);
        }
        if self.reported.views.is_empty() {
            self.release_records();
        } else {
            self.grace_until = Some(Instant::now() + RESTART_GRACE);
        }
    }

    /// No NetworkManager within the grace period: its records go, the
    /// netlink source gets the default back (after our "Default" is gone).
    fn release_records(&mut self) {
        if self.default_claimed {
            self.default_claimed = false;
            if self.reported.views.remove(DEFAULT_NETWORK_ID).is_some() {
                self.shared
                    .report(vec![Update::Remove(DEFAULT_NETWORK_ID.to_owned())]);
            }
        }
        self.shared.owns_default.store(false, Ordering::SeqCst);
        self.shared.reannounce_netlink();
        self.report_difference(NmView::default());
    }

    fn load_failed(&mut self) {
        if let Some(d) = &mut self.daemon {
            d.objects_pending = false;
        }
        self.finish_startup(None);
        if self.refresh_owed {
            self.refresh_owed = false;
            self.shared.report(vec![Update::RefreshCompleted]);
        }
    }

    /// A GetSettings came back: its slot goes to the next one queued.
    fn settings_answered(&mut self) {
        if let Some(d) = &mut self.daemon {
            d.settings_in_flight = d.settings_in_flight.saturating_sub(1);
        }
        self.send_settings_requests();
    }

    fn settings_done(&mut self, path: &str) {
        let Some(daemon) = &mut self.daemon else {
            return;
        };
        if let Some(n) = daemon.settings_pending.get_mut(path) {
            *n -= 1;
            if *n == 0 {
                daemon.settings_pending.remove(path);
            }
        }
        if daemon.settings_pending.is_empty() && !daemon.objects_pending {
            daemon.loaded_once = true;
            self.loaded();
        }
    }

    /// Everything asked for has been read: the engine's start-up snapshot,
    /// or a report of the differences.
    fn loaded(&mut self) {
        let shared = self.shared.clone();
        let mut s = shared.startup.lock();
        if !s.consumed {
            // The engine waits for this: everything in one snapshot, the
            // netlink source (asked next) already leaving the default to us.
            self.default_claimed = true;
            self.shared.owns_default.store(true, Ordering::SeqCst);
            let view = self.view();
            s.snapshot = Some(self.snapshot_of(&view));
            s.loaded = true;
            shared.startup_changed.notify_all();
            drop(s);
            self.remember(&view);
        } else {
            drop(s);
            let view = self.view();
            self.publish_view(view);
        }
        if self.refresh_owed {
            self.refresh_owed = false;
            self.shared.report(vec![Update::RefreshCompleted]);
        }
    }

    fn finish_startup(&self, snapshot: Option<Snapshot>) {
        trace!(
            "start-up view ready: {:?}",
            snapshot.as_ref().map(|s| s.configurations.len())
        );
        let mut s = self.shared.startup.lock();
        if !s.consumed {
            s.snapshot = snapshot;
        }
        s.loaded = true;
        self.shared.startup_changed.notify_all();
    }

    // ----------------------------------------------------------- messages

    fn dispatch(&mut self, message: Message) {
        trace!(
            "<- {:?} {:?} {:?}.{:?} reply to {:?}",
            message.msg_type(),
            message.path(),
            message.interface(),
            message.member(),
            message.get_reply_serial()
        );
        match message.msg_type() {
            MessageType::MethodReturn | MessageType::Error => self.reply(message),
            MessageType::Signal => self.signal(&message),
            MessageType::MethodCall => {
                // Nobody should call us; answer like any peer so callers do not hang.
                if let (Some(bus), Some(reply)) =
                    (&self.bus, dbus::channel::default_reply(&message))
                {
                    let _ = bus.send(reply);
                }
            }
        }
    }

    fn reply(&mut self, mut message: Message) {
        let Some(serial) = message.get_reply_serial() else {
            return;
        };
        let Some(pending) = self.pending.remove(&serial) else {
            return;
        };
        if let Err(e) = message.as_result() {
            let name = e
                .name()
                .unwrap_or("org.freedesktop.DBus.Error.Failed")
                .to_owned();
            let text = e.message().unwrap_or("").to_owned();
            self.failed_call(pending, &name, &text);
            return;
        }
        let args = value::arguments(&message);
        let stale = pending.generation != self.generation;
        match pending.call {
            Call::NameOwner => match args.first().and_then(Value::as_str) {
                Some(owner) if owner.starts_with(':') => self.daemon_appeared(owner.to_owned()),
                _ => self.no_daemon(),
            },
            Call::Objects if !stale => self.objects_loaded(args.first()),
            Call::Settings(path) if !stale => {
                self.settings_answered();
                match args.first().and_then(Settings::parse) {
                    Some(settings) => {
                        if let Some(p) = self.model.profiles.get_mut(&path) {
                            p.settings = Some(settings);
                        }
                    }
                    // Unreadable settings: a profile we cannot describe is not shown.
                    None => {
                        self.model.profiles.remove(&path);
                    }
                }
                self.settings_done(&path);
            }
            Call::Permissions if !stale => {
                let control = args
                    .first()
                    .and_then(|p| p.get("org.freedesktop.NetworkManager.network-control"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let mut caps = BASE_CAPABILITIES;
                if matches!(control.as_deref(), Some("yes" | "auth")) {
                    caps |= Capabilities::CAN_START_AND_STOP_INTERFACES;
                }
                if let Some(d) = &mut self.daemon {
                    d.permissions = Some(caps);
                }
                self.dirty = true;
            }
            Call::ActivateDevice(Some(done)) => {
                match args.first().and_then(Value::as_str) {
                    // It may have failed before the reply came.
                    Some(ac) if self.failed.contains(ac) => done(Some((
                        SessionError::Unknown,
                        Some("NetworkManager could not activate the device".into()),
                    ))),
                    Some(ac) => {
                        if !self.model.actives.get(ac).is_some_and(|a| a.was_activated) {
                            self.link_waiters.insert(ac.to_owned(), done);
                        }
                    }
                    None => done(Some((
                        SessionError::Unknown,
                        Some("NetworkManager gave no active connection".into()),
                    ))),
                }
            }
            Call::Activate(_) | Call::Deactivate(_) | Call::Disconnect(_) | Call::Scan => {}
            _ => {}
        }
    }

    /// A call that failed (error reply, timeout, or NetworkManager gone).
    fn failed_call(&mut self, pending: Pending, name: &str, text: &str) {
        trace!("call failed: {name}: {text}");
        let stale = pending.generation != self.generation;
        match pending.call {
            Call::NameOwner => self.no_daemon(),
            Call::Objects if !stale => self.load_failed(),
            Call::Settings(path) if !stale => {
                self.settings_answered();
                if name == "org.freedesktop.DBus.Error.LimitsExceeded" {
                    // The bus is full for now: ask again when a slot frees.
                    if let Some(d) = &mut self.daemon {
                        d.settings_queue.push_back(path);
                    }
                    return;
                }
                self.model.profiles.remove(&path);
                self.settings_done(&path);
            }
            Call::Activate(id) => {
                let (error, message) = errors::from_reply(name, text);
                self.shared
                    .report(vec![Update::StartFailed { id, error, message }]);
            }
            Call::Deactivate(id)
                if name != "org.freedesktop.NetworkManager.ConnectionNotActive" =>
            {
                self.stopping.remove(&id);
                let (error, message) = errors::from_reply(name, text);
                self.shared
                    .report(vec![Update::StopRefused { id, error, message }]);
            }
            Call::ActivateDevice(Some(done)) | Call::Disconnect(Some(done)) => {
                done(Some(errors::from_reply(name, text)));
            }
            _ => {}
        }
    }

    fn no_daemon(&mut self) {
        self.shared.set_probe(Probe::Absent);
        self.finish_startup(None);
    }

    fn objects_loaded(&mut self, objects: Option<&Value>) {
        trace!("objects: {:?}", objects.map(|o| o.entries().count()));
        let Some(objects) = objects.filter(|o| matches!(o.plain(), Value::Dict(_))) else {
            self.load_failed();
            return;
        };
        // Keep what GetSettings said before (a refresh re-reads it anyway).
        let old = std::mem::take(&mut self.model);
        self.interfaces.borrow_mut().clear();
        for (path, interfaces) in objects.entries() {
            self.model.apply_object(path, interfaces);
        }
        for (path, profile) in &mut self.model.profiles {
            if let Some(before) = old.profiles.get(path) {
                profile.settings.clone_from(&before.settings);
            }
        }
        for (path, ac) in &mut self.model.actives {
            if old.actives.get(path).is_some_and(|a| a.was_activated) {
                ac.was_activated = true;
            }
        }
        let paths: Vec<String> = self.model.profiles.keys().cloned().collect();
        for path in paths {
            self.ask_settings(&path);
        }
        self.objects_done();
    }

    fn objects_done(&mut self) {
        let Some(d) = &mut self.daemon else { return };
        d.objects_pending = false;
        if d.settings_pending.is_empty() {
            d.loaded_once = true;
            self.loaded();
        }
    }

    fn signal(&mut self, message: &Message) {
        let sender = message.sender().map(|s| s.to_string()).unwrap_or_default();
        let interface = message
            .interface()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let member = message.member().map(|s| s.to_string()).unwrap_or_default();
        let path = message.path().map(|s| s.to_string()).unwrap_or_default();
        let args = value::arguments(message);
        if sender == DBUS_NAME && member == "NameOwnerChanged" {
            if args.first().and_then(Value::as_str) != Some(NM_NAME) {
                return;
            }
            match args.get(2).and_then(Value::as_str) {
                Some(new) if new.starts_with(':') => self.daemon_appeared(new.to_owned()),
                _ => self.daemon_lost("NetworkManager stopped"),
            }
            return;
        }
        let Some(daemon) = &self.daemon else { return };
        // Only NetworkManager's own signals, and not while the first view
        // is loading (its answer already contains their effect).
        if sender != daemon.owner || daemon.objects_pending && !daemon.loaded_once {
            return;
        }
        if interface == OBJECT_MANAGER {
            // An object came or went (a device, perhaps): read the kernel's
            // interfaces anew.
            self.interfaces.borrow_mut().clear();
        }
        match (interface.as_str(), member.as_str()) {
            (PROPERTIES, "PropertiesChanged") => {
                if let (Some(iface), Some(changed)) =
                    (args.first().and_then(Value::as_str), args.get(1))
                {
                    // A device's or an IP configuration's news: addresses may
                    // have changed.
                    if self.model.devices.contains_key(&path)
                        || path.contains("/IP4Config/")
                        || path.contains("/IP6Config/")
                    {
                        self.interfaces.borrow_mut().clear();
                    }
                    self.model.apply_properties(&path, iface, changed, false);
                    self.check_active_failure(&path);
                    self.dirty = true;
                }
            }
            (OBJECT_MANAGER, "InterfacesAdded") => {
                if let (Some(object), Some(interfaces)) =
                    (args.first().and_then(Value::as_str), args.get(1))
                {
                    let new_profile = interfaces.get(model::PROFILE_IFACE).is_some()
                        && !self.model.profiles.contains_key(object);
                    self.model.apply_object(object, interfaces);
                    if new_profile && self.model.profiles.contains_key(object) {
                        self.ask_settings(object);
                    }
                    self.dirty = true;
                }
            }
            (OBJECT_MANAGER, "InterfacesRemoved") => {
                if let (Some(object), Some(interfaces)) = (
                    args.first().and_then(Value::as_str),
                    args.get(1).and_then(Value::as_strings),
                ) {
                    if interfaces.iter().any(|i| i == model::ACTIVE_IFACE) {
                        self.active_gone(object, 0);
                    }
                    self.model.remove_interfaces(object, &interfaces);
                    self.dirty = true;
                }
            }
            (model::ACTIVE_IFACE, "StateChanged") => {
                let state = args.first().and_then(Value::as_u32);
                let reason = args.get(1).and_then(Value::as_u32).unwrap_or(0);
                if let (Some(state), Some(ac)) = (state, self.model.actives.get_mut(&path)) {
                    ac.set_state(state);
                    if state == model::AC_DEACTIVATED {
                        self.active_gone(&path, reason);
                    } else if state == model::AC_ACTIVATED {
                        // The device activation went through.
                        self.link_waiters.remove(&path);
                    }
                    self.dirty = true;
                }
            }
            (model::DEVICE_IFACE, "StateChanged") => {
                if let (Some(state), Some(d)) = (
                    args.first().and_then(Value::as_u32),
                    self.model.devices.get_mut(&path),
                ) {
                    d.state = state;
                    d.last_reason = args.get(2).and_then(Value::as_u32).unwrap_or(0);
                    self.interfaces.borrow_mut().clear();
                    self.dirty = true;
                }
            }
            (model::MANAGER_IFACE, "StateChanged") => {
                if let Some(state) = args.first().and_then(Value::as_u32) {
                    self.model.manager.state = state;
                    self.dirty = true;
                }
            }
            (model::PROFILE_IFACE, "Updated") if self.model.profiles.contains_key(&path) => {
                self.ask_settings(&path);
            }
            (model::MANAGER_IFACE, "CheckPermissions") => self.ask_permissions(),
            _ => {}
        }
    }

    /// A State property change to DEACTIVATED counts like the signal.
    fn check_active_failure(&mut self, path: &str) {
        if self
            .model
            .actives
            .get(path)
            .is_some_and(|a| a.state == model::AC_DEACTIVATED)
        {
            self.active_gone(path, 0);
        }
    }

    /// An active connection ended: if it never came up, the start failed
    /// with NetworkManager's reason (sessions waiting on it fail at once).
    fn active_gone(&mut self, path: &str, reason: u32) {
        let Some(ac) = self.model.actives.get(path) else {
            return;
        };
        if ac.was_activated || !self.failed.insert(path.to_owned()) {
            self.link_waiters.remove(path);
            return;
        }
        let device_reason = ac
            .devices
            .first()
            .and_then(|d| self.model.devices.get(d))
            .map_or(0, |d| d.last_reason);
        let (error, message) = errors::from_reasons(reason, device_reason);
        if let Some(done) = self.link_waiters.remove(path) {
            // After this batch's view too (the device's record must no
            // longer look like it is being activated).
            self.link_failures.push((done, (error, message.clone())));
            self.dirty = true;
        }
        if self.model.profiles.contains_key(&ac.connection) {
            // Reported with the view this batch produces, after it: an
            // application that opens again at once must find the profile
            // startable, not still "being activated".
            self.failures.push(Update::StartFailed {
                id: ac.connection.clone(),
                error,
                message,
            });
            self.dirty = true;
        }
    }

    // ----------------------------------------------------------- commands

    fn execute(&mut self, command: Command) {
        let owner = self.daemon.as_ref().map(|d| d.owner.clone());
        let (Some(bus), Some(owner)) = (&self.bus, owner) else {
            let why = Some("NetworkManager is not running".to_owned());
            match command {
                Command::Activate(id) => self.shared.report(vec![Update::StartFailed {
                    id,
                    error: SessionError::Unknown,
                    message: why,
                }]),
                Command::StartDevice(_, done) | Command::StopDevice(_, done) => {
                    done(Some((SessionError::Unknown, why)))
                }
                Command::Refresh => self.shared.report(vec![Update::RefreshCompleted]),
                Command::Deactivate(id) => self.shared.report(vec![Update::StopRefused {
                    id,
                    error: SessionError::Unknown,
                    message: why,
                }]),
                Command::Shutdown => {}
            }
            return;
        };
        let root = || dbus::Path::from("/");
        match command {
            Command::Activate(id) => {
                let profile = dbus::Path::new(id.clone()).unwrap_or_else(|_| root());
                match bus.call(
                    &owner,
                    model::NM_PATH,
                    model::MANAGER_IFACE,
                    "ActivateConnection",
                    |m| m.append3(profile, root(), root()),
                ) {
                    Some(s) => self.expect(s, Call::Activate(id), CONTROL_TIMEOUT),
                    None => self.shared.report(vec![Update::StartFailed {
                        id,
                        error: SessionError::Unknown,
                        message: None,
                    }]),
                }
            }
            Command::Deactivate(id) => {
                let actives: Vec<String> = self
                    .model
                    .actives_of(&id)
                    .filter(|(_, a)| a.state <= model::AC_ACTIVATED)
                    .map(|(p, _)| p.to_owned())
                    .collect();
                self.stopping.insert(id.clone(), actives.clone());
                let serials: Vec<u32> = actives
                    .into_iter()
                    .filter_map(|ac| dbus::Path::new(ac).ok())
                    .filter_map(|path| {
                        bus.call(
                            &owner,
                            model::NM_PATH,
                            model::MANAGER_IFACE,
                            "DeactivateConnection",
                            |m| m.append1(path),
                        )
                    })
                    .collect();
                for s in serials {
                    self.expect(s, Call::Deactivate(id.clone()), CONTROL_TIMEOUT);
                }
            }
            Command::StartDevice(name, done) => {
                let device = self
                    .model
                    .device_by_interface(&name)
                    .map(|(p, _)| p.to_owned());
                let call = device.and_then(|d| dbus::Path::new(d).ok()).and_then(|d| {
                    bus.call(
                        &owner,
                        model::NM_PATH,
                        model::MANAGER_IFACE,
                        "ActivateConnection",
                        |m| m.append3(root(), d, root()),
                    )
                });
                match call {
                    Some(s) => self.expect(s, Call::ActivateDevice(Some(done)), CONTROL_TIMEOUT),
                    None => done(Some((
                        SessionError::Unknown,
                        Some(format!("NetworkManager has no device {name}")),
                    ))),
                }
            }
            Command::StopDevice(name, done) => {
                let device = self
                    .model
                    .device_by_interface(&name)
                    .map(|(p, _)| p.to_owned());
                let call = device
                    .and_then(|d| bus.call(&owner, &d, model::DEVICE_IFACE, "Disconnect", |m| m));
                match call {
                    Some(s) => self.expect(s, Call::Disconnect(Some(done)), CONTROL_TIMEOUT),
                    None => done(Some((
                        SessionError::Unknown,
                        Some(format!("NetworkManager has no device {name}")),
                    ))),
                }
            }
            Command::Refresh => {
                self.request_scans(&owner);
                if self.refresh_owed {
                    return; // a load is already under way for an earlier request
                }
                self.refresh_owed = true;
                self.load();
            }
            Command::Shutdown => {}
        }
    }

    /// At most one Wi-Fi scan per SCAN_INTERVAL, and none where a scan
    /// finished that recently (LastScan, CLOCK_BOOTTIME ms).
    fn request_scans(&mut self, owner: &str) {
        if self.last_scan.is_some_and(|t| t.elapsed() < SCAN_INTERVAL) {
            return;
        }
        let Some(bus) = &self.bus else { return };
        let now = boottime_ms();
        let interval = SCAN_INTERVAL.as_millis() as i64;
        let devices: Vec<String> = self
            .model
            .devices
            .iter()
            .filter(|(_, d)| d.wireless && d.managed && d.state > model::DEVICE_UNMANAGED)
            .filter(|(_, d)| d.last_scan.is_none_or(|t| t < 0 || now - t >= interval))
            .map(|(p, _)| p.clone())
            .collect();
        let mut sent = Vec::new();
        for device in devices {
            let options: dbus::arg::PropMap = HashMap::new();
            if let Some(s) = bus.call(owner, &device, model::WIRELESS_IFACE, "RequestScan", |m| {
                m.append1(options)
            }) {
                sent.push(s);
            }
        }
        for s in sent {
            self.expect(s, Call::Scan, READ_TIMEOUT);
        }
        self.last_scan = Some(Instant::now());
    }

    // ----------------------------------------------------------- reporting

    fn view(&self) -> NmView {
        let mut view = views::compute(&self.model, &|name| {
            // The kernel is asked once per interface until a device changes.
            self.interfaces
                .borrow_mut()
                .entry(name.to_owned())
                .or_insert_with(|| super::interface::read(name).map(Arc::new))
                .clone()
        });
        if !self.default_claimed {
            view.configurations
                .retain(|c| c.identifier != DEFAULT_NETWORK_ID);
        }
        view
    }

    fn capabilities(&self) -> Capabilities {
        self.daemon
            .as_ref()
            .and_then(|d| d.permissions)
            .unwrap_or(if self.daemon.is_some() {
                BASE_CAPABILITIES
            } else {
                Capabilities::empty()
            })
    }

    fn snapshot_of(&self, view: &NmView) -> Snapshot {
        Snapshot {
            configurations: view.configurations.clone(),
            default_id: view.default_id.clone(),
            capabilities: Some(self.capabilities()),
            status: view.status,
        }
    }

    fn remember(&mut self, view: &NmView) {
        self.reported.views = view
            .configurations
            .iter()
            .map(|c| (c.identifier.clone(), c.clone()))
            .collect();
        self.reported.default_id.clone_from(&view.default_id);
        self.reported.status = view.status;
        self.reported.capabilities = self.capabilities();
        self.publish_tables(view);
    }

    /// Reports what changed since the last report.
    fn publish(&mut self) {
        let loaded = self
            .daemon
            .as_ref()
            .is_some_and(|d| d.loaded_once && !d.objects_pending && d.settings_pending.is_empty());
        if !loaded {
            return;
        }
        let view = self.view();
        self.publish_view(view);
    }

    fn publish_view(&mut self, view: NmView) {
        self.grace_until = None;
        if !self.default_claimed {
            // Our "Default" only once the netlink source dropped its own.
            self.report_difference(view);
            self.default_claimed = true;
            self.shared.owns_default.store(true, Ordering::SeqCst);
            self.shared.reannounce_netlink();
            let view = self.view();
            self.report_difference(view);
            return;
        }
        self.report_difference(view);
    }

    fn report_difference(&mut self, view: NmView) {
        trace!("view: {} configurations", view.configurations.len());
        let mut updates = self.renames(&view);
        let target: HashSet<&str> = view
            .configurations
            .iter()
            .map(|c| c.identifier.as_str())
            .collect();
        let gone: Vec<String> = self
            .reported
            .views
            .keys()
            .filter(|id| !target.contains(id.as_str()))
            .cloned()
            .collect();
        for id in gone {
            self.reported.views.remove(&id);
            updates.push(Update::Remove(id));
        }
        for config in &view.configurations {
            if self.reported.views.get(&config.identifier) != Some(config) {
                self.reported
                    .views
                    .insert(config.identifier.clone(), config.clone());
                updates.push(Update::Upsert(config.clone()));
            }
        }
        if self.reported.default_id != view.default_id {
            self.reported.default_id.clone_from(&view.default_id);
            updates.push(Update::Default(view.default_id.clone()));
        }
        let status = if self.daemon.is_some() {
            view.status
        } else {
            None
        };
        if self.reported.status != status {
            self.reported.status = status;
            updates.push(Update::Status(status));
        }
        let caps = self.capabilities();
        if self.reported.capabilities != caps {
            self.reported.capabilities = caps;
            updates.push(Update::Capabilities(caps));
        }
        self.publish_tables(&view);
        updates.append(&mut self.failures);
        updates.extend(self.stops_done());
        self.shared.report(updates);
    }

    /// Stops the engine asked for that have taken effect: none of the active
    /// connections they deactivate is ACTIVATED any more (gone, or going).
    /// Said explicitly because one batch may hold the old connection's end
    /// and a new activation of the same profile (an open() right after the
    /// last close()), so the profile never looks other than Active.
    fn stops_done(&mut self) -> Vec<Update> {
        let model = &self.model;
        let done: Vec<String> = self
            .stopping
            .iter()
            .filter(|(_, actives)| {
                actives.iter().all(|path| {
                    model
                        .actives
                        .get(path)
                        .is_none_or(|a| a.state > model::AC_ACTIVATED)
                })
            })
            .map(|(id, _)| id.clone())
            .collect();
        done.into_iter()
            .map(|id| {
                self.stopping.remove(&id);
                Update::Stopped { id }
            })
            .collect()
    }

    /// Profiles known before under another path (a restarted
    /// NetworkManager renumbers them): the records follow, by UUID. Two
    /// steps, since a restart may swap paths between profiles.
    fn renames(&mut self, view: &NmView) -> Vec<Update> {
        let old_by_uuid: HashMap<&str, &str> = self
            .reported
            .views
            .values()
            .filter_map(|c| {
                c.aliases
                    .first()
                    .map(|a| (a.as_str(), c.identifier.as_str()))
            })
            .collect();
        let moves: Vec<(String, String)> = view
            .configurations
            .iter()
            .filter_map(|c| {
                let old = old_by_uuid.get(c.aliases.first()?.as_str())?;
                (*old != c.identifier).then(|| ((*old).to_owned(), c.identifier.clone()))
            })
            .collect();
        let mut updates = Vec::new();
        for (from, to) in &moves {
            let step = format!("{RENAMING_PREFIX}{to}");
            updates.push(Update::Rename {
                from: from.clone(),
                to: step,
            });
        }
        let mut moved = Vec::new();
        for (from, to) in moves {
            if let Some(mut old) = self.reported.views.remove(&from) {
                old.identifier.clone_from(&to);
                moved.push(old);
            }
            let step = format!("{RENAMING_PREFIX}{to}");
            updates.push(Update::Rename {
                from: step,
                to: to.clone(),
            });
            if let Some(d) = &mut self.reported.default_id
                && *d == from
            {
                d.clone_from(&to);
            }
        }
        for old in moved {
            self.reported.views.insert(old.identifier.clone(), old);
        }
        updates
    }

    /// The tables other threads read: managed devices for the netlink
    /// source, interfaces of profiles for statistics.
    fn publish_tables(&mut self, view: &NmView) {
        *self.shared.interfaces.lock() = view.interfaces.clone();
        let links: HashMap<String, Link> = self
            .model
            .devices
            .values()
            .filter(|d| d.managed && d.state > model::DEVICE_UNMANAGED && !d.interface.is_empty())
            .map(|d| {
                let activating = (40..model::DEVICE_ACTIVATED).contains(&d.state);
                let idle = d.state == model::DEVICE_DISCONNECTED || d.state == model::DEVICE_FAILED;
                let link = Link {
                    activating,
                    startable: idle && !d.available.is_empty(),
                    activated: d.state == model::DEVICE_ACTIVATED,
                };
                (d.interface.clone(), link)
            })
            .collect();
        let changed = {
            let mut current = self.shared.links.lock();
            let changed = *current != links;
            *current = links;
            changed
        };
        if changed && self.with_netlink {
            self.shared.reannounce_netlink();
        }
    }
}

/// CLOCK_BOOTTIME in ms, NetworkManager's clock for LastScan.
fn boottime_ms() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes the current time into ts.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
}

/// An inotify watch on the directory of the bus socket, so a bus that comes
/// back is noticed at once instead of at the next attempt.
fn watch_socket_directory(address: &str) -> Option<OwnedFd> {
    let path = bus::socket_path(address)?;
    let dir = path.parent()?;
    let dir = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: a new descriptor or -1.
    let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
    if fd < 0 {
        return None;
    }
    // SAFETY: ours from here on.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: a NUL-terminated directory name.
    let watch = unsafe {
        libc::inotify_add_watch(
            fd,
            dir.as_ptr(),
            libc::IN_CREATE | libc::IN_MOVED_TO | libc::IN_ATTRIB,
        )
    };
    (watch >= 0).then_some(owned)
}
