//! The kernel's view as the backend keeps it: links, addresses and default
//! routes, updated message by message, turned into configuration views.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use super::bearer::{bearer_of, preference_class};
use super::identity::generic_identifier;
use super::parse::{self, Address, DefaultRoute, Link, Message};
use super::reachability::{CheckAction, CheckState, RouteKey};
use crate::backend::{NetworkStatus, Snapshot, Update};
use crate::engine::record::{ConfigView, InterfaceAddress, InterfaceInfo};
use crate::types::{Bearer, Capabilities, ConfigType, Purpose, Reachability, StateFlags};

const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_LINK: u8 = 253;

/// Identifier and name of the synthesized service network of all interfaces.
pub const DEFAULT_NETWORK_ID: &str = "default";
pub const DEFAULT_NETWORK_NAME: &str = "Default";

struct Entry {
    link: Link,
    bearer: Bearer,
    id: String,
    /// The state of the last view reported (an address change that leaves
    /// it is reported as a delta, not as a new view).
    reported: Option<StateFlags>,
}

pub struct KernelModel {
    links: BTreeMap<i32, Entry>,
    /// (address, prefix length, scope) per interface.
    addresses: BTreeMap<i32, BTreeSet<(IpAddr, u8, u8)>>,
    routes: BTreeSet<(u32, bool, i32)>,
    ids: HashMap<String, i32>,
    /// Interfaces changed since the last batch of updates.
    dirty: BTreeSet<i32>,
    /// Addresses added (true) and removed since the last batch, per
    /// interface, in the kernel's order.
    address_changes: BTreeMap<i32, Vec<(InterfaceAddress, bool)>>,
    removed: Vec<String>,
    /// Interfaces that are Active now (reachability looks only at them).
    active: BTreeSet<i32>,
    /// Members of "Default" by (has no default route, metric, class,
    /// index): kept in order change by change.
    members: BTreeSet<(bool, u32, u8, i32)>,
    /// Each interface's key in `members`.
    member_keys: HashMap<i32, (bool, u32, u8, i32)>,
    /// The order of "Default" changed since it was last reported.
    order_changed: bool,
    /// The process may set links up and down (CAP_NET_ADMIN).
    can_start: bool,
    capabilities: Capabilities,
    /// The optional connectivity check's view of the default route.
    pub check: CheckState,
    /// What the checker must be told, taken by the source after a batch.
    pub check_action: Option<CheckAction>,
}

fn flag(flags: u32, bit: libc::c_int) -> bool {
    flags & bit as u32 != 0
}

impl KernelModel {
    pub fn new(can_start: bool, capabilities: Capabilities) -> Self {
        KernelModel {
            links: BTreeMap::new(),
            addresses: BTreeMap::new(),
            routes: BTreeSet::new(),
            ids: HashMap::new(),
            dirty: BTreeSet::new(),
            address_changes: BTreeMap::new(),
            removed: Vec::new(),
            active: BTreeSet::new(),
            members: BTreeSet::new(),
            member_keys: HashMap::new(),
            order_changed: true,
            can_start,
            capabilities,
            check: CheckState::default(),
            check_action: None,
        }
    }

    pub fn index_of(&self, identifier: &str) -> Option<i32> {
        self.ids.get(identifier).copied()
    }

    pub fn is_up(&self, index: i32) -> bool {
        self.links
            .get(&index)
            .is_some_and(|e| flag(e.link.flags, libc::IFF_UP))
    }

    /// Applies one rtnetlink message; returns whether it was one we track.
    pub fn apply(&mut self, message: &Message) -> bool {
        match message.kind {
            parse::RTM_NEWLINK => parse::link(message.payload).is_some_and(|l| self.put_link(l)),
            parse::RTM_DELLINK => {
                parse::link(message.payload).is_some_and(|l| self.drop_link(l.index))
            }
            parse::RTM_NEWADDR | parse::RTM_DELADDR => parse::address(message.payload)
                .is_some_and(|a| self.put_address(a, message.kind == parse::RTM_NEWADDR)),
            parse::RTM_NEWROUTE | parse::RTM_DELROUTE => parse::default_route(message.payload)
                .is_some_and(|r| self.put_route(r, message.kind == parse::RTM_NEWROUTE)),
            _ => false,
        }
    }

