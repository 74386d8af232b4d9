//! `asr-preflight fleet REPORT...|DIR`: one view of many host reports (SPEC.md, "Added in the
//! second round"). Data flows one way: [`read`] (files -> host reports or unreadable entries) ->
//! [`model`] (counts, problems by host count, distributions) -> one renderer.

pub mod csv;
pub mod html;
pub mod human;
pub mod json;
pub mod model;
pub mod read;

use std::io::{self, Write};
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

/// Reads every report the inputs name and builds the fleet model (no check rows).
pub fn load(inputs: &[PathBuf]) -> Result<Fleet, read::InputError> {
    let files = read::list_inputs(inputs)?;
    Ok(model::build(reads(&files)))
}

/// How many parsed reports may wait between the reading thread and the one writing the view.
const READ_AHEAD: usize = 32;

/// The reports of `files`, in order, read and parsed on a thread of their own while the caller
/// folds each into the model (and, for json and csv, writes it out) and drops it: memory holds
/// the model and a few reports, not ten thousand, and parsing overlaps writing.
pub fn reads(files: &[PathBuf]) -> impl Iterator<Item = read::Read> + use<> {
    let (tx, rx) = std::sync::mpsc::sync_channel(READ_AHEAD);
    let files: std::sync::Arc<[PathBuf]> = files.into();
    let shared = files.clone();
    let reader = std::thread::Builder::new()
        .name("fleet-read".into())
        .spawn(move || {
            crate::output::leave_signals_to_main_thread();
            for p in shared.iter() {
                // The receiver gone (the output failed): stop reading.
                if tx.send(read::read_one(p)).is_err() {
                    break;
                }
            }
        });
    // No thread could be made: the caller's thread reads them.
    let inline = if reader.is_ok() { 0 } else { files.len() };
    let own = (0..inline).map(move |i| read::read_one(&files[i]));
    rx.into_iter().chain(own)
}

/// Reads the reports of `files` and writes the fleet view in `format` to `out`; returns the
/// model for the exit status. JSON and CSV are written while the reports are read.
pub fn write(files: &[PathBuf], format: FleetFormat, out: &mut dyn Write) -> io::Result<Fleet> {
    match format {
        FleetFormat::Json => json::write(reads(files), out),
        FleetFormat::Csv => csv::write(reads(files), out),
        FleetFormat::Human | FleetFormat::Html => {
            let fleet = model::build(reads(files));
            let text = match format {
                FleetFormat::Human => human::render(&fleet),
                _ => html::render(&fleet),
            };
            out.write_all(text.as_bytes())?;
            Ok(fleet)
        }
    }
}
