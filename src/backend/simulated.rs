//! The simulated backend: a scriptable network that applications drive from
//! their own tests (access points, service networks, start outcomes, byte
//! counters, interface details, capabilities, default, network status).
//! `QNS_SIMULATED_NETWORK=<file>` loads a network before the engine starts
//! (simulated_network.rs).
//!
//! Its lock is held while it reports to the engine, so concurrent scripting
//! calls reach the engine in the order they changed the simulation; the
//! engine's effects run after that lock is released (they may call `start`).

use std::sync::LazyLock;
use std::time::Duration;

use parking_lot::Mutex;

use super::simulated_network::{self, Network};
use super::{NetworkStatus, Sink, Snapshot, Source, Update};
use crate::engine::USER_CHOICE_ID;
use crate::engine::record::{ConfigView, InterfaceAddress, InterfaceInfo};
use crate::timers;
use crate::types::{Bearer, Capabilities, ConfigType, Purpose, SessionError, StateFlags};

/// What happens when the engine asks to start an access point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartBehavior {
    /// It becomes Active at once.
    Succeed,
    /// The start fails with this error.
    Fail(SessionError),
    /// It becomes Active after this long.
    Delay(Duration),
    /// Nothing happens (the session's connect timeout decides).
    Never,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SimError {
    /// The running backend is not the simulated one.
    NotActive,
    NotFound,
    AlreadyExists,
    /// A service-network operation on an access point, or the other way round.
    WrongType,
}

struct SimConfig {
    view: ConfigView,
    start: StartBehavior,
    bytes: (u64, u64),
    /// Bumped by every start request, so a delayed start that was overtaken
    /// (stopped, restarted) does nothing.
    start_generation: u64,
}

struct Sim {
    configs: Vec<SimConfig>,
    explicit_default: Option<String>,
    capabilities: Capabilities,
    /// None until scripted: the engine derives reachability itself.
    status: Option<NetworkStatus>,
    /// Set when the engine runs the simulated backend; scripting needs it.
    sink: Option<Sink>,
}

pub const DEFAULT_CAPABILITIES: Capabilities = Capabilities::CAN_START_AND_STOP_INTERFACES
    .union(Capabilities::APPLICATION_LEVEL_ROAMING)
    .union(Capabilities::FORCED_ROAMING)
    .union(Capabilities::DATA_STATISTICS);

static SIM: LazyLock<Mutex<Sim>> = LazyLock::new(|| {
    Mutex::new(Sim {
        configs: Vec::new(),
        explicit_default: None,
        capabilities: DEFAULT_CAPABILITIES,
        status: None,
        sink: None,
    })
});

impl Sim {
    fn find(&mut self, id: &str) -> Result<&mut SimConfig, SimError> {
        self.configs
            .iter_mut()
            .find(|c| c.view.identifier == id)
            .ok_or(SimError::NotFound)
    }

    /// The explicit default if it exists (UserChoice always does), else the
    /// first Active access point.
    fn default_id(&self) -> Option<String> {
        if let Some(id) = &self.explicit_default {
            return (id == USER_CHOICE_ID || self.configs.iter().any(|c| &c.view.identifier == id))
                .then(|| id.clone());
        }
        self.configs
            .iter()
            .find(|c| c.view.kind == ConfigType::InternetAccessPoint && c.view.state.is_active())
            .map(|c| c.view.identifier.clone())
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            configurations: self.configs.iter().map(view_of).collect(),
            default_id: self.default_id(),
            capabilities: Some(self.capabilities),
            status: self.status,
        }
    }
}

/// Applies `change` to the simulation and reports `updates` (plus the
/// possibly new default) to the engine. The simulation's lock is held while
/// reporting, so concurrent scripting calls reach the engine in order; what
/// the report caused runs after it is released (it may call `start`).
fn script<R>(
    change: impl FnOnce(&mut Sim) -> Result<(R, Vec<Update>), SimError>,
) -> Result<R, SimError> {
    let mut sim = SIM.lock();
    let Some(sink) = sim.sink.clone() else {
        return Err(SimError::NotActive);
    };
    let (result, mut updates) = change(&mut sim)?;
    updates.push(Update::Default(sim.default_id()));
    let deferred = sink.report_deferred(updates);
    drop(sim);
    deferred.run();
    Ok(result)
}

/// In the simulation every Discovered access point is one a start brings up.
fn view_of(config: &SimConfig) -> ConfigView {
    let mut view = config.view.clone();
    view.startable =
        view.kind == ConfigType::InternetAccessPoint && view.state == StateFlags::DISCOVERED;
    view
}

