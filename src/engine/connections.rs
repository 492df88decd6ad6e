//! Registering and dropping callbacks, and queueing emitted signals.
//!
//! A signal is matched against the connections that exist when it is emitted
//! (as a Qt queued connection is) and queued to the emitter's loop.

use std::sync::{Arc, Weak};

use super::Effects;
use super::state::{EngineState, Owner};
use crate::event_loop::{EventLoop, Item};
use crate::signals::{Connection, Deliver, Payload, Signal};

#[derive(Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The object was already freed.
    NoSuchObject,
    /// A manager signal on a session or the other way round.
    WrongSignal,
}

pub(super) fn emit(connections: &[Arc<Connection>], lp: &EventLoop, payload: &Payload) {
    let signal = payload.signal();
    for conn in connections.iter().filter(|c| c.signal == signal) {
        if !conn.should_queue(payload) {
            continue;
        }
        lp.push(Item {
            conn: conn.clone(),
            payload: payload.clone(),
        });
    }
}

impl EngineState {
    pub(crate) fn connect(
        &mut self,
        owner: Owner,
        signal: Signal,
        deliver: Deliver,
    ) -> Result<u64, (ConnectError, Deliver)> {
        let session_owner = matches!(owner, Owner::Session(_));
        if signal.is_session_signal() != session_owner {
            return Err((ConnectError::WrongSignal, deliver));
        }
        let token = self.next_id + 1;
        let list = match owner {
            Owner::Session(id) => self.sessions.get_mut(&id).map(|s| &mut s.connections),
            Owner::Manager(id) => self.managers.get_mut(&id).map(|m| &mut m.connections),
        };
        let Some(list) = list else {
            return Err((ConnectError::NoSuchObject, deliver));
        };
        list.push(Connection::new(token, signal, deliver));
        self.next_id = token;
        self.tokens.insert(token, owner);
        Ok(token)
    }

    /// Ends a connection; queued deliveries of it are discarded. Returns false
    /// for an unknown or already ended token. Until its running callback (on
    /// another thread) returns, the object remembers it, so that freeing the
    /// object meanwhile waits for it too (SPEC §5).
    pub(crate) fn disconnect(&mut self, token: u64, fx: &mut Effects) -> bool {
        let Some(owner) = self.tokens.remove(&token) else {
            return false;
        };
        let lists = match owner {
            Owner::Session(id) => self
                .sessions
                .get_mut(&id)
                .map(|s| (&mut s.connections, &mut s.leaving)),
            Owner::Manager(id) => self
                .managers
                .get_mut(&id)
                .map(|m| (&mut m.connections, &mut m.leaving)),
        };
        let Some((list, leaving)) = lists else {
            return false;
        };
        if let Some(pos) = list.iter().position(|c| c.token == token) {
            // remove, not swap_remove: callbacks of one signal run in the
            // order they were registered.
            let conn = list.remove(pos);
            conn.kill();
            leaving.retain(|w| w.upgrade().is_some_and(|c| c.is_running()));
            leaving.push(Arc::downgrade(&conn));
            fx.garbage.push(conn);
        }
        true
    }

    /// Moves an object to another loop, with its deliveries still queued in
    /// the old one (in their order, after what the new loop already holds).
    /// Emission happens under the engine lock, so nothing interleaves.
    pub(crate) fn move_to_loop(
        &mut self,
        owner: Owner,
        lp: Arc<EventLoop>,
        fx: &mut Effects,
    ) -> bool {
        let (slot, connections) = match owner {
            Owner::Session(id) => match self.sessions.get_mut(&id) {
                Some(s) => (&mut s.lp, &s.connections),
                None => return false,
            },
            Owner::Manager(id) => match self.managers.get_mut(&id) {
                Some(m) => (&mut m.lp, &m.connections),
                None => return false,
            },
        };
        if Arc::ptr_eq(slot, &lp) {
            return true;
        }
        let old = std::mem::replace(slot, lp.clone());
        let moved = old.take_items(|item| connections.iter().any(|c| Arc::ptr_eq(c, &item.conn)));
        lp.push_all(moved);
        fx.released_loops.push(old);
        true
    }

    /// Ends every connection of an object being freed, and waits (in
    /// Effects::run) for those still running, including ones another thread
    /// is disconnecting.
    pub(super) fn drop_connections(
        &mut self,
        connections: Vec<Arc<Connection>>,
        leaving: Vec<Weak<Connection>>,
        fx: &mut Effects,
    ) {
        for conn in connections {
            self.tokens.remove(&conn.token);
            conn.kill();
            fx.garbage.push(conn);
        }
        fx.garbage.extend(leaving.iter().filter_map(Weak::upgrade));
    }
}
