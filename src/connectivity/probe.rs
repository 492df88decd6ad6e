//! One check: resolve, connect, send the GET, read until the answer is
//! decided. Every step waits with the check's deadline and can be cut short
//! by the checker (a newer network change, shutdown).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;

use super::classify::{ByStatus, FailReason, Outcome, Stage, by_body, by_status};
use super::config::{CheckConfig, MAX_HEAD};
use super::http::{Parse, decode_body, parse_head, request};
use super::resolve::{ResolveEnd, Resolver};
use super::url::Host;
use super::wait::{Interrupt, WaitEnd, wait};

/// The checker no longer wants this check's result.
#[derive(Debug, PartialEq, Eq)]
pub struct Aborted;

/// Runs one check now, blocking until it is decided or its deadline passes.
pub fn check(config: &CheckConfig) -> Outcome {
    // Only an interrupt can abort, and there is none.
    run(config, &Resolver::default(), None)
        .unwrap_or(Outcome::Failed(FailReason::Timeout(Stage::Response)))
}

fn failed(reason: FailReason) -> Result<Outcome, Aborted> {
    Ok(Outcome::Failed(reason))
}

/// One check; Err only when the interrupt aborted it.
pub(crate) fn run(
    config: &CheckConfig,
    resolver: &Resolver,
    interrupt: Option<&Interrupt>,
) -> Result<Outcome, Aborted> {
    let deadline = Instant::now() + config.timeout();
    let url = config.url();
    let addrs = match &url.host {
        Host::Ip(ip) => vec![SocketAddr::new(*ip, url.port)],
        Host::Name(name) => match resolver.resolve(name, url.port, deadline, interrupt) {
            Ok(addrs) => addrs,
            Err(ResolveEnd::Failed(why)) => return failed(FailReason::Resolve(why)),
            Err(ResolveEnd::Wait(WaitEnd::TimedOut)) => {
                return failed(FailReason::Timeout(Stage::Resolve));
            }
            Err(ResolveEnd::Wait(WaitEnd::Aborted)) => return Err(Aborted),
        },
    };
    let mut stream = match connect_any(&addrs, deadline, interrupt)? {
        Ok(stream) => stream,
        Err(reason) => return failed(reason),
    };
    exchange(&mut stream, config, deadline, interrupt)
}

/// Tries the addresses in the resolver's order; each attempt gets an equal
/// share of the time left, so one black-holed address cannot use it all.
fn connect_any(
    addrs: &[SocketAddr],
    deadline: Instant,
    interrupt: Option<&Interrupt>,
) -> Result<Result<TcpStream, FailReason>, Aborted> {
    let mut last = FailReason::Timeout(Stage::Connect);
    for (i, addr) in addrs.iter().enumerate() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break;
        };
        let share = left / (addrs.len() - i) as u32;
        match connect_one(addr, Instant::now() + share, interrupt) {
            Ok(stream) => return Ok(Ok(stream)),
            Err(Step::Aborted) => return Err(Aborted),
            Err(Step::TimedOut) => last = FailReason::Timeout(Stage::Connect),
            Err(Step::Io(kind)) => last = FailReason::Connect(kind),
        }
    }
    Ok(Err(last))
}

enum Step {
    TimedOut,
    Aborted,
    Io(io::ErrorKind),
}

impl From<WaitEnd> for Step {
    fn from(end: WaitEnd) -> Step {
        match end {
            WaitEnd::TimedOut => Step::TimedOut,
            WaitEnd::Aborted => Step::Aborted,
        }
    }
}

fn last_error() -> Step {
    Step::Io(io::Error::last_os_error().kind())
}

