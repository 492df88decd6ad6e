//! Records from backend updates: adds, removals, changes, service network and
//! UserChoice states, default and online; and the manager signals for them.

use std::collections::HashSet;
use std::sync::Arc;

use super::Effects;
use super::record::{ConfigView, Record};
use super::state::EngineState;
use crate::backend::{Snapshot, Update};
use crate::signals::Payload;
use crate::types::{ConfigType, StateFlags};

impl EngineState {
    pub(crate) fn apply_update(&mut self, update: Update, fx: &mut Effects) {
        match update {
            Update::Upsert(view) => self.upsert(view),
            Update::Remove(id) => self.remove(&id),
            Update::Resync(snapshot) => self.resync(snapshot),
            Update::Default(id) => self.default_id = id,
            Update::Capabilities(caps) => self.capabilities = caps,
            Update::StartFailed(id, error) => self.start_failed(&id, error, fx),
            Update::RefreshCompleted => self.emit_to_managers(Payload::UpdateCompleted),
        }
    }

    /// After a batch of updates: derived states, then online, so a batch
    /// that moves the default emits no intermediate online flip.
    pub(crate) fn finish_updates(&mut self) {
        self.refresh_service_networks();
        self.refresh_user_choice();
        self.refresh_online();
    }

    fn upsert(&mut self, view: ConfigView) {
        if let Some(existing) = self.by_id.get(&view.identifier).cloned() {
            if existing.kind == view.kind {
                let state = self.state_for(&view);
                let change = existing.apply_view(&view, state);
                if change.any {
                    self.changed.insert(existing.serial);
                }
                if change.observable {
                    self.emit_to_managers(Payload::ConfigurationChanged(existing));
                }
                return;
            }
            // A configuration cannot change its type: it is a new one.
            self.remove(&view.identifier);
        }
        let state = self.state_for(&view);
        self.next_serial += 1;
        let record = Record::new(self.next_serial, &view);
        record.data.lock().state = state;
        self.records.push(record.clone());
        self.by_id.insert(view.identifier.clone(), record.clone());
        self.emit_to_managers(Payload::ConfigurationAdded(record));
    }

    fn remove(&mut self, id: &str) {
        let Some(record) = self.by_id.remove(id) else {
            return;
        };
        self.records.retain(|r| !Arc::ptr_eq(r, &record));
        self.changed.insert(record.serial);
        {
            let mut d = record.data.lock();
            d.valid = false;
            d.open_count = 0;
            d.started_by_us = false;
        }
        if self.default_id.as_deref() == Some(id) {
            self.default_id = None;
        }
        self.emit_to_managers(Payload::ConfigurationRemoved(record));
    }

    /// Diffs a full view against the records: removes what is gone, then
    /// upserts in the backend's order, so no-op parts emit nothing.
    fn resync(&mut self, snapshot: Snapshot) {
        let present: HashSet<&str> = snapshot
            .configurations
            .iter()
            .map(|v| v.identifier.as_str())
            .collect();
        let gone: Vec<String> = self
            .records
            .iter()
            .filter(|r| !present.contains(r.identifier.as_str()))
            .map(|r| r.identifier.clone())
            .collect();
        for id in gone {
            self.remove(&id);
        }
        if let Some(caps) = snapshot.capabilities {
            self.capabilities = caps;
        }
        for view in snapshot.configurations {
            self.upsert(view);
        }
        self.default_id = snapshot.default_id;
    }

    fn state_for(&self, view: &ConfigView) -> StateFlags {
        match view.kind {
            ConfigType::ServiceNetwork => self.service_state(&view.children),
            _ => view.state,
        }
    }

    /// A service network is as available as its best member.
    fn service_state(&self, children: &[String]) -> StateFlags {
        let states: Vec<StateFlags> = children
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .map(|r| r.state())
            .collect();
        if states.iter().any(|s| s.is_active()) {
            StateFlags::ACTIVE
        } else if states.iter().any(|s| s.is_discovered()) {
            StateFlags::DISCOVERED
        } else if !states.is_empty() {
            StateFlags::DEFINED
        } else {
            StateFlags::UNDEFINED
        }
    }

    fn refresh_service_networks(&mut self) {
        let networks: Vec<Arc<Record>> = self
            .records
            .iter()
            .filter(|r| r.kind == ConfigType::ServiceNetwork)
            .cloned()
            .collect();
        for network in networks {
            let children = network.data.lock().children.clone();
            let state = self.service_state(&children);
            let changed = {
                let mut d = network.data.lock();
                std::mem::replace(&mut d.state, state) != state
            };
            if changed {
                self.changed.insert(network.serial);
                self.emit_to_managers(Payload::ConfigurationChanged(network));
            }
        }
    }

    /// UserChoice can be opened when something could be: it mirrors the
    /// default configuration, else any startable access point.
    fn refresh_user_choice(&mut self) {
        let state = match self.default_record() {
            Some(default) => default.state(),
            None if self.records.iter().any(|r| r.state().is_discovered()) => {
                StateFlags::DISCOVERED
            }
            None => StateFlags::DEFINED,
        };
        let before = std::mem::replace(&mut self.user_choice.data.lock().state, state);
        if before != state {
            self.changed.insert(self.user_choice.serial);
        }
    }

    fn refresh_online(&mut self) {
        let online = self.default_record().is_some_and(|r| r.state().is_active());
        if online != self.online {
            self.online = online;
            self.emit_to_managers(Payload::Online(online));
        }
    }

    pub(crate) fn default_record(&self) -> Option<Arc<Record>> {
        self.default_id
            .as_ref()
            .and_then(|id| self.by_id.get(id))
            .cloned()
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
        if id == self.user_choice.identifier {
            return Some(self.user_choice.clone());
        }
        self.by_id.get(id).cloned()
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

    pub(crate) fn emit_to_managers(&self, payload: Payload) {
        for manager in self.managers.values() {
            super::connections::emit(&manager.connections, &manager.lp, &payload);
        }
    }
}
