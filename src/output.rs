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
    write_atomic_with(path, true, |w| w.write_all(content))
}

/// Like [`write_atomic`] for output made while it is written (`fleet` streams ten thousand
/// hosts): `fill` writes into the temporary file, buffered, and what it returns is returned.
/// The signals are held while it runs, so `fill` must not wait on anything unbounded (fleet's
/// inputs are regular files only). A device, FIFO or socket gets the output collected first.
pub fn write_atomic_streamed<T>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    write_atomic_with(path, true, fill)
}

#[cfg(test)]
fn write_atomic_unguarded(path: &Path, content: &[u8]) -> io::Result<()> {
    write_atomic_with(path, false, |w| w.write_all(content))
}

fn write_atomic_with<T>(
    path: &Path,
    hold: bool,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
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
            let f = open_special(path)?;
            let mut w = io::BufWriter::with_capacity(256 * 1024, Special(f));
            let made = fill(&mut w)?;
            w.flush()?;
            return Ok(made);
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
    let _held = hold.then(HeldSignals::new);
    let result = (|| {
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Some(mode) = mode {
            f.set_permissions(mode)?;
        }
        let mut w = io::BufWriter::with_capacity(256 * 1024, EarlyWriteback::new(f));
        let made = fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?.file;
        f.sync_all()?;
        fs::rename(&tmp, &target)?;
        Ok(made)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A device, FIFO or socket written through [`write_all_within`].
struct Special(fs::File);

impl Write for Special {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write_all_within(&self.0, buf, SPECIAL_FILE_DEADLINE)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A file that asks the kernel to start writing each few megabytes out as soon as they are
/// written, so the `fsync` before the rename waits for the tail only, not for a 100 MB fleet
/// report written in one go at the end.
struct EarlyWriteback {
    file: fs::File,
    written: u64,
    started: u64,
}

/// How much is written before its write-back is started.
const WRITEBACK_STEP: u64 = 8 * 1024 * 1024;

impl EarlyWriteback {
    fn new(file: fs::File) -> EarlyWriteback {
        EarlyWriteback {
            file,
            written: 0,
            started: 0,
        }
    }
}

impl Write for EarlyWriteback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_STEP {
            use std::os::fd::AsRawFd;
            let (from, len) = (self.started, self.written - self.started);
            // SAFETY: a plain system call on a descriptor this value owns; it only starts
            // write-back (SYNC_FILE_RANGE_WRITE does not wait) and its failure changes nothing,
            // as sync_all follows.
            unsafe {
                nix::libc::sync_file_range(
                    self.file.as_raw_fd(),
                    from as nix::libc::off64_t,
                    len as nix::libc::off64_t,
                    nix::libc::SYNC_FILE_RANGE_WRITE,
                );
            }
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
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

/// Opens a device, FIFO or socket for writing without ever waiting unboundedly: the open does
/// not block (a FIFO without a reader is tried again for [`FIFO_READER_DEADLINE`], then said to
/// have none).
fn open_special(path: &Path) -> io::Result<fs::File> {
    let asked = Instant::now();
    loop {
        match fs::OpenOptions::new()
            .write(true)
            .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
            .open(path)
        {
            Ok(f) => return Ok(f),
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
    }
}

/// Writes all of `content` into a non-blocking `f`, giving up when the reader has taken nothing
/// for `deadline`.
fn write_all_within(f: &fs::File, content: &[u8], deadline: Duration) -> io::Result<()> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut out = f;
    let mut rest = content;
    let mut last_progress = Instant::now();
    while !rest.is_empty() {
        match out.write(rest) {
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

/// Standard output for output made while it is written: buffered, and a reader that goes away
/// (EPIPE) makes the rest of the output be dropped quietly, so the run still ends with its own
/// status. A closed standard output is an error.
pub fn write_stdout_streamed<T>(
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Err(io::Error::new(io::ErrorKind::BrokenPipe, "it is closed"));
    }
    let mut out = io::BufWriter::with_capacity(
        256 * 1024,
        QuietPipe {
            inner: io::stdout().lock(),
            gone: false,
        },
    );
    let made = fill(&mut out)?;
    out.flush()?;
    Ok(made)
}

/// A writer whose reader may leave: after EPIPE every write "succeeds" without output.
struct QuietPipe<W: Write> {
    inner: W,
    gone: bool,
}

impl<W: Write> Write for QuietPipe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.gone {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.gone {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(())
            }
            other => other,
        }
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
