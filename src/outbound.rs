//! The live connectivity engine behind `net.outbound`: for every endpoint, in stages that stop at
//! the first failure, name resolution, a TCP connection (directly, or to the proxy followed by an
//! HTTP CONNECT), and a TLS handshake verified against the given trust anchors, recording who
//! issued the certificate. All endpoints run at once, each in its own thread, under one deadline:
//! a black hole costs the deadline once, and threads still blocked when it passes (a resolver
//! that never answers, say) are abandoned, not waited for.
//!
//! The plan and the outcomes are plain data so that [`crate::probe::FakeProbe`] can stand in for
//! this module in tests of the check itself.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
    SignatureScheme,
};

use crate::parse::proxy_url::{bypass_matches, host_port};
use crate::parse::x509_name;
use crate::text::sanitize_terminal;

/// One endpoint to reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// Only the TCP connection is tried (an address, not a name with a certificate).
    pub tcp_only: bool,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sanitize_terminal(&host_port(&self.host, self.port)))
    }
}

/// The proxy the connections go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyHop {
    pub host: String,
    pub port: u16,
    /// How reports show it (credentials redacted), with where it came from.
    pub shown: String,
    /// Hosts that bypass the proxy (`no_proxy` semantics).
    pub bypass: Vec<String>,
    /// Set when the proxy cannot be used at all (an `https://` proxy); the reason.
    pub unusable: Option<String>,
}

/// What to try.
#[derive(Debug, Clone)]
pub struct Plan {
    pub targets: Vec<Target>,
    pub proxy: Option<ProxyHop>,
    /// DER trust anchors; empty means no CA bundle was found (the TLS stage then cannot verify).
    pub trust: Vec<Vec<u8>>,
    /// The one deadline for all endpoints together.
    pub timeout: Duration,
}

/// The stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Resolve,
    Connect,
    Proxy,
    Tls,
    Done,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Resolve => "name resolution",
            Stage::Connect => "TCP connect",
            Stage::Proxy => "proxy CONNECT",
            Stage::Tls => "TLS handshake",
            Stage::Done => "done",
        }
    }
}

/// Why a stage failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The deadline passed during the stage.
    Timeout,
    /// The name did not resolve.
    Resolve,
    /// Connection refused: nothing listens, or a firewall rejects.
    Refused,
    /// No route, network unreachable, or another socket error.
    Network,
    /// The proxy answered 407: it wants credentials.
    ProxyAuth,
    /// The proxy refused the tunnel or did not speak HTTP.
    ProxyRefused,
    /// The proxy cannot be used (an `https://` proxy).
    ProxyUnusable,
    /// The certificate does not chain to a trusted root.
    UntrustedIssuer,
    /// The certificate is trusted but wrong otherwise (name, dates, ...).
    BadCertificate,
    /// No trust anchors to verify with.
    NoTrust,
    /// Any other TLS failure (closed connection, not TLS, protocol error).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// The error in words.
    pub message: String,
}

/// What happened to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub target: Target,
    /// Whether the connection went through the proxy.
    pub via_proxy: bool,
    /// The stage that failed, or [`Stage::Done`].
    pub stage: Stage,
    pub elapsed: Duration,
    pub failure: Option<Failure>,
    /// The issuer of the certificate the server presented, when one was seen.
    pub issuer: Option<x509_name::Name>,
    /// The address connected to (the proxy's when via the proxy).
    pub peer: Option<SocketAddr>,
}

/// Resolves a host name; replaceable in tests (a resolver that hangs, one that fails).
pub type Resolver = Arc<dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync>;

/// The system resolver (getaddrinfo through std).
pub fn system_resolver() -> Resolver {
    Arc::new(|host: &str, port: u16| (host, port).to_socket_addrs().map(|a| a.collect()))
}

/// Runs the plan against the network.
pub fn run(plan: &Plan) -> Vec<Outcome> {
    run_with(plan, system_resolver())
}