fn upsert_of(config: &SimConfig) -> Update {
    Update::Upsert(view_of(config))
}

pub fn add(view: ConfigView) -> Result<(), SimError> {
    script(|sim| {
        if sim
            .configs
            .iter()
            .any(|c| c.view.identifier == view.identifier)
            || view.identifier == crate::engine::USER_CHOICE_ID
        {
            return Err(SimError::AlreadyExists);
        }
        let config = SimConfig {
            view,
            start: StartBehavior::Succeed,
            bytes: (0, 0),
            start_generation: 0,
        };
        let update = upsert_of(&config);
        sim.configs.push(config);
        Ok(((), vec![update]))
    })
}

pub fn remove(id: &str) -> Result<(), SimError> {
    script(|sim| {
        let before = sim.configs.len();
        sim.configs.retain(|c| c.view.identifier != id);
        if sim.configs.len() == before {
            return Err(SimError::NotFound);
        }
        Ok(((), vec![Update::Remove(id.to_owned())]))
    })
}

/// Changes one configuration's view and reports it.
pub fn modify(
    id: &str,
    change: impl FnOnce(&mut ConfigView) -> Result<(), SimError>,
) -> Result<(), SimError> {
    script(|sim| {
        let config = sim.find(id)?;
        change(&mut config.view)?;
        Ok(((), vec![upsert_of(config)]))
    })
}

pub fn set_state(id: &str, state: StateFlags) -> Result<(), SimError> {
    modify(id, |v| {
        if v.kind == ConfigType::ServiceNetwork {
            return Err(SimError::WrongType);
        }
        v.state = state;
        Ok(())
    })
}

pub fn set_children(id: &str, children: Vec<String>) -> Result<(), SimError> {
    modify(id, |v| {
        if v.kind != ConfigType::ServiceNetwork {
            return Err(SimError::WrongType);
        }
        v.children = children;
        Ok(())
    })
}

pub fn set_name(id: &str, name: &str) -> Result<(), SimError> {
    modify(id, |v| {
        v.name = name.to_owned();
        Ok(())
    })
}

pub fn set_bearer(id: &str, bearer: Bearer) -> Result<(), SimError> {
    modify(id, |v| {
        v.bearer = bearer;
        Ok(())
    })
}

pub fn set_purpose(id: &str, purpose: Purpose) -> Result<(), SimError> {
    modify(id, |v| {
        v.purpose = purpose;
        Ok(())
    })
}

pub fn set_metered(id: &str, metered: bool) -> Result<(), SimError> {
    modify(id, |v| {
        v.metered = metered;
        Ok(())
    })
}

pub fn set_roaming_available(id: &str, available: bool) -> Result<(), SimError> {
    modify(id, |v| {
        v.roaming_available = available;
        Ok(())
    })
}

pub fn set_interface(id: &str, info: Option<InterfaceInfo>) -> Result<(), SimError> {
    modify(id, |v| {
        if v.kind != ConfigType::InternetAccessPoint {
            return Err(SimError::WrongType);
        }
        v.interface = info.map(std::sync::Arc::new);
        Ok(())
    })
}

pub fn add_address(id: &str, address: InterfaceAddress) -> Result<(), SimError> {
    modify(id, |v| {
        let Some(info) = &v.interface else {
            return Err(SimError::NotFound);
        };
        let mut info = (**info).clone();
        info.addresses.push(address);
        v.interface = Some(std::sync::Arc::new(info));
        Ok(())
    })
}

pub fn set_start_behavior(id: &str, behavior: StartBehavior) -> Result<(), SimError> {
    script(|sim| {
        let config = sim.find(id)?;
        if config.view.kind != ConfigType::InternetAccessPoint {
            return Err(SimError::WrongType);
        }
        config.start = behavior;
        Ok(((), Vec::new()))
    })
}

pub fn set_bytes(id: &str, received: u64, sent: u64) -> Result<(), SimError> {
    script(|sim| {
        sim.find(id)?.bytes = (received, sent);
        Ok(((), Vec::new()))
    })
}

/// Chooses the default configuration (UserChoice: the user picks); None
/// returns to "first Active access point".
pub fn set_default(id: Option<&str>) -> Result<(), SimError> {
    script(|sim| {
        if let Some(id) = id.filter(|id| *id != USER_CHOICE_ID) {
            sim.find(id)?;
        }
        sim.explicit_default = id.map(str::to_owned);
        Ok(((), Vec::new()))
    })
}

pub fn set_capabilities(capabilities: Capabilities) -> Result<(), SimError> {
    script(|sim| {
        sim.capabilities = capabilities;
        Ok(((), vec![Update::Capabilities(capabilities)]))
    })
}

