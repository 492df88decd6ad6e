//! The NetworkManager backend (SPEC §7): NetworkManager's profiles as
//! configurations, next to the kernel's interfaces (the netlink source in
//! subordinate mode), as Qt 5 listed both on NetworkManager desktops.
//!
//! - bus.rs: the D-Bus connection; calls never block, each has a deadline
//! - value.rs: defensive reading of D-Bus values
//! - model.rs: NetworkManager's objects as we keep them
//! - views.rs: the model as configurations, default and network status
//! - errors.rs: NetworkManager's errors and reasons as session errors
//! - interface.rs: a device's kernel interface (QNetworkInterface)
//! - client.rs: the thread that owns the connection (restarts, bus loss)
//! - shared.rs: what that thread shares with the callers

mod bus;
mod client;
mod errors;
mod interface;
mod model;
mod shared;
mod value;
mod views;

use std::ffi::CString;
use std::sync::Arc;
use std::time::Duration;

use super::netlink::{Done, LinkManager, NetlinkOptions, NetlinkSource};
use super::{Backend, Sink, Snapshot, Source};
use crate::engine::record::ConfigView;
use crate::types::StateFlags;
pub use bus::MESSAGES_SENT;
use shared::{Command, Probe, Shared};

/// How long choosing the backend waits to learn whether NetworkManager owns
/// its name (a reachable bus answers in well under a millisecond).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the engine's start waits for NetworkManager's first view; what
/// comes later is reported as it arrives.
const STARTUP_WAIT: Duration = Duration::from_secs(5);

/// NetworkManager's profiles; dormant while NetworkManager is not running.
pub struct NmSource {
    shared: Arc<Shared>,
}

impl NmSource {
    fn spawn(with_netlink: bool) -> std::io::Result<NmSource> {
        let shared = Shared::new()?;
        let client = client::Client::new(shared.clone(), with_netlink);
        std::thread::Builder::new()
            .name("qns-nm".into())
            .spawn(move || client.run())?;
        Ok(NmSource { shared })
    }

    fn shutdown(&self) {
        self.shared.command(Command::Shutdown);
    }
}

impl Source for NmSource {
    fn name(&self) -> &'static str {
        "networkmanager"
    }

    fn snapshot(&self) -> Snapshot {
        self.shared.take_snapshot(STARTUP_WAIT)
    }

    fn attach(&self, sink: Sink) {
        self.shared.attach(sink);
    }

    fn start(&self, identifier: &str) {
        self.shared
            .command(Command::Activate(identifier.to_owned()));
    }

    fn stop(&self, identifier: &str) {
        self.shared
            .command(Command::Deactivate(identifier.to_owned()));
    }

    fn refresh(&self) {
        self.shared.command(Command::Refresh);
    }

    /// The kernel's counters of the interface the profile is active on
    /// (never NetworkManager's Device.Statistics, whose refresh rate is a
    /// system-wide setting).
    fn statistics(&self, identifier: &str) -> Option<(u64, u64)> {
        let name = self.shared.interfaces.lock().get(identifier)?.clone();
        let name = CString::new(name).ok()?;
        // SAFETY: a NUL-terminated name.
        let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if index == 0 {
            return None;
        }
        super::netlink::link_counters(index as i32)
    }
}

/// What the netlink source asks about NetworkManager's devices.
struct NmLinks {
    shared: Arc<Shared>,
}

impl LinkManager for NmLinks {
    fn owns_default(&self) -> bool {
        self.shared.owns_default()
    }

    /// A managed device is as usable as NetworkManager says: startable when
    /// it could activate a profile on it, Defined when it could not.
    fn adjust(&self, view: &mut ConfigView) {
        let Some(name) = view.interface.as_ref().map(|i| i.name.clone()) else {
            return;
        };
        let Some(link) = self.shared.links.lock().get(&name).copied() else {
            return;
        };
        view.startable = false;
        if view.state.is_active() {
            return;
        }
        if link.startable {
            view.state = StateFlags::DISCOVERED;
            view.startable = true;
        } else if link.activating || link.activated {
            view.state = StateFlags::DISCOVERED;
        } else {
            view.state = StateFlags::DEFINED;
        }
    }

    fn start(&self, interface: &str, done: Done) -> bool {
        if !self.shared.links.lock().contains_key(interface) {
            return false;
        }
        self.shared
            .command(Command::StartDevice(interface.to_owned(), done));
        true
    }

    fn stop(&self, interface: &str, done: Done) -> bool {
        if !self.shared.links.lock().contains_key(interface) {
            return false;
        }
        self.shared
            .command(Command::StopDevice(interface.to_owned(), done));
        true
    }
}

/// QNS_EXCLUDE_INTERFACES (like Qt's QT_EXCLUDE_GENERIC_BEARER): a positive
/// number leaves the interface records out.
fn interfaces_excluded() -> bool {
    std::env::var("QNS_EXCLUDE_INTERFACES")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .is_some_and(|n| n > 0)
}

/// The networkmanager backend, by name (`auto` false: NetworkManager must
/// own its name now, else "none") or for `auto` (None: no system bus, use
/// the netlink backend).
pub fn create(auto: bool) -> Option<Backend> {
    let exclude = interfaces_excluded();
    let nm = match NmSource::spawn(!exclude) {
        Ok(nm) => Arc::new(nm),
        Err(e) if !auto => {
            return Some(Backend::none(format!(
                "the networkmanager backend cannot start its thread ({e})"
            )));
        }
        Err(_) => return None,
    };
    let name = match nm.shared.wait_probe(PROBE_TIMEOUT) {
        Some(Probe::Present) => "networkmanager",
        Some(Probe::Absent) if auto => {
            if exclude {
                "networkmanager"
            } else {
                "netlink"
            }
        }
        Some(Probe::Absent) => {
            nm.shutdown();
            return Some(Backend::none(
                "NetworkManager is not running (org.freedesktop.NetworkManager has no owner on the system bus)"
                    .to_owned(),
            ));
        }
        probe => {
            nm.shutdown();
            if auto {
                return None;
            }
            let why = match probe {
                Some(Probe::NoBus(reason)) => reason,
                _ => "no answer".to_owned(),
            };
            return Some(Backend::none(format!(
                "the networkmanager backend cannot reach the system bus ({why})"
            )));
        }
    };
    let mut sources: Vec<Arc<dyn Source>> = vec![nm.clone()];
    if !exclude {
        let links: Arc<dyn LinkManager> = Arc::new(NmLinks {
            shared: nm.shared.clone(),
        });
        let options = NetlinkOptions {
            manager: Some(links),
        };
        match NetlinkSource::with_options(options) {
            Ok(netlink) => {
                let netlink = Arc::new(netlink);
                let _ = nm.shared.netlink.set(Arc::downgrade(&netlink));
                sources.push(netlink);
            }
            // auto chose the kernel's view, which cannot start: as the
            // netlink backend would, give "none" with its reason.
            Err(e) if name == "netlink" => {
                nm.shutdown();
                return Some(Backend::none(format!(
                    "the netlink backend cannot start: no NETLINK_ROUTE socket ({e})"
                )));
            }
            // Without netlink (a sandbox), NetworkManager's records still work.
            Err(_) => {}
        }
    }
    Some(Backend {
        name,
        sources,
        error: String::new(),
    })
}
