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
    let (target, mode) = match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
            ));
        }
        // A device (/dev/null, /dev/stdout), FIFO or socket is written into, never replaced:
        // renaming a file over /dev/null would break every program on the machine.
        Ok(m) if !m.is_file() => {
            return fs::OpenOptions::new()
                .write(true)
                .open(path)?
                .write_all(content);
        }
        // A link to a file: the file it names is replaced, the link stays; so do the mode bits.
        Ok(m) => (fs::canonicalize(path)?, Some(m.permissions())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (path.to_path_buf(), None),
        Err(e) => return Err(e),
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target
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
        if let Some(mode) = mode {
            f.set_permissions(mode)?;
        }
        f.write_all(content)?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
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
        assert!(write_atomic(d.path(), b"x").is_err());
    }

    /// A FIFO and a device node are written into and stay what they were (renaming over
    /// them would have replaced /dev/null with a file).
    #[test]
    fn special_files_are_written_into_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"report\n").unwrap();
        assert_eq!(reader.join().unwrap(), b"report\n");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

        let null = d.path().join("null");
        let dev = nix::sys::stat::makedev(1, 3);
        let kind = nix::sys::stat::SFlag::S_IFCHR;
        if nix::sys::stat::mknod(
            &null,
            kind,
            nix::sys::stat::Mode::from_bits_truncate(0o666),
            dev,
        )
        .is_ok()
        {
            write_atomic(&null, b"report\n").unwrap();
            assert!(
                fs::symlink_metadata(&null)
                    .unwrap()
                    .file_type()
                    .is_char_device()
            );
        }
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            if null.exists() { 2 } else { 1 }
        );
    }

    /// A link to a report file: the file is replaced and keeps its mode, the link stays a link.
    #[test]
    fn links_are_followed_and_modes_kept() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("report.json");
        fs::write(&file, b"old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let link = d.path().join("latest.json");
        std::os::unix::fs::symlink("report.json", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&file).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2);
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
