//! Reachability from the kernel's view (SPEC §8), and what the optional
//! connectivity check makes of it. Disconnected: nothing Active; Local: only
//! link-local addresses; Site: a wider address but no default route through
//! an Active interface with a global address; Online: such a route. With
//! the check on, Online needs the check's word for the current default
//! route: until then, and on failure, Site; a portal is Site plus captive.

use crate::backend::NetworkStatus;
use crate::connectivity::Outcome;
use crate::types::Reachability;

/// The best default route (metric, IPv6, ifindex) that makes us Online.
pub type RouteKey = (u32, bool, i32);

/// What the checker must be told after a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckAction {
    /// A new default route to check, under this generation.
    Changed(u64),
    /// No default route any more.
    Lost(u64),
}

/// The check's side of the model: which route it is about, and its verdict.
#[derive(Debug, Default)]
pub struct CheckState {
    pub enabled: bool,
    /// Bumped on every default-route change while enabled.
    pub generation: u64,
    route: Option<RouteKey>,
    outcome: Option<Outcome>,
}

impl CheckState {
    /// Follows the kernel's verdict: a new Online route starts a new
    /// generation (one check per default-route change); losing it too.
    pub fn follow(&mut self, route: Option<RouteKey>) -> Option<CheckAction> {
        if !self.enabled || route == self.route {
            return None;
        }
        self.route = route;
        self.outcome = None;
        self.generation += 1;
        Some(match route {
            Some(_) => CheckAction::Changed(self.generation),
            None => CheckAction::Lost(self.generation),
        })
    }

    /// Records a result; false when it is about an older route.
    pub fn record(&mut self, generation: u64, outcome: Outcome) -> bool {
        if !self.enabled || generation != self.generation {
            return false;
        }
        self.outcome = Some(outcome);
        true
    }

    /// Turns the check on or off; on again means checking afresh.
    pub fn set_enabled(&mut self, enabled: bool) {
        *self = CheckState {
            enabled,
            generation: self.generation,
            route: None,
            outcome: None,
        };
    }

    /// The status the kernel's reachability becomes with this check state.
    pub fn apply(&self, kernel: Reachability) -> NetworkStatus {
        let mut status = NetworkStatus {
            reachability: kernel,
            ..NetworkStatus::default()
        };
        if self.enabled && kernel == Reachability::Online {
            match &self.outcome {
                Some(Outcome::Online) => {}
                Some(Outcome::CaptivePortal) => {
                    status.reachability = Reachability::Site;
                    status.captive_portal = true;
                }
                Some(Outcome::Failed(_)) | None => status.reachability = Reachability::Site,
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectivity::FailReason;

    #[test]
    fn one_generation_per_route_change_and_results_only_for_it() {
        let mut c = CheckState::default();
        assert_eq!(c.follow(Some((0, false, 2))), None, "off: nothing to do");
        c.set_enabled(true);
        assert_eq!(c.follow(Some((0, false, 2))), Some(CheckAction::Changed(1)));
        assert_eq!(
            c.follow(Some((0, false, 2))),
            None,
            "same route: no new check"
        );
        assert_eq!(
            c.apply(Reachability::Online).reachability,
            Reachability::Site
        );
        assert!(c.record(1, Outcome::Online));
        assert_eq!(
            c.apply(Reachability::Online).reachability,
            Reachability::Online
        );
        assert_eq!(
            c.follow(Some((10, false, 3))),
            Some(CheckAction::Changed(2))
        );
        assert!(!c.record(1, Outcome::Online), "a result for the old route");
        assert!(c.record(2, Outcome::CaptivePortal));
        let portal = c.apply(Reachability::Online);
        assert_eq!(portal.reachability, Reachability::Site);
        assert!(portal.captive_portal);
        assert!(c.record(2, Outcome::Failed(FailReason::Closed)));
        assert_eq!(
            c.apply(Reachability::Online).reachability,
            Reachability::Site
        );
        assert_eq!(c.follow(None), Some(CheckAction::Lost(3)));
        assert_eq!(
            c.apply(Reachability::Local).reachability,
            Reachability::Local
        );
    }
}
