//! Roaming of open service-network sessions between their children (SPEC
//! §4.4): application-level roaming while the application listens to
//! preferredConfigurationChanged, forced roaming otherwise.

use std::sync::Arc;

use super::Command;
use super::Effects;
use super::record::Record;
use super::session::{SessionCallError, TimerKind, hold, release};
use super::state::{EngineState, Roam};
use crate::signals::{Payload, Signal};
use crate::types::{Capabilities, SessionError, State};

/// A move is seamless when the new interface keeps an address of the old one.
fn seamless(old: &Record, new: &Record) -> bool {
    let old_if = old.data.lock().interface.clone();
    let new_if = new.data.lock().interface.clone();
    match (old_if, new_if) {
        (Some(a), Some(b)) => a
            .addresses
            .iter()
            .any(|x| b.addresses.iter().any(|y| x.ip == y.ip)),
        _ => false,
    }
}

fn usable(record: &Record) -> bool {
    record.is_valid() && record.state().is_active()
}

impl EngineState {
    pub(super) fn evaluate_roaming(&mut self, sid: u64, fx: &mut Effects) {
        let Some(sd) = self.sessions.get(&sid) else {
            return;
        };
        let Some(network) = sd.target().cloned() else {
            return;
        };
        let children = self.children_of(&network);
        let Some(current) = sd.in_use.clone() else {
            return;
        };
        let current_pos = children.iter().position(|c| Arc::ptr_eq(c, &current));
        let current_ok = usable(&current) && current_pos.is_some();
        let best = children
            .iter()
            .find(|c| usable(c) && !Arc::ptr_eq(c, &current))
            .cloned();
        let best_pos = best
            .as_ref()
            .and_then(|b| children.iter().position(|c| Arc::ptr_eq(c, b)));

        let sd = self.sessions.get_mut(&sid).expect("checked above");
        if let Some(ignored) = sd.ignored
            && !children.iter().any(|c| c.serial == ignored && usable(c))
        {
            sd.ignored = None;
        }
        match sd.roam.clone() {
            Roam::Migrated { previous } => {
                // `current` is the new child under test: losing it before
                // accept() is a failed roam; the previous one takes over.
                if !usable(&current) {
                    sd.roam = Roam::None;
                    sd.in_use = Some(previous.clone());
                    release(&current, fx);
                    if usable(&previous) {
                        sd.refresh_state();
                        sd.set_error(SessionError::Roaming);
                        fx.commands.push(Command::CaptureStatistics {
                            session: sid,
                            record: previous,
                            previous: Some(current),
                        });
                    } else {
                        self.abort(sid, SessionError::Roaming, fx);
                    }
                }
                return;
            }
            Roam::Offered {
                candidate,
                current_lost,
            } => {
                let still_best = best.as_ref().is_some_and(|b| Arc::ptr_eq(b, &candidate));
                if still_best && current_lost != current_ok {
                    return;
                }
                sd.roam = Roam::None;
                sd.cancel_timer();
            }
            Roam::None => {}
        }
        let better = match (best_pos, current_pos) {
            (Some(b), Some(c)) => b < c,
            (Some(_), None) => true,
            _ => false,
        };
        match best {
            Some(best) if !current_ok => self.offer_or_force(sid, current, best, true, fx),
            None if !current_ok => self.abort(sid, SessionError::Aborted, fx),
            Some(best) if better => self.offer_or_force(sid, current, best, false, fx),
            _ => {
                if let Some(sd) = self.sessions.get_mut(&sid) {
                    sd.refresh_state();
                }
            }
        }
    }

