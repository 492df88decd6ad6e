//! rtnetlink message parsing: links, addresses and routes out of raw bytes.
//! Hand-written on purpose: three fixed headers and a handful of attributes
//! are all we read, and byte-slice parsing needs no unsafe code and no
//! dependency that tracks the kernel's every attribute.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(crate) const NLMSG_HDRLEN: usize = 16;
pub(crate) const NLMSG_ERROR: u16 = 2;
pub(crate) const NLMSG_DONE: u16 = 3;
pub(crate) const RTM_NEWLINK: u16 = 16;
pub(crate) const RTM_DELLINK: u16 = 17;
pub(crate) const RTM_GETLINK: u16 = 18;
pub(crate) const RTM_NEWADDR: u16 = 20;
pub(crate) const RTM_DELADDR: u16 = 21;
pub(crate) const RTM_GETADDR: u16 = 22;
pub(crate) const RTM_NEWROUTE: u16 = 24;
pub(crate) const RTM_DELROUTE: u16 = 25;
pub(crate) const RTM_GETROUTE: u16 = 26;
pub(crate) const NLM_F_DUMP_INTR: u16 = 0x10;

const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_STATS64: u16 = 23;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_FLAGS: u16 = 8;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_PRIORITY: u16 = 6;
const RTA_TABLE: u16 = 15;
pub(crate) const RT_TABLE_MAIN: u32 = 254;
const RTN_UNICAST: u8 = 1;

/// One netlink message: its type, flags and payload (after the header).
#[derive(Debug)]
pub struct Message<'a> {
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    pub payload: &'a [u8],
}

/// Splits a datagram into messages; stops at the first malformed one.
pub fn messages(mut buf: &[u8]) -> impl Iterator<Item = Message<'_>> {
    std::iter::from_fn(move || {
        if buf.len() < NLMSG_HDRLEN {
            return None;
        }
        let len = u32_at(buf, 0)? as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            return None;
        }
        let message = Message {
            kind: u16_at(buf, 4)?,
            flags: u16_at(buf, 6)?,
            seq: u32_at(buf, 8)?,
            payload: &buf[NLMSG_HDRLEN..len],
        };
        buf = &buf[align(len).min(buf.len())..];
        Some(message)
    })
}

pub fn align(len: usize) -> usize {
    (len + 3) & !3
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The error code of an NLMSG_ERROR message (0 is an ACK; else -errno).
pub fn error_code(payload: &[u8]) -> Option<i32> {
    i32_at(payload, 0)
}

/// Route attributes (type, data) after a fixed header.
fn attributes(mut b: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let len = u16_at(b, 0)? as usize;
        let kind = u16_at(b, 2)? & 0x3FFF; // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
        if len < 4 || len > b.len() {
            return None;
        }
        let data = &b[4..len];
        b = &b[align(len).min(b.len())..];
        Some((kind, data))
    })
}

fn c_string(data: &[u8]) -> String {
    let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}

fn ip(family: u8, data: &[u8]) -> Option<IpAddr> {
    match (i32::from(family), data.len()) {
        (libc::AF_INET, 4) => Some(IpAddr::V4(Ipv4Addr::new(
            data[0], data[1], data[2], data[3],
        ))),
        (libc::AF_INET6, 16) => {
            let octets: [u8; 16] = data.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(octets)))
        }
        _ => None,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    pub index: i32,
    pub name: String,
    /// ARPHRD_* link type.
    pub link_type: u16,
    /// IFF_* flags.
    pub flags: u32,
    pub mtu: u32,
    pub hardware_address: Vec<u8>,
    /// IFLA_INFO_KIND ("veth", "bridge", "wireguard", ...).
    pub kind: Option<String>,
    /// (received, sent) bytes from the 64-bit counters.
    pub bytes: (u64, u64),
}

pub fn link(payload: &[u8]) -> Option<Link> {
    let mut link = Link {
        link_type: u16_at(payload, 2)?,
        index: i32_at(payload, 4)?,
        flags: u32_at(payload, 8)?,
        ..Link::default()
    };
    for (kind, data) in attributes(payload.get(16..)?) {
        match kind {
            IFLA_IFNAME => link.name = c_string(data),
            IFLA_MTU => link.mtu = u32_at(data, 0).unwrap_or(0),
            IFLA_ADDRESS => link.hardware_address = data.to_vec(),
            IFLA_STATS64 => {
                link.bytes = (u64_at(data, 16).unwrap_or(0), u64_at(data, 24).unwrap_or(0))
            }
            IFLA_LINKINFO => {
                link.kind = attributes(data)
                    .find(|(k, _)| *k == IFLA_INFO_KIND)
                    .map(|(_, d)| c_string(d));
            }
            _ => {}
        }
    }
    Some(link)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    pub index: i32,
    pub ip: IpAddr,
    pub prefix_length: u8,
    /// RT_SCOPE_*: 0 universe, 253 link, 254 host.
    pub scope: u8,
}

pub fn address(payload: &[u8]) -> Option<Address> {
    let family = *payload.first()?;
    let prefix_length = *payload.get(1)?;
    let scope = *payload.get(3)?;
    let index = i32::try_from(u32_at(payload, 4)?).ok()?;
    let (mut local, mut address) = (None, None);
    for (kind, data) in attributes(payload.get(8..)?) {
        match kind {
            IFA_LOCAL => local = ip(family, data),
            IFA_ADDRESS => address = ip(family, data),
            IFA_FLAGS => {}
            _ => {}
        }
    }
    // IFA_LOCAL is the interface's own address (point-to-point links put the
    // peer in IFA_ADDRESS).
    Some(Address {
        index,
        ip: local.or(address)?,
        prefix_length,
        scope,
    })
}

