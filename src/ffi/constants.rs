//! Qt's enum values as C constants (SPEC.md §1). Functions take and return
//! these as plain integers and validate what they receive.

use std::ffi::{c_int, c_uint};

/* The version of this header; qns_version() gives the library's. */
pub const QNS_VERSION_MAJOR: c_int = 0;
pub const QNS_VERSION_MINOR: c_int = 1;
pub const QNS_VERSION_PATCH: c_int = 0;

/* QNetworkSession::State */
pub const QNS_STATE_INVALID: c_int = 0;
pub const QNS_STATE_NOT_AVAILABLE: c_int = 1;
pub const QNS_STATE_CONNECTING: c_int = 2;
pub const QNS_STATE_CONNECTED: c_int = 3;
pub const QNS_STATE_CLOSING: c_int = 4;
pub const QNS_STATE_DISCONNECTED: c_int = 5;
pub const QNS_STATE_ROAMING: c_int = 6;

/* QNetworkSession::SessionError */
pub const QNS_SESSION_ERROR_UNKNOWN: c_int = 0;
pub const QNS_SESSION_ERROR_ABORTED: c_int = 1;
pub const QNS_SESSION_ERROR_ROAMING: c_int = 2;
pub const QNS_SESSION_ERROR_OPERATION_NOT_SUPPORTED: c_int = 3;
pub const QNS_SESSION_ERROR_INVALID_CONFIGURATION: c_int = 4;

/* QNetworkSession::UsagePolicy */
pub const QNS_USAGE_POLICY_NO_POLICY: c_uint = 0;
pub const QNS_USAGE_POLICY_NO_BACKGROUND_TRAFFIC: c_uint = 1;

/* QNetworkConfiguration::Type */
pub const QNS_TYPE_INTERNET_ACCESS_POINT: c_int = 0;
pub const QNS_TYPE_SERVICE_NETWORK: c_int = 1;
pub const QNS_TYPE_USER_CHOICE: c_int = 2;
pub const QNS_TYPE_INVALID: c_int = 3;

/* QNetworkConfiguration::Purpose */
pub const QNS_PURPOSE_UNKNOWN: c_int = 0;
pub const QNS_PURPOSE_PUBLIC: c_int = 1;
pub const QNS_PURPOSE_PRIVATE: c_int = 2;
pub const QNS_PURPOSE_SERVICE_SPECIFIC: c_int = 3;

/* QNetworkConfiguration::StateFlags (nested: Active includes Discovered includes Defined) */
pub const QNS_STATE_FLAG_UNDEFINED: c_uint = 0x1;
pub const QNS_STATE_FLAG_DEFINED: c_uint = 0x2;
pub const QNS_STATE_FLAG_DISCOVERED: c_uint = 0x6;
pub const QNS_STATE_FLAG_ACTIVE: c_uint = 0xE;

/* QNetworkConfiguration::BearerType */
pub const QNS_BEARER_UNKNOWN: c_int = 0;
pub const QNS_BEARER_ETHERNET: c_int = 1;
pub const QNS_BEARER_WLAN: c_int = 2;
pub const QNS_BEARER_2G: c_int = 3;
pub const QNS_BEARER_CDMA2000: c_int = 4;
pub const QNS_BEARER_WCDMA: c_int = 5;
pub const QNS_BEARER_HSPA: c_int = 6;
pub const QNS_BEARER_BLUETOOTH: c_int = 7;
pub const QNS_BEARER_WIMAX: c_int = 8;
pub const QNS_BEARER_EVDO: c_int = 9;
pub const QNS_BEARER_LTE: c_int = 10;
pub const QNS_BEARER_3G: c_int = 11;
pub const QNS_BEARER_4G: c_int = 12;

/* QNetworkConfigurationManager::Capabilities */
pub const QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES: c_uint = 0x01;
pub const QNS_CAPABILITY_DIRECT_CONNECTION_ROUTING: c_uint = 0x02;
pub const QNS_CAPABILITY_SYSTEM_SESSION_SUPPORT: c_uint = 0x04;
pub const QNS_CAPABILITY_APPLICATION_LEVEL_ROAMING: c_uint = 0x08;
pub const QNS_CAPABILITY_FORCED_ROAMING: c_uint = 0x10;
pub const QNS_CAPABILITY_DATA_STATISTICS: c_uint = 0x20;
pub const QNS_CAPABILITY_NETWORK_SESSION_REQUIRED: c_uint = 0x40;

