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
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
}
