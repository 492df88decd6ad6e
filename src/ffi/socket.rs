//! qns_session_bind_socket: puts an application's socket on the interface a
//! session uses (SPEC §8), so a roaming application can open its new
//! connection on the new access point while the old one still carries
//! traffic on the old.

use std::ffi::c_int;
use std::net::IpAddr;

use super::qns_status::{self, *};
use super::session::qns_session;
use super::support::{borrow, ffi_boundary, try_ffi};
use crate::engine::api::Session;
use crate::engine::record::InterfaceInfo;
use crate::types::State;

fn set_errno(code: c_int) {
    // SAFETY: errno is this thread's own variable.
    unsafe { *libc::__errno_location() = code };
}

fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The socket's address family; Err(errno) for a closed fd or a non-socket.
fn socket_family(fd: c_int) -> Result<c_int, c_int> {
    let mut family: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: SO_DOMAIN writes one int into `family`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_DOMAIN,
            (&mut family as *mut c_int).cast(),
            &mut len,
        )
    };
    if rc < 0 { Err(errno()) } else { Ok(family) }
}

/// The device the socket is bound to ("" for none).
fn bound_device(fd: c_int) -> String {
    let mut name = [0u8; libc::IFNAMSIZ];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: SO_BINDTODEVICE writes at most `len` bytes into `name`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc < 0 {
        return String::new();
    }
    let used = &name[..(len as usize).min(name.len())];
    let end = used.iter().position(|&b| b == 0).unwrap_or(used.len());
    String::from_utf8_lossy(&used[..end]).into_owned()
}

fn bind_to_device(fd: c_int, name: &str) -> Result<(), c_int> {
    // The kernel would cut a longer name, and might find another device.
    if name.len() >= libc::IFNAMSIZ {
        return Err(libc::ENODEV);
    }
    // SAFETY: the kernel reads `len` bytes of the name (it adds the NUL).
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_ptr().cast(),
            name.len() as libc::socklen_t,
        )
    };
    if rc < 0 { Err(errno()) } else { Ok(()) }
}

/// The address to bind a socket of `family` to: a global one first; an
/// IPv6 link-local one only with the interface as its scope.
fn pick_address(interface: &InterfaceInfo, family: c_int) -> Option<(IpAddr, u32)> {
    let of_family = interface.addresses.iter().map(|a| a.ip).filter(|ip| {
        if family == libc::AF_INET {
            ip.is_ipv4()
        } else {
            ip.is_ipv6()
        }
    });
    let link_local = |ip: &IpAddr| match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_unicast_link_local(),
    };
    let candidates: Vec<IpAddr> = of_family.collect();
    let chosen = candidates
        .iter()
        .find(|ip| !link_local(ip))
        .or(candidates.first())?;
    let scope = if link_local(chosen) && chosen.is_ipv6() {
        u32::try_from(interface.index).unwrap_or(0)
    } else {
        0
    };
    Some((*chosen, scope))
}

fn bind_to_address(fd: c_int, ip: IpAddr, scope: u32) -> Result<(), c_int> {
    // SAFETY: sockaddr_storage is plain data; all zeroes is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match ip {
        IpAddr::V4(v4) => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
            let sin = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_addr.s_addr = u32::from_ne_bytes(v4.octets());
            std::mem::size_of::<libc::sockaddr_in>()
        }
        IpAddr::V6(v6) => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6.
            let sin6 = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_addr.s6_addr = v6.octets();
            sin6.sin6_scope_id = scope;
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    // SAFETY: storage holds a sockaddr of `len` bytes; port 0 lets the kernel pick.
    let rc = unsafe {
        libc::bind(
            fd,
            (&storage as *const libc::sockaddr_storage).cast(),
            len as libc::socklen_t,
        )
    };
    if rc < 0 { Err(errno()) } else { Ok(()) }
}

fn bind(fd: c_int, family: c_int, interface: &InterfaceInfo) -> qns_status {
    let refused = match bind_to_device(fd, &interface.name) {
        Ok(()) => return QNS_OK,
        Err(code) => code,
    };
    let result = if refused != libc::EPERM {
        Err(refused)
    } else {
        match bound_device(fd) {
            // Already on this very device: nothing to do.
            name if name == interface.name => Ok(()),
            // Without CAP_NET_RAW a socket bound to a device cannot move.
            name if !name.is_empty() => Err(refused),
            // Binding to devices is not allowed here at all (kernels before
            // 5.7 without CAP_NET_RAW): the interface's address does it.
            _ => match pick_address(interface, family) {
                Some((ip, scope)) => bind_to_address(fd, ip, scope),
                None => return QNS_ERR_NOT_FOUND,
            },
        }
    };
    match result {
        Ok(()) => QNS_OK,
        Err(code) => {
            set_errno(code);
            QNS_ERR_SYSTEM
        }
    }
}

/// Binds the socket `fd` to the network interface the session uses, so its
/// traffic leaves through that interface whatever the routing table prefers:
/// SO_BINDTODEVICE where the kernel permits it, otherwise (EPERM: an older
/// kernel without CAP_NET_RAW) bind() to the interface's address of the
/// socket's family, port 0 (a global address first; IPv6 link-local with the
/// interface as scope). Call it before connect(), listen() or the first
/// sendto(). Roaming (make-before-break): after migrate() and
/// newConfigurationActivated, bind a new socket and connect it on the new
/// access point while the old socket still works on the old one; then
/// accept() and close the old socket.
///
/// Returns QNS_OK, or: QNS_ERR_NULL_ARGUMENT (s NULL);
/// QNS_ERR_INVALID_ARGUMENT (fd negative, closed or not a socket; errno says
/// which); QNS_ERR_WRONG_TYPE (not an AF_INET or AF_INET6 socket);
/// QNS_ERR_WRONG_STATE (the session's state is not Connected or Roaming, or
/// it has no interface; like interface(), a session is Connected while its
/// configuration is Active, whether or not this session opened it); QNS_ERR_NOT_FOUND (the fallback found no address of the
/// socket's family on the interface); QNS_ERR_SYSTEM (the kernel refused,
/// errno set: EPERM for a socket already bound to another device without
/// CAP_NET_RAW, EINVAL for one already bound to an address). The socket stays
/// the caller's. Thread: any.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_session_bind_socket(s: *const qns_session, fd: c_int) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let session = try_ffi!(unsafe { borrow::<qns_session, Session>(s) });
        if fd < 0 {
            set_errno(libc::EBADF);
            return QNS_ERR_INVALID_ARGUMENT;
        }
        let family = match socket_family(fd) {
            Ok(family) => family,
            Err(code) => {
                set_errno(code);
                return QNS_ERR_INVALID_ARGUMENT;
            }
        };
        if family != libc::AF_INET && family != libc::AF_INET6 {
            return QNS_ERR_WRONG_TYPE;
        }
        // Roaming too: after migrate() the interface is the new access point's.
        let in_use = matches!(session.state(), State::Connected | State::Roaming);
        // An empty name would unbind the socket instead.
        let interface = session.interface().filter(|i| in_use && !i.name.is_empty());
        let Some(interface) = interface else {
            return QNS_ERR_WRONG_STATE;
        };
        bind(fd, family, &interface)
    })
}
