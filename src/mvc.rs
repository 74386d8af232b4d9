//! `mvc listen` and `mvc probe`: real TCP on the multi-VM consistency port (20004 by default),
//! so that the machines of a replication group can prove to each other that the port gets
//! through every firewall between them. `listen` accepts connections until its timeout and
//! prints each peer that reached it; `probe` connects to each named peer with a timeout and
//! prints one line per peer. They are the only commands that send traffic, and only when run.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The consistency port of the seed document.
pub const DEFAULT_PORT: u16 = 20004;

/// What a listener sends to every peer, so that a probe can tell it reached one of ours.
pub const BANNER: &[u8] = b"asr-preflight mvc listen\n";

/// A validated `mvc listen`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenConfig {
    pub port: u16,
    pub timeout: Duration,
}

/// A validated `mvc probe`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeConfig {
    pub hosts: Vec<String>,
    pub port: u16,
    pub timeout: Duration,
}

/// The command could not run at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum MvcError {
    #[error("cannot listen on TCP port {port}: {source}")]
    Bind { port: u16, source: io::Error },
    #[error("while listening: {0}")]
    Accept(io::Error),
    #[error("cannot write to standard output: {0}")]
    Output(io::Error),
}

/// Shows an address as people write it: IPv4-mapped IPv6 addresses as plain IPv4.
fn show_addr(a: SocketAddr) -> String {
    match a.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), a.port()).to_string(),
            None => a.to_string(),
        },
        IpAddr::V4(_) => a.to_string(),
    }
}

/// Binds the port on every address: one dual-stack IPv6 socket, or IPv4 alone where the
/// kernel has no IPv6.
fn bind(port: u16) -> Result<TcpListener, MvcError> {
    match TcpListener::bind(SocketAddr::from(([0u16; 8], port))) {
        Ok(l) => Ok(l),
        Err(e6) if e6.kind() != io::ErrorKind::AddrInUse => {
            TcpListener::bind(SocketAddr::from(([0u8; 4], port)))
                .map_err(|source| MvcError::Bind { port, source })
        }
        Err(source) => Err(MvcError::Bind { port, source }),
    }
}

/// Accepts connections until the timeout, writing a line per connection to `out`.
/// Returns the number of connections.
pub fn listen(cfg: &ListenConfig, out: &mut dyn Write) -> Result<usize, MvcError> {
    let listener = bind(cfg.port)?;
    listener.set_nonblocking(true).map_err(MvcError::Accept)?;
    let say = |out: &mut dyn Write, line: String| -> Result<(), MvcError> {
        writeln!(out, "{line}")
            .and_then(|_| out.flush())
            .map_err(MvcError::Output)
    };
    say(
        out,
        format!(
            "listening on TCP port {} for {} s",
            cfg.port,
            cfg.timeout.as_secs_f64()
        ),
    )?;
    let deadline = Instant::now() + cfg.timeout;
    let mut count = 0usize;
    let mut peers = std::collections::BTreeSet::new();
    while Instant::now() < deadline {
        match listener.accept() {
            Ok((mut stream, peer)) => {
                count += 1;
                peers.insert(peer.ip().to_canonical());
                // The banner is a courtesy; a peer that has already gone is no error.
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = stream.write_all(BANNER);
                let _ = stream.shutdown(Shutdown::Both);
                say(out, format!("peer {} connected", show_addr(peer)))?;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A peer that reset before accept() completed is not the listener's failure.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            Err(e) => return Err(MvcError::Accept(e)),
        }
    }
    say(
        out,
        format!("done: {count} connection(s) from {} peer(s)", peers.len()),
    )?;
    Ok(count)
}

/// The outcome for one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    pub host: String,
    pub ok: bool,
    /// The line printed for it.
    pub line: String,
}

fn describe_error(e: &io::Error, timeout: Duration) -> String {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => format!(
            "no answer within {} s (a firewall dropping the packets, or no route)",
            timeout.as_secs_f64()
        ),
        io::ErrorKind::ConnectionRefused => {
            "connection refused (nothing listens on the port, or a firewall rejects it)".into()
        }
        _ => e.to_string(),
    }
}

