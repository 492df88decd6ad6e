//! Qt's enums and flags with Qt's exact numbers (SPEC.md §1), and the error
//! strings applications match on. Values arriving from C are plain integers and
//! are validated here with `from_raw`: an out-of-range Rust enum is UB.

use bitflags::bitflags;

/// QNetworkSession::State.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Invalid = 0,
    NotAvailable = 1,
    Connecting = 2,
    Connected = 3,
    Closing = 4,
    Disconnected = 5,
    Roaming = 6,
}

/// QNetworkSession::SessionError.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionError {
    Unknown = 0,
    Aborted = 1,
    Roaming = 2,
    OperationNotSupported = 3,
    InvalidConfiguration = 4,
}

impl SessionError {
    pub fn from_raw(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Unknown,
            1 => Self::Aborted,
            2 => Self::Roaming,
            3 => Self::OperationNotSupported,
            4 => Self::InvalidConfiguration,
            _ => return None,
        })
    }

    /// Qt's errorString() text for this error, byte for byte.
    pub fn text(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown session error.",
            Self::Aborted => "The session was aborted by the user or system.",
            Self::Roaming => "Roaming was aborted or is not possible.",
            Self::OperationNotSupported => {
                "The requested operation is not supported by the system."
            }
            Self::InvalidConfiguration => "The specified configuration cannot be used.",
        }
    }
}

/// errorString() of a session bound to a null or unknown configuration.
pub const INVALID_SESSION_TEXT: &str = "Invalid configuration.";

/// QNetworkConfiguration::Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigType {
    InternetAccessPoint = 0,
    ServiceNetwork = 1,
    UserChoice = 2,
    Invalid = 3,
}

/// QNetworkConfiguration::Purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Unknown = 0,
    Public = 1,
    Private = 2,
    ServiceSpecific = 3,
}

impl Purpose {
    pub fn from_raw(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Unknown,
            1 => Self::Public,
            2 => Self::Private,
            3 => Self::ServiceSpecific,
            _ => return None,
        })
    }
}

/// QNetworkConfiguration::BearerType.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bearer {
    Unknown = 0,
    Ethernet = 1,
    Wlan = 2,
    TwoG = 3,
    Cdma2000 = 4,
    Wcdma = 5,
    Hspa = 6,
    Bluetooth = 7,
    Wimax = 8,
    Evdo = 9,
    Lte = 10,
    ThreeG = 11,
    FourG = 12,
}

impl Bearer {
    pub fn from_raw(v: i32) -> Option<Self> {
        use Bearer::*;
        const ALL: [Bearer; 13] = [
            Unknown, Ethernet, Wlan, TwoG, Cdma2000, Wcdma, Hspa, Bluetooth, Wimax, Evdo, Lte,
            ThreeG, FourG,
        ];
        usize::try_from(v).ok().and_then(|i| ALL.get(i).copied())
    }

    /// bearerTypeFamily(): the 3G and 4G families fold into their generation.
    pub fn family(self) -> Bearer {
        match self {
            Bearer::Cdma2000 | Bearer::Evdo | Bearer::Wcdma | Bearer::Hspa | Bearer::ThreeG => {
                Bearer::ThreeG
            }
            Bearer::Wimax | Bearer::Lte | Bearer::FourG => Bearer::FourG,
            other => other,
        }
    }

    /// bearerTypeName() for an access point.
    pub fn name(self) -> &'static str {
        match self {
            Bearer::Unknown => "Unknown",
            Bearer::Ethernet => "Ethernet",
            Bearer::Wlan => "WLAN",
            Bearer::TwoG => "2G",
            Bearer::Cdma2000 => "CDMA2000",
            Bearer::Wcdma => "WCDMA",
            Bearer::Hspa => "HSPA",
            Bearer::Bluetooth => "Bluetooth",
            Bearer::Wimax => "WiMAX",
            Bearer::Evdo => "EVDO",
            Bearer::Lte => "LTE",
            Bearer::ThreeG => "3G",
            Bearer::FourG => "4G",
        }
    }
}

bitflags! {
    /// QNetworkConfiguration::StateFlags: nested patterns, Active ⊃ Discovered ⊃ Defined.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct StateFlags: u32 {
        const UNDEFINED = 0x1;
        const DEFINED = 0x2;
        const DISCOVERED = 0x6;
        const ACTIVE = 0xE;
    }
}

