//! Writing what the tool prints: `--output` files are written whole or not at all (a temporary
//! file beside the target, then a rename), and a closed pipe on standard output ends the
//! program quietly with its status instead of a panic.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};

/// Writes `content` to `path` atomically. Ctrl-C, SIGTERM, SIGHUP and SIGQUIT are held back
/// while the temporary file exists, so an interrupted run leaves either the old file or the new one, never
/// a stray temporary.
pub fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    let _held = HeldSignals::new();
    write_atomic_unguarded(path, content)
}

fn write_atomic_unguarded(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// For helper threads that may outlive their work (a network probe past its deadline, a pipe
/// reader): they never take a Ctrl-C, so the kernel always delivers it to the main thread, whose
/// mask alone decides when the run may end.
pub fn leave_signals_to_main_thread() {
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&user_signals()), None);
}

fn user_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
    ] {
        set.add(s);
    }
    set
}

/// Blocks the terminating signals a user sends for as long as it lives; a signal that arrived
/// meanwhile is delivered when it is dropped.
struct HeldSignals {
    old: Option<SigSet>,
}

impl HeldSignals {
    fn new() -> HeldSignals {
        let mut old = SigSet::empty();
        let ok = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&user_signals()), Some(&mut old)).is_ok();
        HeldSignals {
            old: ok.then_some(old),
        }
    }
}

impl Drop for HeldSignals {
    fn drop(&mut self) {
        if let Some(old) = &self.old {
            let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(old), None);
        }
    }
}

/// Writes to standard output; `Ok(false)` when the reader has gone away (EPIPE).
pub fn write_stdout(content: &[u8]) -> io::Result<bool> {
    let mut out = io::stdout().lock();
    match out.write_all(content).and_then(|_| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file appears whole and no temporary file is left behind.
    #[test]
    fn atomic_write_leaves_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("report.json");
        write_atomic(&p, b"{}\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"{}\n");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
        assert!(write_atomic(&d.path().join("missing/x.json"), b"x").is_err());
    }

    /// A SIGHUP raised while the report is being written is held until the file is in place,
    /// and the signal mask is the caller's again afterwards.
    #[test]
    fn signals_are_held_during_the_write_only() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("report.json");
        let mut before = SigSet::empty();
        sigprocmask(SigmaskHow::SIG_SETMASK, None, Some(&mut before)).unwrap();
        {
            let _held = HeldSignals::new();
            let mut now = SigSet::empty();
            sigprocmask(SigmaskHow::SIG_SETMASK, None, Some(&mut now)).unwrap();
            assert!(now.contains(Signal::SIGINT) && now.contains(Signal::SIGTERM));
            write_atomic_unguarded(&p, b"x").unwrap();
        }
        let mut after = SigSet::empty();
        sigprocmask(SigmaskHow::SIG_SETMASK, None, Some(&mut after)).unwrap();
        assert_eq!(
            after.contains(Signal::SIGINT),
            before.contains(Signal::SIGINT)
        );
        assert_eq!(fs::read(&p).unwrap(), b"x");
    }
}
