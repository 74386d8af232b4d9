//! The walk behind `ascii.system-paths`: every name under a few starting directories, checked for
//! bytes outside printable ASCII, as fast as the kernel hands directory entries out.
//!
//! How, and why:
//! - Directories are read with raw `getdents64` into one large buffer per thread and opened with
//!   `openat` relative to their parent's descriptor, so the kernel never walks a long path again.
//!   The entry's `d_type` decides whether it is a directory: no `stat` per entry (only when a file
//!   system answers `DT_UNKNOWN`). Only directories are ever opened, with `O_NOFOLLOW` and
//!   `O_NONBLOCK`: symbolic links are never followed, FIFOs, sockets and devices never opened.
//! - Each walk stays on its starting directory's file system (`st_dev`, checked with `fstat` on
//!   the descriptor just opened); a start on a pseudo or network file system is not walked.
//! - Only the topmost offender is reported: a non-ASCII directory is not entered.
//! - Memory is bounded: per directory being walked only the names of its pending subdirectories
//!   are kept, and the lists of findings keep the first [`ScanConfig::keep`] (by byte order) and a
//!   count. Descriptors are released as soon as a directory has no pending subdirectory, so a
//!   600-deep chain holds two or three, not 600.
//! - Several threads share the work: each walks depth first; when another is idle, the busy one
//!   hands over the pending subdirectories nearest to its starting point (the biggest subtrees).
//! - System calls are all from Linux 2.6.32 (`getdents64`, `openat`, `fstat`, `fstatat`,
//!   `fstatfs`, `setrlimit`): nothing numbered 299 or above on x86_64.
//! - A directory that cannot be read is recorded with its cause and the walk goes on.

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::ffi::CStr;
use std::io::{IsTerminal, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use nix::libc;

use crate::text::is_ascii_name;

/// Size of the `getdents64` buffer of each thread: large directories in few system calls.
const DIRENT_BUF: usize = 128 * 1024;

/// Where a walk starts.
#[derive(Debug, Clone)]
pub struct Start {
    /// The path as the target sees it (`/usr`), used in every path reported.
    pub shown: Vec<u8>,
    /// The same directory on the host (under `--root`'s directory), symbolic links of the
    /// target already resolved inside it.
    pub host: PathBuf,
}

/// What to walk and how.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub starts: Vec<Start>,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Findings of each kind kept in full (the first by byte order); the rest are counted.
    pub keep: usize,
    /// Show a progress line on standard error when the walk takes long.
    pub progress: bool,
    /// Every mount point of the running system (host paths) with its device number, when the
    /// caller has read them from mountinfo. Then a directory is compared with its start's
    /// device only when it is a mount point, which saves an `fstat` per directory (and never
    /// opens an automount point). `None`: every directory is checked with `fstat`.
    pub mounts: Option<Arc<HashMap<Vec<u8>, u64>>>,
    /// Directories (paths as shown) never opened, because another file system the run does
    /// not enter is mounted there (with `--root`, the mounts beneath it): opening one that
    /// hangs would stop the walk. Reported as another file system.
    pub never_enter: Option<Arc<HashSet<Vec<u8>>>>,
    /// How long one call may take before the walk gives up on that file system.
    pub deadline: Duration,
}

impl ScanConfig {
    /// Threads: every core the tool may use, capped (directory reading stops scaling beyond a
    /// few), overridable with `ASR_PREFLIGHT_SCAN_THREADS` for benchmarks.
    pub fn default_threads() -> usize {
        if let Some(n) = std::env::var("ASR_PREFLIGHT_SCAN_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
        {
            return n.min(64);
        }
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8)
    }

    /// Progress on standard error only when it is a terminal.
    pub fn progress_if_terminal() -> bool {
        std::io::stderr().is_terminal()
    }
}

/// The first `cap` items (smallest first) of a possibly huge stream, and how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capped<T: Ord> {
    pub total: u64,
    /// Sorted, at most `cap` long.
    pub items: Vec<T>,
}

impl<T: Ord> Default for Capped<T> {
    fn default() -> Self {
        Capped {
            total: 0,
            items: Vec::new(),
        }
    }
}

/// Keeps the `cap` smallest items seen (a max-heap whose top is evicted).
struct Keeper<T: Ord> {
    cap: usize,
    total: u64,
    heap: BinaryHeap<T>,
}

impl<T: Ord> Keeper<T> {
    fn new(cap: usize) -> Self {
        Keeper {
            cap,
            total: 0,
            heap: BinaryHeap::new(),
        }
    }

    fn add(&mut self, item: T) {
        self.total += 1;
        if self.heap.len() < self.cap {
            self.heap.push(item);
        } else if self.heap.peek().is_some_and(|top| item < *top) {
            self.heap.pop();
            self.heap.push(item);
        }
    }

