//! Calls that may never return (a stat, open or statvfs on a hung FUSE, NFS or CIFS mount sleeps
//! in the kernel for as long as the server is gone) run on a helper thread the run can abandon:
//! the caller waits at most [`MOUNT_DEADLINE`] and is told "did not answer". The abandoned thread
//! holds no lock of the caller's and takes no signal, so Ctrl-C and the exit still work.

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
}
