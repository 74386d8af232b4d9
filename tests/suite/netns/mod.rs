//! Two network namespaces joined by a veth pair, both created (and deleted) by the test: a
//! "server" (198.51.100.1, 2001:db8::1 on `vs`) whose firewall is under test and which listens
//! on the ports, and a "peer" (198.51.100.2, 2001:db8::2 on `p-vs`) that connects. Nothing is
//! added to the root namespace; each namespace is a `common::netns::Netns`. Helper threads
//! enter a namespace with setns(2); the binary under test runs inside the server namespace
//! through `ip netns exec`, which also bind-mounts /etc/netns/SERVER/* over /etc (used to give
//! it an sshd_config naming the ports).
#![allow(dead_code)]

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

pub use super::common::netns::is_root;
use super::common::netns::{Netns, run_ok};

pub const SERVER_V4: &str = "198.51.100.1";
pub const SERVER_V6: &str = "2001:db8::1";
pub const PEER_V4: &str = "198.51.100.2";
pub const PEER_V6: &str = "2001:db8::2";

/// Runs a command with `input` on standard input; returns whether it succeeded and its stderr.
pub fn sh_in(args: &[&str], input: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The pair of namespaces; dropping it stops the listeners, then deletes both namespaces and
/// everything in them.
pub struct NetPair {
    pub server: String,
    pub peer: String,
    stop: Arc<AtomicBool>,
    listener: Option<JoinHandle<()>>,
    /// Listeners in the peer namespace (the outbound tests' remote end).
    peer_listener: Option<JoinHandle<()>>,
    // Declared last: dropped after `Drop::drop` has stopped the listener thread.
    namespaces: (Netns, Netns),
}

fn enter(ns: &str) {
    let f = File::open(format!("/run/netns/{ns}")).expect("open netns");
    nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
}

impl NetPair {
    /// Creates the namespaces, the veth pair and the addresses, and listens on `ports`
    /// (IPv4 and IPv6) in the server namespace.
    pub fn new(ports: &[u16]) -> NetPair {
        let (server_ns, peer_ns) = (Netns::new("fw-server"), Netns::new("fw-peer"));
        let (server, peer) = (server_ns.name.clone(), peer_ns.name.clone());
        // `vs` in the server namespace, its peer end `p-vs` in the peer's.
        server_ns.veth(
            "vs",
            &peer_ns,
            &[&format!("{SERVER_V4}/24"), &format!("{SERVER_V6}/64")],
            true,
        );
        peer_ns.ip(&format!("addr add {PEER_V4}/24 dev p-vs"));
        peer_ns.ip(&format!("addr add {PEER_V6}/64 dev p-vs nodad"));
        for ns in [&server_ns, &peer_ns] {
            ns.ip("link set lo up");
        }
        let mut pair = NetPair {
            server,
            peer,
            stop: Arc::new(AtomicBool::new(false)),
            listener: None,
            peer_listener: None,
            namespaces: (server_ns, peer_ns),
        };
        pair.listen(ports);
        // The link needs a moment after coming up: wait until both address families connect.
        if let Some(p) = ports.first() {
            let probe: Vec<SocketAddr> = vec![
                format!("{SERVER_V4}:{p}").parse().unwrap(),
                format!("[{SERVER_V6}]:{p}").parse().unwrap(),
            ];
            let start = std::time::Instant::now();
            while pair.reachable(&probe).contains(&false) {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "the veth link between {} and {} never came up",
                    pair.server,
                    pair.peer
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        pair
    }

    fn listen(&mut self, ports: &[u16]) {
        self.listener = Some(self.spawn_listeners(self.server.clone(), ports));
    }

    /// Adds addresses (`198.51.100.9/24`, `203.0.113.2/24`) to the peer's end and listens on
    /// `ports` there: the remote end of the outbound tests. `server_addrs` go on the server's
    /// end so that it has a route to each subnet.
    pub fn peer_listen(&mut self, peer_addrs: &[&str], server_addrs: &[&str], ports: &[u16]) {
        for a in peer_addrs {
            self.namespaces.1.ip(&format!("addr add {a} dev p-vs"));
        }
        for a in server_addrs {
            self.namespaces.0.ip(&format!("addr add {a} dev vs"));
        }
        self.peer_listener = Some(self.spawn_listeners(self.peer.clone(), ports));
    }

    fn spawn_listeners(&self, ns: String, ports: &[u16]) -> JoinHandle<()> {
        let ports = ports.to_vec();
        let stop = self.stop.clone();
        let (tx, rx) = mpsc::channel();
        let h = std::thread::spawn(move || {
            enter(&ns);
            let listeners: Vec<TcpListener> = ports
                .iter()
                .map(|p| {
                    // [::] with the namespace's default bindv6only=0 takes IPv4 too.
                    let l = TcpListener::bind(("::", *p)).expect("bind");
                    l.set_nonblocking(true).unwrap();
                    l
                })
                .collect();
            tx.send(()).unwrap();
            while !stop.load(Ordering::SeqCst) {
                for l in &listeners {
                    while let Ok((s, _)) = l.accept() {
                        drop(s);
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("listeners ready");
        h
    }

    /// Which of `targets` the server (the machine under test) can connect to, in parallel.
    pub fn reachable_from_server(&self, targets: &[SocketAddr]) -> Vec<bool> {
        self.reachable_from(&self.server, targets)
    }

    /// Runs a command inside the server namespace.
    pub fn server_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.server]).args(args);
        c
    }

    /// Loads `text` with a restore tool (`iptables-restore`, `nft -f -`) in the server namespace.
    pub fn load(&self, tool: &[&str], text: &str) -> Result<(), String> {
        let mut args = vec!["ip", "netns", "exec", self.server.as_str()];
        args.extend_from_slice(tool);
        let (ok, err) = sh_in(&args, text);
        if ok { Ok(()) } else { Err(err) }
    }

    /// Clears every firewall rule of the server namespace (iptables-nft's tables included).
    pub fn flush(&self) {
        run_ok(Command::new("ip").args(["netns", "exec", &self.server, "nft", "flush", "ruleset"]));
    }

    /// Which of `targets` (address, port) the peer can connect to, tried in parallel.
    pub fn reachable(&self, targets: &[SocketAddr]) -> Vec<bool> {
        self.reachable_from(&self.peer, targets)
    }

    fn reachable_from(&self, from: &str, targets: &[SocketAddr]) -> Vec<bool> {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| {
                let ns = from.to_string();
                let t = *t;
                std::thread::spawn(move || {
                    enter(&ns);
                    TcpStream::connect_timeout(&t, Duration::from_millis(400)).is_ok()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    }

    /// /etc/netns/SERVER: files here replace /etc's inside `ip netns exec`.
    pub fn etc(&self) -> PathBuf {
        self.namespaces.0.etc_dir()
    }
}

impl Drop for NetPair {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for h in [self.listener.take(), self.peer_listener.take()]
            .into_iter()
            .flatten()
        {
            let _ = h.join();
        }
        // The namespaces go with `namespaces`.
    }
}