    fn merge(parts: Vec<Keeper<T>>, cap: usize) -> Capped<T> {
        let total = parts.iter().map(|k| k.total).sum();
        let mut items: Vec<T> = parts.into_iter().flat_map(|k| k.heap.into_vec()).collect();
        items.sort();
        items.dedup();
        items.truncate(cap);
        Capped { total, items }
    }
}

/// What a walk found.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    /// Topmost entries whose name has a byte outside printable ASCII (paths as the target sees
    /// them, raw bytes).
    pub offenders: Capped<Vec<u8>>,
    /// Directories that could not be read, with the cause: the walk is incomplete.
    pub unreadable: Capped<(Vec<u8>, String)>,
    /// Directories not entered because another file system is mounted there.
    pub other_fs: Capped<Vec<u8>>,
    /// Starts that were walked.
    pub walked: Vec<Vec<u8>>,
    /// Starts that were not walked, and why (pseudo or network file system).
    pub not_walked: Vec<(Vec<u8>, String)>,
    /// Directory entries read, and directories read.
    pub entries: u64,
    pub dirs: u64,
    /// Starts (indexes into [`ScanConfig::starts`]) whose walk was given up on a call that
    /// did not come back: their file system may be a hung mount.
    pub hung_starts: Vec<usize>,
}

/// The file system a walk stays on.
#[derive(Debug, Clone, Copy)]
struct Fs {
    dev: u64,
    /// Which start (index into [`ScanConfig::starts`]) this walk began at.
    start: usize,
    /// The mount table is known for this walk (see [`ScanConfig::mounts`]).
    mounts_known: bool,
}

/// A directory whose subdirectories are still to be walked.
struct Frame {
    fd: Arc<OwnedFd>,
    path: Arc<[u8]>,
    fs: Fs,
    /// Pending subdirectory names, each followed by its NUL.
    names: Vec<u8>,
    pos: usize,
}

impl Frame {
    fn exhausted(&self) -> bool {
        self.pos >= self.names.len()
    }

    /// The next pending name with its NUL, advancing past it.
    fn take_next(&mut self, out: &mut Vec<u8>) {
        let rest = &self.names[self.pos..];
        let len = rest
            .iter()
            .position(|b| *b == 0)
            .map_or(rest.len(), |p| p + 1);
        out.clear();
        out.extend_from_slice(&rest[..len]);
        self.pos += len;
    }
}

/// A directory handed from one thread to another.
enum Job {
    Start(usize, Start),
    Child {
        parent: Arc<OwnedFd>,
        parent_path: Arc<[u8]>,
        fs: Fs,
        /// With its NUL.
        name: Box<[u8]>,
    },
}

struct Queue {
    jobs: Vec<Job>,
    waiting: usize,
    /// Workers not given up on: the walk ends when all of them wait for work.
    live: usize,
    done: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Mirror of `Queue::waiting`, read without the lock on every directory.
    waiting: AtomicUsize,
    /// Mirror of `Queue::jobs.len()`: work is handed over only when nothing is queued.
    queued: AtomicUsize,
    entries: AtomicU64,
    dirs: AtomicU64,
    noatime: bool,
    mounts: Option<Arc<HashMap<Vec<u8>, u64>>>,
    never_enter: Option<Arc<HashSet<Vec<u8>>>>,
    /// Devices of file systems a call on which did not come back: not asked again.
    dead: Mutex<Vec<u64>>,
    any_dead: AtomicBool,
}

impl Shared {
    /// The next job, or `None` when every thread is idle and nothing is queued (the end).
    fn next_job(&self, slot: &Slot) -> Option<Job> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            // A worker given up on that comes back stops: its place was taken.
            if slot.gone.load(Ordering::Relaxed) {
                return None;
            }
            if let Some(j) = q.jobs.pop() {
                self.queued.store(q.jobs.len(), Ordering::Relaxed);
                return Some(j);
            }
            if q.done {
                return None;
            }
            q.waiting += 1;
            if q.waiting >= q.live {
                q.done = true;
                self.wake.notify_all();
                return None;
            }
            self.waiting.store(q.waiting, Ordering::Relaxed);
            q = self.wake.wait(q).unwrap_or_else(|p| p.into_inner());
            q.waiting -= 1;
            self.waiting.store(q.waiting, Ordering::Relaxed);
        }
    }

    fn push_jobs(&self, jobs: Vec<Job>) {
        if jobs.is_empty() {
            return;
        }
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.jobs.extend(jobs);
        self.queued.store(q.jobs.len(), Ordering::Relaxed);
        self.wake.notify_all();
    }

    fn is_dead(&self, dev: u64) -> bool {
        self.any_dead.load(Ordering::Relaxed)
            && self.dead.lock().map(|d| d.contains(&dev)).unwrap_or(false)
    }
}