/* QNetworkInterface::InterfaceFlags */
pub const QNS_INTERFACE_IS_UP: c_uint = 0x1;
pub const QNS_INTERFACE_IS_RUNNING: c_uint = 0x2;
pub const QNS_INTERFACE_CAN_BROADCAST: c_uint = 0x4;
pub const QNS_INTERFACE_IS_LOOPBACK: c_uint = 0x8;
pub const QNS_INTERFACE_IS_POINT_TO_POINT: c_uint = 0x10;
pub const QNS_INTERFACE_CAN_MULTICAST: c_uint = 0x20;

/* Types of session property values */
pub const QNS_PROPERTY_NONE: c_int = 0;
pub const QNS_PROPERTY_BOOL: c_int = 1;
pub const QNS_PROPERTY_INT: c_int = 2;
pub const QNS_PROPERTY_STRING: c_int = 3;

/* QNetworkInformation::Reachability (Qt 6) */
pub const QNS_REACHABILITY_UNKNOWN: c_int = 0;
pub const QNS_REACHABILITY_DISCONNECTED: c_int = 1;
pub const QNS_REACHABILITY_LOCAL: c_int = 2;
pub const QNS_REACHABILITY_SITE: c_int = 3;
pub const QNS_REACHABILITY_ONLINE: c_int = 4;

/* QNetworkInformation::TransportMedium (Qt 6) */
pub const QNS_TRANSPORT_UNKNOWN: c_int = 0;
pub const QNS_TRANSPORT_ETHERNET: c_int = 1;
pub const QNS_TRANSPORT_CELLULAR: c_int = 2;
pub const QNS_TRANSPORT_WIFI: c_int = 3;
pub const QNS_TRANSPORT_BLUETOOTH: c_int = 4;

/* Simulated backend: what a start request does */
pub const QNS_SIM_START_SUCCEED: c_int = 0;
pub const QNS_SIM_START_FAIL: c_int = 1;
pub const QNS_SIM_START_DELAY: c_int = 2;
pub const QNS_SIM_START_NEVER: c_int = 3;

/* waitForOpened: wait without a limit */
pub const QNS_WAIT_FOREVER: c_int = -1;

#[cfg(test)]
mod tests {
    #[test]
    fn version_macros_match_cargo() {
        let version = format!(
            "{}.{}.{}",
            super::QNS_VERSION_MAJOR,
            super::QNS_VERSION_MINOR,
            super::QNS_VERSION_PATCH
        );
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn network_information_constants_are_qt_6_numbers() {
        use crate::types::{Reachability, TransportMedium};
        assert_eq!(
            super::QNS_REACHABILITY_UNKNOWN,
            Reachability::Unknown as i32
        );
        assert_eq!(
            super::QNS_REACHABILITY_DISCONNECTED,
            Reachability::Disconnected as i32
        );
        assert_eq!(super::QNS_REACHABILITY_LOCAL, Reachability::Local as i32);
        assert_eq!(super::QNS_REACHABILITY_SITE, Reachability::Site as i32);
        assert_eq!(super::QNS_REACHABILITY_ONLINE, Reachability::Online as i32);
        assert_eq!(
            super::QNS_TRANSPORT_UNKNOWN,
            TransportMedium::Unknown as i32
        );
        assert_eq!(
            super::QNS_TRANSPORT_ETHERNET,
            TransportMedium::Ethernet as i32
        );
        assert_eq!(
            super::QNS_TRANSPORT_CELLULAR,
            TransportMedium::Cellular as i32
        );
        assert_eq!(super::QNS_TRANSPORT_WIFI, TransportMedium::WiFi as i32);
        assert_eq!(
            super::QNS_TRANSPORT_BLUETOOTH,
            TransportMedium::Bluetooth as i32
        );
    }
}
