//! `asr-preflight man` and `asr-preflight completions SHELL`: generated from the same clap
//! definition as the parser, so every option the parser accepts is documented and completed;
//! read by the real consumers (groff, bash, zsh, fish).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::run;
use asr_preflight::cli::Cli;
use clap::CommandFactory;

/// Every long option of the top-level command (the check options) and every subcommand name.
fn definition() -> (Vec<String>, Vec<String>) {
    let cmd = Cli::command();
    let longs = cmd
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    let subs = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    (longs, subs)
}

/// Runs `program args` with `input` on standard input; returns (success, stdout, stderr).
fn feed(program: &str, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The man page names every option and subcommand of the clap definition, has the exit-status
/// section, and groff formats it without a single warning.
#[test]
fn man_page_documents_the_definition() {
    let r = run(["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(".TH asr-preflight 1"), "not a man page");
    let (longs, subs) = definition();
    assert!(longs.len() >= 12, "{longs:?}");
    for l in &longs {
        let escaped = format!("\\-\\-{}", l.replace('-', "\\-"));
        assert!(r.stdout.contains(&escaped), "man page lacks --{l}");
    }
    for s in &subs {
        assert!(
            r.stdout.contains(&s.replace('-', "\\-")),
            "man page lacks {s}"
        );
    }
    assert!(r.stdout.contains(".SH \"EXIT STATUS\""));
    let (ok, text, warnings) = feed("groff", &["-man", "-Tutf8", "-ww", "-z"], &r.stdout);
    assert!(ok && warnings.is_empty(), "groff: {warnings}{text}");
    let (ok, text, _) = feed(
        "groff",
        &["-man", "-Tascii", "-P-c", "-P-b", "-P-u"],
        &r.stdout,
    );
    assert!(ok);
    assert!(text.contains("not ready"), "{text}");
}

/// Bash completion, loaded into a real bash, completes every long option from its prefix and
/// the subcommands.
#[test]
fn bash_completion_completes_the_definition() {
    let script = run(["completions", "bash"]).stdout;
    let (longs, subs) = definition();
    for l in &longs {
        let prefix = &l[..l.len().min(4)];
        let probe = format!(
            "{script}\nCOMP_WORDS=(asr-preflight --{prefix}); COMP_CWORD=1; COMP_LINE='asr-preflight --{prefix}'; COMP_POINT=${{#COMP_LINE}}\n_asr__preflight asr-preflight --{prefix} asr-preflight\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
        );
        let (ok, out, err) = feed("bash", &[], &probe);
        assert!(ok, "{err}");
        assert!(
            out.lines().any(|w| w == format!("--{l}")),
            "--{prefix} does not complete to --{l}: {out}"
        );
    }
    let probe = format!(
        "{script}\nCOMP_WORDS=(asr-preflight ''); COMP_CWORD=1; COMP_LINE='asr-preflight '\n_asr__preflight asr-preflight '' asr-preflight\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let (_, out, _) = feed("bash", &[], &probe);
    for s in &subs {
        assert!(out.lines().any(|w| w == s), "no completion for {s}: {out}");
    }
}

/// zsh and fish accept their completion scripts (syntax check by the shells themselves), and
/// fish completes an option from them; an unknown shell is a usage error.
#[test]
fn zsh_and_fish_accept_their_scripts() {
    let zsh = run(["completions", "zsh"]);
    assert_eq!(zsh.code, 0);
    assert!(zsh.stdout.starts_with("#compdef asr-preflight"));
    let (ok, _, err) = feed("zsh", &["-n"], &zsh.stdout);
    assert!(ok, "zsh -n: {err}");
    let fish = run(["completions", "fish"]).stdout;
    let (ok, _, err) = feed("fish", &["-n"], &fish);
    assert!(ok, "fish -n: {err}");
    let (ok, out, err) = feed(
        "fish",
        &[],
        &format!("{fish}\ncomplete -C 'asr-preflight --scen'\n"),
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("--scenario"), "{out}");
    let r = run(["completions", "tcsh"]);
    assert_eq!(r.code, 2);
}