/// What one worker found. Kept outside the worker, so that what a worker stuck on a hung
/// mount found before it stuck is still reported.
struct Found {
    offenders: Keeper<Vec<u8>>,
    unreadable: Keeper<(Vec<u8>, String)>,
    other_fs: Keeper<Vec<u8>>,
    walked: Vec<Vec<u8>>,
    not_walked: Vec<(Vec<u8>, String)>,
}

/// One worker as the waiting thread watches it.
struct Slot {
    /// Bumped after every call on a file system: unchanged while the worker is inside one.
    calls: AtomicU64,
    /// Inside a job (not waiting for one, not finished).
    busy: AtomicBool,
    /// Given up on: it did not come back from a call within the deadline.
    gone: AtomicBool,
    /// The directory being opened or read, and its device (`u64::MAX` until known).
    at: Mutex<Vec<u8>>,
    dev: AtomicU64,
    start: AtomicUsize,
    found: Mutex<Found>,
}

impl Slot {
    fn new(keep: usize) -> Slot {
        Slot {
            calls: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            gone: AtomicBool::new(false),
            at: Mutex::new(Vec::new()),
            dev: AtomicU64::new(u64::MAX),
            start: AtomicUsize::new(0),
            found: Mutex::new(Found {
                offenders: Keeper::new(keep),
                unreadable: Keeper::new(keep),
                other_fs: Keeper::new(keep),
                walked: Vec::new(),
                not_walked: Vec::new(),
            }),
        }
    }

    fn found(&self) -> std::sync::MutexGuard<'_, Found> {
        self.found.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Says where the worker is about to make calls that may not come back.
    fn enter(&self, path: &[u8], dev: u64, start: usize) {
        self.start.store(start, Ordering::Relaxed);
        let mut at = self.at.lock().unwrap_or_else(|p| p.into_inner());
        at.clear();
        at.extend_from_slice(path);
        self.dev.store(dev, Ordering::Relaxed);
    }

    fn tick(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// One walking thread.
struct Worker {
    shared: Arc<Shared>,
    slot: Arc<Slot>,
    buf: Vec<u64>,
    noatime: bool,
    mounts: Option<Arc<HashMap<Vec<u8>, u64>>>,
}

fn join_path(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(parent.len() + 1 + name.len());
    p.extend_from_slice(parent);
    if !parent.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

fn errno_text(errno: i32) -> String {
    nix::errno::Errno::from_raw(errno).desc().to_string()
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `fstat` of an open descriptor.
fn fstat(fd: RawFd) -> Result<libc::stat, i32> {
    // SAFETY: `st` is plain old data the kernel fills in; the descriptor is open.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut st) == 0 {
            Ok(st)
        } else {
            Err(last_errno())
        }
    }
}

const BTRFS_MAGIC: i64 = 0x9123_683e;

/// Why a start directory's file system is not walked: pseudo file systems (their content is
/// made up by the kernel) and network file systems (slow, and not this machine's names).
fn not_walkable(fs_type: i64) -> Option<&'static str> {
    Some(match fs_type {
        0x9fa0 => "proc",
        0x6265_6572 => "sysfs",
        0x1cd1 => "devpts",
        0x6462_6720 => "debugfs",
        0x7363_6673 => "securityfs",
        0x2762_4249 | 0x6367_7270 => "cgroup",
        0x7472_6163 => "tracefs",
        0x6165_676c => "pstore",
        0xcafe_4a11 => "bpf",
        0x6265_6570 => "configfs",
        0x1980_0202 => "mqueue",
        0x9584_58f6 => "hugetlbfs",
        0x0187 => "autofs",
        0x4249_4e4d => "binfmt_misc",
        0xde5e_81e4 => "efivarfs",
        0xf97c_ff8c => "selinuxfs",
        0x6573_5543 => "fusectl",
        0x6969 => "nfs (network)",
        0xff53_4d42 => "cifs (network)",
        0xfe53_4d42 => "smb2 (network)",
        0x517b => "smb (network)",
        0x564c => "ncp (network)",
        0x5346_414f => "afs (network)",
        0x00c3_6400 => "ceph (network)",
        0x7375_7245 => "coda (network)",
        0x0102_1997 => "9p (network)",
        0x0bd0_0bd0 => "lustre (network)",
        _ => return None,
    })
}

impl Worker {
    fn new(shared: Arc<Shared>, slot: Arc<Slot>) -> Self {
        Worker {
            buf: vec![0u64; DIRENT_BUF / 8],
            noatime: shared.noatime,
            mounts: shared.mounts.clone(),
            shared,
            slot,
        }
    }