    fn put_link(&mut self, link: Link) -> bool {
        if flag(link.flags, libc::IFF_LOOPBACK) {
            return false;
        }
        let index = link.index;
        let was_up = self.is_up(index);
        if !flag(link.flags, libc::IFF_UP) && was_up {
            // The kernel flushes an interface's routes when it goes down
            // without telling (IPv4), so forget them here.
            self.routes.retain(|r| r.2 != index);
        }
        let renamed = self
            .links
            .get(&index)
            .is_none_or(|e| e.link.name != link.name || e.link.kind != link.kind);
        let bearer = if renamed {
            bearer_of(&link)
        } else {
            self.links[&index].bearer
        };
        let id = generic_identifier(index);
        let reported = self.links.get(&index).and_then(|e| e.reported);
        self.ids.insert(id.clone(), index);
        self.links.insert(
            index,
            Entry {
                link,
                bearer,
                id,
                reported,
            },
        );
        self.dirty.insert(index);
        self.follow(index);
        true
    }

    /// Keeps the Active set and the order of "Default" up to date for one
    /// interface after any change of it (O(log n) for n interfaces).
    fn follow(&mut self, index: i32) {
        if self.state(index).is_active() {
            self.active.insert(index);
        } else {
            self.active.remove(&index);
        }
        let key = self.links.get(&index).map(|entry| {
            let metric = self.routes.iter().find(|r| r.2 == index).map(|r| r.0);
            (
                metric.is_none(),
                metric.unwrap_or(0),
                preference_class(entry.bearer),
                index,
            )
        });
        let old = match key {
            Some(key) => self.member_keys.insert(index, key),
            None => self.member_keys.remove(&index),
        };
        if old != key {
            if let Some(old) = old {
                self.members.remove(&old);
            }
            if let Some(key) = key {
                self.members.insert(key);
            }
            self.order_changed = true;
        }
    }

    /// The link was set down by us and the kernel acknowledged it: what the
    /// coming RTM_NEWLINK will say (down, no carrier, no routes).
    pub fn mark_down(&mut self, index: i32) {
        let Some(entry) = self.links.get_mut(&index) else {
            return;
        };
        entry.link.flags &= !((libc::IFF_UP | libc::IFF_RUNNING) as u32);
        self.routes.retain(|r| r.2 != index);
        self.dirty.insert(index);
        self.follow(index);
    }

    fn drop_link(&mut self, index: i32) -> bool {
        let Some(entry) = self.links.remove(&index) else {
            return false;
        };
        self.ids.remove(&entry.id);
        self.addresses.remove(&index);
        self.routes.retain(|r| r.2 != index);
        self.dirty.remove(&index);
        self.address_changes.remove(&index);
        self.follow(index);
        self.removed.push(entry.id);
        true
    }

    fn put_address(&mut self, address: Address, present: bool) -> bool {
        let key = (address.ip, address.prefix_length, address.scope);
        let set = self.addresses.entry(address.index).or_default();
        let changed = if present {
            set.insert(key)
        } else {
            set.remove(&key)
        };
        if changed && self.links.contains_key(&address.index) {
            let entry = InterfaceAddress {
                ip: address.ip,
                prefix_length: address.prefix_length,
            };
            self.address_changes
                .entry(address.index)
                .or_default()
                .push((entry, present));
            self.follow(address.index);
        }
        true
    }

