//! Connectivity check numbers against local servers on 127.0.0.1: the
//! latency the check adds before Online can be reported (network_changed()
//! to the Online callback), and how long one check takes for a 204, a
//! portal's redirect, garbage and a server that never answers. Run with
//! `benches/run.sh` or `cargo bench --bench connectivity`.

#[path = "../tests/common/http_server.rs"]
mod http_server;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use http_server::{Reply, Server};
use qnetworksession::connectivity::{CheckConfig, Checker, Outcome, check};

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// (median, 90th percentile) in microseconds.
fn summary(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| micros(samples[((samples.len() - 1) as f64 * q) as usize]);
    (at(0.5), at(0.9))
}

/// network_changed() until the Online callback, `runs` times.
fn added_latency(url: &str, runs: u64) -> (f64, f64) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let checker = Checker::new(
        CheckConfig::new(url).unwrap(),
        Box::new(move |g, outcome| {
            let _ = tx.lock().unwrap().send((g, outcome, Instant::now()));
        }),
    )
    .unwrap();
    let mut samples = Vec::new();
    for generation in 1..=runs {
        let started = Instant::now();
        checker.network_changed(generation);
        let (g, outcome, at) = rx.recv_timeout(Duration::from_secs(10)).expect("a result");
        assert_eq!((g, outcome), (generation, Outcome::Online));
        samples.push(at - started);
    }
    summary(samples)
}

fn check_duration(reply: Reply, timeout: Duration, runs: usize) -> (Outcome, f64, f64) {
    let server = Server::start(reply);
    let config = CheckConfig::new(&server.url("/generate_204"))
        .unwrap()
        .with_timeout(timeout);
    let mut samples = Vec::new();
    let mut last = Outcome::Online;
    for _ in 0..runs {
        let started = Instant::now();
        last = check(&config);
        samples.push(started.elapsed());
    }
    let (median, p90) = summary(samples);
    (last, median, p90)
}

fn main() {
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    let server = Server::start(Reply::no_content());
    let runs = 300;
    let (median, p90) = added_latency(&server.url("/generate_204"), runs);
    println!(
        "added latency to Online, 204 on 127.0.0.1 by address: median {median:.0} us, p90 {p90:.0} us ({runs} runs)"
    );
    let by_name = format!("http://localhost:{}/generate_204", server.addr.port());
    let (median, p90) = added_latency(&by_name, runs);
    println!(
        "added latency to Online, 204 by name (localhost, resolver thread): median {median:.0} us, p90 {p90:.0} us"
    );

    let quick = Duration::from_secs(5);
    for (name, reply) in [
        ("204", Reply::no_content()),
        ("portal redirect", Reply::portal()),
        ("garbage", Reply::garbage()),
    ] {
        let (outcome, median, p90) = check_duration(reply, quick, 200);
        println!("check, {name}: median {median:.0} us, p90 {p90:.0} us -> {outcome:?}");
    }
    let deadline = Duration::from_secs(1);
    let (outcome, median, _) = check_duration(Reply::Silent, deadline, 3);
    println!(
        "check, never answers (deadline 1 s, default 5 s): median {:.1} ms, {:.2} ms past the deadline -> {outcome:?}",
        median / 1e3,
        (median - micros(deadline)) / 1e3
    );
}
