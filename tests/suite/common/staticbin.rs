//! The static musl release binary, built once per test process by `dist/build-static.sh` (cargo's
//! own up-to-date check makes later builds, in other test files, a matter of a second), and the
//! old-kernel harness built from tests/oldkernel/seccomp_enosys.c with the system's cc.
//!
//! `ASR_STATIC_BINARY=/path/to/asr-preflight` makes the tests use an already built binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::repo;

/// The static binary, built on first use.
pub fn static_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("ASR_STATIC_BINARY").filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        let out = Command::new(repo().join("dist/build-static.sh"))
            .current_dir(repo())
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run dist/build-static.sh");
        assert!(out.status.success(), "dist/build-static.sh failed");
        let stdout = String::from_utf8(out.stdout).expect("UTF-8 path");
        let last = stdout
            .lines()
            .last()
            .expect("build-static.sh printed nothing");
        let p = PathBuf::from(last.trim());
        assert!(
            p.is_file(),
            "build-static.sh's last line is not a file: {last}"
        );
        p
    })
}

/// tests/oldkernel/seccomp_enosys, compiled on first use.
pub fn enosys_harness() -> &'static Path {
    static HARNESS: OnceLock<PathBuf> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("seccomp_enosys");
        let tmp = out.with_extension(format!("tmp{}", std::process::id()));
        let st = Command::new("cc")
            .args(["-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&tmp)
            .arg(repo().join("tests/oldkernel/seccomp_enosys.c"))
            .status()
            .expect("run cc");
        assert!(
            st.success(),
            "cc failed on tests/oldkernel/seccomp_enosys.c"
        );
        std::fs::rename(&tmp, &out).expect("rename harness");
        out
    })
}

/// A command running `program args` against the system-call surface of Linux 2.6.32:
/// `setarch x86_64 --uname-2.6 seccomp_enosys program args...`.
pub fn old_kernel(program: &Path) -> Command {
    let mut c = Command::new("setarch");
    c.args(["x86_64", "--uname-2.6"])
        .arg(enosys_harness())
        .arg(program)
        .env("NO_COLOR", "1");
    c
}
