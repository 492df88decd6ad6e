//! Records from backend updates: adds, removals, changes, service network and
//! UserChoice states, default and online; and the manager signals for them.

use std::collections::HashSet;
use std::sync::Arc;

use super::Effects;
use super::record::{ConfigView, InterfaceAddress, Record};
use super::state::{EngineState, SourceState, USER_CHOICE_ID};
use super::tally::Look;
use crate::backend::{Snapshot, SourceId, Update};
use crate::signals::Payload;
use crate::types::{Capabilities, ConfigType, StateFlags};

impl EngineState {
    pub(crate) fn apply_update(&mut self, source: SourceId, update: Update, fx: &mut Effects) {
        match update {
            Update::Upsert(view) => self.upsert(source, view),
            Update::Remove(id) => self.remove(source, &id),
            Update::Addresses { id, changes } => self.change_addresses(source, &id, changes),
            Update::Resync(snapshot) => self.resync(source, snapshot),
            Update::Default(id) => self.source_mut(source).default_id = id,
            Update::Capabilities(caps) => self.set_capabilities(source, caps),
            Update::StartFailed { id, error, message } => {
                if self.owned_by(source, &id).is_some() {
                    self.start_failed(&id, error, message, fx);
                }
            }
            Update::StopFailed { id } | Update::Stopped { id } => {
                if self.owned_by(source, &id).is_some() {
                    self.stop_over(&id);
                }
            }
            Update::StopRefused { id, error, message } => {
                if self.owned_by(source, &id).is_some() {
                    self.stop_over(&id);
                    self.stop_refused(&id, error, message, fx);
                }
            }
            Update::RefreshCompleted => self.refresh_completed(source),
            Update::Rename { from, to } => self.rename(source, &from, &to),
            Update::Status(status) => self.source_mut(source).status = status,
        }
    }

    /// After a batch of updates: derived states, then online, so a batch
    /// that moves the default emits no intermediate online flip.
    pub(crate) fn finish_updates(&mut self) {
        self.refresh_service_networks();
        self.refresh_user_choice();
        self.refresh_online();
        self.refresh_network_info();
    }

    fn source_mut(&mut self, source: SourceId) -> &mut SourceState {
        if self.sources.len() <= source {
            self.sources.resize_with(source + 1, SourceState::default);
        }
        &mut self.sources[source]
    }

    /// The record `id` when `source` owns it: a source never touches
    /// another's records.
    fn owned_by(&self, source: SourceId, id: &str) -> Option<Arc<Record>> {
        self.by_id.get(id).filter(|r| r.source == source).cloned()
    }

    fn set_capabilities(&mut self, source: SourceId, caps: Capabilities) {
        self.source_mut(source).capabilities = caps;
        self.capabilities = self
            .sources
            .iter()
            .fold(Capabilities::empty(), |all, s| all | s.capabilities);
    }

    /// updateConfigurations(): every source re-reads; updateCompleted once
    /// the last one has (at once when the backend has no sources).
    pub(crate) fn request_refresh(&mut self, fx: &mut Effects) {
        for s in &mut self.sources {
            s.refreshing = true;
        }
        if self.sources.is_empty() {
            self.emit_to_managers(Payload::UpdateCompleted);
        } else {
            fx.commands.push(super::Command::Refresh);
        }
    }

    fn refresh_completed(&mut self, source: SourceId) {
        let state = self.source_mut(source);
        if !std::mem::replace(&mut state.refreshing, false) {
            return;
        }
        if !self.sources.iter().any(|s| s.refreshing) {
            self.emit_to_managers(Payload::UpdateCompleted);
        }
    }

