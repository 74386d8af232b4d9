//! The `RUN_LVL` record of utmp (`/var/run/utmp`, utmp(5)), which is what `runlevel` prints.
//! glibc on x86_64 writes 384-byte records; `ut_type` is the first 32-bit word and, for a
//! RUN_LVL record, `ut_pid` (the second) holds the runlevel character, plus 256 times the
//! previous one.

/// Size of one glibc utmp record on x86_64.
pub const RECORD: usize = 384;
const RUN_LVL: i32 = 1;

/// The current runlevel and the previous one (`N` for none), from the last RUN_LVL record.
pub fn runlevel(data: &[u8]) -> Option<(char, char)> {
    let mut found = None;
    for rec in data.chunks_exact(RECORD) {
        let word = |at: usize| i32::from_le_bytes([rec[at], rec[at + 1], rec[at + 2], rec[at + 3]]);
        if word(0) == RUN_LVL {
            let pid = word(4);
            let cur = (pid & 0xff) as u8;
            let prev = ((pid >> 8) & 0xff) as u8;
            if cur.is_ascii_graphic() {
                let prev = if prev.is_ascii_graphic() {
                    prev as char
                } else {
                    'N'
                };
                found = Some((cur as char, prev));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: i32, pid: i32) -> Vec<u8> {
        let mut r = vec![0u8; RECORD];
        r[..4].copy_from_slice(&kind.to_le_bytes());
        r[4..8].copy_from_slice(&pid.to_le_bytes());
        r
    }

    /// BOOT_TIME, then RUN_LVL 3 from N, then a login: runlevel says `N 3`.
    #[test]
    fn finds_the_run_level_record() {
        let mut data = record(2, 0);
        data.extend(record(RUN_LVL, '3' as i32));
        data.extend(record(7, 1234));
        assert_eq!(runlevel(&data), Some(('3', 'N')));
        data.extend(record(RUN_LVL, '5' as i32 + 256 * '3' as i32));
        assert_eq!(runlevel(&data), Some(('5', '3')));
    }

    /// No RUN_LVL record (a container, systemd without utmp support): unknown.
    #[test]
    fn none_without_record() {
        assert_eq!(runlevel(&record(2, 0)), None);
        assert_eq!(runlevel(&[]), None);
    }
}