/// Connects to one peer: each address its name resolves to, in turn, within the timeout.
pub fn probe_one(host: &str, port: u16, timeout: Duration) -> ProbeResult {
    let start = Instant::now();
    let fail = |why: String| ProbeResult {
        host: host.to_string(),
        ok: false,
        line: format!("{host} port {port}: FAILED: {why}"),
    };
    // A bare IPv6 address needs brackets to be combined with a port.
    let target = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let addrs: Vec<SocketAddr> = match target.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => return fail(format!("cannot resolve: {e}")),
    };
    if addrs.is_empty() {
        return fail("the name has no address".into());
    }
    let mut last = String::new();
    for addr in &addrs {
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(mut stream) => {
                let ms = start.elapsed().as_millis();
                // Read the banner briefly, to say whether our listener answered.
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let mut buf = [0u8; 64];
                let n = stream.read(&mut buf).unwrap_or(0);
                let who = if buf[..n].starts_with(BANNER) {
                    "asr-preflight mvc listen answered"
                } else {
                    "connected (not an asr-preflight listener)"
                };
                return ProbeResult {
                    host: host.to_string(),
                    ok: true,
                    line: format!(
                        "{host} port {port}: ok ({}, {ms} ms, {who})",
                        show_addr(*addr)
                    ),
                };
            }
            Err(e) => last = format!("{}: {}", show_addr(*addr), describe_error(&e, timeout)),
        }
    }
    if last.is_empty() {
        last = format!("no time left within {} s", timeout.as_secs_f64());
    }
    fail(last)
}

/// Probes every peer at once (a group can be large and each may take the whole timeout) and
/// writes one line per peer, in the order given. Returns whether all succeeded.
pub fn probe(cfg: &ProbeConfig, out: &mut dyn Write) -> Result<bool, MvcError> {
    let results: Vec<ProbeResult> = std::thread::scope(|s| {
        let handles: Vec<_> = cfg
            .hosts
            .iter()
            .map(|h| s.spawn(move || probe_one(h, cfg.port, cfg.timeout)))
            .collect();
        handles
            .into_iter()
            .zip(&cfg.hosts)
            .map(|(h, host)| {
                h.join().unwrap_or_else(|_| ProbeResult {
                    host: host.clone(),
                    ok: false,
                    line: format!("{host} port {}: FAILED: internal error", cfg.port),
                })
            })
            .collect()
    });
    for r in &results {
        writeln!(out, "{}", r.line).map_err(MvcError::Output)?;
    }
    let ok = results.iter().filter(|r| r.ok).count();
    writeln!(
        out,
        "{ok} of {} peer(s) reachable on TCP port {}",
        results.len(),
        cfg.port
    )
    .and_then(|_| out.flush())
    .map_err(MvcError::Output)?;
    Ok(ok == results.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe against a listener on loopback succeeds, sees the banner, and the listener
    /// reports the peer; a closed port is refused.
    #[test]
    fn loopback_listen_and_probe() {
        // Find a free port by binding 0, then let the listener take it.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cfg = ListenConfig {
            port,
            timeout: Duration::from_millis(1500),
        };
        let listener = std::thread::spawn(move || {
            let mut out = Vec::new();
            let n = listen(&cfg, &mut out).unwrap();
            (n, String::from_utf8(out).unwrap())
        });
        std::thread::sleep(Duration::from_millis(300));
        let r = probe_one("127.0.0.1", port, Duration::from_secs(2));
        assert!(r.ok, "{r:?}");
        assert!(
            r.line.contains("asr-preflight mvc listen answered"),
            "{r:?}"
        );
        let (n, text) = listener.join().unwrap();
        assert_eq!(n, 1, "{text}");
        assert!(text.contains("peer 127.0.0.1:"), "{text}");
        // Now nothing listens there.
        let r = probe_one("127.0.0.1", port, Duration::from_secs(2));
        assert!(!r.ok);
        assert!(r.line.contains("refused"), "{r:?}");
    }

    /// IPv4-mapped addresses are shown as IPv4.
    #[test]
    fn mapped_addresses_shown_as_ipv4() {
        let a: SocketAddr = "[::ffff:198.51.100.2]:4000".parse().unwrap();
        assert_eq!(show_addr(a), "198.51.100.2:4000");
        let b: SocketAddr = "[2001:db8::1]:4000".parse().unwrap();
        assert_eq!(show_addr(b), "[2001:db8::1]:4000");
    }
}
