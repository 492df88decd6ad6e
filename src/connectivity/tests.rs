//! The check and the checker against local HTTP servers on 127.0.0.1 (no
//! root needed). The namespace tests in tests/connectivity_netns.rs add DNS
//! failures and servers on the namespace's own interfaces.

use std::net::TcpStream;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::test_server::{Reply, Server};
use super::*;

fn config(server: &Server) -> CheckConfig {
    CheckConfig::new(&server.url("/generate_204"))
        .unwrap()
        .with_timeout(Duration::from_millis(500))
}

fn check_against(reply: Reply) -> (Outcome, Duration) {
    let server = Server::start(reply);
    let started = Instant::now();
    let outcome = check(&config(&server));
    (outcome, started.elapsed())
}

#[test]
fn no_content_is_online_and_the_request_is_well_formed() {
    let server = Server::start(Reply::no_content());
    assert_eq!(check(&config(&server)), Outcome::Online);
    let request = server.last_request();
    assert!(
        request.starts_with("GET /generate_204 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains(&format!("\r\nHost: {}\r\n", server.addr)),
        "{request}"
    );
    assert!(request.contains("\r\nConnection: close\r\n"), "{request}");
    assert!(
        request.contains("\r\nUser-Agent: libqnetworksession/"),
        "{request}"
    );
}

#[test]
fn a_redirect_is_a_captive_portal() {
    assert_eq!(check_against(Reply::portal()).0, Outcome::CaptivePortal);
}

#[test]
fn a_login_page_is_a_captive_portal_even_if_it_never_ends() {
    let page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>Please log in".to_vec();
    let server = Server::start(Reply::KeepOpen(page));
    let started = Instant::now();
    let outcome = check(&config(&server).with_timeout(Duration::from_secs(10)));
    assert_eq!(outcome, Outcome::CaptivePortal);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "decided long before the deadline: {took:?}"
    );
}

#[test]
fn the_expected_body_is_online_and_another_is_a_portal() {
    let server = Server::start(Reply::ok_body("NetworkManager is online\n"));
    let c = config(&server).with_expected_body("NetworkManager is online");
    assert_eq!(check(&c), Outcome::Online);
    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nonline\r\n0\r\n\r\n";
    let server = Server::start(Reply::Close(chunked.to_vec()));
    assert_eq!(
        check(&config(&server).with_expected_body("online")),
        Outcome::Online
    );
    assert_eq!(
        check(&config(&server).with_expected_body("offline")),
        Outcome::CaptivePortal
    );
    // Default expectation (empty): a 200 with a body is a portal.
    assert_eq!(check(&config(&server)), Outcome::CaptivePortal);
}

