//! Subordinate mode: the kernel's interfaces next to a network manager that
//! owns some of them (NetworkManager). The manager decides the default and
//! the "Default" service network while it runs, says which interfaces a
//! start would bring up, and starts and stops the interfaces it manages:
//! this source never sets IFF_UP behind its back. Standalone, none of this
//! applies and the source behaves exactly as without it.

use std::sync::Arc;

use crate::engine::record::ConfigView;
use crate::types::SessionError;

/// How a start or stop through the manager ended: None when it went
/// through, else the error and the manager's own message.
pub type Outcome = Option<(SessionError, Option<String>)>;

/// Called once, from any thread, when the manager answered.
pub type Done = Box<dyn FnOnce(Outcome) + Send>;

/// Called from the netlink source's threads, some of them with its model
/// locked (reports keep their order that way): an implementation answers
/// from its own state under its own short lock and never calls back into
/// the netlink source from these methods.
pub trait LinkManager: Send + Sync {
    /// The manager decides the default configuration and the synthesized
    /// "Default" service network now (it runs).
    fn owns_default(&self) -> bool;
    /// Adapts the view of an interface the manager manages (its state and
    /// whether a start brings it up); leaves the others alone.
    fn adjust(&self, view: &mut ConfigView);
    /// Starts the interface through the manager; false when it does not
    /// manage it (the source then sets the link up itself).
    fn start(&self, interface: &str, done: Done) -> bool;
    /// Stops the interface through the manager; false when it does not
    /// manage it.
    fn stop(&self, interface: &str, done: Done) -> bool;
}

/// How a netlink source runs.
#[derive(Clone, Default)]
pub struct NetlinkOptions {
    /// Subordinate to this manager; None: standalone.
    pub manager: Option<Arc<dyn LinkManager>>,
}
