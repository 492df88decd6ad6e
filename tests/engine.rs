//! The engine through its Rust API with the simulated backend, without C.
//! Tests share the process-wide engine, so they run one at a time.

use std::sync::{Arc, Mutex};

use parking_lot::Mutex as PlMutex;
use qnetworksession::backend::simulated as sim;
use qnetworksession::engine::api::{Manager, PropertyValue, Session};
use qnetworksession::engine::record::ConfigView;
use qnetworksession::engine::select_backend;
use qnetworksession::event_loop::EventLoop;
use qnetworksession::signals::{Payload, Signal};
use qnetworksession::types::{Bearer, ConfigType, State, StateFlags};

static SERIAL: Mutex<()> = Mutex::new(());

fn setup() -> std::sync::MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    select_backend("simulated").unwrap();
    qnetworksession::engine::ensure_started();
    sim::reset().unwrap();
    guard
}

fn ap(id: &str, state: StateFlags) {
    sim::add(ConfigView::access_point(id, id, Bearer::Ethernet, state)).unwrap();
}

/// Records the session's signals as text.
fn record(session: &Session) -> Arc<PlMutex<Vec<String>>> {
    let log = Arc::new(PlMutex::new(Vec::new()));
    for signal in [
        Signal::StateChanged,
        Signal::Opened,
        Signal::Closed,
        Signal::Error,
    ] {
        let log = log.clone();
        session
            .connect(
                signal,
                Box::new(move |p: &Payload| {
                    log.lock().push(match p {
                        Payload::State(s) => format!("state:{}", *s as i32),
                        Payload::Error(e) => format!("error:{}", *e as i32),
                        other => format!("{:?}", other.signal()).to_lowercase(),
                    })
                }),
            )
            .map_err(|e| e.0)
            .unwrap();
    }
    log
}

fn drain(lp: &EventLoop, log: &PlMutex<Vec<String>>) -> String {
    while lp.dispatch(Some(std::time::Duration::ZERO)).unwrap() > 0 {}
    std::mem::take(&mut *log.lock()).join(" ")
}

#[test]
fn open_close_counts_and_stop_of_started_interface() {
    let _g = setup();
    ap("wifi", StateFlags::DISCOVERED);
    let lp = EventLoop::new().unwrap();
    let m = Manager::new(lp.clone());
    let cfg = m.configuration_from_identifier("wifi");
    let a = Session::new(cfg.clone(), lp.clone());
    let b = Session::new(cfg.clone(), lp.clone());
    let log = record(&a);
    a.open().unwrap();
    b.open().unwrap();
    assert!(a.is_open() && b.is_open());
    assert_eq!(drain(&lp, &log), "state:2 opened state:3");
    a.close().unwrap();
    assert!(
        cfg.as_ref().unwrap().state().is_active(),
        "b still holds it"
    );
    b.close().unwrap();
    assert_eq!(cfg.as_ref().unwrap().state(), StateFlags::DISCOVERED);
    assert_eq!(drain(&lp, &log), "closed state:5");
    a.release();
    b.release();
    m.release();
}

#[test]
fn removal_aborts_and_record_keeps_its_name() {
    let _g = setup();
    ap("eth", StateFlags::ACTIVE);
    let lp = EventLoop::new().unwrap();
    let m = Manager::new(lp.clone());
    let cfg = m.configuration_from_identifier("eth").unwrap();
    let s = Session::new(Some(cfg.clone()), lp.clone());
    let log = record(&s);
    s.open().unwrap();
    sim::remove("eth").unwrap();
    assert_eq!(drain(&lp, &log), "opened closed state:0 error:1");
    assert!(!cfg.is_valid());
    assert_eq!(cfg.name(), "eth");
    assert_eq!(s.state(), State::Invalid);
    s.release();
    m.release();
}

