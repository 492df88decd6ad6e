//! libqnetworksession: Qt's network session API (QNetworkSession,
//! QNetworkConfigurationManager, QNetworkConfiguration) with a C ABI.
//!
//! Layers, dependencies pointing one way: `ffi` (the C surface only) ->
//! `engine` + `event_loop` (logic, loops) -> `backend` trait <- backends.

pub mod backend;
mod clock;
pub mod connectivity;
pub mod engine;
pub mod event_loop;
pub mod ffi;
pub mod fork_guard;
pub mod liveness;
pub mod signals;
mod timers;
pub mod types;
