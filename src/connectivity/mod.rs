//! The optional connectivity check (SPEC §8): an HTTP GET of a configured
//! URL that tells Online from a captive portal or a network that only
//! reaches the site. No engine knowledge: the backend reports default-route
//! changes to a `Checker`, and the checker reports outcomes to a callback.
//!
//! HTTP is written here with std and libc only (docs/connectivity.md says
//! why): the request is one GET, and the parser is pure functions with unit
//! and random-input tests. Plain http only; the library carries no TLS.

mod checker;
mod classify;
mod config;
mod http;
mod probe;
mod resolve;
mod url;
mod wait;

pub use checker::{Checker, ResultCallback};
pub use classify::{FailReason, Outcome, Stage};
pub use config::{CheckConfig, DEFAULT_TIMEOUT, MIN_RECHECK_INTERVAL};
pub use probe::check;
pub use url::{CheckUrl, Host, UrlError, parse_url};

#[cfg(test)]
#[path = "../../tests/common/http_server.rs"]
mod test_server;
#[cfg(test)]
mod tests;