    fn put_route(&mut self, route: DefaultRoute, present: bool) -> bool {
        let key = (route.metric, route.ipv6, route.index);
        let changed = if present {
            self.routes.insert(key)
        } else {
            self.routes.remove(&key)
        };
        if changed {
            self.dirty.insert(route.index);
            self.follow(route.index);
        }
        true
    }

    /// SPEC §6: Active = up, running and an address of any scope;
    /// Discovered = startable now; Defined = present but unusable.
    fn state(&self, index: i32) -> StateFlags {
        let Some(entry) = self.links.get(&index) else {
            return StateFlags::UNDEFINED;
        };
        let up = flag(entry.link.flags, libc::IFF_UP);
        let running = flag(entry.link.flags, libc::IFF_RUNNING);
        // Any address counts, an IPv6 link-local one included (compat: Qt 5
        // does): a link is usable for the local network without a global
        // address. Whether the internet is reachable is reachability's job.
        let has_address = self
            .addresses
            .get(&index)
            .is_some_and(|set| !set.is_empty());
        match (up, running, has_address) {
            (true, true, true) => StateFlags::ACTIVE,
            (true, true, false) => StateFlags::DISCOVERED,
            (false, _, _) if self.can_start => StateFlags::DISCOVERED,
            _ => StateFlags::DEFINED,
        }
    }

    fn view(&self, index: i32) -> Option<ConfigView> {
        let entry = self.links.get(&index)?;
        let link = &entry.link;
        let mut view =
            ConfigView::access_point(&entry.id, &link.name, entry.bearer, self.state(index));
        view.startable = self.can_start && !flag(link.flags, libc::IFF_UP);
        view.interface = Some(Arc::new(self.interface_info(index)?));
        Some(view)
    }