/// Runs the plan with the given resolver.
pub fn run_with(plan: &Plan, resolver: Resolver) -> Vec<Outcome> {
    let start = Instant::now();
    let deadline = start + plan.timeout;
    let provider = Arc::new(crate::tls_provider::provider());
    let roots = Arc::new(root_store(&plan.trust));
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let mut progress: Vec<Arc<Mutex<Stage>>> = Vec::new();
    let mut results: Vec<Option<Outcome>> = vec![None; plan.targets.len()];
    for (i, target) in plan.targets.iter().enumerate() {
        let stage = Arc::new(Mutex::new(Stage::Resolve));
        progress.push(stage.clone());
        let job = Job {
            target: target.clone(),
            proxy: plan
                .proxy
                .clone()
                .filter(|p| !bypass_matches(&p.bypass, &target.host)),
            deadline,
            start,
            resolver: resolver.clone(),
            provider: provider.clone(),
            roots: roots.clone(),
            stage,
        };
        let tx = tx.clone();
        let spawned = thread::Builder::new()
            .name(format!("outbound-{i}"))
            .spawn(move || {
                crate::output::leave_signals_to_main_thread();
                let _ = tx.send((i, job.run()));
            });
        if let Err(e) = spawned {
            results[i] = Some(Outcome {
                target: target.clone(),
                via_proxy: false,
                stage: Stage::Resolve,
                elapsed: Duration::ZERO,
                failure: Some(Failure {
                    kind: FailureKind::Network,
                    message: format!("could not start a thread: {e}"),
                }),
                issuer: None,
                peer: None,
            });
        }
    }
    drop(tx);
    while results.iter().any(Option::is_none) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, o)) => results[i] = Some(o),
            Err(_) => break, // deadline passed (or every sender is gone)
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                let target = &plan.targets[i];
                let stage = progress[i].lock().map(|s| *s).unwrap_or(Stage::Resolve);
                Outcome {
                    target: target.clone(),
                    via_proxy: plan
                        .proxy
                        .as_ref()
                        .is_some_and(|p| !bypass_matches(&p.bypass, &target.host)),
                    stage,
                    elapsed: plan.timeout,
                    failure: Some(timeout_failure(stage, plan.timeout)),
                    issuer: None,
                    peer: None,
                }
            })
        })
        .collect()
}

fn timeout_failure(stage: Stage, timeout: Duration) -> Failure {
    let what = match stage {
        Stage::Resolve => "the name did not resolve",
        Stage::Connect => {
            "no answer to the connection attempt (packets dropped: a firewall or a black hole)"
        }
        Stage::Proxy => "the proxy did not answer the CONNECT request",
        Stage::Tls => "the server did not complete the TLS handshake",
        Stage::Done => "timed out",
    };
    Failure {
        kind: FailureKind::Timeout,
        message: format!("{what} within the {:.1} s deadline", timeout.as_secs_f64()),
    }
}

fn root_store(trust: &[Vec<u8>]) -> RootCertStore {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(trust.iter().map(|d| CertificateDer::from(d.clone())));
    store
}

/// One endpoint's work, moved into its thread.
struct Job {
    target: Target,
    proxy: Option<ProxyHop>,
    deadline: Instant,
    start: Instant,
    resolver: Resolver,
    provider: Arc<CryptoProvider>,
    roots: Arc<RootCertStore>,
    stage: Arc<Mutex<Stage>>,
}

/// A stage ended early.
struct Stop(Stage, Failure);

impl Job {
    fn enter(&self, s: Stage) {
        if let Ok(mut g) = self.stage.lock() {
            *g = s;
        }
    }