/// A default route of the main table: the only routes we track.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DefaultRoute {
    pub index: i32,
    pub metric: u32,
    pub ipv6: bool,
}

pub fn default_route(payload: &[u8]) -> Option<DefaultRoute> {
    let family = *payload.first()?;
    let dst_len = *payload.get(1)?;
    let mut table = u32::from(*payload.get(4)?);
    let route_type = *payload.get(7)?;
    if dst_len != 0 || route_type != RTN_UNICAST {
        return None;
    }
    let (mut index, mut metric, mut has_dst) = (None, 0, false);
    for (kind, data) in attributes(payload.get(12..)?) {
        match kind {
            RTA_OIF => index = i32_at(data, 0),
            RTA_PRIORITY => metric = u32_at(data, 0).unwrap_or(0),
            RTA_TABLE => table = u32_at(data, 0).unwrap_or(table),
            RTA_DST => has_dst = true,
            _ => {}
        }
    }
    if table != RT_TABLE_MAIN || has_dst {
        return None;
    }
    Some(DefaultRoute {
        index: index?,
        metric,
        ipv6: i32::from(family) == libc::AF_INET6,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(((4 + data.len()) as u16).to_ne_bytes());
        v.extend(kind.to_ne_bytes());
        v.extend(data);
        v.resize(align(v.len()), 0);
        v
    }

    fn message(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(((16 + body.len()) as u32).to_ne_bytes());
        v.extend(kind.to_ne_bytes());
        v.extend(0u16.to_ne_bytes());
        v.extend(7u32.to_ne_bytes());
        v.extend(0u32.to_ne_bytes());
        v.extend(body);
        v
    }

    #[test]
    fn parses_a_link_with_nested_kind_and_stats() {
        let mut body = vec![0u8, 0];
        body.extend(1u16.to_ne_bytes()); // ARPHRD_ETHER
        body.extend(5i32.to_ne_bytes());
        body.extend(0x1043u32.to_ne_bytes());
        body.extend(0u32.to_ne_bytes());
        body.extend(attr(IFLA_IFNAME, b"veth0\0"));
        body.extend(attr(IFLA_MTU, &1500u32.to_ne_bytes()));
        body.extend(attr(IFLA_LINKINFO, &attr(IFLA_INFO_KIND, b"veth\0")));
        let mut stats = vec![0u8; 16];
        stats.extend(1000u64.to_ne_bytes());
        stats.extend(2000u64.to_ne_bytes());
        body.extend(attr(IFLA_STATS64, &stats));
        let raw = message(RTM_NEWLINK, &body);
        let msgs: Vec<_> = messages(&raw).collect();
        assert_eq!(msgs.len(), 1);
        let l = link(msgs[0].payload).unwrap();
        assert_eq!(
            (l.index, l.name.as_str(), l.mtu, l.link_type),
            (5, "veth0", 1500, 1)
        );
        assert_eq!(l.kind.as_deref(), Some("veth"));
        assert_eq!(l.bytes, (1000, 2000));
    }

    #[test]
    fn parses_addresses_and_default_routes_and_rejects_garbage() {
        let mut body = vec![libc::AF_INET as u8, 24, 0, 0];
        body.extend(3u32.to_ne_bytes());
        body.extend(attr(IFA_LOCAL, &[10, 0, 0, 1]));
        let a = address(&body).unwrap();
        assert_eq!(a.ip.to_string(), "10.0.0.1");
        assert_eq!((a.index, a.prefix_length), (3, 24));

        let mut route = vec![libc::AF_INET as u8, 0, 0, 0, 254, 3, 0, 1];
        route.extend(0u32.to_ne_bytes());
        route.extend(attr(RTA_OIF, &4i32.to_ne_bytes()));
        route.extend(attr(RTA_PRIORITY, &100u32.to_ne_bytes()));
        assert_eq!(
            default_route(&route),
            Some(DefaultRoute {
                index: 4,
                metric: 100,
                ipv6: false
            })
        );
        route[1] = 24; // not a default route
        assert_eq!(default_route(&route), None);

        assert_eq!(messages(&[1, 2, 3]).count(), 0);
        let mut truncated = message(RTM_NEWLINK, &[0; 8]);
        truncated[0] = 200;
        assert_eq!(messages(&truncated).count(), 0);
        assert!(link(&[0; 4]).is_none());
    }

    /// Random and mutated input never panics and never reads out of bounds
    /// (the kernel is trusted, but a parser that can panic is not).
    #[test]
    fn random_and_mutated_bytes_do_not_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut body = vec![0u8, 0];
        body.extend(1u16.to_ne_bytes());
        body.extend(5i32.to_ne_bytes());
        body.extend(0x1043u32.to_ne_bytes());
        body.extend(0u32.to_ne_bytes());
        body.extend(attr(IFLA_IFNAME, b"veth0\0"));
        body.extend(attr(IFLA_LINKINFO, &attr(IFLA_INFO_KIND, b"veth\0")));
        let valid = message(RTM_NEWLINK, &body);
        for round in 0..20_000 {
            let mut buf = if round % 2 == 0 {
                valid.clone()
            } else {
                (0..(next() % 200) as usize).map(|_| next() as u8).collect()
            };
            for _ in 0..(next() % 6) {
                if !buf.is_empty() {
                    let at = (next() as usize) % buf.len();
                    buf[at] = next() as u8;
                }
            }
            for m in messages(&buf) {
                let _ = link(m.payload);
                let _ = address(m.payload);
                let _ = default_route(m.payload);
                let _ = error_code(m.payload);
            }
            let _ = link(&buf);
            let _ = address(&buf);
            let _ = default_route(&buf);
        }
    }
}
