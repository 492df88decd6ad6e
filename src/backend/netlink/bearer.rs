//! Bearer type of an interface: the link type, its kind, and sysfs.

use super::parse::Link;
use crate::types::Bearer;

const ARPHRD_ETHER: u16 = 1;

/// Virtual links (those with a kind: veth, bridge, ifb, wireguard, ...) are
/// told apart by their link type alone; only hardware links are looked up in
/// sysfs, which keeps start-up fast with many virtual interfaces. Inside a
/// network namespace /sys may still show the host's interfaces; a name found
/// there that is not ours only risks a wrong guess for a hardware link.
pub fn bearer_of(link: &Link) -> Bearer {
    if link.kind.is_some() {
        return if link.link_type == ARPHRD_ETHER {
            Bearer::Ethernet
        } else {
            Bearer::Unknown
        };
    }
    let sys = format!("/sys/class/net/{}", link.name);
    let devtype = std::fs::read_to_string(format!("{sys}/uevent"))
        .ok()
        .and_then(|u| {
            u.lines()
                .find_map(|l| l.strip_prefix("DEVTYPE=").map(str::to_owned))
        });
    if devtype.as_deref() == Some("wlan")
        || std::path::Path::new(&format!("{sys}/phy80211")).exists()
    {
        return Bearer::Wlan;
    }
    match devtype.as_deref() {
        // Cellular of unknown generation: Qt's NetworkManager engine said 2G too.
        Some("wwan") => Bearer::TwoG,
        Some("bluetooth") => Bearer::Bluetooth,
        _ if link.link_type == ARPHRD_ETHER => Bearer::Ethernet,
        _ => Bearer::Unknown,
    }
}

/// Route preference class for the synthesized service network:
/// wired, then WLAN, then cellular, then the rest.
pub fn preference_class(bearer: Bearer) -> u8 {
    match bearer.family() {
        Bearer::Ethernet => 0,
        Bearer::Wlan => 1,
        Bearer::TwoG | Bearer::ThreeG | Bearer::FourG => 2,
        _ => 3,
    }
}
