//! What Qt 6's QNetworkInformation reports (SPEC §8): reachability, captive
//! portal, transport medium and metered. The first source with an opinion
//! decides; what it leaves open follows the default configuration. Each
//! signal fires only on an actual change.

use super::state::EngineState;
use crate::signals::Payload;
use crate::types::{Reachability, TransportMedium};

/// The values the manager getters return.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkInfo {
    pub reachability: Reachability,
    pub captive_portal: bool,
    pub transport: TransportMedium,
    pub metered: bool,
}

impl EngineState {
    fn derived_network_info(&self) -> NetworkInfo {
        let status = self.sources.iter().find_map(|s| s.status);
        let default = self.default_record();
        let anything_active = self.tally.all.any_active();
        NetworkInfo {
            // A source without an opinion can still say there is nothing.
            reachability: status.map_or(
                if anything_active {
                    Reachability::Unknown
                } else {
                    Reachability::Disconnected
                },
                |s| s.reachability,
            ),
            captive_portal: status.is_some_and(|s| s.captive_portal),
            transport: status.and_then(|s| s.transport).unwrap_or_else(|| {
                default.as_ref().map_or(TransportMedium::Unknown, |d| {
                    TransportMedium::of_bearer(d.bearer())
                })
            }),
            metered: status
                .and_then(|s| s.metered)
                .unwrap_or_else(|| default.is_some_and(|d| d.data.lock().metered)),
        }
    }

    /// After a batch: recompute, and tell managers what really changed.
    pub(super) fn refresh_network_info(&mut self) {
        let now = self.derived_network_info();
        let before = std::mem::replace(&mut self.network_info, now);
        if now.reachability != before.reachability {
            self.emit_to_managers(Payload::Reachability(now.reachability));
        }
        if now.captive_portal != before.captive_portal {
            self.emit_to_managers(Payload::CaptivePortal(now.captive_portal));
        }
        if now.transport != before.transport {
            self.emit_to_managers(Payload::TransportMedium(now.transport));
        }
        if now.metered != before.metered {
            self.emit_to_managers(Payload::Metered(now.metered));
        }
    }
}
