//! The values keys take: names from Qt's enums, numbers, durations,
//! hardware and IP addresses, lists. Each parser gives the message a bad
//! value's line reports.

use std::net::IpAddr;
use std::time::Duration;

use super::words::Word;
use crate::backend::simulated::StartBehavior;
use crate::engine::record::InterfaceAddress;
use crate::types::{
    Bearer, Capabilities, Purpose, Reachability, SessionError, StateFlags, TransportMedium,
};

pub(super) const BEARERS: &[(&str, Bearer)] = &[
    ("unknown", Bearer::Unknown),
    ("ethernet", Bearer::Ethernet),
    ("wlan", Bearer::Wlan),
    ("2g", Bearer::TwoG),
    ("cdma2000", Bearer::Cdma2000),
    ("wcdma", Bearer::Wcdma),
    ("hspa", Bearer::Hspa),
    ("bluetooth", Bearer::Bluetooth),
    ("wimax", Bearer::Wimax),
    ("evdo", Bearer::Evdo),
    ("lte", Bearer::Lte),
    ("3g", Bearer::ThreeG),
    ("4g", Bearer::FourG),
];

pub(super) const STATES: &[(&str, StateFlags)] = &[
    ("undefined", StateFlags::UNDEFINED),
    ("defined", StateFlags::DEFINED),
    ("discovered", StateFlags::DISCOVERED),
    ("active", StateFlags::ACTIVE),
];

pub(super) const PURPOSES: &[(&str, Purpose)] = &[
    ("unknown", Purpose::Unknown),
    ("public", Purpose::Public),
    ("private", Purpose::Private),
    ("service-specific", Purpose::ServiceSpecific),
];

pub(super) const ERRORS: &[(&str, SessionError)] = &[
    ("unknown", SessionError::Unknown),
    ("aborted", SessionError::Aborted),
    ("roaming", SessionError::Roaming),
    (
        "operation-not-supported",
        SessionError::OperationNotSupported,
    ),
    ("invalid-configuration", SessionError::InvalidConfiguration),
];

pub(super) const CAPABILITIES: &[(&str, Capabilities)] = &[
    (
        "can-start-and-stop-interfaces",
        Capabilities::CAN_START_AND_STOP_INTERFACES,
    ),
    (
        "direct-connection-routing",
        Capabilities::DIRECT_CONNECTION_ROUTING,
    ),
    (
        "system-session-support",
        Capabilities::SYSTEM_SESSION_SUPPORT,
    ),
    (
        "application-level-roaming",
        Capabilities::APPLICATION_LEVEL_ROAMING,
    ),
    ("forced-roaming", Capabilities::FORCED_ROAMING),
    ("data-statistics", Capabilities::DATA_STATISTICS),
    (
        "network-session-required",
        Capabilities::NETWORK_SESSION_REQUIRED,
    ),
];

/// QNetworkInterface::InterfaceFlags.
pub(super) const INTERFACE_FLAGS: &[(&str, u32)] = &[
    ("up", 0x1),
    ("running", 0x2),
    ("broadcast", 0x4),
    ("loopback", 0x8),
    ("point-to-point", 0x10),
    ("multicast", 0x20),
];

pub(super) const REACHABILITIES: &[(&str, Reachability)] = &[
    ("unknown", Reachability::Unknown),
    ("disconnected", Reachability::Disconnected),
    ("local", Reachability::Local),
    ("site", Reachability::Site),
    ("online", Reachability::Online),
];

pub(super) const TRANSPORTS: &[(&str, TransportMedium)] = &[
    ("unknown", TransportMedium::Unknown),
    ("ethernet", TransportMedium::Ethernet),
    ("cellular", TransportMedium::Cellular),
    ("wifi", TransportMedium::WiFi),
    ("bluetooth", TransportMedium::Bluetooth),
];

pub(super) const BOOLEANS: &[(&str, bool)] = &[
    ("yes", true),
    ("no", false),
    ("true", true),
    ("false", false),
];

pub(super) fn names<T>(table: &[(&str, T)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// A name from a table, in any letter case.
pub(super) fn one_of<T: Copy>(what: &str, text: &str, table: &[(&str, T)]) -> Result<T, String> {
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            format!(
                "{what} \"{text}\" does not exist (one of: {})",
                names(table)
            )
        })
}