impl StateFlags {
    pub fn is_active(self) -> bool {
        self.contains(StateFlags::ACTIVE)
    }
    /// "At least Discovered": `(s & 0x6) == 0x6`.
    pub fn is_discovered(self) -> bool {
        self.contains(StateFlags::DISCOVERED)
    }
    /// A state a backend may report: exactly one of the four patterns.
    pub fn from_raw_state(v: u32) -> Option<Self> {
        match v {
            0x1 | 0x2 | 0x6 | 0xE => Some(StateFlags::from_bits_retain(v)),
            _ => None,
        }
    }
}

bitflags! {
    /// QNetworkConfigurationManager::Capabilities.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Capabilities: u32 {
        const CAN_START_AND_STOP_INTERFACES = 0x01;
        const DIRECT_CONNECTION_ROUTING = 0x02;
        const SYSTEM_SESSION_SUPPORT = 0x04;
        const APPLICATION_LEVEL_ROAMING = 0x08;
        const FORCED_ROAMING = 0x10;
        const DATA_STATISTICS = 0x20;
        const NETWORK_SESSION_REQUIRED = 0x40;
    }
}

bitflags! {
    /// QNetworkSession::UsagePolicies.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
    pub struct UsagePolicies: u32 {
        const NO_BACKGROUND_TRAFFIC = 0x1;
    }
}

/// QNetworkInformation::Reachability (Qt 6's numbers, SPEC §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum Reachability {
    #[default]
    Unknown = 0,
    Disconnected = 1,
    Local = 2,
    Site = 3,
    Online = 4,
}

impl Reachability {
    pub fn from_raw(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Unknown,
            1 => Self::Disconnected,
            2 => Self::Local,
            3 => Self::Site,
            4 => Self::Online,
            _ => return None,
        })
    }
}

/// QNetworkInformation::TransportMedium (Qt 6's numbers, SPEC §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TransportMedium {
    #[default]
    Unknown = 0,
    Ethernet = 1,
    Cellular = 2,
    WiFi = 3,
    Bluetooth = 4,
}

impl TransportMedium {
    pub fn from_raw(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Unknown,
            1 => Self::Ethernet,
            2 => Self::Cellular,
            3 => Self::WiFi,
            4 => Self::Bluetooth,
            _ => return None,
        })
    }

    /// The medium a configuration's bearer stands for.
    pub fn of_bearer(bearer: Bearer) -> Self {
        match bearer.family() {
            Bearer::Ethernet => Self::Ethernet,
            Bearer::Wlan => Self::WiFi,
            Bearer::Bluetooth => Self::Bluetooth,
            Bearer::TwoG | Bearer::ThreeG | Bearer::FourG => Self::Cellular,
            _ => Self::Unknown,
        }
    }
}

/// Session property keys Qt defines (SPEC §4.5).
pub mod property_keys {
    pub const ACTIVE_CONFIGURATION: &str = "ActiveConfiguration";
    pub const USER_CHOICE_CONFIGURATION: &str = "UserChoiceConfiguration";
    pub const CONNECT_IN_BACKGROUND: &str = "ConnectInBackground";
    pub const AUTO_CLOSE_SESSION_TIMEOUT: &str = "AutoCloseSessionTimeout";
    /// Ours: the backend's own text for the last failure (read-only).
    pub const BACKEND_ERROR_MESSAGE: &str = "BackendErrorMessage";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_family_and_names() {
        assert_eq!(Bearer::Hspa.family(), Bearer::ThreeG);
        assert_eq!(Bearer::Lte.family(), Bearer::FourG);
        assert_eq!(Bearer::Wlan.family(), Bearer::Wlan);
        assert_eq!(Bearer::from_raw(12), Some(Bearer::FourG));
        assert_eq!(Bearer::from_raw(13), None);
        assert_eq!(Bearer::from_raw(-1), None);
        assert_eq!(Bearer::Wimax.name(), "WiMAX");
    }

    #[test]
    fn state_flags_nesting() {
        assert!(StateFlags::ACTIVE.is_discovered());
        assert!(!StateFlags::DEFINED.is_discovered());
        assert_eq!(StateFlags::from_raw_state(0x4), None);
    }

    #[test]
    fn network_information_numbers() {
        assert_eq!(Reachability::from_raw(4), Some(Reachability::Online));
        assert_eq!(Reachability::from_raw(5), None);
        assert_eq!(Reachability::from_raw(-1), None);
        assert_eq!(TransportMedium::from_raw(3), Some(TransportMedium::WiFi));
        assert_eq!(TransportMedium::from_raw(5), None);
        for v in 0..=4 {
            assert_eq!(Reachability::from_raw(v).map(|r| r as i32), Some(v));
            assert_eq!(TransportMedium::from_raw(v).map(|t| t as i32), Some(v));
        }
    }
}
