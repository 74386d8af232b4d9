//! Records the build target, profile and commit for `asr-preflight version`.

use std::process::Command;

fn main() {
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
