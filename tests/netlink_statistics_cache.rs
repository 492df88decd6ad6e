//! Issue 8 item 6: the netlink backend's counter cache must not grow with
//! every interface that ever existed. Links come and go (containers, VPNs)
//! with a session opened on each, which reads its counters; ifindexes are
//! never reused, so a cache keyed by them would grow without bound. Needs
//! root and network namespaces; skips elsewhere.

#[path = "common/shell.rs"]
mod shell;
use shell::sh;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use qnetworksession::backend::netlink::{COUNTERS, identity::generic_identifier};
use qnetworksession::engine::api::{Manager, Session};
use qnetworksession::engine::select_backend;
use qnetworksession::event_loop::EventLoop;

#[test]
fn counter_cache_stays_small_while_links_come_and_go() {
    // SAFETY: plain syscalls; unshare moves only this thread (and what it spawns).
    if unsafe { libc::geteuid() } != 0 || unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        eprintln!("skipped: needs root and network namespaces");
        return;
    }
    sh("ip link set lo up");
    select_backend("netlink").unwrap();
    let lp = EventLoop::new().unwrap();
    let manager = Manager::new(lp.clone());
    let cycles = 150;
    for i in 0..cycles {
        sh(&format!(
            "ip link add c0 type veth peer name c1 && ip link set c1 up && \
             ip addr add 10.9.{}.1/24 dev c0 && ip link set c0 up",
            i % 250
        ));
        let index: i32 = sh("ip -o link show c0 | cut -d: -f1")
            .trim()
            .parse()
            .unwrap();
        let id = generic_identifier(index);
        let deadline = Instant::now() + Duration::from_secs(5);
        let record = loop {
            if let Some(r) = manager.configuration_from_identifier(&id)
                && r.state().is_active()
            {
                break r;
            }
            assert!(Instant::now() < deadline, "c0 #{index} never became Active");
            std::thread::sleep(Duration::from_millis(1));
        };
        let session = Session::new(Some(record), lp.clone());
        session.open().unwrap();
        assert!(session.is_open());
        let _ = session.bytes(); // reads the counters
        session.release();
        sh("ip link del c0");
        // Apart from each other by more than the cache's reuse window.
        std::thread::sleep(Duration::from_millis(3));
    }
    let cached = COUNTERS.cached_statistics.load(Ordering::Relaxed);
    assert!(
        cached <= 2,
        "{cached} counter reads kept after {cycles} links came and went"
    );
    drop(manager);
}