#[test]
fn a_server_that_never_answers_fails_at_the_deadline() {
    let (outcome, took) = check_against(Reply::Silent);
    assert_eq!(
        outcome,
        Outcome::Failed(FailReason::Timeout(Stage::Response))
    );
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_body_shorter_than_its_length_on_an_open_connection_times_out() {
    let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonline".to_vec();
    let server = Server::start(Reply::KeepOpen(answer.clone()));
    let c = config(&server).with_expected_body("online");
    assert_eq!(
        check(&c),
        Outcome::Failed(FailReason::Timeout(Stage::Response))
    );
    // ...and when the server closes instead, the answer was cut short.
    let server = Server::start(Reply::Close(answer));
    let c = config(&server).with_expected_body("online");
    assert_eq!(check(&c), Outcome::Failed(FailReason::Closed));
}

#[test]
fn garbage_resets_and_huge_headers_fail() {
    assert!(matches!(
        check_against(Reply::garbage()).0,
        Outcome::Failed(FailReason::Malformed(_))
    ));
    let reset = check_against(Reply::Reset).0;
    assert!(
        matches!(
            reset,
            Outcome::Failed(
                FailReason::Io(std::io::ErrorKind::ConnectionReset) | FailReason::Closed
            )
        ),
        "{reset:?}"
    );
    let mut huge = b"HTTP/1.1 204 No Content\r\n".to_vec();
    while huge.len() < 64 * 1024 {
        huge.extend_from_slice(
            b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        );
    }
    assert_eq!(
        check_against(Reply::KeepOpen(huge)).0,
        Outcome::Failed(FailReason::TooLarge)
    );
    assert_eq!(
        check_against(Reply::Close(b"HTTP/1.1 404 Not Found\r\n\r\n".to_vec())).0,
        Outcome::Failed(FailReason::Status(404))
    );
}

#[test]
fn refused_and_unresponsive_connects_fail() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let c = CheckConfig::new(&format!("http://127.0.0.1:{port}/")).unwrap();
    assert_eq!(
        check(&c),
        Outcome::Failed(FailReason::Connect(std::io::ErrorKind::ConnectionRefused))
    );

    // A listener whose accept queue is full drops new SYNs: connect hangs.
    // SAFETY: plain socket calls on a fresh fd, checked.
    let listener = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let fd = OwnedFd::from_raw_fd(fd);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_in).cast(),
                len
            ),
            0
        );
        assert_eq!(libc::listen(fd.as_raw_fd(), 0), 0);
        fd
    };
    let local = std::net::TcpListener::from(listener);
    let addr = local.local_addr().unwrap();
    let fillers: Vec<_> = (0..4)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok())
        .collect();
    assert!(!fillers.is_empty());
    let c = CheckConfig::new(&format!("http://{addr}/"))
        .unwrap()
        .with_timeout(Duration::from_millis(400));
    let started = Instant::now();
    assert_eq!(
        check(&c),
        Outcome::Failed(FailReason::Timeout(Stage::Connect))
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn names_are_resolved() {
    let server = Server::start(Reply::no_content());
    let url = format!("http://localhost:{}/", server.addr.port());
    // localhost may resolve to ::1 first, where nothing listens: the next
    // address gets its share of the time.
    assert_eq!(check(&CheckConfig::new(&url).unwrap()), Outcome::Online);
}

/// Records what the checker reports.
#[derive(Clone, Default)]
struct Results(Arc<Mutex<Vec<(u64, Outcome)>>>);

impl Results {
    fn callback(&self) -> ResultCallback {
        let results = self.0.clone();
        Box::new(move |generation, outcome| results.lock().unwrap().push((generation, outcome)))
    }
    fn take(&self) -> Vec<(u64, Outcome)> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    /// Waits (up to 10 s) until at least `n` results arrived.
    fn wait_for(&self, n: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.len() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }
}

#[test]
fn one_check_per_change_and_none_without_one() {
    let server = Server::start(Reply::no_content());
    let results = Results::default();
    let checker = Checker::new(config(&server), results.callback()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.requests(), 0, "no check before a network change");
    checker.network_changed(1);
    assert!(results.wait_for(1));
    checker.network_changed(1); // not newer: ignored
    checker.network_changed(0);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(results.take(), vec![(1, Outcome::Online)]);
    assert_eq!(server.requests(), 1);
    checker.network_changed(2);
    assert!(results.wait_for(1));
    assert_eq!(results.take(), vec![(2, Outcome::Online)]);
}

#[test]
fn a_burst_of_changes_gives_one_result_for_the_newest() {
    // Each answer takes 400 ms, far longer than the test needs between two
    // changes: every check but the last is still running when replaced.
    let server = Server::start(Reply::Delayed(
        Duration::from_millis(400),
        test_server::NO_CONTENT.to_vec(),
    ));
    let results = Results::default();
    let c = config(&server).with_timeout(Duration::from_secs(5));
    let checker = Checker::new(c, results.callback()).unwrap();
    for generation in 1..=5 {
        checker.network_changed(generation);
    }
    assert!(results.wait_for(1));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(results.take(), vec![(5, Outcome::Online)]);
    assert!(server.requests() <= 5, "at most one check per change");
    // A change during a check: that check is dropped, the new one reported.
    checker.network_changed(6);
    std::thread::sleep(Duration::from_millis(50));
    checker.network_changed(7);
    assert!(results.wait_for(1));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(results.take(), vec![(7, Outcome::Online)]);
}

#[test]
fn a_result_outdated_by_a_lost_network_is_dropped() {
    let server = Server::start(Reply::Delayed(
        Duration::from_millis(400),
        test_server::NO_CONTENT.to_vec(),
    ));
    let results = Results::default();
    let c = config(&server).with_timeout(Duration::from_secs(5));
    let checker = Checker::new(c, results.callback()).unwrap();
    checker.network_changed(1);
    std::thread::sleep(Duration::from_millis(50));
    checker.network_lost(2);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(results.take(), vec![]);
}

#[test]
fn periodic_rechecks_while_the_network_stays() {
    let server = Server::start(Reply::portal());
    let results = Results::default();
    let c = config(&server).recheck_interval_for_tests(Duration::from_millis(50));
    let checker = Checker::new(c, results.callback()).unwrap();
    checker.network_changed(1);
    assert!(results.wait_for(3));
    assert!(
        results
            .take()
            .iter()
            .all(|r| *r == (1, Outcome::CaptivePortal))
    );
    checker.network_lost(2);
    std::thread::sleep(Duration::from_millis(100));
    results.take();
    let requests = server.requests();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(results.len(), 0, "no re-checks without a network");
    assert_eq!(server.requests(), requests);
}

#[test]
fn dropping_aborts_a_check_at_once() {
    let server = Server::start(Reply::Silent);
    let results = Results::default();
    let c = config(&server).with_timeout(Duration::from_secs(30));
    let checker = Checker::new(c, results.callback()).unwrap();
    checker.network_changed(1);
    while server.requests() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    drop(checker);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(results.len(), 0);
}

#[test]
fn the_callback_may_drop_the_checker_and_may_panic() {
    let server = Server::start(Reply::no_content());
    let slot: Arc<Mutex<Option<Checker>>> = Arc::default();
    let calls = Arc::new(Mutex::new(0));
    let (slot2, calls2) = (slot.clone(), calls.clone());
    let c = config(&server).recheck_interval_for_tests(Duration::from_millis(20));
    let checker = Checker::new(
        c,
        Box::new(move |_, _| {
            let mut n = calls2.lock().unwrap();
            *n += 1;
            if *n == 1 {
                drop(n);
                panic!("a callback panics; the checker goes on");
            }
            // The second result: drop the checker from its own thread.
            drop(slot2.lock().unwrap().take());
        }),
    )
    .unwrap();
    *slot.lock().unwrap() = Some(checker);
    slot.lock().unwrap().as_ref().unwrap().network_changed(1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while slot.lock().unwrap().is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        slot.lock().unwrap().is_none(),
        "the second result dropped it"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(*calls.lock().unwrap(), 2, "nothing after the drop");
}
