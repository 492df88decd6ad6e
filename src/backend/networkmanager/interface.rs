//! The kernel's view of a device's interface (QNetworkInterface of a
//! profile's session): index, flags, hardware address, MTU and addresses,
//! read with getifaddrs when NetworkManager reports a change of the device.

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::engine::record::{InterfaceAddress, InterfaceInfo};

/// The interface by name; None when the kernel has no such interface.
pub fn read(name: &str) -> Option<InterfaceInfo> {
    let cname = CString::new(name).ok()?;
    // SAFETY: a NUL-terminated name.
    let index = unsafe { libc::if_nametoindex(cname.as_ptr()) };
    if index == 0 {
        return None;
    }
    let mut info = InterfaceInfo {
        name: name.to_owned(),
        index: index as i32,
        ..Default::default()
    };
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills a list we free below.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Some(info);
    }
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: a node of the list getifaddrs returned, alive until freeifaddrs.
        let entry = unsafe { &*cursor };
        cursor = entry.ifa_next;
        // SAFETY: ifa_name is a NUL-terminated string.
        if entry.ifa_name.is_null() || unsafe { CStr::from_ptr(entry.ifa_name) } != cname.as_c_str()
        {
            continue;
        }
        info.flags = qt_flags(entry.ifa_flags);
        if entry.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_addr points to a sockaddr of the family it names.
        let family = unsafe { (*entry.ifa_addr).sa_family } as i32;
        match family {
            libc::AF_INET | libc::AF_INET6 => {
                if let Some(ip) = unsafe { ip_of(entry.ifa_addr) } {
                    let prefix = unsafe { prefix_of(entry.ifa_netmask) };
                    info.addresses.push(InterfaceAddress {
                        ip,
                        prefix_length: prefix,
                    });
                }
            }
            libc::AF_PACKET => {
                // SAFETY: AF_PACKET entries carry a sockaddr_ll.
                let ll = unsafe { &*(entry.ifa_addr as *const libc::sockaddr_ll) };
                let len = (ll.sll_halen as usize).min(ll.sll_addr.len());
                info.hardware_address = ll.sll_addr[..len]
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<Vec<_>>()
                    .join(":");
            }
            _ => {}
        }
    }
    // SAFETY: the list getifaddrs returned, freed once.
    unsafe { libc::freeifaddrs(list) };
    info.mtu = mtu(&cname).unwrap_or(0);
    Some(info)
}

/// QNetworkInterface::InterfaceFlags from IFF_*.
fn qt_flags(flags: u32) -> u32 {
    [
        (libc::IFF_UP, 0x1),
        (libc::IFF_RUNNING, 0x2),
        (libc::IFF_BROADCAST, 0x4),
        (libc::IFF_LOOPBACK, 0x8),
        (libc::IFF_POINTOPOINT, 0x10),
        (libc::IFF_MULTICAST, 0x20),
    ]
    .iter()
    .filter(|(bit, _)| flags & *bit as u32 != 0)
    .fold(0, |acc, (_, q)| acc | q)
}

/// SAFETY: `sa` is null or a sockaddr_in/sockaddr_in6 as its family says.
unsafe fn ip_of(sa: *const libc::sockaddr) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    match unsafe { (*sa).sa_family } as i32 {
        libc::AF_INET => {
            let a = unsafe { &*(sa as *const libc::sockaddr_in) };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr))))
        }
        libc::AF_INET6 => {
            let a = unsafe { &*(sa as *const libc::sockaddr_in6) };
            Some(IpAddr::V6(Ipv6Addr::from(a.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

/// SAFETY: as `ip_of`.
unsafe fn prefix_of(mask: *const libc::sockaddr) -> u8 {
    match unsafe { ip_of(mask) } {
        Some(IpAddr::V4(m)) => u32::from(m).count_ones() as u8,
        Some(IpAddr::V6(m)) => u128::from(m).count_ones() as u8,
        None => 0,
    }
}

fn mtu(name: &CStr) -> Option<i32> {
    // SAFETY: a datagram socket only for the ioctl, closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: ifreq is plain data; the name fits (if_nametoindex found it).
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.to_bytes()) {
        *dst = *src as libc::c_char;
    }
    // SAFETY: SIOCGIFMTU reads the name and writes ifru_mtu.
    let rc = unsafe { libc::ioctl(fd, libc::SIOCGIFMTU, &mut req) };
    // SAFETY: our own descriptor.
    unsafe { libc::close(fd) };
    // SAFETY: a zeroed or ioctl-written union: the MTU field is plain data.
    let value = unsafe { req.ifr_ifru.ifru_mtu };
    (rc == 0).then_some(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_and_missing_interfaces() {
        let lo = super::read("lo").expect("every Linux system has lo");
        assert!(lo.index > 0);
        assert!(lo.flags & 0x8 != 0);
        assert!(super::read("qns-no-such-if").is_none());
        assert!(super::read("bad\0name").is_none());
    }
}
