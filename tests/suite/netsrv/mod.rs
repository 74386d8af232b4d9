//! Local network counterparts for the outbound tests, all on 127.0.0.1 and all started by the
//! tests themselves: a test CA made at run time, an HTTPS server with a certificate from it, an
//! HTTP CONNECT proxy that tunnels only to loopback, a proxy that always answers 407, a listener
//! that never answers TLS, a listener whose accept queue is full (connections to it hang), and a
//! port nobody listens on. Nothing here sends a packet off the machine.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA made for one test run, and a server certificate for `localhost` and 127.0.0.1 it signed.
pub struct TestCa {
    pub dir: tempfile::TempDir,
    /// The CA certificate as PEM, to hand to the tool as `ASR_PREFLIGHT_TEST_CA`.
    pub ca_file: PathBuf,
    pub server: Arc<rustls::ServerConfig>,
}

impl TestCa {
    /// A CA named `CN=<cn>, O=<org>`.
    pub fn new(org: &str, cn: &str) -> TestCa {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(rcgen::DnType::OrganizationName, org);
        ca.distinguished_name.push(rcgen::DnType::CommonName, cn);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let mut leaf =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .unwrap();
        leaf.distinguished_name = rcgen::DistinguishedName::new();
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("test-ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).unwrap();
        let chain = vec![
            CertificateDer::from(leaf_cert.der().to_vec()),
            CertificateDer::from(ca_cert.der().to_vec()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        TestCa {
            dir,
            ca_file,
            server: Arc::new(server),
        }
    }
}

fn loopback_listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1")
}

/// An HTTPS server completing handshakes with the given configuration; returns its port.
pub fn https_server(config: Arc<rustls::ServerConfig>) -> u16 {
    let l = loopback_listener();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let config = config.clone();
            thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                let Ok(mut conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                while conn.is_handshaking() {
                    if conn.complete_io(&mut s).is_err() {
                        return;
                    }
                }
                // Wait for the client to go away.
                let mut buf = [0u8; 512];
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

/// Reads an HTTP request head byte by byte (so no tunnelled byte is consumed).
fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return None,
        }
        if head.len() > 8192 {
            return None;
        }
    }
    String::from_utf8(head).ok()
}

/// An HTTP CONNECT proxy that tunnels to loopback targets only (others get 403); returns its
/// port and the CONNECT authorities it was asked for.
pub fn connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = loopback_listener();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut client) = s else { continue };
            let seen = seen2.clone();
            thread::spawn(move || {
                let Some(head) = read_head(&mut client) else {
                    return;
                };
                let authority = head
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("CONNECT "))
                    .and_then(|l| l.split_whitespace().next())
                    .unwrap_or("")
                    .to_string();
                seen.lock().unwrap().push(authority.clone());
                let port = authority.rsplit_once(':').and_then(|(h, p)| {
                    matches!(h, "localhost" | "127.0.0.1")
                        .then(|| p.parse::<u16>().ok())
                        .flatten()
                });
                let Some(port) = port else {
                    let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n");
                    return;
                };
                let Ok(upstream) = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
                else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                pump(client, upstream);
            });
        }
    });
    (port, seen)
}

fn pump(a: TcpStream, b: TcpStream) {
    let (mut a2, mut b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    let (mut a, mut b) = (a, b);
    let t = thread::spawn(move || {
        let _ = std::io::copy(&mut a2, &mut b2);
        let _ = b2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut b, &mut a);
    let _ = a.shutdown(Shutdown::Write);
    let _ = t.join();
}

/// A proxy that demands authentication from everyone; returns its port.
pub fn auth_proxy() -> u16 {
    let l = loopback_listener();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            thread::spawn(move || {
                if read_head(&mut s).is_some() {
                    let _ = s.write_all(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n",
                    );
                }
            });
        }
    });
    port
}

/// A listener nobody accepts on: connections complete (the kernel queues them) but no TLS
/// answer ever comes. Keep the listener alive for the test's duration.
pub fn silent_listener() -> (TcpListener, u16) {
    let l = loopback_listener();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// A listener with a full accept queue: the kernel drops new SYNs, so a connection attempt
/// hangs like one to a black hole. Keep the guard alive for the test's duration.
pub struct BlackHole {
    _listener: OwnedFd,
    _fillers: Vec<TcpStream>,
    pub port: u16,
}

pub fn black_hole() -> BlackHole {
    use nix::sys::socket::{
        AddressFamily, Backlog, SockFlag, SockType, SockaddrIn, bind, getsockname, listen, socket,
    };
    let fd = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .unwrap();
    bind(
        std::os::fd::AsRawFd::as_raw_fd(&fd),
        &SockaddrIn::new(127, 0, 0, 1, 0),
    )
    .unwrap();
    listen(&fd, Backlog::new(0).unwrap()).unwrap();
    let port = getsockname::<SockaddrIn>(std::os::fd::AsRawFd::as_raw_fd(&fd))
        .unwrap()
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut fillers = Vec::new();
    // Fill the queue until an attempt hangs: from then on every SYN is dropped.
    for _ in 0..16 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_err(),
        "the accept queue did not fill"
    );
    BlackHole {
        _listener: fd,
        _fillers: fillers,
        port,
    }
}

/// A port on 127.0.0.1 with no listener (bound once, then released).
pub fn closed_port() -> u16 {
    let l = loopback_listener();
    l.local_addr().unwrap().port()
}