    fn offer_or_force(
        &mut self,
        sid: u64,
        current: Arc<Record>,
        candidate: Arc<Record>,
        current_lost: bool,
        fx: &mut Effects,
    ) {
        let caps = self.capabilities;
        let Some(sd) = self.sessions.get_mut(&sid) else {
            return;
        };
        if sd.ignored == Some(candidate.serial) {
            if current_lost {
                self.abort(sid, SessionError::Aborted, fx);
            }
            return;
        }
        let alr = sd.has_listener(Signal::PreferredConfigurationChanged)
            && caps.contains(Capabilities::APPLICATION_LEVEL_ROAMING);
        if alr {
            let is_seamless = seamless(&current, &candidate);
            sd.roam = Roam::Offered {
                candidate: candidate.clone(),
                current_lost,
            };
            sd.emit(Payload::PreferredConfiguration(candidate, is_seamless));
            if current_lost {
                let timeout = sd.timeout();
                let timer = self.session_timer(sid, TimerKind::RoamAnswer, timeout);
                if let Some(sd) = self.sessions.get_mut(&sid) {
                    sd.timer = Some(timer);
                }
            }
        } else if caps.contains(Capabilities::FORCED_ROAMING) {
            sd.set_state(State::Roaming);
            hold(&candidate);
            sd.in_use = Some(candidate.clone());
            release(&current, fx);
            sd.set_state(State::Connected);
            sd.emit(Payload::NewConfigurationActivated);
            sd.refresh_usage();
            fx.commands.push(Command::CaptureStatistics {
                session: sid,
                record: candidate,
                previous: Some(current),
            });
        } else if current_lost {
            self.abort(sid, SessionError::Aborted, fx);
        }
    }

    /// migrate(): move to the offered candidate; newConfigurationActivated follows.
    pub(crate) fn migrate(&mut self, sid: u64, fx: &mut Effects) -> Result<(), SessionCallError> {
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        let Roam::Offered {
            candidate,
            current_lost,
        } = sd.roam.clone()
        else {
            return Err(SessionCallError::WrongState);
        };
        sd.cancel_timer();
        sd.roam = Roam::None;
        if !usable(&candidate) {
            // The candidate went away between the offer and the answer.
            if current_lost {
                self.abort(sid, SessionError::Roaming, fx);
            } else {
                sd.set_error(SessionError::Roaming);
            }
            return Ok(());
        }
        hold(&candidate);
        let previous = sd
            .in_use
            .replace(candidate.clone())
            .expect("an open session holds an access point");
        sd.roam = Roam::Migrated {
            previous: previous.clone(),
        };
        sd.set_state(State::Roaming);
        sd.emit(Payload::NewConfigurationActivated);
        sd.refresh_usage();
        fx.commands.push(Command::CaptureStatistics {
            session: sid,
            record: candidate,
            previous: Some(previous),
        });
        Ok(())
    }

    /// ignore(): stay; the same candidate is not offered again while it stays up.
    pub(crate) fn ignore(&mut self, sid: u64, fx: &mut Effects) -> Result<(), SessionCallError> {
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        let Roam::Offered {
            candidate,
            current_lost,
        } = sd.roam.clone()
        else {
            return Err(SessionCallError::WrongState);
        };
        sd.cancel_timer();
        sd.roam = Roam::None;
        sd.ignored = Some(candidate.serial);
        if current_lost {
            self.abort(sid, SessionError::Aborted, fx);
        }
        Ok(())
    }

    /// accept(): the new child stays the one in use; the old one is released.
    pub(crate) fn accept(&mut self, sid: u64, fx: &mut Effects) -> Result<(), SessionCallError> {
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        let Roam::Migrated { previous } = sd.roam.clone() else {
            return Err(SessionCallError::WrongState);
        };
        sd.roam = Roam::None;
        release(&previous, fx);
        sd.refresh_state();
        sd.refresh_usage();
        self.evaluate_roaming(sid, fx);
        Ok(())
    }

    /// reject(): back to the old child, or RoamingError when it is gone.
    pub(crate) fn reject(&mut self, sid: u64, fx: &mut Effects) -> Result<(), SessionCallError> {
        let sd = self
            .sessions
            .get_mut(&sid)
            .ok_or(SessionCallError::NoSuchSession)?;
        let Roam::Migrated { previous } = sd.roam.clone() else {
            return Err(SessionCallError::WrongState);
        };
        sd.roam = Roam::None;
        let rejected = sd
            .in_use
            .replace(previous.clone())
            .expect("a migrated session holds the new access point");
        sd.ignored = Some(rejected.serial);
        release(&rejected, fx);
        if usable(&previous) {
            sd.refresh_state();
            sd.refresh_usage();
            fx.commands.push(Command::CaptureStatistics {
                session: sid,
                record: previous,
                previous: Some(rejected),
            });
        } else {
            self.abort(sid, SessionError::Roaming, fx);
        }
        Ok(())
    }
}
