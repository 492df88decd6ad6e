//! One private connection to the system bus, never blocking the thread that
//! owns it except while connecting: calls are sent and their replies come
//! back as messages (the caller keeps a deadline per call), and the socket
//! is polled together with the backend's other descriptors.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};

use dbus::Message;
use dbus::channel::Channel;

/// Messages this library sent on the system bus (benchmarks: zero while idle).
pub static MESSAGES_SENT: AtomicU64 = AtomicU64::new(0);

pub(super) const DBUS_NAME: &str = "org.freedesktop.DBus";
const DBUS_PATH: &str = "/org/freedesktop/DBus";

/// libdbus's default when DBUS_SYSTEM_BUS_ADDRESS is not set.
const DEFAULT_SYSTEM_BUS: &str = "unix:path=/var/run/dbus/system_bus_socket";

/// The system bus address, as libdbus resolves it.
pub fn system_bus_address() -> String {
    match std::env::var("DBUS_SYSTEM_BUS_ADDRESS") {
        Ok(a) if !a.is_empty() => a,
        _ => DEFAULT_SYSTEM_BUS.to_owned(),
    }
}

/// The socket file of the first `unix:path=` address, if any (watched for
/// the bus coming back).
pub fn socket_path(address: &str) -> Option<std::path::PathBuf> {
    address.split(';').find_map(|entry| {
        let params = entry.strip_prefix("unix:")?;
        params
            .split(',')
            .find_map(|kv| kv.strip_prefix("path="))
            .map(|p| p.into())
    })
}

pub struct Bus {
    channel: Channel,
}

impl Bus {
    /// Connects and registers (Hello). Blocks only the calling thread.
    pub fn connect(address: &str) -> Result<Bus, String> {
        let mut channel = Channel::open_private(address).map_err(|e| describe(&e))?;
        channel.register().map_err(|e| describe(&e))?;
        channel.set_watch_enabled(true);
        let bus = Bus { channel };
        bus.watch().ok_or_else(|| "no socket to watch".to_owned())?;
        Ok(bus)
    }

    /// The socket and whether libdbus wants to write (poll for POLLOUT).
    pub fn watch(&self) -> Option<(RawFd, bool)> {
        // The crate panics if libdbus never gave a watch; treat that as no socket.
        let watch =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.channel.watch())).ok()?;
        Some((watch.fd, watch.write || self.channel.has_messages_to_send()))
    }

    /// Sends a method call; returns its serial, the key of its reply.
    pub fn call(
        &self,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: impl FnOnce(Message) -> Message,
    ) -> Option<u32> {
        let mut message = Message::new_method_call(destination, path, interface, member).ok()?;
        // NetworkManager is not bus-activatable; never ask the bus to try.
        message.set_auto_start(false);
        self.send(args(message))
    }

    /// A call to the bus daemon whose answer we do not need (AddMatch).
    pub fn call_bus_no_reply(&self, member: &str, rule: &str) {
        if let Ok(mut m) = Message::new_method_call(DBUS_NAME, DBUS_PATH, DBUS_NAME, member) {
            m.set_no_reply(true);
            let _ = self.send(m.append1(rule));
        }
    }

    pub fn call_bus(&self, member: &str, arg: &str) -> Option<u32> {
        self.call(DBUS_NAME, DBUS_PATH, DBUS_NAME, member, |m| m.append1(arg))
    }

    pub fn send(&self, message: Message) -> Option<u32> {
        let serial = self.channel.send(message).ok()?;
        MESSAGES_SENT.fetch_add(1, Ordering::Relaxed);
        // Writes what the socket takes now; the rest goes when it polls writable.
        let _ = self.channel.read_write(Some(std::time::Duration::ZERO));
        Some(serial)
    }

    /// Moves bytes both ways without blocking; false once disconnected.
    pub fn pump(&self) -> bool {
        self.channel
            .read_write(Some(std::time::Duration::ZERO))
            .is_ok()
            && self.channel.is_connected()
    }

    pub fn pop(&self) -> Option<Message> {
        self.channel.pop_message()
    }
}

fn describe(e: &dbus::Error) -> String {
    match (e.name(), e.message()) {
        (_, Some(m)) => m.to_owned(),
        (Some(n), None) => n.to_owned(),
        _ => "unknown D-Bus error".to_owned(),
    }
}

/// The match rule of a signal, bound to one sender.
pub fn match_rule(
    sender: &str,
    interface: &str,
    member: Option<&str>,
    path: Option<&str>,
) -> String {
    let mut rule = format!("type='signal',sender='{sender}',interface='{interface}'");
    if let Some(m) = member {
        rule.push_str(&format!(",member='{m}'"));
    }
    if let Some(p) = path {
        rule.push_str(&format!(",path_namespace='{p}'"));
    }
    rule
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_paths_and_rules() {
        assert_eq!(
            socket_path("unix:path=/run/x/sock,guid=1;tcp:host=a").unwrap(),
            std::path::PathBuf::from("/run/x/sock")
        );
        assert_eq!(socket_path("unix:abstract=/tmp/x"), None);
        assert_eq!(
            socket_path("tcp:host=a;unix:path=/s").unwrap(),
            std::path::PathBuf::from("/s")
        );
        assert_eq!(
            match_rule(":1.2", "a.B", Some("C"), Some("/p")),
            "type='signal',sender=':1.2',interface='a.B',member='C',path_namespace='/p'"
        );
    }

    #[test]
    fn no_bus_is_an_error_not_a_panic() {
        assert!(Bus::connect("unix:path=/nonexistent/qns-test-socket").is_err());
        assert!(Bus::connect("garbage").is_err());
    }
}