pub(super) fn boolean(word: &Word) -> Result<bool, String> {
    one_of("", &word.text, BOOLEANS).map_err(|_| {
        format!(
            "{} \"{}\" is not a boolean (one of: {})",
            word.key.as_deref().unwrap_or("value"),
            word.text,
            names(BOOLEANS)
        )
    })
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn counter(word: &Word) -> Result<u64, String> {
    let (key, text) = (word.key.as_deref().unwrap_or("value"), &word.text);
    if !digits(text) {
        return Err(format!(
            "{key} \"{text}\" is not a byte count (decimal digits)"
        ));
    }
    text.parse()
        .map_err(|_| format!("{key} {text} is too large for a 64-bit counter"))
}

/// A non-negative C int (ifindex, MTU).
pub(super) fn small_number(what: &str, text: &str) -> Result<i32, String> {
    if !digits(text) {
        return Err(format!(
            "{what} \"{text}\" is not a number (decimal digits)"
        ));
    }
    text.parse()
        .map_err(|_| format!("{what} {text} is too large (at most {})", i32::MAX))
}

/// `succeed`, `never`, `fail`, `fail:<error>` or `delay:<duration>`.
pub(super) fn start_behavior(text: &str) -> Result<StartBehavior, String> {
    let (mode, argument) = match text.split_once(':') {
        Some((mode, argument)) => (mode, Some(argument)),
        None => (text, None),
    };
    match (mode, argument) {
        ("succeed", None) => Ok(StartBehavior::Succeed),
        ("never", None) => Ok(StartBehavior::Never),
        ("fail", None) => Ok(StartBehavior::Fail(SessionError::Unknown)),
        ("fail", Some(error)) => Ok(StartBehavior::Fail(one_of("error", error, ERRORS)?)),
        ("delay", Some(duration)) => Ok(StartBehavior::Delay(delay(duration)?)),
        _ => Err(format!(
            "start \"{text}\" does not exist (one of: succeed, never, fail, fail:<error>, delay:<duration>)"
        )),
    }
}

/// `250ms` or `2s`.
fn delay(text: &str) -> Result<Duration, String> {
    let (number, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000)
    } else {
        return Err(format!(
            "delay \"{text}\" needs a unit: milliseconds (250ms) or seconds (2s)"
        ));
    };
    let value: u64 = match digits(number).then(|| number.parse().ok()).flatten() {
        Some(v) => v,
        None => return Err(format!("delay \"{text}\" is not a whole number of ms or s")),
    };
    value
        .checked_mul(unit_ms)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("delay {text} is too long"))
}

pub(super) fn children(word: &Word) -> Result<Vec<String>, String> {
    let items = list(word)?;
    for (i, child) in items.iter().enumerate() {
        if items[..i].contains(child) {
            return Err(format!("children: \"{child}\" is listed twice"));
        }
    }
    Ok(items)
}

/// A comma-separated list; an empty value is an empty list.
fn list(word: &Word) -> Result<Vec<String>, String> {
    if word.text.is_empty() && word.items.len() == 1 {
        return Ok(Vec::new());
    }
    if word.items.iter().any(String::is_empty) {
        return Err(format!("an empty item in the list \"{}\"", word.text));
    }
    Ok(word.items.clone())
}

/// Two hex digits per byte separated by colons; kept in upper case, as
/// the netlink backend (and Qt) give it.
pub(super) fn mac(text: &str) -> Result<String, String> {
    let octet = |o: &str| o.len() == 2 && o.bytes().all(|b| b.is_ascii_hexdigit());
    if text.split(':').all(octet) {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(format!(
            "mac \"{text}\" is not a hardware address (hex bytes separated by colons: 02:00:00:00:00:01)"
        ))
    }
}

pub(super) fn interface_flags(word: &Word) -> Result<u32, String> {
    list(word)?.iter().try_fold(0, |all, name| {
        Ok(all | one_of("interface flag", name, INTERFACE_FLAGS)?)
    })
}

/// `192.0.2.7/24,2001:db8::7/64`
pub(super) fn addresses(word: &Word) -> Result<Vec<InterfaceAddress>, String> {
    let mut out: Vec<InterfaceAddress> = Vec::new();
    for item in list(word)? {
        let Some((ip, prefix)) = item.split_once('/') else {
            return Err(format!(
                "address \"{item}\" needs a prefix length (192.0.2.7/24, 2001:db8::7/64)"
            ));
        };
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("address \"{ip}\" is not an IPv4 or IPv6 address"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix_length = match digits(prefix).then(|| prefix.parse::<u8>().ok()).flatten() {
            Some(p) if p <= max => p,
            _ => {
                return Err(format!(
                    "address \"{item}\": the prefix length must be 0 to {max}"
                ));
            }
        };
        let address = InterfaceAddress { ip, prefix_length };
        if out.contains(&address) {
            return Err(format!("address \"{item}\" is listed twice"));
        }
        out.push(address);
    }
    Ok(out)
}