/// A non-blocking connect, so the wait for it honours deadline and interrupt.
fn connect_one(
    addr: &SocketAddr,
    deadline: Instant,
    interrupt: Option<&Interrupt>,
) -> Result<TcpStream, Step> {
    let (storage, len) = sockaddr(addr);
    let family = libc::c_int::from(storage.ss_family);
    // SAFETY: plain socket(2); the result is checked.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(last_error());
    }
    // SAFETY: fd is fresh and owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: storage holds a sockaddr of `len` bytes for this family.
    let rc = unsafe {
        libc::connect(
            fd.as_raw_fd(),
            (&storage as *const libc::sockaddr_storage).cast(),
            len,
        )
    };
    if rc < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINPROGRESS) {
        return Err(last_error());
    }
    if rc < 0 {
        wait(
            Some(fd.as_raw_fd()),
            libc::POLLOUT,
            Some(deadline),
            interrupt,
        )?;
        let mut error: libc::c_int = 0;
        let mut size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: SO_ERROR writes one int into `error`.
        let rc = unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut error as *mut libc::c_int).cast(),
                &mut size,
            )
        };
        if rc < 0 {
            return Err(last_error());
        }
        if error != 0 {
            return Err(Step::Io(io::Error::from_raw_os_error(error).kind()));
        }
    }
    Ok(TcpStream::from(fd))
}

fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all zeroes is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
            let sin = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(v4.ip().octets());
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6.
            let sin6 = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_addr.s6_addr = v6.ip().octets();
            sin6.sin6_flowinfo = v6.flowinfo();
            sin6.sin6_scope_id = v6.scope_id();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// All bytes of an answer the check keeps: headers, a body to compare, and
/// room for chunk framing around it. Beyond that the answer is too large.
fn buffer_limit(config: &CheckConfig) -> usize {
    MAX_HEAD + 4 * config.body_limit()
}

/// Sends the request and reads until the answer is decided.
fn exchange(
    stream: &mut TcpStream,
    config: &CheckConfig,
    deadline: Instant,
    interrupt: Option<&Interrupt>,
) -> Result<Outcome, Aborted> {
    let request = request(config.url());
    let mut sent = 0;
    while sent < request.len() {
        match stream.write(&request[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if let Err(end) = wait(
                    Some(stream.as_raw_fd()),
                    libc::POLLOUT,
                    Some(deadline),
                    interrupt,
                ) {
                    return timed_out(end);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return failed(FailReason::Io(e.kind())),
        }
    }
    let limit = buffer_limit(config);
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if let Err(end) = wait(
                    Some(stream.as_raw_fd()),
                    libc::POLLIN,
                    Some(deadline),
                    interrupt,
                ) {
                    return timed_out(end);
                }
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return failed(FailReason::Io(e.kind())),
        };
        let eof = n == 0;
        answer.extend_from_slice(&chunk[..n.min(limit - answer.len())]);
        if let Some(outcome) = decide(&answer, eof, config) {
            return Ok(outcome);
        }
        if answer.len() >= limit {
            return failed(FailReason::TooLarge);
        }
    }
}

fn timed_out(end: WaitEnd) -> Result<Outcome, Aborted> {
    match end {
        WaitEnd::TimedOut => failed(FailReason::Timeout(Stage::Response)),
        WaitEnd::Aborted => Err(Aborted),
    }
}

