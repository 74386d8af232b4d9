//! The `asr-preflight` binary: parse the command line, call the library, map the outcome to one
//! of the frozen exit codes (0 ready, 1 not ready, 2 usage error or could not run).

use std::io::IsTerminal;
use std::process::ExitCode;

use asr_preflight::cli::{CheckConfig, Cli, ColorArg, Command};
use asr_preflight::report::{self, Format, RenderOptions};
use asr_preflight::{Exit, checks, commands, mvc, output, run};
use clap::Parser;

/// Runs before the standard library's start-up code, which would hide a closed standard output
/// behind /dev/null (the report would then vanish with status 0 or 1 and no word).
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_CLOSED_STDOUT: extern "C" fn() = note_closed_stdout;

extern "C" fn note_closed_stdout() {
    // SAFETY: F_GETFD on a descriptor number only reads the descriptor table.
    if unsafe { nix::libc::fcntl(1, nix::libc::F_GETFD) } == -1 {
        output::mark_stdout_closed();
    }
}

fn main() -> ExitCode {
    ExitCode::from(real_main() as u8)
}

fn usage(msg: impl std::fmt::Display) -> Exit {
    // Error messages may quote what the image holds: scrubbed like the report.
    eprintln!(
        "asr-preflight: {}",
        asr_preflight::secrets::scrub(&msg.to_string())
    );
    Exit::Usage
}

fn print(text: &str, status: Exit) -> Exit {
    match output::write_stdout(text.as_bytes()) {
        Ok(_) => status,
        Err(e) => usage(format!("cannot write to standard output: {e}")),
    }
}

fn real_main() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ready
            };
            let _ = e.print();
            return code;
        }
    };
    let command = match cli.into_command() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    match command {
        Command::List(f) => print(&commands::list(f), Exit::Ready),
        Command::Explain(id) => match checks::find(&id) {
            Some(def) => print(&commands::explain(def), Exit::Ready),
            None => usage(format!(
                "unknown check id '{id}' (asr-preflight list shows them all)"
            )),
        },
        Command::Matrix { matrix, format } => match commands::matrix(&matrix, format) {
            Ok(text) => print(&text, Exit::Ready),
            Err(e) => usage(e),
        },
        Command::Version(f) => print(&commands::version(f), Exit::Ready),
        Command::Man => print(&commands::man(), Exit::Ready),
        Command::Completions(shell) => print(&commands::completions(shell), Exit::Ready),
        Command::Fleet(cfg) => fleet_command(&cfg),
        Command::MvcListen(cfg) => match mvc::listen(&cfg, &mut std::io::stdout().lock()) {
            Ok(_) => Exit::Ready,
            Err(e) => usage(e),
        },
        Command::MvcProbe(cfg) => match mvc::probe(&cfg, &mut std::io::stdout().lock()) {
            Ok(true) => Exit::Ready,
            Ok(false) => Exit::NotReady,
            Err(e) => usage(e),
        },
        Command::Check(cfg) => check_command(&cfg),
    }
}

/// `check`: run the checks, render the report to standard output or `--output`; the exit
/// code says whether the machine is ready.
fn check_command(cfg: &CheckConfig) -> Exit {
    if let (Some(out), Some(root)) = (&cfg.output, &cfg.root)
        && let Err(e) = output::refuse_inside_root(out, root)
    {
        return usage(format!("--output {}: {e}", shown(out)));
    }
    let sources = match run::sources_for(cfg) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let started = std::time::Instant::now();
    let report = match run::run(cfg, sources) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let status = if report.ready {
        Exit::Ready
    } else {
        Exit::NotReady
    };
    let opts = RenderOptions {
        color: use_color(cfg) && cfg.format == Format::Human,
        strict: cfg.strict,
        elapsed: Some(started.elapsed()),
        finished: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs()),
    };
    // Every format, on standard output or in --output: no noted secret in clear.
    let text = report::render(&report.scrubbed(), cfg.format, opts);
    match &cfg.output {
        Some(path) => match output::write_atomic(path, text.as_bytes()) {
            Ok(()) => status,
            Err(e) => usage(format!("--output {}: {e}", shown(path))),
        },
        None => print(&text, status),
    }
}

/// `--color`: `auto` colours a terminal on standard output unless NO_COLOR is set or TERM is
/// `dumb`.
fn use_color(cfg: &CheckConfig) -> bool {
    match cfg.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            cfg.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true)
        }
    }
}

/// A path as the user may see it in a message (bytes escaped, never lossy).
fn shown(path: &std::path::Path) -> String {
    asr_preflight::text::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()))
}

/// `fleet`: read the reports and write the view as they are read; the exit code is the
/// fleet's (SPEC.md).
fn fleet_command(cfg: &asr_preflight::fleet::FleetConfig) -> Exit {
    use asr_preflight::fleet;
    let files = match fleet::read::list_inputs(&cfg.inputs) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let fill = |w: &mut dyn std::io::Write| fleet::write(&files, cfg.format, w);
    let written = match &cfg.output {
        Some(path) => output::write_atomic_streamed(path, fill)
            .map_err(|e| format!("--output {}: {e}", shown(path))),
        None => output::write_stdout_streamed(fill)
            .map_err(|e| format!("cannot write to standard output: {e}")),
    };
    let model = match written {
        Ok(m) => m,
        Err(e) => return usage(e),
    };
    let status = model.exit();
    if status == Exit::Usage {
        eprintln!(
            "asr-preflight: fleet: none of the {} report(s) could be read",
            model.totals.reports
        );
    }
    status
}
