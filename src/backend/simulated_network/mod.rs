//! `QNS_SIMULATED_NETWORK=<file>`: the simulated backend's network read
//! from a text file (docs/simulated-network.md), so a program that never
//! calls qns_sim_* (Qt's own tests) runs on a scripted network.
//!
//! The file is parsed into a plain description and checked whole before
//! anything is applied: a bad file names its first bad line and loads
//! nothing.

mod parse;
mod values;
mod words;

use std::path::Path;

pub use parse::parse;

use super::NetworkStatus;
use super::simulated::StartBehavior;
use crate::engine::record::ConfigView;
use crate::types::Capabilities;

/// The environment variable that names the file.
pub const VARIABLE: &str = "QNS_SIMULATED_NETWORK";

/// A scripted network, checked and ready to install.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// In the file's order (the engine's creation order).
    pub configurations: Vec<Scripted>,
    /// An access point, a service network or UserChoice; None: automatic.
    pub default: Option<String>,
    /// None: the simulated backend's default capabilities.
    pub capabilities: Option<Capabilities>,
    /// None: the engine derives reachability itself.
    pub status: Option<NetworkStatus>,
}

/// One configuration with what the simulation does for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scripted {
    pub view: ConfigView,
    pub start: StartBehavior,
    /// Interface counters (received, sent).
    pub bytes: (u64, u64),
}

/// What is wrong with a file, and on which line (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// The network the variable names; None when it is unset or empty.
pub fn from_environment() -> Result<Option<Network>, String> {
    match std::env::var_os(VARIABLE) {
        Some(path) if !path.is_empty() => load(Path::new(&path)).map(Some),
        _ => Ok(None),
    }
}

/// Reads and checks a file; the error is the sentence qns_backend_error gives.
pub fn load(path: &Path) -> Result<Network, String> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| format!("{VARIABLE}={shown}: cannot read it: {e}"))?;
    parse(&bytes).map_err(|e| format!("{VARIABLE}={shown}: line {}: {}", e.line, e.message))
}

#[cfg(test)]
mod tests;
