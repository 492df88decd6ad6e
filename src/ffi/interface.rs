//! qns_interface: the QNetworkInterface a session uses. A snapshot owned by
//! the caller (qns_interface_free). NULL is the invalid interface.

use std::ffi::{c_char, c_int, c_uint};

use super::qns_status::{self, *};
use super::support::{ffi_boundary, release_handle, write_out, write_str};
use crate::engine::record::InterfaceInfo;

/// A network interface snapshot (opaque). Immutable, so thread-safe.
pub struct qns_interface {
    _private: [u8; 0],
}

unsafe fn info<'a>(i: *const qns_interface) -> Option<&'a InterfaceInfo> {
    // SAFETY: interface handles are Arc<InterfaceInfo> pointers.
    unsafe { (i as *const InterfaceInfo).as_ref() }
}

/// Frees an interface. NULL: no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_free(i: *mut qns_interface) {
    ffi_boundary!((), {
        unsafe { release_handle::<qns_interface, InterfaceInfo>(i) }
    })
}

/// isValid(): false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_is_valid(i: *const qns_interface) -> bool {
    !i.is_null()
}

/// name() (e.g. "eth0"), snprintf style. NULL: "".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_name(
    i: *const qns_interface,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let name = unsafe { info(i) }.map_or("", |i| i.name.as_str());
        unsafe { write_str(name, buf, len, needed) }
    })
}

/// hardwareAddress() ("AA:BB:CC:DD:EE:FF"), snprintf style. NULL: "".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_hardware_address(
    i: *const qns_interface,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let mac = unsafe { info(i) }.map_or("", |i| i.hardware_address.as_str());
        unsafe { write_str(mac, buf, len, needed) }
    })
}

/// index(): the OS interface index; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_index(i: *const qns_interface) -> c_int {
    ffi_boundary!(0, { unsafe { info(i) }.map_or(0, |i| i.index) })
}

/// flags(): QNS_INTERFACE_* bits; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_flags(i: *const qns_interface) -> c_uint {
    ffi_boundary!(0, { unsafe { info(i) }.map_or(0, |i| i.flags) })
}

/// maximumTransmissionUnit(); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_mtu(i: *const qns_interface) -> c_int {
    ffi_boundary!(0, { unsafe { info(i) }.map_or(0, |i| i.mtu) })
}

/// Number of addresses (addressEntries().size()); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_address_count(i: *const qns_interface) -> usize {
    ffi_boundary!(0, { unsafe { info(i) }.map_or(0, |i| i.addresses.len()) })
}

/// Address `index` as text ("192.0.2.1", "2001:db8::1") snprintf style, and
/// its prefix length in *prefix_length (may be NULL). QNS_ERR_NOT_FOUND when
/// out of range, QNS_ERR_NULL_ARGUMENT for a NULL interface.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qns_interface_address(
    i: *const qns_interface,
    index: usize,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
    prefix_length: *mut c_int,
) -> qns_status {
    ffi_boundary!(QNS_ERR_INTERNAL, {
        let Some(info) = (unsafe { info(i) }) else {
            return QNS_ERR_NULL_ARGUMENT;
        };
        let Some(address) = info.addresses.get(index) else {
            return QNS_ERR_NOT_FOUND;
        };
        let status = unsafe { write_str(&address.ip.to_string(), buf, len, needed) };
        if status == QNS_OK && !prefix_length.is_null() {
            unsafe { write_out(prefix_length, c_int::from(address.prefix_length)) };
        }
        status
    })
}