#[test]
fn service_network_state_follows_best_child_and_lists_last() {
    let _g = setup();
    let mut sn = ConfigView::access_point("sn", "SN", Bearer::Unknown, StateFlags::UNDEFINED);
    sn.kind = ConfigType::ServiceNetwork;
    sn.children = vec!["a".into(), "b".into()];
    sim::add(sn).unwrap();
    ap("a", StateFlags::DEFINED);
    ap("b", StateFlags::DISCOVERED);
    let m = Manager::new(EventLoop::default_loop());
    let ids: Vec<String> = m
        .all_configurations(0)
        .iter()
        .map(|r| r.identifier().to_string())
        .collect();
    assert_eq!(ids, ["a", "b", "sn"]);
    let network = m.configuration_from_identifier("sn").unwrap();
    assert_eq!(network.state(), StateFlags::DISCOVERED);
    sim::set_state("a", StateFlags::ACTIVE).unwrap();
    assert_eq!(network.state(), StateFlags::ACTIVE);
    assert!(network.is_roaming_available());
    m.release();
}

#[test]
fn connections_end_with_their_object_and_destroy_once() {
    let _g = setup();
    struct Probe(Arc<PlMutex<u32>>);
    impl Drop for Probe {
        fn drop(&mut self) {
            *self.0.lock() += 1;
        }
    }
    let drops = Arc::new(PlMutex::new(0));
    let lp = EventLoop::new().unwrap();
    let m = Manager::new(lp.clone());
    let probe = Probe(drops.clone());
    let token = m
        .connect(
            Signal::ConfigurationAdded,
            Box::new(move |_| {
                let _keep = &probe;
            }),
        )
        .map_err(|e| e.0)
        .unwrap();
    ap("x", StateFlags::ACTIVE);
    assert!(qnetworksession::engine::api::disconnect(token));
    assert!(!qnetworksession::engine::api::disconnect(token));
    assert_eq!(*drops.lock(), 0, "a queued item still holds it");
    assert_eq!(
        lp.dispatch(Some(std::time::Duration::ZERO)),
        Ok(0),
        "dead deliveries are dropped"
    );
    assert_eq!(*drops.lock(), 1);
    m.release();
}

/// A backend may leave the choice to the user: defaultConfiguration() is
/// then UserChoice, Discovered while anything is (Qt's defaultConfiguration
/// test), and a UserChoice session opens the first Active access point.
#[test]
fn user_choice_as_the_default() {
    let _g = setup();
    ap("off", StateFlags::DEFINED);
    ap("wifi", StateFlags::DISCOVERED);
    ap("eth", StateFlags::ACTIVE);
    sim::set_default(Some("UserChoice")).unwrap();
    let lp = EventLoop::new().unwrap();
    let m = Manager::new(lp.clone());
    let default = m.default_configuration().expect("a default");
    assert_eq!(default.kind, ConfigType::UserChoice);
    assert!(Arc::ptr_eq(&default, &m.user_choice_configuration()));
    assert_eq!(
        default.state(),
        StateFlags::DISCOVERED,
        "not Active: UserChoice is no interface"
    );
    assert!(m.is_online(), "an access point is Active");

    let s = Session::new(Some(default.clone()), lp.clone());
    let log = record(&s);
    s.open().unwrap();
    assert_eq!(drain(&lp, &log), "opened state:3");
    let text = |key| match s.property(key) {
        Some(PropertyValue::Text(t)) => t,
        other => panic!("{key}: {other:?}"),
    };
    assert_eq!(text("UserChoiceConfiguration"), "eth");
    assert_eq!(text("ActiveConfiguration"), "eth");
    s.close().unwrap();

    // With nothing Active, the pick is the first access point a start brings up.
    sim::set_state("eth", StateFlags::DEFINED).unwrap();
    assert!(!m.is_online());
    assert_eq!(default.state(), StateFlags::DISCOVERED);
    assert!(m.default_configuration().is_some());
    s.open().unwrap();
    assert_eq!(text("UserChoiceConfiguration"), "wifi");
    s.close().unwrap();

    // Nothing that could be opened: no default.
    sim::set_state("wifi", StateFlags::DEFINED).unwrap();
    assert_eq!(default.state(), StateFlags::DEFINED);
    assert!(m.default_configuration().is_none());
    s.release();
    m.release();
}
