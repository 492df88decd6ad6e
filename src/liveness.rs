//! A word in each manager, session and loop that says whether the
//! application still owns its handle. It turns a second free, or a call on
//! a freed handle, into a status while the memory is still there (a callback
//! being delivered, or a wait, holds it); once the memory is gone the
//! pointer is dangling and nothing can be promised (ASan and valgrind see it).

use std::sync::atomic::{AtomicU32, Ordering};

const LIVE: u32 = 0x514E_5331; // "QNS1"
const FREED: u32 = 0xDEAD_F4EE;

pub struct Liveness(AtomicU32);

impl Liveness {
    pub const fn new() -> Self {
        Liveness(AtomicU32::new(LIVE))
    }

    pub fn is_live(&self) -> bool {
        self.0.load(Ordering::Acquire) == LIVE
    }

    /// The application gives the handle up; false if it already had.
    pub fn mark_freed(&self) -> bool {
        self.0
            .compare_exchange(LIVE, FREED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

impl Default for Liveness {
    fn default() -> Self {
        Liveness::new()
    }
}