    fn run(&mut self) {
        let mut stack: Vec<Frame> = Vec::new();
        let mut name = Vec::with_capacity(256);
        loop {
            self.slot.busy.store(false, Ordering::Relaxed);
            let Some(job) = self.shared.next_job(&self.slot) else {
                break;
            };
            self.slot.busy.store(true, Ordering::Relaxed);
            let first = match job {
                Job::Start(i, s) => self.open_start(i, s),
                Job::Child {
                    parent,
                    parent_path,
                    fs,
                    name,
                } => {
                    if self.shared.is_dead(fs.dev) {
                        let path =
                            join_path(&parent_path, name.strip_suffix(b"\0").unwrap_or(&name));
                        self.slot.found().unreadable.add((path, NOT_ASKED.into()));
                        continue;
                    }
                    self.open_child(&parent, &parent_path, fs, &name)
                }
            };
            stack.extend(first);
            while let Some(top) = stack.last_mut() {
                if top.exhausted() {
                    stack.pop();
                    continue;
                }
                top.take_next(&mut name);
                let (fd, path, fs) = (top.fd.clone(), top.path.clone(), top.fs);
                if top.exhausted() {
                    // Nothing else needs this directory: let its descriptor go before descending.
                    stack.pop();
                }
                if self.shared.waiting.load(Ordering::Relaxed) > 0
                    && self.shared.queued.load(Ordering::Relaxed) == 0
                {
                    self.share(&mut stack);
                }
                if let Some(child) = self.open_child(&fd, &path, fs, &name) {
                    stack.push(child);
                }
            }
        }
    }

    /// Hands the pending subdirectories nearest the start to the idle threads.
    fn share(&mut self, stack: &mut [Frame]) {
        let Some(frame) = stack.iter_mut().find(|f| !f.exhausted()) else {
            return;
        };
        let mut jobs = Vec::new();
        let mut name = Vec::new();
        while !frame.exhausted() {
            frame.take_next(&mut name);
            jobs.push(Job::Child {
                parent: frame.fd.clone(),
                parent_path: frame.path.clone(),
                fs: frame.fs,
                name: name.clone().into_boxed_slice(),
            });
        }
        self.shared.push_jobs(jobs);
    }

    fn open_start(&mut self, index: usize, start: Start) -> Option<Frame> {
        let shown = start.shown;
        // The start's own name is judged too, as `find START -name …` does.
        let base = shown.rsplit(|b| *b == b'/').next().unwrap_or(&shown);
        if !is_ascii_name(base) {
            self.slot.found().offenders.add(shown);
            return None;
        }
        let Ok(c) = std::ffi::CString::new(start.host.as_os_str().as_bytes()) else {
            self.slot
                .found()
                .unreadable
                .add((shown, "path holds a NUL byte".into()));
            return None;
        };
        self.slot.enter(&shown, u64::MAX, index);
        // Start directories were resolved inside the target already: links may be followed here.
        let fd = match self.open_at(libc::AT_FDCWD, &c, 0) {
            Ok(fd) => fd,
            Err(e) => {
                self.slot.found().unreadable.add((shown, errno_text(e)));
                return None;
            }
        };
        // SAFETY: `sfs` is plain old data the kernel fills in; the descriptor is open.
        let fs_type = unsafe {
            let mut sfs: libc::statfs = std::mem::zeroed();
            if libc::fstatfs(fd.as_raw_fd(), &mut sfs) == 0 {
                Some(sfs.f_type as i64)
            } else {
                None
            }
        };
        self.slot.tick();
        if let Some(why) = fs_type.and_then(not_walkable) {
            self.slot
                .found()
                .not_walked
                .push((shown, format!("on a {why} file system, not walked")));
            return None;
        }
        let dev = match fstat(fd.as_raw_fd()) {
            Ok(st) => st.st_dev,
            Err(e) => {
                self.slot.found().unreadable.add((shown, errno_text(e)));
                return None;
            }
        };
        self.slot.tick();
        // btrfs subvolumes have device numbers of their own that mountinfo does not show:
        // there, every directory is checked with fstat.
        let mounts_known = self.mounts.is_some() && fs_type != Some(BTRFS_MAGIC) && {
            // The mount table names real paths: only a start that is its own real path can use it.
            is_real_path(&start.host)
        };
        self.slot.found().walked.push(shown.clone());
        self.slot.enter(&shown, dev, index);
        let fs = Fs {
            dev,
            start: index,
            mounts_known,
        };
        self.read_dir(fd, shown.into(), fs)
    }

