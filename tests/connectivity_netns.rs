//! The connectivity check inside the test's own network namespace: servers
//! on the namespace's interfaces (a 204, a portal, silence, garbage, IPv6),
//! an unreachable network, a failing and a hung DNS resolver, and an idle
//! checker that never wakes up. Needs root and network namespaces; skips
//! elsewhere. One test, run step by step: some steps count the process's
//! threads.

#[path = "common/http_server.rs"]
mod http_server;

#[path = "common/shell.rs"]
mod shell;
use shell::sh;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_server::{Reply, Server};
use qnetworksession::connectivity::{CheckConfig, Checker, FailReason, Outcome, Stage, check};

fn quick(url: &str) -> CheckConfig {
    CheckConfig::new(url)
        .unwrap()
        .with_timeout(Duration::from_millis(500))
}

/// Threads of this process with this name, and their voluntary context
/// switches (a thread asleep in poll() does not switch).
fn threads_named(name: &str) -> Vec<u64> {
    let mut found = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let status = std::fs::read_to_string(path.join("status")).unwrap_or_default();
        let switches = status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        found.push(switches);
    }
    found
}

fn servers_on_the_namespace_interfaces() {
    sh(
        "ip link add cv0 type veth peer name cv1 && ip link set cv0 up && ip link set cv1 up && \
        ip addr add 10.50.0.1/24 dev cv0 && ip addr add 10.50.0.2/24 dev cv1 && \
        ip addr add fd00:50::2/64 dev cv1 nodad",
    );
    let at = |ip: &str, reply| Server::start_on(SocketAddr::new(ip.parse().unwrap(), 0), reply);
    let online = at("10.50.0.2", Reply::no_content());
    assert_eq!(check(&quick(&online.url("/generate_204"))), Outcome::Online);
    let v6 = at("fd00:50::2", Reply::no_content());
    assert!(v6.url("/").starts_with("http://[fd00:50::2]:"));
    assert_eq!(check(&quick(&v6.url("/"))), Outcome::Online);
    assert!(v6.last_request().contains("Host: [fd00:50::2]:"));
    let portal = at("10.50.0.2", Reply::portal());
    assert_eq!(check(&quick(&portal.url("/"))), Outcome::CaptivePortal);
    let silent = at("10.50.0.2", Reply::Silent);
    let started = Instant::now();
    assert_eq!(
        check(&quick(&silent.url("/"))),
        Outcome::Failed(FailReason::Timeout(Stage::Response))
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    let garbage = at("10.50.0.2", Reply::garbage());
    assert!(matches!(
        check(&quick(&garbage.url("/"))),
        Outcome::Failed(FailReason::Malformed(_))
    ));
}

fn an_unreachable_network_fails_at_once() {
    // Nothing routes to TEST-NET-1 here.
    let started = Instant::now();
    let outcome = check(&CheckConfig::new("http://192.0.2.1/").unwrap());
    assert_eq!(
        outcome,
        Outcome::Failed(FailReason::Connect(std::io::ErrorKind::NetworkUnreachable))
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// The resolver's servers from resolv.conf (glibc's default without any).
fn nameservers() -> Vec<IpAddr> {
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let servers: Vec<IpAddr> = conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    if servers.is_empty() {
        vec!["127.0.0.1".parse().unwrap()]
    } else {
        servers
    }
}

const NAME_URL: &str = "http://connectivity-check.qns.test/generate_204";

fn dns_failure_is_a_failed_check() {
    // No route to any DNS server (unless it is on loopback, where nothing
    // listens yet): the lookup fails, or at worst outlives the deadline.
    let started = Instant::now();
    let outcome = check(&quick(NAME_URL));
    assert!(
        matches!(
            outcome,
            Outcome::Failed(FailReason::Resolve(_) | FailReason::Timeout(Stage::Resolve))
        ),
        "{outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

fn a_hung_resolver_delays_only_the_check() {
    // Every DNS server of resolv.conf exists here and never answers.
    let mut sinks = Vec::new();
    for server in nameservers() {
        if !server.is_loopback() {
            let prefix = if server.is_ipv4() { 32 } else { 128 };
            sh(&format!(
                "ip addr add {server}/{prefix} dev lo nodad 2>/dev/null || ip addr add {server}/{prefix} dev lo"
            ));
        }
        sinks.push(UdpSocket::bind(SocketAddr::new(server, 53)).expect("bind a silent DNS server"));
    }
    let results: Arc<Mutex<Vec<(u64, Outcome)>>> = Arc::default();
    let sink = results.clone();
    let checker = Checker::new(
        quick(NAME_URL),
        Box::new(move |g, o| sink.lock().unwrap().push((g, o))),
    )
    .unwrap();
    for generation in 1..=3 {
        let started = Instant::now();
        checker.network_changed(generation);
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "never waits for the check"
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        while results.lock().unwrap().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let got = std::mem::take(&mut *results.lock().unwrap());
        assert_eq!(
            got,
            vec![(
                generation,
                Outcome::Failed(FailReason::Timeout(Stage::Resolve))
            )]
        );
    }
    // The checks waited for the one lookup still in flight instead of
    // starting a thread each.
    assert!(threads_named("qns-resolve").len() <= 1);
    // Shutdown does not wait for the resolver either.
    assert_eq!(threads_named("qns-check").len(), 1);
    let started = Instant::now();
    drop(checker);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(threads_named("qns-check").is_empty());
    drop(sinks);
}

fn an_idle_checker_never_wakes_up() {
    let server = Server::start_on("10.50.0.2:0".parse().unwrap(), Reply::no_content());
    let results: Arc<Mutex<Vec<(u64, Outcome)>>> = Arc::default();
    let sink = results.clone();
    let checker = Checker::new(
        quick(&server.url("/")),
        Box::new(move |g, o| sink.lock().unwrap().push((g, o))),
    )
    .unwrap();
    checker.network_changed(1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while results.lock().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(*results.lock().unwrap(), vec![(1, Outcome::Online)]);
    std::thread::sleep(Duration::from_millis(100));
    let before = threads_named("qns-check");
    assert_eq!(before.len(), 1);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        threads_named("qns-check"),
        before,
        "no wake-ups before the 5-minute re-check"
    );
    drop(checker);
    assert!(threads_named("qns-check").is_empty());
}

#[test]
fn connectivity_check_in_a_private_namespace() {
    // SAFETY: plain syscalls; unshare moves only this thread (and what it spawns).
    if unsafe { libc::geteuid() } != 0 || unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        eprintln!("skipped: needs root and network namespaces");
        return;
    }
    sh("ip link set lo up");
    servers_on_the_namespace_interfaces();
    an_unreachable_network_fails_at_once();
    dns_failure_is_a_failed_check();
    a_hung_resolver_delays_only_the_check();
    an_idle_checker_never_wakes_up();
}
