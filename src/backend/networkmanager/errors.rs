//! NetworkManager's refusals and failure reasons as session errors. A
//! reason NetworkManager gives is never turned into a timeout (SPEC §7):
//! every one becomes an error at once, with a text for BackendErrorMessage.

use crate::types::SessionError;

const NM_ERROR: &str = "org.freedesktop.NetworkManager.";

/// A D-Bus error reply (name, NetworkManager's own message).
pub fn from_reply(name: &str, message: &str) -> (SessionError, Option<String>) {
    let error = match name.strip_prefix(NM_ERROR) {
        Some("PermissionDenied") => SessionError::OperationNotSupported,
        Some("UnknownConnection" | "UnknownDevice" | "ConnectionNotAvailable") => {
            SessionError::InvalidConfiguration
        }
        _ if name == "org.freedesktop.DBus.Error.AccessDenied" => {
            SessionError::OperationNotSupported
        }
        _ => SessionError::Unknown,
    };
    let text = if message.is_empty() {
        name.to_owned()
    } else {
        message.to_owned()
    };
    (error, Some(text))
}

/// An activation that ended in DEACTIVATED before it was ever ACTIVATED:
/// NMActiveConnectionStateReason and the device's NMDeviceStateReason.
pub fn from_reasons(active_reason: u32, device_reason: u32) -> (SessionError, Option<String>) {
    let error = match active_reason {
        2 => SessionError::Aborted,                    // USER_DISCONNECTED
        11 | 14 => SessionError::InvalidConfiguration, // CONNECTION_REMOVED, DEVICE_REMOVED
        _ => SessionError::Unknown,
    };
    let mut text = format!(
        "NetworkManager could not activate the connection: {}",
        active_reason_text(active_reason)
    );
    if let Some(device) = device_reason_text(device_reason) {
        text.push_str(" (");
        text.push_str(device);
        text.push(')');
    }
    (error, Some(text))
}

fn active_reason_text(reason: u32) -> &'static str {
    match reason {
        1 => "no reason given",
        2 => "disconnected by the user",
        3 => "the device disconnected",
        4 => "the service providing the VPN stopped",
        5 => "the IP configuration was invalid",
        6 => "the connection attempt timed out",
        7 => "the VPN service did not start in time",
        8 => "the VPN service failed to start",
        9 => "no secrets were provided",
        10 => "the login failed",
        11 => "the connection was removed",
        12 => "a connection it depends on failed",
        13 => "the device could not be created",
        14 => "the device was removed",
        _ => "unknown reason",
    }
}

fn device_reason_text(reason: u32) -> Option<&'static str> {
    Some(match reason {
        5 => "IP configuration could not be reserved",
        6 => "IP configuration expired",
        7 => "secrets were required but not provided",
        8 => "the 802.1X supplicant disconnected",
        9 => "the 802.1X supplicant configuration failed",
        10 => "the 802.1X supplicant failed",
        11 => "the 802.1X supplicant took too long to authenticate",
        15 => "the DHCP client failed to start",
        16 => "DHCP failed",
        17 => "the DHCP client failed",
        36 => "the device was removed",
        37 => "NetworkManager went to sleep",
        38 => "the connection was removed",
        39 => "disconnected by the user",
        40 => "the carrier changed",
        53 => "the Wi-Fi network could not be found",
        60 => "a new activation replaced it",
        64 => "the IP address is already in use",
        67 => "the peer was not found",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_reasons() {
        let (e, m) = from_reply(
            "org.freedesktop.NetworkManager.PermissionDenied",
            "Not authorized to control networking.",
        );
        assert_eq!(e, SessionError::OperationNotSupported);
        assert_eq!(m.as_deref(), Some("Not authorized to control networking."));
        assert_eq!(
            from_reply("org.freedesktop.NetworkManager.UnknownDevice", "")
                .1
                .as_deref(),
            Some("org.freedesktop.NetworkManager.UnknownDevice")
        );
        assert_eq!(from_reply("x.y", "z").0, SessionError::Unknown);
        let (e, m) = from_reasons(3, 53);
        assert_eq!(e, SessionError::Unknown);
        assert!(m.unwrap().contains("could not be found"));
        assert_eq!(from_reasons(2, 0).0, SessionError::Aborted);
        assert_eq!(from_reasons(999, 999).0, SessionError::Unknown);
    }
}
