//! What a check asks for and how long it may take.

use std::time::Duration;

use super::url::{CheckUrl, UrlError, parse_url};

/// The whole check (resolve, connect, answer) must end within this.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Periodic re-checks never come more often than this (outside tests).
pub const MIN_RECHECK_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Limit of the status line and headers.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// Limit of a 200's body that is compared (a longer one cannot match).
pub(crate) const MAX_BODY: usize = 16 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckConfig {
    url: CheckUrl,
    expected_body: Vec<u8>,
    timeout: Duration,
    recheck_interval: Duration,
}

impl CheckConfig {
    /// A check of `url` expecting a 204 or an empty 200, with the defaults.
    pub fn new(url: &str) -> Result<CheckConfig, UrlError> {
        Ok(CheckConfig::for_url(parse_url(url)?))
    }

    pub fn for_url(url: CheckUrl) -> CheckConfig {
        CheckConfig {
            url,
            expected_body: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            recheck_interval: MIN_RECHECK_INTERVAL,
        }
    }

    /// The body a 200 must carry to count as Online (trailing whitespace is
    /// ignored). Empty, the default: a 204 or an empty 200.
    pub fn with_expected_body(mut self, body: impl Into<Vec<u8>>) -> CheckConfig {
        self.expected_body = body.into();
        self
    }

    /// The deadline of one check; at least 1 ms.
    pub fn with_timeout(mut self, timeout: Duration) -> CheckConfig {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long after a check the next periodic one runs while the network
    /// stays; never less than MIN_RECHECK_INTERVAL.
    pub fn with_recheck_interval(mut self, interval: Duration) -> CheckConfig {
        self.recheck_interval = interval.max(MIN_RECHECK_INTERVAL);
        self
    }

    /// Tests only: any interval, so periodic re-checks can be watched.
    #[doc(hidden)]
    pub fn recheck_interval_for_tests(mut self, interval: Duration) -> CheckConfig {
        self.recheck_interval = interval;
        self
    }

    pub fn url(&self) -> &CheckUrl {
        &self.url
    }
    pub fn expected_body(&self) -> &[u8] {
        &self.expected_body
    }
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    pub fn recheck_interval(&self) -> Duration {
        self.recheck_interval
    }

    /// The body bytes worth reading: enough to see a mismatch past the
    /// expected text and its trailing whitespace.
    pub(crate) fn body_limit(&self) -> usize {
        MAX_BODY.max(self.expected_body.len() + 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_floors() {
        let c = CheckConfig::new("http://192.0.2.1/x").unwrap();
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(c.recheck_interval(), MIN_RECHECK_INTERVAL);
        assert!(c.expected_body().is_empty());
        let c = c
            .with_recheck_interval(Duration::from_secs(1))
            .with_timeout(Duration::ZERO);
        assert_eq!(c.recheck_interval(), MIN_RECHECK_INTERVAL);
        assert_eq!(c.timeout(), Duration::from_millis(1));
        let c = c.with_recheck_interval(Duration::from_secs(3600));
        assert_eq!(c.recheck_interval(), Duration::from_secs(3600));
        assert_eq!(
            CheckConfig::new("https://x/"),
            Err(UrlError::UnsupportedScheme("https".into()))
        );
    }
}
