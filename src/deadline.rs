//! Calls that may never return (a stat, open or statvfs on a hung FUSE, NFS or CIFS mount sleeps
//! in the kernel for as long as the server is gone) run on a helper thread the run can abandon:
//! the caller waits at most [`MOUNT_DEADLINE`] and is told "did not answer". The abandoned thread
//! holds no lock of the caller's and takes no signal, so Ctrl-C and the exit still work.

use std::io::{self, Read};
use std::sync::mpsc;
use std::time::Duration;

/// How long one call on a file system that may hang gets before the run gives up on it.
pub const MOUNT_DEADLINE: Duration = Duration::from_secs(10);

/// The call did not come back in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("did not answer within {} s (a hung mount?)", .0.as_secs())]
pub struct NoAnswer(pub Duration);

/// Runs `op` on a helper thread and waits for it at most `limit`.
pub fn within<T, F>(limit: Duration, op: F) -> Result<T, NoAnswer>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("deadline".into())
        .spawn(move || {
            crate::output::leave_signals_to_main_thread();
            let _ = tx.send(op());
        });
    if spawned.is_err() {
        // No thread to be had: nothing can be abandoned, so nothing is tried.
        return Err(NoAnswer(limit));
    }
    rx.recv_timeout(limit).map_err(|_| NoAnswer(limit))
}

/// A reader for long streamed reads (an initramfs of tens of MiB) from a file that may sit on
/// a hung mount: a helper thread reads ahead in pieces and every piece must arrive within the
/// limit, or the read fails with [`NoAnswer`] and the thread is abandoned. Reading ahead also
/// lets the disk work while the caller decompresses.
pub struct Reader {
    pieces: mpsc::Receiver<io::Result<Vec<u8>>>,
    piece: Vec<u8>,
    at: usize,
    limit: Duration,
    ended: bool,
    timed_out: bool,
}

/// Size of one piece read ahead; two may wait in the channel.
const PIECE: usize = 256 * 1024;

impl Reader {
    /// Starts reading `inner` on a helper thread.
    pub fn spawn<R: Read + Send + 'static>(mut inner: R, limit: Duration) -> Reader {
        let (tx, rx) = mpsc::sync_channel(2);
        // Without a thread nothing could be abandoned: the channel closes at once and the
        // first read says so.
        let _ = std::thread::Builder::new()
            .name("read-ahead".into())
            .spawn(move || {
                crate::output::leave_signals_to_main_thread();
                loop {
                    let mut piece = vec![0u8; PIECE];
                    let sent = match inner.read(&mut piece) {
                        Ok(n) => {
                            piece.truncate(n);
                            tx.send(Ok(piece)).is_ok() && n > 0
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => true,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            false
                        }
                    };
                    // The reader was dropped, the file ended or failed.
                    if !sent {
                        return;
                    }
                }
            });
        Reader {
            pieces: rx,
            piece: Vec::new(),
            at: 0,
            limit,
            ended: false,
            timed_out: false,
        }
    }

    /// A read waited longer than the limit (the failure is then always this).
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }
}

impl Read for Reader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.piece.len() {
            if self.ended {
                return Ok(0);
            }
            if self.timed_out {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    NoAnswer(self.limit),
                ));
            }
            match self.pieces.recv_timeout(self.limit) {
                Ok(Ok(piece)) if piece.is_empty() => {
                    self.ended = true;
                    return Ok(0);
                }
                Ok(Ok(piece)) => {
                    self.piece = piece;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.timed_out = true;
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        NoAnswer(self.limit),
                    ));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.ended = true;
                    return Err(io::Error::other("no helper thread to read with a deadline"));
                }
            }
        }
        let n = out.len().min(self.piece.len() - self.at);
        out[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer in time is returned; a call that sleeps past the limit is abandoned.
    #[test]
    fn abandons_what_does_not_answer() {
        assert_eq!(within(Duration::from_secs(5), || 7), Ok(7));
        let started = std::time::Instant::now();
        let r = within(Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(3));
        });
        assert_eq!(r, Err(NoAnswer(Duration::from_millis(100))));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(NoAnswer(MOUNT_DEADLINE).to_string().contains("within 10 s"));
    }

    /// A source that never answers (a pipe whose writer stays silent): the read fails after
    /// the limit, says so, and keeps failing; a source that answers is read whole, in order.
    #[test]
    fn reader_gives_up_on_a_silent_source() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut all = Vec::new();
        Reader::spawn(std::io::Cursor::new(data.clone()), Duration::from_secs(5))
            .read_to_end(&mut all)
            .unwrap();
        assert_eq!(all, data);

        let (rd, wr) = nix::unistd::pipe().unwrap();
        let mut wr = std::fs::File::from(wr);
        std::io::Write::write_all(&mut wr, b"hello").unwrap();
        let mut r = Reader::spawn(std::fs::File::from(rd), Duration::from_millis(200));
        let mut buf = [0u8; 16];
        assert_eq!(r.read(&mut buf).unwrap(), 5);
        let started = std::time::Instant::now();
        let e = r.read(&mut buf).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(e.to_string().contains("did not answer"), "{e}");
        assert!(r.timed_out());
        assert!(r.read(&mut buf).is_err());
        drop(wr);
    }
}