    fn left(&self, stage: Stage) -> Result<Duration, Stop> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Stop(
                stage,
                timeout_failure(stage, self.deadline - self.start),
            ));
        }
        Ok(left)
    }

    fn run(self) -> Outcome {
        let mut peer = None;
        let mut issuer = None;
        let result = self.stages(&mut peer, &mut issuer);
        let (stage, failure) = match result {
            Ok(()) => (Stage::Done, None),
            Err(Stop(s, f)) => (s, Some(f)),
        };
        Outcome {
            target: self.target.clone(),
            via_proxy: self.proxy.is_some(),
            stage,
            elapsed: self.start.elapsed(),
            failure,
            issuer,
            peer,
        }
    }

    fn stages(
        &self,
        peer: &mut Option<SocketAddr>,
        issuer: &mut Option<x509_name::Name>,
    ) -> Result<(), Stop> {
        if let Some(reason) = self.proxy.as_ref().and_then(|p| p.unusable.clone()) {
            return Err(Stop(
                Stage::Proxy,
                Failure {
                    kind: FailureKind::ProxyUnusable,
                    message: reason,
                },
            ));
        }
        let (host, port) = match &self.proxy {
            Some(p) => (p.host.clone(), p.port),
            None => (self.target.host.clone(), self.target.port),
        };

        self.enter(Stage::Resolve);
        let addrs = (self.resolver)(&host, port).map_err(|e| {
            Stop(
                Stage::Resolve,
                Failure {
                    kind: FailureKind::Resolve,
                    message: format!("{} does not resolve: {e}", sanitize_terminal(&host)),
                },
            )
        })?;
        if addrs.is_empty() {
            return Err(Stop(
                Stage::Resolve,
                Failure {
                    kind: FailureKind::Resolve,
                    message: format!("{} resolves to no address", sanitize_terminal(&host)),
                },
            ));
        }

        self.enter(Stage::Connect);
        let mut stream = self.connect(&addrs)?;
        *peer = stream.peer_addr().ok();
        let _ = stream.set_nodelay(true);

        if self.proxy.is_some() {
            self.enter(Stage::Proxy);
            self.tunnel(&mut stream)?;
        }
        if self.target.tcp_only {
            return Ok(());
        }

        self.enter(Stage::Tls);
        self.handshake(&mut stream, issuer)
    }

    fn connect(&self, addrs: &[SocketAddr]) -> Result<TcpStream, Stop> {
        let mut last: Option<io::Error> = None;
        for addr in addrs {
            let left = self.left(Stage::Connect)?;
            match TcpStream::connect_timeout(addr, left) {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| io::Error::other("no address"));
        let (kind, message) = match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                return Err(Stop(
                    Stage::Connect,
                    timeout_failure(Stage::Connect, self.deadline - self.start),
                ));
            }
            io::ErrorKind::ConnectionRefused => (
                FailureKind::Refused,
                format!(
                    "connection {}refused by {} (nothing listens on port {}, or a firewall rejects it)",
                    if self.proxy.is_some() {
                        "to the proxy "
                    } else {
                        ""
                    },
                    addrs
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    addrs[0].port()
                ),
            ),
            _ if self.proxy.is_some() => (
                FailureKind::Network,
                format!("cannot connect to the proxy: {e}"),
            ),
            _ => (FailureKind::Network, format!("cannot connect: {e}")),
        };
        Err(Stop(Stage::Connect, Failure { kind, message }))
    }

    fn io_stop(&self, stage: Stage, e: io::Error, what: &str) -> Stop {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                Stop(stage, timeout_failure(stage, self.deadline - self.start))
            }
            _ => Stop(
                stage,
                Failure {
                    kind: if stage == Stage::Proxy {
                        FailureKind::ProxyRefused
                    } else {
                        FailureKind::Tls
                    },
                    message: format!("{what}: {e}"),
                },
            ),
        }
    }

    /// HTTP CONNECT through the proxy; the answer's headers are read byte by byte so that not
    /// a byte of the tunnel is consumed.
    fn tunnel(&self, stream: &mut TcpStream) -> Result<(), Stop> {
        let authority = host_port(&self.target.host, self.target.port);
        let request = format!(
            "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: asr-preflight/{}\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        );
        let left = self.left(Stage::Proxy)?;
        let _ = stream.set_write_timeout(Some(left));
        stream
            .write_all(request.as_bytes())
            .map_err(|e| self.io_stop(Stage::Proxy, e, "sending CONNECT to the proxy failed"))?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
            if head.len() > 16 * 1024 {
                return Err(Stop(
                    Stage::Proxy,
                    Failure {
                        kind: FailureKind::ProxyRefused,
                        message: "the proxy's answer is not HTTP (no end of headers in 16 KiB)"
                            .into(),
                    },
                ));
            }
            let left = self.left(Stage::Proxy)?;
            let _ = stream.set_read_timeout(Some(left));
            match stream.read(&mut byte) {
                Ok(0) => {
                    return Err(Stop(
                        Stage::Proxy,
                        Failure {
                            kind: FailureKind::ProxyRefused,
                            message: "the proxy closed the connection without answering CONNECT"
                                .into(),
                        },
                    ));
                }
                Ok(_) => head.push(byte[0]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(self.io_stop(Stage::Proxy, e, "reading the proxy's answer failed"));
                }
            }
        }
        let text = String::from_utf8_lossy(&head);
        let status_line = text.lines().next().unwrap_or("").trim();
        let shown: String = sanitize_terminal(status_line).chars().take(120).collect();
        let code = status_line
            .strip_prefix("HTTP/")
            .and_then(|r| r.split_whitespace().nth(1))
            .and_then(|c| c.parse::<u16>().ok());
        match code {
            Some(200..=299) => Ok(()),
            Some(407) => Err(Stop(
                Stage::Proxy,
                Failure {
                    kind: FailureKind::ProxyAuth,
                    message: format!(
                        "the proxy demands authentication ({shown}): an authenticated proxy, which Site Recovery does not support"
                    ),
                },
            )),
            Some(_) => Err(Stop(
                Stage::Proxy,
                Failure {
                    kind: FailureKind::ProxyRefused,
                    message: format!("the proxy refused the tunnel: {shown}"),
                },
            )),
            None => Err(Stop(
                Stage::Proxy,
                Failure {
                    kind: FailureKind::ProxyRefused,
                    message: format!("the proxy's answer is not HTTP: {shown}"),
                },
            )),
        }
    }

    fn handshake(
        &self,
        stream: &mut TcpStream,
        issuer: &mut Option<x509_name::Name>,
    ) -> Result<(), Stop> {
        let stop = |kind, message: String| Stop(Stage::Tls, Failure { kind, message });
        let inner = if self.roots.is_empty() {
            None
        } else {
            WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone())
                .build()
                .ok()
        };
        let recorder = Arc::new(Recorder {
            inner,
            provider: self.provider.clone(),
            seen: Mutex::new(None),
        });
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| stop(FailureKind::Tls, format!("TLS setup failed: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
        let name = ServerName::try_from(self.target.host.clone()).map_err(|_| {
            stop(
                FailureKind::Tls,
                format!(
                    "'{}' is not a valid TLS server name",
                    sanitize_terminal(&self.target.host)
                ),
            )
        })?;
        let mut conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| stop(FailureKind::Tls, format!("TLS setup failed: {e}")))?;
        let result = self.drive(&mut conn, stream);
        *issuer = recorder
            .seen
            .lock()
            .ok()
            .and_then(|g| g.clone())
            .and_then(|der| x509_name::issuer(&der).ok());
        let shown_issuer = issuer
            .as_ref()
            .map(|n| format!("'{n}'"))
            .unwrap_or_else(|| "an unknown issuer".into());
        match result {
            Ok(()) => Ok(()),
            Err(HandshakeError::Io(e)) => Err(self.io_stop(Stage::Tls, e, "the TLS handshake failed")),
            Err(HandshakeError::Eof) => Err(stop(
                FailureKind::Tls,
                "the server closed the connection during the TLS handshake (not a TLS server, or something in between cut it)".into(),
            )),
            Err(HandshakeError::Tls(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))) => {
                Err(stop(
                    FailureKind::UntrustedIssuer,
                    format!(
                        "the certificate was issued by {shown_issuer}, which the system CA bundle does not trust (TLS interception, or the bundle lacks the root)"
                    ),
                ))
            }
            Err(HandshakeError::Tls(rustls::Error::InvalidCertificate(e))) => Err(stop(
                FailureKind::BadCertificate,
                format!("the certificate (issued by {shown_issuer}) was rejected: {e}"),
            )),
            Err(HandshakeError::Tls(rustls::Error::General(m))) if m == NO_TRUST => Err(stop(
                FailureKind::NoTrust,
                format!("no trusted CA certificates to verify the certificate (issued by {shown_issuer}) with"),
            )),
            Err(HandshakeError::Tls(e)) => Err(stop(FailureKind::Tls, format!("the TLS handshake failed: {e}"))),
        }
    }

    /// Drives the handshake with every read and write bounded by the deadline.
    fn drive(
        &self,
        conn: &mut ClientConnection,
        stream: &mut TcpStream,
    ) -> Result<(), HandshakeError> {
        while conn.is_handshaking() {
            while conn.wants_write() {
                let left = self
                    .left(Stage::Tls)
                    .map_err(|_| HandshakeError::timeout())?;
                let _ = stream.set_write_timeout(Some(left));
                conn.write_tls(stream).map_err(HandshakeError::Io)?;
            }
            if !conn.is_handshaking() {
                break;
            }
            if conn.wants_read() {
                let left = self
                    .left(Stage::Tls)
                    .map_err(|_| HandshakeError::timeout())?;
                let _ = stream.set_read_timeout(Some(left));
                match conn.read_tls(stream) {
                    Ok(0) => return Err(HandshakeError::Eof),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(HandshakeError::Io(e)),
                }
                if let Err(e) = conn.process_new_packets() {
                    // Send our alert before giving up, as a polite client does.
                    let _ = conn.write_tls(stream);
                    return Err(HandshakeError::Tls(e));
                }
            }
        }
        // Flush the final handshake flight.
        while conn.wants_write() {
            if conn.write_tls(stream).is_err() {
                break;
            }
        }
        Ok(())
    }
}

