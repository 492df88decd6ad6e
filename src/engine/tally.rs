//! What a batch needs to know about all records, kept up to date record by
//! record so that a change costs what it changed, not the number of
//! records: how many are Active and at least Discovered (isOnline(),
//! UserChoice, reachability), the Active access points in Qt's fallback
//! order for a default, and for each service network how many of its
//! members are Active, Discovered and present (its state).
//!
//! Every change of a record's presence, state or bearer goes through
//! `EngineState::track` with what the record looked like before and after.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::IdMap;
use super::record::Record;
use super::state::EngineState;
use crate::types::{Bearer, ConfigType, StateFlags};

/// Counts of records by how available they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    active: usize,
    /// At least Discovered (Active included).
    discovered: usize,
    present: usize,
}

impl Counts {
    fn apply(&mut self, state: StateFlags, add: bool) {
        let step = |n: &mut usize| {
            if add {
                *n += 1
            } else {
                *n = n.saturating_sub(1)
            }
        };
        step(&mut self.present);
        if state.is_discovered() {
            step(&mut self.discovered);
        }
        if state.is_active() {
            step(&mut self.active);
        }
    }

    pub fn any_active(&self) -> bool {
        self.active > 0
    }

    pub fn any_discovered(&self) -> bool {
        self.discovered > 0
    }

    /// A service network is as available as its best member.
    pub fn network_state(&self) -> StateFlags {
        if self.active > 0 {
            StateFlags::ACTIVE
        } else if self.discovered > 0 {
            StateFlags::DISCOVERED
        } else if self.present > 0 {
            StateFlags::DEFINED
        } else {
            StateFlags::UNDEFINED
        }
    }
}

/// How a record looked for the tally: its state and, for an access point,
/// its rank in Qt's fallback order for a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    state: StateFlags,
    rank: Option<u8>,
}

impl Look {
    pub fn of(record: &Record) -> Look {
        let rank = (record.kind == ConfigType::InternetAccessPoint).then(|| {
            match record.bearer().family() {
                Bearer::Ethernet => 0,
                Bearer::Wlan => 1,
                _ => 2,
            }
        });
        Look {
            state: record.state(),
            rank,
        }
    }
}

#[derive(Default)]
pub struct Tally {
    /// Every live record except service networks (whose state follows
    /// their members, so they never change these answers).
    pub all: Counts,
    /// Active access points by rank, each in creation (serial) order.
    active_by_rank: [BTreeMap<u64, Arc<Record>>; 3],
    /// Member identifier -> the service networks listing it (once per listing).
    parents: HashMap<String, Vec<u64>>,
    /// Each service network and its members' counts.
    networks: IdMap<(Arc<Record>, Counts)>,
    /// Service networks whose members changed since the last refresh.
    pub touched: BTreeSet<u64>,
}

impl Tally {
    /// Qt's fallback default: the first Active access point by rank.
    pub fn first_active_by_bearer(&self) -> Option<Arc<Record>> {
        self.active_by_rank
            .iter()
            .find_map(|rank| rank.values().next().cloned())
    }

    pub fn network(&self, serial: u64) -> Counts {
        self.networks.get(&serial).map(|n| n.1).unwrap_or_default()
    }

    pub fn network_record(&self, serial: u64) -> Option<Arc<Record>> {
        self.networks.get(&serial).map(|n| n.0.clone())
    }
}

impl EngineState {
    /// A record appeared (`before` None), changed or went (`after` None).
    pub(super) fn track(
        &mut self,
        record: &Arc<Record>,
        before: Option<Look>,
        after: Option<Look>,
    ) {
        if before == after {
            return;
        }
        let id = record.identifier();
        let tally = &mut self.tally;
        for (look, add) in [(before, false), (after, true)] {
            let Some(look) = look else { continue };
            if record.kind != ConfigType::ServiceNetwork {
                tally.all.apply(look.state, add);
            }
            if let Some(rank) = look.rank.filter(|_| look.state.is_active()) {
                let set = &mut tally.active_by_rank[rank as usize];
                if add {
                    set.insert(record.serial, record.clone());
                } else {
                    set.remove(&record.serial);
                }
            }
            for network in tally.parents.get(&*id).into_iter().flatten() {
                if let Some((_, counts)) = tally.networks.get_mut(network) {
                    counts.apply(look.state, add);
                    tally.touched.insert(*network);
                }
            }
        }
    }

    /// A service network's member list is now `children` (it was `old`):
    /// re-indexes it and counts its members afresh (only when the list
    /// itself changes).
    pub(super) fn index_network(
        &mut self,
        network: &Arc<Record>,
        old: &[String],
        children: &[String],
    ) {
        for child in old {
            if let Some(list) = self.tally.parents.get_mut(child) {
                if let Some(pos) = list.iter().position(|s| *s == network.serial) {
                    list.swap_remove(pos);
                }
                if list.is_empty() {
                    self.tally.parents.remove(child);
                }
            }
        }
        let mut counts = Counts::default();
        for child in children {
            self.tally
                .parents
                .entry(child.clone())
                .or_default()
                .push(network.serial);
            if let Some(record) = self.by_id.get(child) {
                counts.apply(record.state(), true);
            }
        }
        self.tally
            .networks
            .insert(network.serial, (network.clone(), counts));
        self.tally.touched.insert(network.serial);
    }

    /// A service network went: it no longer counts its members.
    pub(super) fn unindex_network(&mut self, network: &Arc<Record>, children: &[String]) {
        self.index_network(network, children, &[]);
        self.tally.networks.remove(&network.serial);
        self.tally.touched.remove(&network.serial);
    }

    /// A member is known under another identifier now.
    pub(super) fn rename_member(&mut self, from: &str, to: &str) {
        if let Some(list) = self.tally.parents.remove(from) {
            self.tally
                .parents
                .entry(to.to_owned())
                .or_default()
                .extend(list);
        }
    }
}
