//! Flood throughput of the netlink backend: kernel events read and reported
//! per second under a flood of address changes, with the default receive
//! buffer, and whether the kernel had to drop events (a re-read). Also the
//! backend thread's CPU time, which gives its capacity in events per
//! CPU-second (the wall-clock rate is paced by `ip`, the producer). Run by
//! benches/netlink.sh; creates its own network namespace (root).

use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use qnetworksession::backend::netlink::COUNTERS;
use qnetworksession::engine::api::Manager;
use qnetworksession::engine::select_backend;
use qnetworksession::event_loop::EventLoop;

/// Interfaces the addresses are spread over: the kernel's per-interface
/// address list is linear, so one interface with 50,000 addresses would
/// measure the kernel, not us.
const DEVICES: usize = 20;

fn sh(cmd: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .expect("sh runs");
    assert!(status.success(), "{cmd}");
}

/// CPU time (ns) the backend's event thread has used, from schedstat.
fn backend_thread_cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == "qns-netlink" {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            return stat
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
        }
    }
    0
}

fn flood(count: usize) {
    let batch: String = (0..count)
        .map(|i| {
            let (a, b, c) = (i / 65_536, (i / 256) % 256, i % 256);
            format!("address add 10.{a}.{b}.{c}/32 dev fl{}\n", i % DEVICES)
        })
        .collect();
    std::fs::write("/tmp/qns-bench-flood.batch", batch).unwrap();
    let events0 = COUNTERS.events.load(Ordering::Relaxed);
    let resyncs0 = COUNTERS.resyncs.load(Ordering::Relaxed);
    let cpu0 = backend_thread_cpu_ns();
    let t = Instant::now();
    sh("ip -batch /tmp/qns-bench-flood.batch");
    // Each address add is two events (the address and its local route).
    let deadline = Instant::now() + Duration::from_secs(60);
    while COUNTERS.events.load(Ordering::Relaxed) - events0 < 2 * count as u64
        && COUNTERS.resyncs.load(Ordering::Relaxed) == resyncs0
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = t.elapsed().as_secs_f64();
    let events = COUNTERS.events.load(Ordering::Relaxed) - events0;
    let resyncs = COUNTERS.resyncs.load(Ordering::Relaxed) - resyncs0;
    let cpu = (backend_thread_cpu_ns() - cpu0) as f64 / 1e9;
    println!(
        "flood of {count} address adds: {events} events in {elapsed:.3} s ({:.0}/s, paced by ip), {resyncs} resyncs; \
         backend thread CPU {cpu:.3} s = {:.0} events per CPU-second",
        events as f64 / elapsed,
        events as f64 / cpu.max(1e-9)
    );
    for d in 0..DEVICES {
        sh(&format!("ip addr flush dev fl{d}"));
    }
    std::thread::sleep(Duration::from_millis(300));
}

fn main() {
    // SAFETY: plain syscalls.
    if unsafe { libc::geteuid() } != 0 || unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        println!("flood: skipped (needs root and network namespaces)");
        return;
    }
    sh("ip link set lo up");
    for d in 0..DEVICES {
        sh(&format!(
            "ip link add fl{d} type veth peer name fp{d} && ip link set fp{d} up && ip link set fl{d} up"
        ));
    }
    select_backend("netlink").unwrap();
    let manager = Manager::new(EventLoop::new().unwrap());
    for count in [10_000, 50_000] {
        flood(count);
    }
    manager.release();
}
