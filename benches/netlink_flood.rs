//! Flood throughput of the netlink backend: kernel events read and reported
//! per second under a flood of address changes, with the default receive
//! buffer, and whether the kernel had to drop events (a re-read). Also the
//! backend thread's CPU time, which gives its capacity in events per
//! CPU-second (the wall-clock rate is paced by `ip`, the producer). Then the
//! same capacity while the flooded interface already carries 10 and then
//! 2,500 addresses: the cost of one change should not grow with how many
//! addresses its interface has. Run by benches/netlink.sh; creates its own
//! network namespace (root).

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

/// Waits until no event has arrived for 300 ms (or 60 s passed).
fn settle() {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = COUNTERS.events.load(Ordering::Relaxed);
    let mut quiet_since = Instant::now();
    while Instant::now() < deadline && quiet_since.elapsed() < Duration::from_millis(300) {
        std::thread::sleep(Duration::from_millis(5));
        let now = COUNTERS.events.load(Ordering::Relaxed);
        if now != last {
            last = now;
            quiet_since = Instant::now();
        }
    }
}

/// Runs an `ip -batch` file and reports events, re-reads and the backend
/// thread's capacity; returns the events per CPU-second. `backlog`: the
/// engine is held busy while `ip` runs, so the kernel queues the events and
/// the backend thread then works through them in full batches: its cost per
/// event, not how `ip` happened to pace them (an interface with thousands
/// of addresses slows `ip` down, which would otherwise mean smaller batches).
fn measure(label: &str, batch: String, backlog: bool) -> f64 {
    std::fs::write("/tmp/qns-bench-flood.batch", batch).unwrap();
    settle();
    let events0 = COUNTERS.events.load(Ordering::Relaxed);
    let batches0 = COUNTERS.batches.load(Ordering::Relaxed);
    let resyncs0 = COUNTERS.resyncs.load(Ordering::Relaxed);
    let cpu0 = backend_thread_cpu_ns();
    let t = Instant::now();
    let busy = backlog.then(|| qnetworksession::engine::engine().lock());
    sh("ip -batch /tmp/qns-bench-flood.batch");
    drop(busy);
    let produced = t.elapsed().as_secs_f64();
    settle();
    let events = COUNTERS.events.load(Ordering::Relaxed) - events0;
    let batches = COUNTERS.batches.load(Ordering::Relaxed) - batches0;
    let resyncs = COUNTERS.resyncs.load(Ordering::Relaxed) - resyncs0;
    let cpu = (backend_thread_cpu_ns() - cpu0) as f64 / 1e9;
    let capacity = events as f64 / cpu.max(1e-9);
    println!(
        "{label}: {events} events in {produced:.3} s ({:.0}/s, paced by ip), {batches} batches, {resyncs} resyncs; \
         backend thread CPU {cpu:.3} s = {capacity:.0} events per CPU-second",
        events as f64 / produced,
    );
    capacity
}

fn flood(count: usize) {
    let batch: String = (0..count)
        .map(|i| {
            let (a, b, c) = (i / 65_536, (i / 256) % 256, i % 256);
            format!("address add 10.{a}.{b}.{c}/32 dev fl{}\n", i % DEVICES)
        })
        .collect();
    measure(&format!("flood of {count} address adds"), batch, false);
    for d in 0..DEVICES {
        sh(&format!("ip addr flush dev fl{d}"));
    }
}

/// fl0 carries `carried` addresses; then one more is added and removed
/// `cycles` times (4 events a cycle: the address and its local route, each
/// way).
fn flood_on_loaded(carried: usize, cycles: usize, backlog: bool) -> f64 {
    let load: String = (0..carried)
        .map(|i| format!("address add 10.200.{}.{}/32 dev fl0\n", i / 256, i % 256))
        .collect();
    std::fs::write("/tmp/qns-bench-load.batch", load).unwrap();
    sh("ip -batch /tmp/qns-bench-load.batch");
    let batch: String = (0..cycles)
        .map(|_| "address add 10.201.0.1/32 dev fl0\naddress del 10.201.0.1/32 dev fl0\n")
        .collect();
    let how = if backlog {
        "as a backlog"
    } else {
        "paced by ip"
    };
    let capacity = measure(
        &format!("{cycles} add/remove cycles on an interface with {carried} addresses, {how}"),
        batch,
        backlog,
    );
    sh("ip addr flush dev fl0");
    capacity
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
    // Room for a whole backlog of the capacity runs (see `measure`).
    // SAFETY: no other thread exists yet.
    unsafe { std::env::set_var("QNS_NETLINK_RCVBUF", "134217728") };
    select_backend("netlink").unwrap();
    let manager = Manager::new(EventLoop::new().unwrap());
    for count in [10_000, 50_000] {
        flood(count);
    }
    // Alternating, three times each: the machine is shared and noisy.
    // Paced, the batches are as small as ip makes them (slower with 2,500
    // addresses, so more batches of fewer events); as a backlog, both work
    // through full batches and the figure is the cost per event.
    for backlog in [false, true] {
        let (mut few, mut many) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            few.push(flood_on_loaded(10, 2_500, backlog));
            many.push(flood_on_loaded(2_500, 2_500, backlog));
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (few, many) = (median(&mut few), median(&mut many));
        let how = if backlog {
            "as a backlog"
        } else {
            "paced by ip"
        };
        println!(
            "capacity {how} with 10 addresses {few:.0} vs 2500 addresses {many:.0} events per CPU-second \
             (medians of 3): ratio {:.2}",
            few / many
        );
    }
    manager.release();
}