    fn open_child(
        &mut self,
        parent: &OwnedFd,
        parent_path: &[u8],
        fs: Fs,
        name_nul: &[u8],
    ) -> Option<Frame> {
        let Ok(cname) = CStr::from_bytes_with_nul(name_nul) else {
            return None;
        };
        let path = join_path(parent_path, cname.to_bytes());
        if self
            .shared
            .never_enter
            .as_ref()
            .is_some_and(|n| n.contains(&path))
        {
            self.slot.found().other_fs.add(path);
            return None;
        }
        if fs.mounts_known
            && let Some(&mdev) = self.mounts.as_ref().and_then(|m| m.get(&path))
            && mdev != fs.dev
        {
            self.slot.found().other_fs.add(path);
            return None;
        }
        self.slot.enter(&path, fs.dev, fs.start);
        let fd = match self.open_at(parent.as_raw_fd(), cname, libc::O_NOFOLLOW) {
            Ok(fd) => fd,
            // Replaced by a link or a file since it was listed: not a directory to walk any more.
            Err(libc::ELOOP) | Err(libc::ENOTDIR) | Err(libc::ENOENT) => return None,
            Err(e) => {
                self.slot.found().unreadable.add((path, errno_text(e)));
                return None;
            }
        };
        if fs.mounts_known {
            return self.read_dir(fd, path.into(), fs);
        }
        let st = fstat(fd.as_raw_fd());
        self.slot.tick();
        match st {
            Ok(st) if st.st_dev != fs.dev => {
                self.slot.found().other_fs.add(path);
                None
            }
            Ok(_) => self.read_dir(fd, path.into(), fs),
            Err(e) => {
                self.slot.found().unreadable.add((path, errno_text(e)));
                None
            }
        }
    }

    /// Opens a directory for reading, never blocking and, as root, without touching its access
    /// time (the tool changes nothing).
    fn open_at(&mut self, dirfd: RawFd, name: &CStr, extra: i32) -> Result<OwnedFd, i32> {
        let flags = libc::O_RDONLY
            | libc::O_DIRECTORY
            | libc::O_CLOEXEC
            | libc::O_NONBLOCK
            | libc::O_NOCTTY
            | extra;
        loop {
            let f = if self.noatime {
                flags | libc::O_NOATIME
            } else {
                flags
            };
            // SAFETY: `name` is a valid C string; the result is checked before use.
            let fd = unsafe { libc::openat(dirfd, name.as_ptr(), f) };
            self.slot.tick();
            if fd >= 0 {
                // SAFETY: a fresh descriptor that nothing else owns.
                return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
            }
            let e = last_errno();
            if e == libc::EPERM && self.noatime {
                // O_NOATIME needs ownership or CAP_FOWNER; do without it from now on.
                self.noatime = false;
                continue;
            }
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
    }

    /// Reads every entry of an open directory, judging each name, and returns the pending
    /// subdirectories (`None` when there are none).
    fn read_dir(&mut self, fd: OwnedFd, path: Arc<[u8]>, fs: Fs) -> Option<Frame> {
        let raw = fd.as_raw_fd();
        let mut names: Vec<u8> = Vec::new();
        let mut entries = 0u64;
        loop {
            // SAFETY: the buffer is valid for `DIRENT_BUF` bytes and 8-byte aligned as
            // linux_dirent64 needs; the descriptor is open.
            let n = unsafe {
                libc::syscall(
                    libc::SYS_getdents64,
                    raw,
                    self.buf.as_mut_ptr().cast::<u8>(),
                    DIRENT_BUF,
                )
            };
            self.slot.tick();
            if n == 0 {
                break;
            }
            if n < 0 {
                let e = last_errno();
                if e == libc::EINTR {
                    continue;
                }
                self.slot
                    .found()
                    .unreadable
                    .add((path.to_vec(), errno_text(e)));
                break;
            }
            let n = n as usize;
            // SAFETY: the kernel wrote `n` bytes of the buffer.
            let bytes: &[u8] =
                unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>(), n) };
            let mut off = 0usize;
            // linux_dirent64: u64 ino, i64 off, u16 reclen, u8 type, name (NUL-terminated).
            while off + 19 < n {
                let reclen = u16::from_ne_bytes([bytes[off + 16], bytes[off + 17]]) as usize;
                if reclen < 20 || off + reclen > n {
                    break;
                }
                let d_type = bytes[off + 18];
                let rec = &bytes[off + 19..off + reclen];
                let name_len = rec.iter().position(|b| *b == 0).unwrap_or(rec.len());
                let name = &rec[..name_len];
                off += reclen;
                if name == b"." || name == b".." {
                    continue;
                }
                entries += 1;
                if !is_ascii_name(name) {
                    // The topmost offender: a non-ASCII directory is not entered.
                    self.slot.found().offenders.add(join_path(&path, name));
                    continue;
                }
                let is_dir = match d_type {
                    libc::DT_DIR => true,
                    libc::DT_UNKNOWN => {
                        let d = is_dir_at(raw, &rec[..=name_len.min(rec.len() - 1)]);
                        self.slot.tick();
                        d
                    }
                    _ => false,
                };
                if is_dir {
                    names.extend_from_slice(name);
                    names.push(0);
                }
            }
        }
        self.shared.entries.fetch_add(entries, Ordering::Relaxed);
        self.shared.dirs.fetch_add(1, Ordering::Relaxed);
        if names.is_empty() {
            return None;
        }
        Some(Frame {
            fd: Arc::new(fd),
            path,
            fs,
            names,
            pos: 0,
        })
    }
}

