//! asr-preflight: checks a Linux machine, or a mounted image of one, against the Azure Site
//! Recovery prerequisites. Data flows one way: [`root`]/[`probe`] -> [`facts`] -> [`checks`] ->
//! [`report`]. The binary's `main` only parses the command line and maps outcomes to exit codes.

pub mod checks;
pub mod cli;
pub mod commands;
pub mod deadline;
pub mod facts;
pub mod firewall;
pub mod fleet;
pub mod initramfs;
pub mod matrix;
pub mod mvc;
pub mod outbound;
pub mod outbound_plan;
pub mod output;
pub mod parse;
pub mod probe;
pub mod report;
pub mod root;
pub mod run;
pub mod scan;
pub mod scenario;
pub mod secrets;
#[cfg(test)]
mod testutil;
pub mod text;
pub mod tls_provider;
pub mod waivers;

/// The frozen exit codes of SPEC.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ready = 0,
    NotReady = 1,
    Usage = 2,
}
