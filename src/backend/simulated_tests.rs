//! The simulation with a recording sink in place of the engine: what it
//! reports for the network status and what a loaded file installs.

use std::sync::Arc;

use parking_lot::Mutex;

use super::*;
use crate::backend::Deferred;
use crate::types::{Reachability, TransportMedium};

/// The simulation is process-wide: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Attaches a sink that records every report, starting from an empty simulation.
fn recording() -> (
    parking_lot::MutexGuard<'static, ()>,
    Arc<Mutex<Vec<Update>>>,
) {
    let guard = SERIAL.lock();
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink_log = log.clone();
    SimulatedSource.attach(Sink::new(0, move |_, updates| {
        sink_log.lock().extend(updates);
        Deferred::none()
    }));
    reset().unwrap();
    log.lock().clear();
    (guard, log)
}

/// The network statuses reported since the last call.
fn reported_statuses(log: &Mutex<Vec<Update>>) -> Vec<Option<NetworkStatus>> {
    log.lock()
        .drain(..)
        .filter_map(|u| match u {
            Update::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn network_status_is_none_until_scripted_then_reported_part_by_part() {
    let (_guard, log) = recording();
    assert_eq!(SimulatedSource.snapshot().status, None);

    modify_network_status(|s| s.captive_portal = true).unwrap();
    let portal_only = NetworkStatus {
        reachability: Reachability::Unknown,
        captive_portal: true,
        transport: None,
        metered: None,
    };
    assert_eq!(reported_statuses(&log), [Some(portal_only)]);

    modify_network_status(|s| s.reachability = Reachability::Site).unwrap();
    modify_network_status(|s| s.transport = Some(TransportMedium::Cellular)).unwrap();
    modify_network_status(|s| s.metered = Some(true)).unwrap();
    let all = NetworkStatus {
        reachability: Reachability::Site,
        captive_portal: true,
        transport: Some(TransportMedium::Cellular),
        metered: Some(true),
    };
    let reported = reported_statuses(&log);
    assert_eq!(reported.len(), 3);
    assert_eq!(reported.last(), Some(&Some(all)));
    assert_eq!(SimulatedSource.snapshot().status, Some(all));

    reset().unwrap();
    assert_eq!(reported_statuses(&log), [None]);
    assert_eq!(SimulatedSource.snapshot().status, None);

    let online = NetworkStatus {
        reachability: Reachability::Online,
        ..NetworkStatus::default()
    };
    set_network_status(Some(online)).unwrap();
    assert_eq!(reported_statuses(&log), [Some(online)]);
    set_network_status(None).unwrap();
    assert_eq!(reported_statuses(&log), [None]);
}

#[test]
fn a_user_choice_default_is_reported_as_such() {
    let (_guard, log) = recording();
    add(ConfigView::access_point(
        "a",
        "A",
        Bearer::Ethernet,
        StateFlags::ACTIVE,
    ))
    .unwrap();
    set_default(Some(USER_CHOICE_ID)).unwrap();
    assert_eq!(
        SimulatedSource.snapshot().default_id.as_deref(),
        Some(USER_CHOICE_ID)
    );
    assert!(matches!(
        log.lock().last(),
        Some(Update::Default(Some(id))) if id == USER_CHOICE_ID
    ));
    assert_eq!(set_default(Some("nowhere")), Err(SimError::NotFound));
}

#[test]
fn a_loaded_file_is_the_whole_simulation() {
    let (_guard, _log) = recording();
    add(ConfigView::access_point(
        "old",
        "Old",
        Bearer::Ethernet,
        StateFlags::ACTIVE,
    ))
    .unwrap();
    let network = simulated_network::parse(
        concat!(
            "capabilities data-statistics\n",
            "access-point eth state=active bearer=ethernet bytes-received=7 bytes-sent=9\n",
            "access-point wifi state=discovered bearer=wlan start=fail:aborted\n",
            "service-network sn children=wifi,eth\n",
            "default sn\n",
            "network reachability=local\n",
        )
        .as_bytes(),
    )
    .unwrap();
    install(network);

    let snapshot = SimulatedSource.snapshot();
    let ids: Vec<&str> = snapshot
        .configurations
        .iter()
        .map(|v| v.identifier.as_str())
        .collect();
    assert_eq!(
        ids,
        ["eth", "wifi", "sn"],
        "the file replaces what was there"
    );
    assert!(snapshot.configurations[1].startable);
    assert!(!snapshot.configurations[0].startable);
    assert_eq!(snapshot.default_id.as_deref(), Some("sn"));
    assert_eq!(snapshot.capabilities, Some(Capabilities::DATA_STATISTICS));
    assert_eq!(
        snapshot.status.map(|s| s.reachability),
        Some(Reachability::Local)
    );
    assert_eq!(SimulatedSource.statistics("eth"), Some((7, 9)));
    let sim = SIM.lock();
    assert_eq!(
        sim.configs[1].start,
        StartBehavior::Fail(SessionError::Aborted)
    );
}
