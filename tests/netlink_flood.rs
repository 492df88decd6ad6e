//! A flood of 10,000 address changes against a small receive buffer forces
//! the kernel to drop events (ENOBUFS); the backend must re-read and the
//! engine's view converge on the kernel's. Needs root and network
//! namespaces; skips elsewhere. One test: the engine is process-wide.

#[path = "common/shell.rs"]
mod shell;
use shell::sh;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use qnetworksession::backend::netlink::{COUNTERS, identity::generic_identifier};
use qnetworksession::engine::api::Manager;
use qnetworksession::engine::select_backend;
use qnetworksession::event_loop::EventLoop;
use qnetworksession::types::StateFlags;

fn kernel_addresses(dev: &str) -> usize {
    sh(&format!("ip -o addr show dev {dev}")).lines().count()
}

#[test]
fn flood_forces_resync_and_converges() {
    // SAFETY: plain syscalls; unshare moves only this thread (and what it spawns).
    if unsafe { libc::geteuid() } != 0 || unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        eprintln!("skipped: needs root and network namespaces");
        return;
    }
    // SAFETY: set before the engine starts, and no other thread reads the environment.
    unsafe { std::env::set_var("QNS_NETLINK_RCVBUF", "4096") };
    sh(
        "ip link set lo up && ip link add f0 type veth peer name f1 && ip link set f1 up && ip link set f0 up",
    );
    select_backend("netlink").unwrap();
    let lp = EventLoop::new().unwrap();
    let manager = Manager::new(lp.clone());
    let index: i32 =
        sh("cat /sys/class/net/f0/ifindex 2>/dev/null || ip -o link show f0 | cut -d: -f1")
            .trim()
            .parse()
            .unwrap();
    let f0 = manager
        .configuration_from_identifier(&generic_identifier(index))
        .expect("f0 is listed");

    let batch: String = (0..10_000)
        .map(|i| format!("address add 10.{}.{}.1/32 dev f0\n", i / 200, i % 200))
        .collect();
    std::fs::write("/tmp/qns-flood.batch", batch).unwrap();
    let started = Instant::now();
    sh("ip -batch /tmp/qns-flood.batch");
    let converged = |want_addresses: usize, want_state: StateFlags| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let d = f0.data.lock();
            let seen = d.interface.as_ref().map_or(0, |i| i.addresses.len());
            if seen == want_addresses && d.state == want_state {
                return true;
            }
            drop(d);
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    };
    let want = kernel_addresses("f0");
    assert!(want >= 10_000);
    assert!(
        converged(want, StateFlags::ACTIVE),
        "the view converges on the kernel's {want} addresses"
    );
    let elapsed = started.elapsed();
    let resyncs = COUNTERS.resyncs.load(Ordering::Relaxed);
    eprintln!(
        "flood: {} events read, {} batches, {resyncs} resyncs, converged in {elapsed:?}",
        COUNTERS.events.load(Ordering::Relaxed),
        COUNTERS.batches.load(Ordering::Relaxed)
    );
    assert!(
        resyncs > 0,
        "a 4 KiB buffer must overflow under 10,000 changes"
    );

    sh("ip addr flush dev f0");
    assert!(
        converged(kernel_addresses("f0"), StateFlags::DISCOVERED),
        "and again after a flush"
    );
    manager.release();
}
