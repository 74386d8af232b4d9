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
        let fields: Vec<&str> = line.split_whitespace().collect();
        // The header line starts with `sl`.
        if fields.is_empty() || fields[0] == "sl" {
            continue;
        }
        match parse_fields(&fields) {
            Some(s) => out.push(s),
            None => errors.push(format!(
                "line {}: not a socket line: {}",
                idx + 1,
                line.trim()
            )),
        }
    }
    (out, errors)
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
}