/// The outcome the bytes so far decide, if any. `eof`: the server closed,
/// so this is all there will be. Always Some when `eof`.
pub(crate) fn decide(answer: &[u8], eof: bool, config: &CheckConfig) -> Option<Outcome> {
    let fail = |reason| Some(Outcome::Failed(reason));
    let (head, body_start) = match parse_head(answer) {
        Parse::Done(done) => done,
        Parse::Invalid(why) => return fail(FailReason::Malformed(why)),
        Parse::Incomplete if answer.len() > MAX_HEAD => return fail(FailReason::TooLarge),
        Parse::Incomplete if eof => return fail(FailReason::Closed),
        Parse::Incomplete => return None,
    };
    if body_start > MAX_HEAD {
        return fail(FailReason::TooLarge);
    }
    match by_status(head.status) {
        ByStatus::Decided(outcome) => Some(outcome),
        ByStatus::NeedsBody => match decode_body(head.framing, &answer[body_start..], eof) {
            Err(why) => fail(FailReason::Malformed(why)),
            Ok(body) if body.bytes.len() > config.body_limit() => Some(Outcome::CaptivePortal),
            Ok(body) => match by_body(config.expected_body(), &body.bytes, body.complete) {
                Some(outcome) => Some(outcome),
                None if eof => fail(FailReason::Closed),
                None => None,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(expected: &[u8]) -> CheckConfig {
        CheckConfig::new("http://192.0.2.1/")
            .unwrap()
            .with_expected_body(expected)
    }

    fn decided(answer: &[u8], eof: bool) -> Option<Outcome> {
        decide(answer, eof, &config(b""))
    }

    #[test]
    fn decisions_from_partial_answers() {
        use Outcome::*;
        assert_eq!(decided(b"HTTP/1.1 204 No Content\r\n", false), None);
        assert_eq!(
            decided(b"HTTP/1.1 204 No Content\r\n\r\n", false),
            Some(Online)
        );
        assert_eq!(
            decided(b"HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n", false),
            Some(CaptivePortal)
        );
        assert_eq!(
            decided(b"HTTP/1.1 503 Busy\r\n\r\n", false),
            Some(Failed(FailReason::Status(503)))
        );
        // A 200 waits for its body; an empty one is Online by default.
        assert_eq!(decided(b"HTTP/1.1 200 OK\r\n\r\n", false), None);
        assert_eq!(decided(b"HTTP/1.1 200 OK\r\n\r\n", true), Some(Online));
        assert_eq!(
            decided(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false),
            Some(Online)
        );
        // A page where none was expected: a portal as soon as it shows.
        assert_eq!(
            decided(b"HTTP/1.1 200 OK\r\n\r\n<html>", false),
            Some(CaptivePortal)
        );
        // Cut short, or nothing at all, or garbage.
        assert_eq!(
            decided(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true),
            Some(Failed(FailReason::Closed))
        );
        assert_eq!(decided(b"", true), Some(Failed(FailReason::Closed)));
        assert_eq!(
            decided(b"HTTP/1.1 20", true),
            Some(Failed(FailReason::Closed))
        );
        assert!(matches!(
            decided(b"garbage\r\n", false),
            Some(Failed(FailReason::Malformed(_)))
        ));
        assert!(matches!(
            decided(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                false
            ),
            Some(Failed(FailReason::Malformed(_)))
        ));
    }

    #[test]
    fn expected_bodies_in_every_framing() {
        let c = config(b"online\n");
        let answers: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nonline\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nonl\r\n3\r\nine\r\n0\r\n\r\n",
            b"HTTP/1.0 200 OK\r\n\r\nonline",
        ];
        for a in answers {
            assert_eq!(
                decide(a, true, &c),
                Some(Outcome::Online),
                "{:?}",
                String::from_utf8_lossy(a)
            );
        }
        assert_eq!(decide(b"HTTP/1.1 200 OK\r\n\r\nonl", false, &c), None);
        assert_eq!(
            decide(b"HTTP/1.1 200 OK\r\n\r\noffline", false, &c),
            Some(Outcome::CaptivePortal)
        );
        // Content-Length larger than the body sent before the close.
        assert_eq!(
            decide(
                b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonline\n",
                true,
                &c
            ),
            Some(Outcome::Failed(FailReason::Closed))
        );
    }

    #[test]
    fn huge_heads_are_too_large() {
        let mut a = b"HTTP/1.1 204 No Content\r\n".to_vec();
        while a.len() <= MAX_HEAD {
            a.extend_from_slice(b"X-Pad: 0123456789012345678901234567890123456789\r\n");
        }
        assert_eq!(
            decided(&a, false),
            Some(Outcome::Failed(FailReason::TooLarge))
        );
        a.extend_from_slice(b"\r\n");
        assert_eq!(
            decided(&a, false),
            Some(Outcome::Failed(FailReason::TooLarge))
        );
    }
}