enum HandshakeError {
    Io(io::Error),
    Eof,
    Tls(rustls::Error),
}

impl HandshakeError {
    fn timeout() -> HandshakeError {
        HandshakeError::Io(io::Error::new(io::ErrorKind::TimedOut, "deadline"))
    }
}

const NO_TRUST: &str = "no trust anchors";

/// Verifies with the web PKI verifier, keeping the end-entity certificate so that the issuer
/// can be reported even when verification fails (the interception case).
#[derive(Debug)]
struct Recorder {
    inner: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    seen: Mutex<Option<Vec<u8>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut g) = self.seen.lock() {
            *g = Some(end_entity.as_ref().to_vec());
        }
        match &self.inner {
            Some(v) => {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::General(NO_TRUST.into())),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn plan(targets: Vec<Target>, timeout: Duration) -> Plan {
        Plan {
            targets,
            proxy: None,
            trust: Vec::new(),
            timeout,
        }
    }

    fn t(host: &str, port: u16) -> Target {
        Target {
            host: host.into(),
            port,
            tcp_only: false,
        }
    }

    /// A resolver that never answers costs the deadline once, and the outcome says the name
    /// resolution stage timed out; a failing resolver is reported as such, at once.
    #[test]
    fn resolver_black_hole_and_failure() {
        let resolver: Resolver = Arc::new(|host: &str, _| {
            if host == "hang.example" {
                thread::sleep(Duration::from_secs(30));
            }
            Err(io::Error::other("Name or service not known"))
        });
        let started = Instant::now();
        let out = run_with(
            &plan(
                vec![
                    t("hang.example", 443),
                    t("nx.example", 443),
                    t("hang.example", 8443),
                ],
                Duration::from_millis(600),
            ),
            resolver,
        );
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(out[0].stage, Stage::Resolve);
        assert_eq!(out[0].failure.as_ref().unwrap().kind, FailureKind::Timeout);
        assert_eq!(out[2].failure.as_ref().unwrap().kind, FailureKind::Timeout);
        assert_eq!(out[1].failure.as_ref().unwrap().kind, FailureKind::Resolve);
        assert!(
            out[1]
                .failure
                .as_ref()
                .unwrap()
                .message
                .contains("nx.example")
        );
        assert!(out[1].elapsed < Duration::from_millis(500));
    }

    /// A TCP-only target is done once connected: no TLS is attempted on a plain listener.
    #[test]
    fn tcp_only_stops_after_connect() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let mut target = t("127.0.0.1", port);
        target.tcp_only = true;
        let out = run(&plan(
            vec![target, t("127.0.0.1", port)],
            Duration::from_secs(2),
        ));
        assert_eq!(out[0].stage, Stage::Done, "{:?}", out[0]);
        assert!(out[0].failure.is_none());
        assert_eq!(out[0].peer, Some(l.local_addr().unwrap()));
        // The same listener without tcp_only fails the TLS handshake (nobody answers it).
        assert_eq!(out[1].stage, Stage::Tls, "{:?}", out[1]);
        drop(l);
    }

    /// A closed port is a refusal at the connect stage; an https:// proxy is not even tried.
    #[test]
    fn refused_and_unusable_proxy() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let out = run(&plan(vec![t("127.0.0.1", port)], Duration::from_secs(5)));
        assert_eq!(out[0].stage, Stage::Connect);
        assert_eq!(out[0].failure.as_ref().unwrap().kind, FailureKind::Refused);
        let mut p = plan(vec![t("127.0.0.1", port)], Duration::from_secs(5));
        p.proxy = Some(ProxyHop {
            host: "127.0.0.1".into(),
            port,
            shown: "https://127.0.0.1".into(),
            bypass: Vec::new(),
            unusable: Some("an HTTPS proxy".into()),
        });
        let out = run(&p);
        assert_eq!(out[0].stage, Stage::Proxy);
        assert!(out[0].via_proxy);
        assert_eq!(
            out[0].failure.as_ref().unwrap().kind,
            FailureKind::ProxyUnusable
        );
    }

    /// A server that accepts but never speaks TLS times out in the TLS stage; one that closes
    /// at once is reported as a closed connection.
    #[test]
    fn silent_and_closing_servers() {
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let closing = TcpListener::bind("127.0.0.1:0").unwrap();
        let cport = closing.local_addr().unwrap().port();
        thread::spawn(move || {
            for s in closing.incoming() {
                drop(s);
            }
        });
        let out = run(&plan(
            vec![
                t("127.0.0.1", silent.local_addr().unwrap().port()),
                t("127.0.0.1", cport),
            ],
            Duration::from_millis(800),
        ));
        assert_eq!(out[0].stage, Stage::Tls);
        assert_eq!(out[0].failure.as_ref().unwrap().kind, FailureKind::Timeout);
        assert_eq!(out[1].stage, Stage::Tls);
        assert_eq!(out[1].failure.as_ref().unwrap().kind, FailureKind::Tls);
    }
}
