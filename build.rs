//! Records the build target, profile and commit for `asr-preflight version`, and turns the
//! built-in support matrices into JSON (see [`matrices_as_json`]).

use std::process::Command;

// The strict TOML reader of src/parse/toml (every file but its serde entry point, `mod.rs`).
#[allow(dead_code)]
#[path = "src/parse/toml/cursor.rs"]
mod cursor;
#[allow(dead_code)]
#[path = "src/parse/toml/document.rs"]
mod document;
#[allow(dead_code)]
#[path = "src/parse/toml/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "src/parse/toml/number.rs"]
mod number;
#[allow(dead_code)]
#[path = "src/parse/toml/strings.rs"]
mod strings;
#[allow(dead_code)]
#[path = "src/parse/toml/tree.rs"]
mod tree;
#[allow(dead_code)]
#[path = "src/parse/toml/value.rs"]
mod value;

/// The built-in matrices, as in src/matrix/mod.rs (`BUILTIN`).
const MATRICES: &[&str] = &["asr-2016", "asr-2026"];

fn main() {
    matrices_as_json();
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    let commit = std::env::var("ASR_PREFLIGHT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ASR_BUILD_TARGET={target}");
    println!("cargo:rustc-env=ASR_BUILD_PROFILE={profile}");
    println!("cargo:rustc-env=ASR_BUILD_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=ASR_PREFLIGHT_COMMIT");
    // Re-run when the commit moves. Only name files that exist: cargo treats a missing
    // rerun-if-changed path as always changed, which would relink the (LTO) release binary on
    // every build. In a git worktree `.git` is a file and HEAD lives elsewhere, so ask git.
    for path in git_paths() {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// Every run loads both built-in matrices (a report says what the other one would answer);
/// reading their TOML was most of the CPU of `check --only os.supported` (parsing, then writing
/// the JSON text serde reads). The same reader writes that JSON here, once, into OUT_DIR, and a
/// run hands it straight to serde_json. A built-in matrix that does not parse fails the build.
fn matrices_as_json() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src/parse/toml");
    for name in MATRICES {
        let src = format!("src/matrix/data/{name}.toml");
        println!("cargo:rerun-if-changed={src}");
        let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let root = document::parse(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
        let (json, _lines) = json::write(&root);
        let dest = out.join(format!("{name}.json"));
        std::fs::write(&dest, json).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
    }
}

/// HEAD, the branch's ref file and packed-refs, where they exist.
fn git_paths() -> Vec<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let mut paths = Vec::new();
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        paths.push(format!("{dir}/HEAD"));
    }
    if let (Some(common), Some(head_ref)) = (
        git(&["rev-parse", "--git-common-dir"]),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ) {
        paths.push(format!("{common}/{head_ref}"));
        paths.push(format!("{common}/packed-refs"));
    }
    paths
        .into_iter()
        .filter(|p| std::path::Path::new(p).exists())
        .collect()
}