/// Whether an absolute path has no symbolic link, `.` or `..` in it (it is its own real path),
/// checked with `lstat` on each prefix.
fn is_real_path(path: &std::path::Path) -> bool {
    use std::path::Component;
    let mut prefix = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::RootDir => {}
            Component::Normal(n) => {
                prefix.push(n);
                match std::fs::symlink_metadata(&prefix) {
                    Ok(m) if !m.file_type().is_symlink() => {}
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    path.is_absolute()
}

/// For file systems that do not fill `d_type`: one `fstatat` that does not follow links.
fn is_dir_at(dirfd: RawFd, name_nul: &[u8]) -> bool {
    let Ok(c) = CStr::from_bytes_with_nul(name_nul) else {
        return false;
    };
    // SAFETY: `st` is plain old data; `c` is a valid C string; the descriptor is open.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstatat(dirfd, c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) == 0
            && (st.st_mode & libc::S_IFMT) == libc::S_IFDIR
    }
}

/// Lets a deep tree keep more directories open: the soft descriptor limit is raised to the
/// hard one (an unprivileged, per-process change that ends with the process).
fn raise_fd_limit() {
    // The raw system calls: C libraries implement getrlimit with prlimit64, which 2.6.32 lacks.
    // SAFETY: plain old data in and out of the kernel.
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::syscall(libc::SYS_getrlimit, libc::RLIMIT_NOFILE, &mut rl) == 0
            && rl.rlim_cur < rl.rlim_max
        {
            rl.rlim_cur = rl.rlim_max.min(1 << 20);
            libc::syscall(libc::SYS_setrlimit, libc::RLIMIT_NOFILE, &rl);
        }
    }
}

/// Why a directory was not walked after its file system stopped answering.
const NOT_ASKED: &str = "not walked: its file system did not answer";

/// Replacement workers started, at most, for workers given up on (each may meet another
/// hung call, so their number bounds the time a dead file system can cost).
const MAX_REPLACEMENTS: usize = 4;

/// How often the waiting thread looks at the workers.
const TICK: Duration = Duration::from_millis(200);

/// The progress line on standard error, shown only after the walk has taken a while.
struct Progress {
    on: bool,
    after: Duration,
    shown: bool,
}

impl Progress {
    fn new(on: bool) -> Progress {
        // How long a scan runs before it counts as long; tests shorten it.
        let after = std::env::var("ASR_PREFLIGHT_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        Progress {
            on,
            after,
            shown: false,
        }
    }

    fn show(&mut self, shared: &Shared, elapsed: Duration) {
        if self.on && elapsed >= self.after {
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[Kascii.system-paths: {} entries in {} directories read...",
                shared.entries.load(Ordering::Relaxed),
                shared.dirs.load(Ordering::Relaxed)
            );
            self.shown = true;
        }
    }

