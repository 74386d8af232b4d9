//! `asr-preflight fleet REPORT...|DIR`: one view of many host reports (SPEC.md, "Added in the
//! second round"). Data flows one way: [`read`] (files -> host reports or unreadable entries) ->
//! [`model`] (counts, problems by host count, distributions) -> one renderer.

pub mod csv;
pub mod html;
pub mod human;
pub mod model;
pub mod read;

use std::path::PathBuf;

pub use model::Fleet;

/// The output formats of `fleet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetFormat {
    Human,
    Json,
    Csv,
    Html,
}

/// A validated `fleet` invocation.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    pub inputs: Vec<PathBuf>,
    pub format: FleetFormat,
    pub output: Option<PathBuf>,
}

/// Reads every report the inputs name and builds the fleet model.
pub fn load(inputs: &[PathBuf]) -> Result<Fleet, read::InputError> {
    let files = read::list_inputs(inputs)?;
    // One report at a time: each is folded into the model and dropped, so memory holds the
    // model, not ten thousand parsed reports.
    Ok(model::build(files.iter().map(|p| read::read_one(p))))
}

/// Renders the model in `format`.
pub fn render(fleet: &Fleet, format: FleetFormat) -> String {
    match format {
        FleetFormat::Human => human::render(fleet),
        FleetFormat::Json => {
            let mut s = serde_json::to_string_pretty(fleet).unwrap_or_else(|e| {
                format!("{{\"error\": \"fleet could not be serialised: {e}\"}}")
            });
            s.push('\n');
            s
        }
        FleetFormat::Csv => csv::render(fleet),
        FleetFormat::Html => html::render(fleet),
    }
}
