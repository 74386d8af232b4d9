//! One `check` run: open the target, load the matrix, gather facts on demand, evaluate the
//! selected checks and assemble the report (readiness is decided here, not by a renderer).

use crate::checks::{self, Context, bounded_field};
use crate::cli::CheckConfig;
use crate::facts::{Facts, Sources, Targets};
use crate::matrix::{self, MatrixError};
use crate::probe::LiveProbe;
use crate::report::{self, CheckResult, Report, Summary};
use crate::root::{Root, RootError};

/// The run could not start at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Root(#[from] RootError),
    #[error(transparent)]
    Matrix(#[from] MatrixError),
    #[error(transparent)]
    Waivers(#[from] crate::waivers::WaiverError),
}

/// The sources a configuration asks for: the image alone, or the live system with its probe.
pub fn sources_for(cfg: &CheckConfig) -> Result<Sources, RunError> {
    Ok(match &cfg.root {
        Some(dir) => Sources {
            root: Root::image_with(dir, cfg.cross_mounts)?,
            probe: None,
        },
        None => Sources {
            root: Root::live(),
            probe: Some(Box::new(LiveProbe::default())),
        },
    })
}

/// Runs the selected checks against `sources`.
pub fn run(cfg: &CheckConfig, sources: Sources) -> Result<Report, RunError> {
    // What can refuse the run comes first; then the listing programs start, and run while
    // the built-in matrices load.
    let from_file = match matrix::is_builtin(&cfg.matrix) {
        true => None,
        false => Some(matrix::load(&cfg.matrix)?),
    };
    let waivers = crate::waivers::load(cfg.waivers.as_deref())?;
    sources.start_live_tools(&|id| cfg.selected.contains(&id));
    // Every run reads both built-in matrices (a report says what the other one answers); the
    // run's own one, when built in, is one of them rather than read a second time.
    let all = matrix::builtins();
    let loaded;
    let matrix = match from_file
        .as_ref()
        .or_else(|| all.iter().find(|m| m.name() == cfg.matrix))
    {
        Some(m) => m,
        None => {
            loaded = matrix::load(&cfg.matrix)?;
            &loaded
        }
    };
    let live = sources.probe.is_some();
    let root_shown = crate::text::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(
        sources.root.base().as_os_str(),
    ));
    // Kept to list, once the checks are done, the mounts beneath the root that were not read.
    let root = sources.root.clone();
    let targets = Targets {
        scan: cfg.options.scan.clone(),
        install_dir: cfg.options.install_dir.clone(),
        scenario: cfg.scenario,
        outbound: crate::outbound_plan::Request::new(matrix, &cfg.options),
    };
    let facts = Facts::with_targets(sources, targets);
    let (scenario, scenario_source) = facts.scenario();
    let ctx = Context {
        facts: &facts,
        scenario,
        matrix,
        all_matrices: &all,
        options: &cfg.options,
    };
    let mut results = evaluate_selected(cfg, &ctx);
    let hostname = facts.hostname().display();
    let waivers = waivers.map(|w| w.apply(hostname.as_deref(), &mut results));
    for r in &mut results {
        r.blocks_ready = checks::severity::blocks_ready(r.status, cfg.strict, r.waived.is_some());
    }
    let summary = Summary::count(&results);
    let ready = is_ready(&results);
    Ok(Report {
        schema_version: report::SCHEMA_VERSION,
        tool: report::Tool {
            name: "asr-preflight".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        scenario: scenario.as_str().into(),
        scenario_source: scenario_source.as_str().into(),
        matrix: matrix.name().into(),
        mode: if live { "live" } else { "root" }.into(),
        root: root_shown,
        // Every value here comes from the inspected system: bounded like a finding's text.
        system: system_info(&facts, hostname.as_ref()),
        ready,
        summary,
        checks: results,
        waivers,
        skipped_mounts: root
            .skipped_mounts()
            .into_iter()
            .map(report::SkippedMount::from)
            .collect(),
    })
}

/// Each selected check, in registry order, as a report entry (readiness decided later).
fn evaluate_selected(cfg: &CheckConfig, ctx: &Context<'_>) -> Vec<CheckResult> {
    let mut results = Vec::new();
    for def in checks::registry() {
        if !cfg.selected.contains(&def.id) {
            continue;
        }
        let f = checks::evaluate(def, ctx);
        let findings = report::FindingLine::of(def, &f);
        results.push(CheckResult {
            id: def.id.to_string(),
            title: def.title.to_string(),
            status: f.status,
            summary: f.summary,
            details: f.details,
            remediation: f.remediation,
            reference: reference_text(def),
            prevents: def.doc.prevents.iter().map(|p| p.to_string()).collect(),
            // Decided below, once the waivers are known (checks::severity::blocks_ready).
            blocks_ready: false,
            waived: None,
            findings,
        });
    }
    results
}

/// What the report says of the inspected system.
fn system_info(facts: &Facts, hostname: Option<&String>) -> report::System {
    let os = facts.os();
    let kernel = facts.kernel();
    report::System {
        hostname: bounded_field(hostname),
        os: report::OsInfo {
            id: bounded_field(os.id.as_ref()),
            version: bounded_field(os.version.as_ref()),
            name: bounded_field(os.name.as_ref()),
        },
        kernel: report::KernelInfo {
            release: bounded_field(kernel.release.as_ref()),
            flavor: bounded_field(kernel.flavor.as_ref()),
        },
        arch: bounded_field(facts.arch().arch.as_ref()),
    }
}

/// The reference line of a check: its source, and the error codes it prevents.
pub fn reference_text(def: &checks::CheckDef) -> String {
    if def.doc.prevents.is_empty() {
        def.doc.reference.to_string()
    } else {
        format!(
            "{}; prevents: {}",
            def.doc.reference,
            def.doc.prevents.join(", ")
        )
    }
}

/// Ready: no result blocks it (nothing failed or errored; with `--strict`, nothing warned).
pub fn is_ready(results: &[CheckResult]) -> bool {
    !results.iter().any(|r| r.blocks_ready)
}