    fn upsert(&mut self, source: SourceId, view: ConfigView) {
        if let Some(existing) = self.by_id.get(&view.identifier).cloned() {
            if existing.source != source {
                return; // another source's identifier
            }
            if existing.kind == view.kind {
                let before = Look::of(&existing);
                if existing.kind == ConfigType::ServiceNetwork {
                    let old = existing.data.lock().children.clone();
                    if old != view.children {
                        self.index_network(&existing, &old, &view.children);
                    }
                }
                let state = self.state_for(&existing, &view);
                let aliases_before = existing.data.lock().aliases.clone();
                let change = existing.apply_view(&view, state);
                self.track(&existing, Some(before), Some(Look::of(&existing)));
                if aliases_before != view.aliases {
                    self.unindex_aliases(&aliases_before, &existing);
                    self.index_aliases(&existing);
                }
                if change.any {
                    self.changed.insert(existing.serial);
                }
                if change.observable {
                    self.emit_to_managers(Payload::ConfigurationChanged(existing));
                }
                return;
            }
            // A configuration cannot change its type: it is a new one.
            self.remove(source, &view.identifier);
        }
        self.next_serial += 1;
        let record = Record::new(self.next_serial, source, &view);
        if record.kind == ConfigType::ServiceNetwork {
            self.index_network(&record, &[], &view.children);
        }
        let state = self.state_for(&record, &view);
        record.data.lock().state = state;
        self.records.push(record.clone());
        self.by_id.insert(view.identifier.clone(), record.clone());
        self.track(&record, None, Some(Look::of(&record)));
        self.index_aliases(&record);
        self.emit_to_managers(Payload::ConfigurationAdded(record));
    }

    /// Address changes of an interface, applied to the record's list in
    /// place (kept in order, as the source's views list them); the C
    /// handles of the interface already given out keep their copy.
    fn change_addresses(
        &mut self,
        source: SourceId,
        id: &str,
        changes: Vec<(InterfaceAddress, bool)>,
    ) {
        let Some(record) = self.owned_by(source, id) else {
            return;
        };
        let mut d = record.data.lock();
        let Some(info) = d.interface.as_mut() else {
            return;
        };
        let list = &mut Arc::make_mut(info).addresses;
        for (address, added) in changes {
            let key = (address.ip, address.prefix_length);
            let found = list.binary_search_by(|a| (a.ip, a.prefix_length).cmp(&key));
            match (found, added) {
                (Ok(at) | Err(at), true) => list.insert(at, address),
                (Ok(at), false) => {
                    list.remove(at);
                }
                (Err(_), false) => {}
            }
        }
        drop(d);
        self.changed.insert(record.serial);
    }

    fn index_aliases(&mut self, record: &Arc<Record>) {
        let aliases = record.data.lock().aliases.clone();
        for alias in aliases {
            self.by_alias.entry(alias).or_insert_with(|| record.clone());
        }
    }

    fn unindex_aliases(&mut self, aliases: &[String], record: &Arc<Record>) {
        for alias in aliases {
            if self
                .by_alias
                .get(alias)
                .is_some_and(|r| Arc::ptr_eq(r, record))
            {
                self.by_alias.remove(alias);
            }
        }
    }

    fn remove(&mut self, source: SourceId, id: &str) {
        let Some(record) = self.owned_by(source, id) else {
            return;
        };
        self.by_id.remove(id);
        let aliases = record.data.lock().aliases.clone();
        self.unindex_aliases(&aliases, &record);
        self.records.retain(|r| !Arc::ptr_eq(r, &record));
        self.changed.insert(record.serial);
        self.track(&record, Some(Look::of(&record)), None);
        if record.kind == ConfigType::ServiceNetwork {
            let children = record.data.lock().children.clone();
            self.unindex_network(&record, &children);
        }
        {
            let mut d = record.data.lock();
            d.valid = false;
            d.open_count = 0;
            d.started_by_us = false;
        }
        self.emit_to_managers(Payload::ConfigurationRemoved(record));
    }

