//! `/proc/net/tcp` and `/proc/net/tcp6`: one socket per line, addresses in the kernel's own
//! byte order as hex, the state as a hex code (`0A` is LISTEN) and the socket's inode, which
//! links the socket to the process holding it through `/proc/PID/fd`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// TCP_LISTEN in the kernel's state enumeration.
pub const STATE_LISTEN: u8 = 0x0A;

/// One socket line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    pub local: IpAddr,
    pub local_port: u16,
    pub state: u8,
    pub uid: u32,
    pub inode: u64,
}

/// Every well-formed socket line; malformed lines are reported with their number.
pub fn parse(text: &str) -> (Vec<Socket>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (idx, line) in text.lines().enumerate() {
        match parse_line(line) {
            Line::Socket(s) => out.push(s),
            Line::Blank => {}
            Line::Bad => errors.push(bad_line(idx, line)),
        }
    }
    (out, errors)
}

/// Most malformed lines reported by [`parse_reader`]; the rest are counted.
const MAX_ERRORS: usize = 20;

/// Reads a socket table line by line, keeping only the sockets `keep` wants: a busy server's
/// table has hundreds of thousands of connections (150 bytes each), more than any file the
/// tool reads whole, of which a few dozen listen.
pub fn parse_reader(
    mut r: impl std::io::BufRead,
    keep: impl Fn(&Socket) -> bool,
) -> std::io::Result<(Vec<Socket>, Vec<String>)> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut bad = 0usize;
    let mut buf = Vec::new();
    let mut idx = 0;
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        match parse_line(line) {
            Line::Socket(s) if keep(&s) => out.push(s),
            Line::Socket(_) | Line::Blank => {}
            Line::Bad => {
                bad += 1;
                if bad <= MAX_ERRORS {
                    errors.push(bad_line(idx, line));
                }
            }
        }
        idx += 1;
    }
    if bad > MAX_ERRORS {
        errors.push(format!(
            "{} more lines that are not socket lines",
            bad - MAX_ERRORS
        ));
    }
    Ok((out, errors))
}

enum Line {
    Socket(Socket),
    /// Empty, or the header (it starts with `sl`).
    Blank,
    Bad,
}

fn parse_line(line: &str) -> Line {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.is_empty() || fields[0] == "sl" {
        return Line::Blank;
    }
    match parse_fields(&fields) {
        Some(s) => Line::Socket(s),
        None => Line::Bad,
    }
}

fn bad_line(idx: usize, line: &str) -> String {
    let line: String = line.trim().chars().take(200).collect();
    format!("line {}: not a socket line: {line}", idx + 1)
}

fn parse_fields(f: &[&str]) -> Option<Socket> {
    if f.len() < 10 {
        return None;
    }
    let (addr, port) = f[1].split_once(':')?;
    Some(Socket {
        local: parse_addr(addr)?,
        local_port: u16::from_str_radix(port, 16).ok()?,
        state: u8::from_str_radix(f[3], 16).ok()?,
        uid: f[7].parse().ok()?,
        inode: f[9].parse().ok()?,
    })
}

/// The kernel prints each 32-bit word of the address as a number read in host byte order
/// (little endian on the x86_64 machines we serve), so its little-endian bytes are the address.
fn parse_addr(hex: &str) -> Option<IpAddr> {
    let word = |s: &str| u32::from_str_radix(s, 16).ok().map(u32::to_le_bytes);
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(word(hex)?))),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(hex.get(i * 8..i * 8 + 8)?)?);
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15563 1 0000000000000000 100 0 0 10 0
   1: 0100007F:4E24 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 20001 1 0000000000000000 100 0 0 10 0
   2: 0264A8C0:0016 0164A8C0:D5C4 01 00000000:00000000 02:0009A77E 00000000     0        0 30001 4 0000000000000000 20 4 29 10 -1
";

    /// Ports, states, uids and inodes come out of the kernel's hex; addresses in network order.
    #[test]
    fn ipv4_lines() {
        let (s, e) = parse(TCP);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].local_port, 22);
        assert_eq!(s[0].state, STATE_LISTEN);
        assert_eq!(s[1].local, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(s[1].local_port, 20004);
        assert_eq!(s[1].uid, 1000);
        assert_eq!(s[1].inode, 20001);
        assert_eq!(s[2].local, "192.168.100.2".parse::<IpAddr>().unwrap());
        assert_eq!(s[2].state, 1);
    }

    /// IPv6 addresses are four little-endian words.
    #[test]
    fn ipv6_lines() {
        let t = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000000000000:4E24 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0\n";
        let (s, e) = parse(t);
        assert!(e.is_empty());
        assert_eq!(s[0].local, "::".parse::<IpAddr>().unwrap());
        assert_eq!(s[0].local_port, 20004);
        assert_eq!(s[1].local, "::1".parse::<IpAddr>().unwrap());
    }

    /// A truncated line is an error naming its line, never silently a socket.
    #[test]
    fn malformed_lines_are_reported() {
        let (s, e) = parse("sl x\n 0: 0100007F:0016 00000000:0000\n");
        assert!(s.is_empty());
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("line 2"));
    }

    /// The streaming reader keeps what it is asked to keep, and reports the first malformed
    /// lines, counting the rest.
    #[test]
    fn reader_filters_and_caps_errors() {
        let mut text = String::from(TCP);
        for _ in 0..25 {
            text.push_str("garbage\n");
        }
        let (kept, errors) = parse_reader(text.as_bytes(), |s| s.state == STATE_LISTEN).unwrap();
        assert_eq!(kept.len(), 2);
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert_eq!(errors[MAX_ERRORS], "5 more lines that are not socket lines");
        let (all, _) = parse_reader(TCP.as_bytes(), |_| true).unwrap();
        assert_eq!(all, parse(TCP).0);
    }
}
