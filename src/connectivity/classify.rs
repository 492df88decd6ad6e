//! What a check's answer means. The rules (docs/connectivity.md):
//! - 204 -> Online.
//! - 200 -> Online when the body is the expected one (default: empty),
//!   ignoring trailing whitespace; any other body -> CaptivePortal.
//! - Other 2xx and every 3xx -> CaptivePortal: something other than the
//!   check server answered in its place (a portal's redirect, a proxy).
//! - 1xx as a final answer, 4xx, 5xx, unknown codes -> Failed.
//! - No complete answer (DNS, connect, timeout, reset, garbage) -> Failed.

use std::fmt;
use std::io;

/// The result of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The check server answered as expected.
    Online,
    /// Something answered in the server's place (a redirect, another page).
    CaptivePortal,
    /// No usable answer; the caller demotes Online to Site.
    Failed(FailReason),
}

/// Which part of the check ran out of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Resolve,
    Connect,
    Response,
}

/// Why a check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailReason {
    /// The name did not resolve (the resolver's message).
    Resolve(String),
    /// No address could be connected to (the last attempt's error).
    Connect(io::ErrorKind),
    /// The deadline passed.
    Timeout(Stage),
    /// Sending or receiving failed (a reset, for example).
    Io(io::ErrorKind),
    /// The server closed before a complete answer.
    Closed,
    /// The answer is not HTTP/1.x or its framing is broken.
    Malformed(&'static str),
    /// The status line and headers exceed the size limit.
    TooLarge,
    /// A status that says neither online nor portal.
    Status(u16),
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailReason::Resolve(why) => write!(f, "name resolution failed: {why}"),
            FailReason::Connect(kind) => write!(f, "connect failed: {kind}"),
            FailReason::Timeout(stage) => {
                let stage = match stage {
                    Stage::Resolve => "resolving the name",
                    Stage::Connect => "connecting",
                    Stage::Response => "waiting for the answer",
                };
                write!(f, "timed out {stage}")
            }
            FailReason::Io(kind) => write!(f, "connection failed: {kind}"),
            FailReason::Closed => f.write_str("the server closed before a complete answer"),
            FailReason::Malformed(why) => write!(f, "not a valid HTTP answer: {why}"),
            FailReason::TooLarge => f.write_str("the answer's headers are too large"),
            FailReason::Status(code) => write!(f, "unexpected status {code}"),
        }
    }
}

/// What the status alone decides.
#[derive(Debug, PartialEq, Eq)]
pub enum ByStatus {
    Decided(Outcome),
    /// A 200: the body decides.
    NeedsBody,
}

pub fn by_status(status: u16) -> ByStatus {
    match status {
        204 => ByStatus::Decided(Outcome::Online),
        200 => ByStatus::NeedsBody,
        201..=399 => ByStatus::Decided(Outcome::CaptivePortal),
        other => ByStatus::Decided(Outcome::Failed(FailReason::Status(other))),
    }
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b" \t\r\n".contains(b))
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Compares a 200's body with the expected one. With an incomplete body it
/// answers as soon as the bytes so far can no longer match (a portal page
/// that never ends is a portal, not a timeout); None: not decided yet.
pub fn by_body(expected: &[u8], body: &[u8], complete: bool) -> Option<Outcome> {
    let expected = trim_end(expected);
    let matches_so_far = if body.len() <= expected.len() {
        expected.starts_with(body)
    } else {
        body.starts_with(expected) && trim_end(&body[expected.len()..]).is_empty()
    };
    if !matches_so_far {
        Some(Outcome::CaptivePortal)
    } else if complete {
        let exact = trim_end(body) == expected;
        Some(if exact {
            Outcome::Online
        } else {
            Outcome::CaptivePortal
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(by_status(204), ByStatus::Decided(Outcome::Online));
        assert_eq!(by_status(200), ByStatus::NeedsBody);
        for portal in [201, 206, 301, 302, 303, 307, 308, 300, 304] {
            assert_eq!(by_status(portal), ByStatus::Decided(Outcome::CaptivePortal));
        }
        for failed in [101, 199, 400, 404, 407, 500, 503, 600, 999] {
            assert_eq!(
                by_status(failed),
                ByStatus::Decided(Outcome::Failed(FailReason::Status(failed)))
            );
        }
    }

    #[test]
    fn bodies() {
        use Outcome::*;
        // Default expectation: an empty body.
        assert_eq!(by_body(b"", b"", true), Some(Online));
        assert_eq!(by_body(b"", b"\r\n", true), Some(Online));
        assert_eq!(by_body(b"", b"", false), None);
        assert_eq!(by_body(b"", b"<html>", false), Some(CaptivePortal));
        // A configured text, trailing whitespace ignored on both sides.
        let want = b"NetworkManager is online\n";
        assert_eq!(
            by_body(want, b"NetworkManager is online", true),
            Some(Online)
        );
        assert_eq!(
            by_body(want, b"NetworkManager is online \r\n", true),
            Some(Online)
        );
        assert_eq!(by_body(want, b"Network", false), None);
        assert_eq!(by_body(want, b"Network", true), Some(CaptivePortal));
        assert_eq!(by_body(want, b"", true), Some(CaptivePortal));
        assert_eq!(by_body(want, b"NetworkManager is online\n\n", false), None);
        assert_eq!(
            by_body(want, b"NetworkManager is online!", false),
            Some(CaptivePortal)
        );
        assert_eq!(by_body(want, b"<html>login", false), Some(CaptivePortal));
        assert_eq!(
            by_body(want, b"networkmanager is online", true),
            Some(CaptivePortal)
        );
        assert_eq!(by_body(b"ok", b"\xff\xfe", true), Some(CaptivePortal));
    }

    #[test]
    fn reasons_read_well() {
        assert_eq!(
            FailReason::Timeout(Stage::Connect).to_string(),
            "timed out connecting"
        );
        assert_eq!(FailReason::Status(503).to_string(), "unexpected status 503");
        assert!(
            FailReason::Connect(io::ErrorKind::ConnectionRefused)
                .to_string()
                .contains("refused")
        );
    }
}
