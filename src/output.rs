//! Writing what the tool prints: `--output` files are written whole or not at all (a temporary
//! file beside the target, then a rename), and a closed pipe on standard output ends the
//! program quietly with its status instead of a panic. Nothing here waits without a deadline
//! or with the terminating signals held: a FIFO nobody reads is an error at once, one whose
//! reader stops reading is given up after [`SPECIAL_FILE_DEADLINE`].

use std::fs;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};

/// How long a device, FIFO or socket named by `--output` may take to accept the report.
pub const SPECIAL_FILE_DEADLINE: Duration = Duration::from_secs(30);
/// How long a FIFO named by `--output` may go without a reader (one started at the same time
/// as the tool gets there in this time).
pub const FIFO_READER_DEADLINE: Duration = Duration::from_secs(5);

/// Writes `content` to `path` atomically. Ctrl-C, SIGTERM, SIGHUP and SIGQUIT are held back
/// while the temporary file exists (never while waiting on anything), so an interrupted run
/// leaves either the old file or the new one, never a stray temporary.
pub fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    write_atomic_with(path, content, true)
}

#[cfg(test)]
fn write_atomic_unguarded(path: &Path, content: &[u8]) -> io::Result<()> {
    write_atomic_with(path, content, false)
}

fn write_atomic_with(path: &Path, content: &[u8], hold: bool) -> io::Result<()> {
    let (target, mode) = match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
            ));
        }
        // A device (/dev/null, /dev/stdout), FIFO or socket is written into, never replaced:
        // renaming a file over /dev/null would break every program on the machine.
        Ok(m) if !m.is_file() => return write_special(path, content, SPECIAL_FILE_DEADLINE),
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
    let _held = hold.then(HeldSignals::new);
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

/// Why `--output` may not name a place inside the inspected root.
#[derive(Debug, thiserror::Error)]
#[error(
    "is inside the inspected root {root} (as the host resolves it: {resolved}); a report is never written into the image"
)]
pub struct InsideRoot {
    pub root: String,
    pub resolved: String,
}

/// Refuses an `--output` path that lies inside `root`: either as written (made absolute, `..`
/// taken lexically: every link on the way is the image author's) or where the host's own
/// resolution of its links lands (a link out of the image to a host file, or back into it).
pub fn refuse_inside_root(output: &Path, root: &Path) -> Result<(), InsideRoot> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
    let lexical = |p: &Path| lexical_absolute(&cwd, p);
    let roots: Vec<std::path::PathBuf> = [Some(lexical(root)), fs::canonicalize(root).ok()]
        .into_iter()
        .flatten()
        .collect();
    let resolved = host_resolved(&lexical(output));
    let inside = |p: &Path| roots.iter().any(|r| p.starts_with(r));
    if inside(&lexical(output)) || inside(&resolved) {
        let show = |p: &Path| {
            crate::text::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()))
        };
        return Err(InsideRoot {
            root: show(roots.last().map(|r| r.as_path()).unwrap_or(root)),
            resolved: show(&resolved),
        });
    }
    Ok(())
}

/// `p` made absolute against `cwd` with `.` and `..` removed without touching the disk.
fn lexical_absolute(cwd: &Path, p: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::from("/");
    for c in cwd.join(p).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Where the host's kernel puts a file opened at `p`: the longest existing prefix
/// canonicalised (links followed, the last one too), the rest appended.
fn host_resolved(p: &Path) -> std::path::PathBuf {
    let mut rest = Vec::new();
    let mut cur = p.to_path_buf();
    loop {
        if let Ok(c) = fs::canonicalize(&cur) {
            let mut out = c;
            out.extend(rest.iter().rev());
            return out;
        }
        match (cur.parent().map(Path::to_path_buf), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return p.to_path_buf(),
        }
    }
}

/// Writes into a device, FIFO or socket without ever waiting unboundedly: the open does not
/// block (a FIFO without a reader is tried again for [`FIFO_READER_DEADLINE`], then said to
/// have none), and the writes give up when the reader has taken nothing for `deadline`.
fn write_special(path: &Path, content: &[u8], deadline: Duration) -> io::Result<()> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let asked = Instant::now();
    let f = loop {
        match fs::OpenOptions::new()
            .write(true)
            .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
            .open(path)
        {
            Ok(f) => break f,
            Err(e) if e.raw_os_error() == Some(nix::libc::ENXIO) => {
                if asked.elapsed() >= FIFO_READER_DEADLINE {
                    return Err(io::Error::new(
                        e.kind(),
                        format!(
                            "is a FIFO nobody is reading (none came within {} s; start its reader first)",
                            FIFO_READER_DEADLINE.as_secs()
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e),
        }
    };
    let mut rest = content;
    let mut last_progress = Instant::now();
    while !rest.is_empty() {
        match (&f).write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                rest = &rest[n..];
                last_progress = Instant::now();
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let left = deadline.saturating_sub(last_progress.elapsed());
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "its reader took nothing for {} s: given up",
                            deadline.as_secs()
                        ),
                    ));
                }
                let ms = u16::try_from(left.as_millis().min(10_000)).unwrap_or(10_000);
                let mut fds = [PollFd::new(f.as_fd(), PollFlags::POLLOUT)];
                match poll(&mut fds, PollTimeout::from(ms)) {
                    Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
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

/// Set when the program started with descriptor 1 closed (`>&-`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Records that descriptor 1 was closed when the program started (`>&-`). It must be called
/// before the standard library's start-up code, which parks /dev/null on a closed descriptor
/// 1 and makes every later write to it succeed: the binary calls it from `.init_array`.
pub fn mark_stdout_closed() {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
}

/// Writes to standard output; `Ok(false)` when the reader has gone away (EPIPE). A closed
/// standard output is an error.
pub fn write_stdout(content: &[u8]) -> io::Result<bool> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Err(io::Error::new(io::ErrorKind::BrokenPipe, "it is closed"));
    }
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