    fn interface_info(&self, index: i32) -> Option<InterfaceInfo> {
        let link = &self.links.get(&index)?.link;
        let qt_flags = [
            (libc::IFF_UP, 0x1),
            (libc::IFF_RUNNING, 0x2),
            (libc::IFF_BROADCAST, 0x4),
            (libc::IFF_LOOPBACK, 0x8),
            (libc::IFF_POINTOPOINT, 0x10),
            (libc::IFF_MULTICAST, 0x20),
        ]
        .iter()
        .filter(|(bit, _)| flag(link.flags, *bit))
        .fold(0, |acc, (_, q)| acc | q);
        let addresses = self
            .addresses
            .get(&index)
            .map(|set| {
                set.iter()
                    .map(|(ip, prefix, _)| InterfaceAddress {
                        ip: *ip,
                        prefix_length: *prefix,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut mac = String::with_capacity(link.hardware_address.len() * 3);
        for (i, byte) in link.hardware_address.iter().enumerate() {
            use std::fmt::Write;
            let _ = write!(mac, "{}{byte:02X}", if i > 0 { ":" } else { "" });
        }
        Some(InterfaceInfo {
            name: link.name.clone(),
            index,
            hardware_address: mac,
            flags: qt_flags,
            mtu: link.mtu as i32,
            addresses,
        })
    }

    /// The interface of the best default route through an Active interface:
    /// lowest metric, then IPv4 before IPv6, then lowest index.
    fn default_index(&self) -> Option<i32> {
        self.routes
            .iter()
            .find(|(_, _, index)| self.state(*index).is_active())
            .map(|r| r.2)
    }

    /// SPEC §8 from the kernel's view alone, and the default route that
    /// makes it Online (what the connectivity check checks).
    fn kernel_reachability(&self) -> (Reachability, Option<RouteKey>) {
        let active = &self.active;
        if active.is_empty() {
            return (Reachability::Disconnected, None);
        }
        let has_scope = |index: &i32, wanted: fn(u8) -> bool| {
            self.addresses
                .get(index)
                .is_some_and(|set| set.iter().any(|(_, _, scope)| wanted(*scope)))
        };
        let online_route = self.routes.iter().find(|(_, _, index)| {
            active.contains(index) && has_scope(index, |s| s == RT_SCOPE_UNIVERSE)
        });
        if let Some(route) = online_route {
            return (Reachability::Online, Some(*route));
        }
        if active.iter().any(|i| has_scope(i, |s| s < RT_SCOPE_LINK)) {
            (Reachability::Site, None)
        } else {
            (Reachability::Local, None)
        }
    }

    /// The status to report; a new default route also queues a check.
    fn status(&mut self) -> NetworkStatus {
        let (kernel, route) = self.kernel_reachability();
        if let Some(action) = self.check.follow(route) {
            self.check_action = Some(action);
        }
        self.check.apply(kernel)
    }

    /// A connectivity check result: the status update it makes, if it is
    /// about the current default route.
    pub fn check_result(
        &mut self,
        generation: u64,
        outcome: crate::connectivity::Outcome,
    ) -> Option<Update> {
        if !self.check.record(generation, outcome) {
            return None;
        }
        Some(Update::Status(Some(self.status())))
    }

    /// The check was turned on or off: the status it gives now.
    pub fn set_check_enabled(&mut self, enabled: bool) -> Update {
        self.check.set_enabled(enabled);
        Update::Status(Some(self.status()))
    }

    /// Members of "Default": by best default-route metric, then wired >
    /// WLAN > cellular > other, then index.
    fn default_network(&self) -> ConfigView {
        let mut view = ConfigView::access_point(
            DEFAULT_NETWORK_ID,
            DEFAULT_NETWORK_NAME,
            Bearer::Unknown,
            StateFlags::UNDEFINED,
        );
        view.kind = ConfigType::ServiceNetwork;
        view.purpose = Purpose::Unknown;
        view.children = self
            .members
            .iter()
            .filter_map(|key| self.links.get(&key.3))
            .map(|entry| entry.id.clone())
            .collect();
        view
    }

    pub fn snapshot(&mut self) -> Snapshot {
        self.dirty.clear();
        self.address_changes.clear();
        self.removed.clear();
        self.order_changed = false;
        let mut configurations: Vec<ConfigView> =
            self.links.keys().filter_map(|i| self.view(*i)).collect();
        for view in &configurations {
            self.mark_reported(view);
        }
        configurations.push(self.default_network());
        Snapshot {
            configurations,
            default_id: self.default_index().map(generic_identifier),
            capabilities: Some(self.capabilities),
            status: Some(self.status()),
        }
    }

    fn mark_reported(&mut self, view: &ConfigView) {
        if let Some(index) = self.ids.get(&view.identifier).copied()
            && let Some(entry) = self.links.get_mut(&index)
        {
            entry.reported = Some(view.state);
        }
    }

    /// What changed since the last call, as engine updates: a new view of
    /// each interface that changed, only the address changes of one whose
    /// view is otherwise the same, and "Default" only when its order moved.
    pub fn take_updates(&mut self) -> Vec<Update> {
        let mut updates: Vec<Update> = self.removed.drain(..).map(Update::Remove).collect();
        let mut dirty = std::mem::take(&mut self.dirty);
        for (index, changes) in std::mem::take(&mut self.address_changes) {
            let Some(entry) = self.links.get(&index) else {
                continue;
            };
            if dirty.contains(&index) || entry.reported != Some(self.state(index)) {
                dirty.insert(index);
            } else {
                updates.push(Update::Addresses {
                    id: entry.id.clone(),
                    changes,
                });
            }
        }
        for index in dirty {
            if let Some(view) = self.view(index) {
                self.mark_reported(&view);
                updates.push(Update::Upsert(view));
            }
        }
        if std::mem::take(&mut self.order_changed) {
            updates.push(Update::Upsert(self.default_network()));
        }
        updates.push(Update::Default(
            self.default_index().map(generic_identifier),
        ));
        updates.push(Update::Status(Some(self.status())));
        updates
    }

    pub fn can_start(&self) -> bool {
        self.can_start
    }

    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}
