//! The check URL: `http://host[:port][/path][?query]`, nothing else. The
//! library carries no TLS, so https and every other scheme are refused when
//! the URL is set, not when the check runs.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where the check connects to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Ip(IpAddr),
    /// A DNS name, lower-cased.
    Name(String),
}

/// A parsed check URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckUrl {
    pub host: Host,
    pub port: u16,
    /// The request target: path and query, never empty (at least "/").
    pub target: String,
}

/// Why a URL cannot be used for the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    Empty,
    /// Not `scheme://...`.
    MissingScheme,
    /// A scheme other than http (the scheme, lower-cased). https is refused
    /// too: the library has no TLS.
    UnsupportedScheme(String),
    /// `user:password@` is not supported.
    UserInfo,
    MissingHost,
    InvalidHost,
    /// Not a number in 1..=65535.
    InvalidPort,
    /// Whitespace, a control character, non-ASCII text or a bad %-escape.
    InvalidCharacter,
    /// Longer than the limit (2048 bytes).
    TooLong,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Empty => f.write_str("the URL is empty"),
            UrlError::MissingScheme => f.write_str("the URL does not start with http://"),
            UrlError::UnsupportedScheme(s) if s == "https" => {
                f.write_str("https is not supported (the library has no TLS): use http://")
            }
            UrlError::UnsupportedScheme(s) => write!(f, "the scheme {s:?} is not supported"),
            UrlError::UserInfo => {
                f.write_str("user names and passwords in the URL are not supported")
            }
            UrlError::MissingHost => f.write_str("the URL has no host"),
            UrlError::InvalidHost => f.write_str("the host is not a valid name or IP address"),
            UrlError::InvalidPort => f.write_str("the port is not a number from 1 to 65535"),
            UrlError::InvalidCharacter => {
                f.write_str("the URL contains whitespace, control or non-ASCII characters")
            }
            UrlError::TooLong => f.write_str("the URL is longer than 2048 bytes"),
        }
    }
}

impl std::error::Error for UrlError {}

const MAX_URL: usize = 2048;

/// Parses an `http://` URL for the connectivity check.
pub fn parse_url(text: &str) -> Result<CheckUrl, UrlError> {
    if text.is_empty() {
        return Err(UrlError::Empty);
    }
    if text.len() > MAX_URL {
        return Err(UrlError::TooLong);
    }
    // Only printable ASCII: a request line cannot carry anything else, and
    // refusing it here beats sending something the server misreads.
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(UrlError::InvalidCharacter);
    }
    let (scheme, rest) = text.split_once("://").ok_or(UrlError::MissingScheme)?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return Err(UrlError::MissingScheme);
    }
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" {
        return Err(UrlError::UnsupportedScheme(scheme));
    }
    // The fragment never leaves the client.
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    let (host, port) = split_host_port(authority)?;
    let target = match target {
        "" => "/".to_owned(),
        t if t.starts_with('?') => format!("/{t}"),
        t => t.to_owned(),
    };
    check_escapes(&target)?;
    Ok(CheckUrl { host, port, target })
}

fn split_host_port(authority: &str) -> Result<(Host, u16), UrlError> {
    if authority.is_empty() {
        return Err(UrlError::MissingHost);
    }
    let (host_text, port_text) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inside, after) = bracketed.split_once(']').ok_or(UrlError::InvalidHost)?;
        let ip: Ipv6Addr = inside.parse().map_err(|_| UrlError::InvalidHost)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlError::InvalidHost)?),
        };
        return Ok((Host::Ip(IpAddr::V6(ip)), parse_port(port)?));
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host_text.is_empty() {
        return Err(UrlError::MissingHost);
    }
    let host = match host_text.parse::<Ipv4Addr>() {
        Ok(ip) => Host::Ip(IpAddr::V4(ip)),
        Err(_) => Host::Name(valid_name(host_text)?),
    };
    Ok((host, parse_port(port_text)?))
}

/// No port, or an empty one after the colon, is port 80 (RFC 3986).
fn parse_port(text: Option<&str>) -> Result<u16, UrlError> {
    match text {
        None | Some("") => Ok(80),
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            match p.parse::<u16>() {
                Ok(0) | Err(_) => Err(UrlError::InvalidPort),
                Ok(port) => Ok(port),
            }
        }
        Some(_) => Err(UrlError::InvalidPort),
    }
}

/// A DNS name: labels of letters, digits, '-' and '_', 1..=63 bytes each,
/// 253 in all. A name whose last label is all digits is refused: the
/// resolver would read "10.1" or "0x7f.1" as an IPv4 address in a legacy
/// form, which is never what a URL meant.
fn valid_name(text: &str) -> Result<String, UrlError> {
    let name = text.strip_suffix('.').unwrap_or(text);
    let labels_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let last_numeric = name
        .rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()) || l.starts_with("0x"));
    if !labels_ok || last_numeric {
        return Err(UrlError::InvalidHost);
    }
    Ok(name.to_ascii_lowercase())
}