    /// The record keeps its handles, sessions and counts under a new name.
    fn rename(&mut self, source: SourceId, from: &str, to: &str) {
        if from == to || self.by_id.contains_key(to) || to == USER_CHOICE_ID {
            return;
        }
        let Some(record) = self.owned_by(source, from) else {
            return;
        };
        self.by_id.remove(from);
        self.rename_member(from, to);
        record.set_identifier(to);
        self.by_id.insert(to.to_owned(), record.clone());
        for s in &mut self.sources {
            if s.default_id.as_deref() == Some(from) {
                s.default_id = Some(to.to_owned());
            }
        }
        self.rename_children(from, to);
        self.changed.insert(record.serial);
        self.emit_to_managers(Payload::ConfigurationChanged(record));
    }

    /// Service networks name their children by identifier.
    fn rename_children(&mut self, from: &str, to: &str) {
        for network in self
            .records
            .iter()
            .filter(|r| r.kind == ConfigType::ServiceNetwork)
        {
            let mut d = network.data.lock();
            for child in d.children.iter_mut().filter(|c| c.as_str() == from) {
                *child = to.to_owned();
            }
        }
    }

    /// Diffs a source's full view against that source's records: removes
    /// what is gone, then upserts in the source's order, so no-op parts emit
    /// nothing.
    fn resync(&mut self, source: SourceId, snapshot: Snapshot) {
        let present: HashSet<&str> = snapshot
            .configurations
            .iter()
            .map(|v| v.identifier.as_str())
            .collect();
        let gone: Vec<String> = self
            .records
            .iter()
            .filter(|r| r.source == source)
            .map(|r| r.identifier())
            .filter(|id| !present.contains(&**id))
            .map(|id| id.to_string())
            .collect();
        for id in gone {
            self.remove(source, &id);
        }
        if let Some(caps) = snapshot.capabilities {
            self.set_capabilities(source, caps);
        }
        for view in snapshot.configurations {
            self.upsert(source, view);
        }
        let state = self.source_mut(source);
        state.default_id = snapshot.default_id;
        state.status = snapshot.status;
    }

    /// A service network is as available as its best member (counted in
    /// the tally, which index_network set up for its member list).
    fn state_for(&self, record: &Record, view: &ConfigView) -> StateFlags {
        match view.kind {
            ConfigType::ServiceNetwork => self.tally.network(record.serial).network_state(),
            _ => view.state,
        }
    }

    /// Service networks whose members changed take their new state, in
    /// creation order (one listed by another passes its change on).
    fn refresh_service_networks(&mut self) {
        // A cycle of networks listing each other must not spin.
        let mut budget = 4 * self.tally.touched.len() + 16;
        while let Some(serial) = self.tally.touched.pop_first() {
            budget = match budget.checked_sub(1) {
                Some(b) => b,
                None => break,
            };
            self.touched_networks.insert(serial);
            let Some(network) = self.tally.network_record(serial) else {
                continue;
            };
            let state = self.tally.network(serial).network_state();
            let before = Look::of(&network);
            let changed = {
                let mut d = network.data.lock();
                std::mem::replace(&mut d.state, state) != state
            };
            if changed {
                self.track(&network, Some(before), Some(Look::of(&network)));
                self.changed.insert(network.serial);
                self.emit_to_managers(Payload::ConfigurationChanged(network));
            }
        }
        self.tally.touched.clear();
    }

    /// UserChoice is Discovered while anything is at least Discovered, else
    /// Defined (compat: Qt's defaultConfiguration test wants exactly that,
    /// never Active), whether or not it is the backend's default.
    fn refresh_user_choice(&mut self) {
        let state = if self.tally.all.any_discovered() {
            StateFlags::DISCOVERED
        } else {
            StateFlags::DEFINED
        };
        let before = std::mem::replace(&mut self.user_choice.data.lock().state, state);
        if before != state {
            self.changed.insert(self.user_choice.serial);
        }
    }

    /// isOnline() as Qt documents it: some configuration is Active (whether
    /// the internet is reachable is reachability's question, SPEC §8).
    fn refresh_online(&mut self) {
        let online = self.tally.all.any_active();
        if online != self.online {
            self.online = online;
            self.emit_to_managers(Payload::Online(online));
        }
    }