    fn clear(&self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

/// A worker as the waiting thread sees it: how many calls it had made when last looked at,
/// and since when that number has not changed.
struct Watched {
    slot: Arc<Slot>,
    calls: u64,
    since: Instant,
    exited: bool,
}

/// The walk in progress: its workers, and the thread waiting for them.
struct Walk {
    shared: Arc<Shared>,
    keep: usize,
    deadline: Duration,
    watched: Vec<Watched>,
    exits: (mpsc::Sender<usize>, mpsc::Receiver<usize>),
    replacements: usize,
    /// The starts whose walk met a call that did not come back.
    hung_starts: Vec<usize>,
}

impl Walk {
    /// Starts one more worker thread; false when no thread could be had.
    fn spawn(&mut self) -> bool {
        let slot = Arc::new(Slot::new(self.keep));
        let index = self.watched.len();
        let (shared, mine, tx) = (self.shared.clone(), slot.clone(), self.exits.0.clone());
        let started = std::thread::Builder::new()
            .name("scan".into())
            .spawn(move || {
                crate::output::leave_signals_to_main_thread();
                Worker::new(shared, mine).run();
                let _ = tx.send(index);
            });
        if started.is_err() {
            return false;
        }
        self.watched.push(Watched {
            slot,
            calls: 0,
            since: Instant::now(),
            exited: false,
        });
        true
    }

    /// Waits until every worker not given up on has finished, giving up on those that stay
    /// inside one call past the deadline.
    fn wait(&mut self, progress: &mut Progress) {
        let started = Instant::now();
        loop {
            while let Ok(i) = self.exits.1.recv_timeout(TICK) {
                self.watched[i].exited = true;
            }
            if self
                .watched
                .iter()
                .all(|w| w.exited || w.slot.gone.load(Ordering::Relaxed))
            {
                return;
            }
            progress.show(&self.shared, started.elapsed());
            let stuck: Vec<usize> = (0..self.watched.len())
                .filter(|&i| self.is_stuck(i))
                .collect();
            for i in stuck {
                self.give_up(i);
            }
        }
    }

    fn is_stuck(&mut self, i: usize) -> bool {
        let w = &mut self.watched[i];
        if w.exited || w.slot.gone.load(Ordering::Relaxed) {
            return false;
        }
        let calls = w.slot.calls.load(Ordering::Relaxed);
        if calls != w.calls || !w.slot.busy.load(Ordering::Relaxed) {
            w.calls = calls;
            w.since = Instant::now();
            return false;
        }
        w.since.elapsed() >= self.deadline
    }

    /// Leaves worker `i` in its call: its directory is reported as not answering, its file
    /// system is not asked again, and another worker takes its place while any may.
    fn give_up(&mut self, i: usize) {
        let slot = self.watched[i].slot.clone();
        slot.gone.store(true, Ordering::Relaxed);
        let at = slot.at.lock().map(|a| a.clone()).unwrap_or_default();
        slot.found().unreadable.add((
            at,
            format!(
                "did not answer within {} s (a hung mount?); the rest of its file system was not walked",
                self.deadline.as_secs()
            ),
        ));
        self.hung_starts.push(slot.start.load(Ordering::Relaxed));
        let dev = slot.dev.load(Ordering::Relaxed);
        if dev != u64::MAX
            && let Ok(mut d) = self.shared.dead.lock()
        {
            d.push(dev);
            self.shared.any_dead.store(true, Ordering::Relaxed);
        }
        let replace = self.replacements < MAX_REPLACEMENTS && self.spawn();
        if replace {
            self.replacements += 1;
        }
        let mut q = self.shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        if !replace {
            q.live -= 1;
        }
        if q.waiting >= q.live {
            q.done = true;
            self.shared.wake.notify_all();
        }
    }

    /// Directories still queued when every worker was given up on: not walked.
    fn leftovers(&self) -> Vec<(Vec<u8>, String)> {
        let mut q = self.shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.jobs
            .drain(..)
            .map(|j| match j {
                Job::Start(_, s) => (s.shown, NOT_ASKED.to_string()),
                Job::Child {
                    parent_path, name, ..
                } => (
                    join_path(&parent_path, name.strip_suffix(b"\0").unwrap_or(&name)),
                    NOT_ASKED.to_string(),
                ),
            })
            .collect()
    }
}

/// Walks every start and returns what it found. The walking is done by helper threads, so
/// that one stuck in a call on a hung mount can be left there: this thread waits for them,
/// gives up on a worker that stays inside one call for [`ScanConfig::deadline`], and reports
/// the directory as not answering.
pub fn scan(cfg: &ScanConfig) -> ScanOutcome {
    raise_fd_limit();
    let threads = cfg.threads.max(1);
    let keep = cfg.keep.max(1);
    // SAFETY: geteuid has no preconditions.
    let root_user = unsafe { libc::geteuid() } == 0;
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            jobs: (cfg.starts.iter().cloned().enumerate())
                .rev()
                .map(|(i, s)| Job::Start(i, s))
                .collect(),
            waiting: 0,
            live: threads,
            done: false,
        }),
        wake: Condvar::new(),
        waiting: AtomicUsize::new(0),
        queued: AtomicUsize::new(cfg.starts.len()),
        entries: AtomicU64::new(0),
        dirs: AtomicU64::new(0),
        noatime: root_user,
        mounts: cfg.mounts.clone(),
        never_enter: cfg.never_enter.clone().filter(|n| !n.is_empty()),
        dead: Mutex::new(Vec::new()),
        any_dead: AtomicBool::new(false),
    });
    let mut walk = Walk {
        shared: shared.clone(),
        keep,
        deadline: cfg.deadline,
        watched: Vec::new(),
        exits: mpsc::channel(),
        replacements: 0,
        hung_starts: Vec::new(),
    };
    let spawned = (0..threads).filter(|_| walk.spawn()).count();
    if spawned < threads {
        let mut q = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.live = spawned;
    }
    let mut leftovers = Vec::new();
    if spawned == 0 {
        // No thread to be had: walk here, without a deadline (nothing could be abandoned).
        let slot = Arc::new(Slot::new(keep));
        shared.queue.lock().unwrap_or_else(|p| p.into_inner()).live = 1;
        Worker::new(shared.clone(), slot.clone()).run();
        walk.watched.push(Watched {
            slot,
            calls: 0,
            since: Instant::now(),
            exited: true,
        });
    } else {
        let mut progress = Progress::new(cfg.progress);
        walk.wait(&mut progress);
        progress.clear();
        leftovers = walk.leftovers();
    }
    collect(&walk, leftovers, keep)
}