fn check_escapes(target: &str) -> Result<(), UrlError> {
    let bytes = target.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(UrlError::InvalidCharacter)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return Err(UrlError::InvalidCharacter);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

impl CheckUrl {
    /// The Host header's value: the port only when it is not 80.
    pub fn host_header(&self) -> String {
        let host = match &self.host {
            Host::Ip(IpAddr::V6(ip)) => format!("[{ip}]"),
            Host::Ip(ip) => ip.to_string(),
            Host::Name(name) => name.clone(),
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl fmt::Display for CheckUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.host_header(), self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> CheckUrl {
        parse_url(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn names_addresses_ports_and_targets() {
        let u = ok("http://Check.Example.COM/generate_204");
        assert_eq!(u.host, Host::Name("check.example.com".into()));
        assert_eq!((u.port, u.target.as_str()), (80, "/generate_204"));
        assert_eq!(u.host_header(), "check.example.com");
        let u = ok("HTTP://192.0.2.7:8080");
        assert_eq!(u.host, Host::Ip("192.0.2.7".parse().unwrap()));
        assert_eq!((u.port, u.target.as_str()), (8080, "/"));
        assert_eq!(u.host_header(), "192.0.2.7:8080");
        let u = ok("http://[2001:db8::1]:81/a?b=c#frag");
        assert_eq!(u.host, Host::Ip("2001:db8::1".parse().unwrap()));
        assert_eq!((u.port, u.target.as_str()), (81, "/a?b=c"));
        assert_eq!(u.host_header(), "[2001:db8::1]:81");
        assert_eq!(u.to_string(), "http://[2001:db8::1]:81/a?b=c");
        assert_eq!(ok("http://[::1]/").port, 80);
        assert_eq!(ok("http://h:/x").port, 80);
        assert_eq!(ok("http://h?q").target, "/?q");
        assert_eq!(
            ok("http://h.example./").host,
            Host::Name("h.example".into())
        );
        assert_eq!(ok("http://a_b-c.example:65535/%2Fx").port, 65535);
    }

    #[test]
    fn other_schemes_are_refused_with_a_clear_error() {
        let e = parse_url("https://example.com/").unwrap_err();
        assert_eq!(e, UrlError::UnsupportedScheme("https".into()));
        assert!(e.to_string().contains("no TLS"));
        for (text, scheme) in [
            ("ftp://h/", "ftp"),
            ("HTTPS://h/", "https"),
            ("file:///etc/passwd", "file"),
        ] {
            assert_eq!(
                parse_url(text),
                Err(UrlError::UnsupportedScheme(scheme.into())),
                "{text}"
            );
        }
        assert_eq!(parse_url("example.com/x"), Err(UrlError::MissingScheme));
        assert_eq!(parse_url("://h/"), Err(UrlError::MissingScheme));
        assert_eq!(parse_url("mailto:a@b"), Err(UrlError::MissingScheme));
    }

    #[test]
    fn bad_urls_get_a_specific_error() {
        use UrlError::*;
        let cases: &[(&str, UrlError)] = &[
            ("", Empty),
            ("http://", MissingHost),
            ("http:///path", MissingHost),
            ("http://:80/", MissingHost),
            ("http://user:pw@h/", UserInfo),
            ("http://h:0/", InvalidPort),
            ("http://h:65536/", InvalidPort),
            ("http://h:123456/", InvalidPort),
            ("http://h:-1/", InvalidPort),
            ("http://h:8o/", InvalidPort),
            ("http://[2001:db8::1/", InvalidHost),
            ("http://[not-v6]/", InvalidHost),
            ("http://[::1]x/", InvalidHost),
            ("http://fe80::1/", InvalidPort),
            ("http://-bad.example/", InvalidHost),
            ("http://a..b/", InvalidHost),
            ("http://10.1/", InvalidHost),
            ("http://256.1.1.1/", InvalidHost),
            ("http://0x7f.1/", InvalidHost),
            ("http://h/a b", InvalidCharacter),
            ("http://h/\u{e9}", InvalidCharacter),
            ("http://h/\r\nX: y", InvalidCharacter),
            ("http://h/%zz", InvalidCharacter),
            ("http://h/%4", InvalidCharacter),
        ];
        for (text, want) in cases {
            assert_eq!(parse_url(text).as_ref(), Err(want), "{text:?}");
        }
        let long = format!("http://h/{}", "a".repeat(MAX_URL));
        assert_eq!(parse_url(&long), Err(TooLong));
        let label = "a".repeat(64);
        assert_eq!(
            parse_url(&format!("http://{label}.example/")),
            Err(InvalidHost)
        );
    }
}