    /// defaultConfiguration()'s access point: the backend's default (that
    /// of the first source naming one) while it is Active; else, as Qt did,
    /// the first Active access point by bearer: Ethernet, then WLAN, then
    /// any other (ties by creation order). None only when nothing is
    /// Active. A backend that names UserChoice leaves the choice to the
    /// user: then it is what a UserChoice session opens (the same order,
    /// else the first access point a start brings up).
    pub(crate) fn default_record(&self) -> Option<Arc<Record>> {
        match self.named_default() {
            Some(USER_CHOICE_ID) => self.user_choice_pick(),
            Some(id) => self
                .by_id
                .get(id)
                .filter(|r| r.state().is_active())
                .cloned()
                .or_else(|| self.first_active_by_bearer()),
            None => self.first_active_by_bearer(),
        }
    }

    /// The first default a source names that exists (UserChoice always does).
    fn named_default(&self) -> Option<&str> {
        self.sources
            .iter()
            .filter_map(|s| s.default_id.as_deref())
            .find(|id| *id == USER_CHOICE_ID || self.by_id.contains_key(*id))
    }

    /// The backend's default is UserChoice (defaultConfiguration() returns it).
    pub(crate) fn default_is_user_choice(&self) -> bool {
        self.named_default() == Some(USER_CHOICE_ID)
    }

    /// Qt's fallback order for a default: Active Ethernet, WLAN, other.
    fn first_active_by_bearer(&self) -> Option<Arc<Record>> {
        self.tally.first_active_by_bearer()
    }

    /// The user's pick when nobody asks them.
    fn user_choice_pick(&self) -> Option<Arc<Record>> {
        self.first_active_by_bearer().or_else(|| {
            self.records
                .iter()
                .find(|r| r.kind == ConfigType::InternetAccessPoint && r.state().is_discovered())
                .cloned()
        })
    }

    /// allConfigurations(filter): access points by creation, then service
    /// networks by creation; filter 0 lists all.
    pub(crate) fn configurations(&self, filter: u32) -> Vec<Arc<Record>> {
        let matches = |r: &&Arc<Record>| filter == 0 || r.state().bits() & filter == filter;
        let points = self
            .records
            .iter()
            .filter(|r| r.kind != ConfigType::ServiceNetwork);
        let networks = self
            .records
            .iter()
            .filter(|r| r.kind == ConfigType::ServiceNetwork);
        points.chain(networks).filter(matches).cloned().collect()
    }

    pub(crate) fn lookup(&self, id: &str) -> Option<Arc<Record>> {
        if id == USER_CHOICE_ID {
            return Some(self.user_choice.clone());
        }
        self.by_id
            .get(id)
            .or_else(|| self.by_alias.get(id))
            .cloned()
    }

    /// Live member records of a service network, highest priority first.
    pub(crate) fn children_of(&self, record: &Record) -> Vec<Arc<Record>> {
        if record.kind != ConfigType::ServiceNetwork || !record.is_valid() {
            return Vec::new();
        }
        let ids = record.data.lock().children.clone();
        ids.iter()
            .filter_map(|id| self.by_id.get(id))
            .cloned()
            .collect()
    }

    /// Manager signals wait in an outbox until the operation ends, so for
    /// one change the sessions' signals come first (compat, SPEC §3).
    pub(crate) fn emit_to_managers(&mut self, payload: Payload) {
        self.manager_outbox.push(payload);
    }

    /// Delivers the outbox to every manager (end of each engine operation).
    pub(crate) fn flush_manager_signals(&mut self) {
        if self.manager_outbox.is_empty() {
            return;
        }
        for payload in std::mem::take(&mut self.manager_outbox) {
            for manager in self.managers.values() {
                super::connections::emit(&manager.connections, &manager.lp, &payload);
            }
        }
    }
}