/// Merges what every worker found (those given up on included).
fn collect(walk: &Walk, leftovers: Vec<(Vec<u8>, String)>, keep: usize) -> ScanOutcome {
    let mut offenders = Vec::new();
    let mut unreadable = Vec::new();
    let mut other_fs = Vec::new();
    let mut walked = Vec::new();
    let mut not_walked = Vec::new();
    for w in &walk.watched {
        let mut f = w.slot.found();
        offenders.push(std::mem::replace(&mut f.offenders, Keeper::new(keep)));
        unreadable.push(std::mem::replace(&mut f.unreadable, Keeper::new(keep)));
        other_fs.push(std::mem::replace(&mut f.other_fs, Keeper::new(keep)));
        walked.append(&mut f.walked);
        not_walked.append(&mut f.not_walked);
    }
    let mut rest = Keeper::new(keep);
    for l in leftovers {
        rest.add(l);
    }
    unreadable.push(rest);
    walked.sort();
    not_walked.sort();
    let mut hung_starts = walk.hung_starts.clone();
    hung_starts.sort_unstable();
    hung_starts.dedup();
    let shared = &walk.shared;
    ScanOutcome {
        offenders: Keeper::merge(offenders, keep),
        unreadable: Keeper::merge(unreadable, keep),
        other_fs: Keeper::merge(other_fs, keep),
        walked,
        not_walked,
        entries: shared.entries.load(Ordering::Relaxed),
        dirs: shared.dirs.load(Ordering::Relaxed),
        hung_starts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn cfg(dir: &std::path::Path, threads: usize, keep: usize) -> ScanConfig {
        ScanConfig {
            starts: vec![Start {
                shown: b"/t".to_vec(),
                host: dir.to_path_buf(),
            }],
            threads,
            keep,
            progress: false,
            mounts: None,
            never_enter: None,
            deadline: Duration::from_secs(10),
        }
    }

    /// Offending names are found as topmost entries (a non-ASCII directory's children are not
    /// listed), links are not followed, and the result is the same with one thread or four.
    #[test]
    fn finds_topmost_offenders_with_any_thread_count() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::create_dir_all(p.join("a/b/caf\u{e9}/x\u{e9}")).unwrap();
        fs::write(p.join("a/b/caf\u{e9}/inner"), "").unwrap();
        fs::write(p.join("a/tab\there"), "").unwrap();
        for i in 0..50 {
            fs::create_dir_all(p.join(format!("w/{i}/deep"))).unwrap();
        }
        fs::write(p.join("w/7/deep/del\x7f"), "").unwrap();
        symlink("/usr", p.join("a/link-to-usr")).unwrap();
        let expect: Vec<Vec<u8>> = vec![
            "/t/a/b/caf\u{e9}".into(),
            b"/t/a/tab\there".to_vec(),
            b"/t/w/7/deep/del\x7f".to_vec(),
        ];
        for threads in [1, 4] {
            let out = scan(&cfg(p, threads, 100));
            assert_eq!(out.offenders.items, expect, "threads={threads}");
            assert_eq!(out.offenders.total, 3);
            // the start, a, a/b (café is not entered), w, and 50 x 2 below it
            assert_eq!(out.dirs, 1 + 2 + 1 + 50 * 2);
        }
    }

    /// With more offenders than are kept, the first ones by byte order are kept and all counted.
    #[test]
    fn cap_keeps_first_and_counts_all() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..30 {
            fs::write(d.path().join(format!("{i:02}\u{e9}")), "").unwrap();
        }
        let out = scan(&cfg(d.path(), 2, 5));
        assert_eq!(out.offenders.total, 30);
        let got: Vec<String> = out
            .offenders
            .items
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        assert_eq!(got, ["/t/00é", "/t/01é", "/t/02é", "/t/03é", "/t/04é"]);
    }

    /// A path through a symbolic link is not its own real path (the mount table cannot be
    /// trusted for it); a plain directory is.
    #[test]
    fn real_paths() {
        let d = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(d.path()).unwrap();
        fs::create_dir(real.join("dir")).unwrap();
        symlink("dir", real.join("link")).unwrap();
        assert!(is_real_path(&real.join("dir")));
        assert!(!is_real_path(&real.join("link")));
        assert!(!is_real_path(&real.join("dir/../dir")));
    }

    /// A start on a pseudo file system is not walked, and says why.
    #[test]
    fn proc_is_not_walked() {
        let out = scan(&ScanConfig {
            starts: vec![Start {
                shown: b"/proc".to_vec(),
                host: "/proc".into(),
            }],
            threads: 1,
            keep: 10,
            progress: false,
            mounts: None,
            never_enter: None,
            deadline: Duration::from_secs(10),
        });
        assert!(out.walked.is_empty());
        assert_eq!(out.not_walked.len(), 1);
        assert!(out.not_walked[0].1.contains("proc"), "{:?}", out.not_walked);
    }
}