/// Replaces the network status (None: the engine derives it).
pub fn set_network_status(status: Option<NetworkStatus>) -> Result<(), SimError> {
    script(|sim| {
        sim.status = status;
        Ok(((), vec![Update::Status(status)]))
    })
}

/// Changes one part of the network status. Starting from none scripted,
/// the other parts read Unknown, no captive portal, and the default
/// configuration's medium and metering.
pub fn modify_network_status(change: impl FnOnce(&mut NetworkStatus)) -> Result<(), SimError> {
    script(|sim| {
        let status = sim.status.get_or_insert_with(NetworkStatus::default);
        change(status);
        let status = Some(*status);
        Ok(((), vec![Update::Status(status)]))
    })
}

/// Removes every configuration, restores the default capabilities and
/// leaves the network status to the engine.
pub fn reset() -> Result<(), SimError> {
    script(|sim| {
        let removed: Vec<Update> = sim
            .configs
            .drain(..)
            .map(|c| Update::Remove(c.view.identifier))
            .collect();
        sim.explicit_default = None;
        sim.capabilities = DEFAULT_CAPABILITIES;
        sim.status = None;
        let mut updates = removed;
        updates.push(Update::Capabilities(DEFAULT_CAPABILITIES));
        updates.push(Update::Status(None));
        Ok(((), updates))
    })
}

/// The engine's handle on the simulation.
pub struct SimulatedSource;

impl SimulatedSource {
    /// The simulation, with the network QNS_SIMULATED_NETWORK names loaded
    /// into it before the engine's first snapshot (so it is there from the
    /// first call, without configurationAdded). A bad file loads nothing
    /// and gives the reason.
    pub fn new() -> Result<SimulatedSource, String> {
        if let Some(network) = simulated_network::from_environment()? {
            install(network);
        }
        Ok(SimulatedSource)
    }
}

/// Replaces the whole simulation with a loaded network, in one step.
fn install(network: Network) {
    let mut sim = SIM.lock();
    sim.configs = network
        .configurations
        .into_iter()
        .map(|c| SimConfig {
            view: c.view,
            start: c.start,
            bytes: c.bytes,
            start_generation: 0,
        })
        .collect();
    sim.explicit_default = network.default;
    sim.capabilities = network.capabilities.unwrap_or(DEFAULT_CAPABILITIES);
    sim.status = network.status;
}

impl Source for SimulatedSource {
    fn name(&self) -> &'static str {
        "simulated"
    }

    fn snapshot(&self) -> Snapshot {
        SIM.lock().snapshot()
    }

    fn attach(&self, sink: Sink) {
        SIM.lock().sink = Some(sink);
    }

    fn start(&self, identifier: &str) {
        let id = identifier.to_owned();
        let _ = script(|sim| {
            let config = sim.find(&id)?;
            config.start_generation += 1;
            let generation = config.start_generation;
            match config.start {
                StartBehavior::Succeed => {
                    config.view.state = StateFlags::ACTIVE;
                    Ok(((), vec![upsert_of(config)]))
                }
                StartBehavior::Fail(error) => Ok((
                    (),
                    vec![Update::StartFailed {
                        id: id.clone(),
                        error,
                        message: None,
                    }],
                )),
                StartBehavior::Delay(delay) => {
                    let id = id.clone();
                    timers::schedule(delay, move || finish_delayed_start(&id, generation));
                    Ok(((), Vec::new()))
                }
                StartBehavior::Never => Ok(((), Vec::new())),
            }
        });
    }

    fn stop(&self, identifier: &str) {
        let _ = script(|sim| {
            let config = sim.find(identifier)?;
            config.start_generation += 1;
            if config.view.state.is_active() {
                config.view.state = StateFlags::DISCOVERED;
            }
            Ok(((), vec![upsert_of(config)]))
        });
    }

    fn refresh(&self) {
        let _ = script(|sim| {
            Ok((
                (),
                vec![Update::Resync(sim.snapshot()), Update::RefreshCompleted],
            ))
        });
    }

    fn statistics(&self, identifier: &str) -> Option<(u64, u64)> {
        let mut sim = SIM.lock();
        sim.find(identifier).ok().map(|c| c.bytes)
    }
}

fn finish_delayed_start(id: &str, generation: u64) {
    let _ = script(|sim| {
        let config = sim.find(id)?;
        if config.start_generation != generation || config.view.state.is_active() {
            return Ok(((), Vec::new()));
        }
        config.view.state = StateFlags::ACTIVE;
        Ok(((), vec![upsert_of(config)]))
    });
}

#[cfg(test)]
#[path = "simulated_tests.rs"]
mod tests;
