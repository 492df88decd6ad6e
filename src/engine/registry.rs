//! Records from backend updates: adds, removals, changes, service network and
//! UserChoice states, default and online; and the manager signals for them.

use std::collections::HashSet;
use std::sync::Arc;

use super::Effects;
use super::record::{ConfigView, Record};
use super::state::{EngineState, SourceState, USER_CHOICE_ID};
use crate::backend::{Snapshot, SourceId, Update};
use crate::signals::Payload;
use crate::types::{Bearer, Capabilities, ConfigType, StateFlags};

impl EngineState {
    pub(crate) fn apply_update(&mut self, source: SourceId, update: Update, fx: &mut Effects) {
        match update {
            Update::Upsert(view) => self.upsert(source, view),
            Update::Remove(id) => self.remove(source, &id),
            Update::Resync(snapshot) => self.resync(source, snapshot),
            Update::Default(id) => self.source_mut(source).default_id = id,
            Update::Capabilities(caps) => self.set_capabilities(source, caps),
            Update::StartFailed { id, error, message } => {
                if self.owned_by(source, &id).is_some() {
                    self.start_failed(&id, error, message, fx);
                }
            }
            Update::StopFailed { id } => {
                if self.owned_by(source, &id).is_some() {
                    self.stop_failed(&id);
                }
            }
            Update::StopRefused { id, error, message } => {
                if self.owned_by(source, &id).is_some() {
                    self.stop_failed(&id);
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
                let state = self.state_for(&view);
                let aliases_before = existing.data.lock().aliases.clone();
                let change = existing.apply_view(&view, state);
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
        let state = self.state_for(&view);
        self.next_serial += 1;
        let record = Record::new(self.next_serial, source, &view);
        record.data.lock().state = state;
        self.records.push(record.clone());
        self.by_id.insert(view.identifier.clone(), record.clone());
        self.index_aliases(&record);
        self.emit_to_managers(Payload::ConfigurationAdded(record));
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

    /// UserChoice is Discovered while anything is at least Discovered, else
    /// Defined (compat: Qt's defaultConfiguration test wants exactly that,
    /// never Active), whether or not it is the backend's default.
    fn refresh_user_choice(&mut self) {
        let state = if self.records.iter().any(|r| r.state().is_discovered()) {
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
        let online = self.records.iter().any(|r| r.state().is_active());
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
        let rank = |r: &Record| match r.bearer().family() {
            Bearer::Ethernet => 0,
            Bearer::Wlan => 1,
            _ => 2,
        };
        self.records
            .iter()
            .filter(|r| r.kind == ConfigType::InternetAccessPoint && r.state().is_active())
            .min_by_key(|r| rank(r))
            .cloned()
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
        for payload in std::mem::take(&mut self.manager_outbox) {
            for manager in self.managers.values() {
                super::connections::emit(&manager.connections, &manager.lp, &payload);
            }
        }
    }
}
