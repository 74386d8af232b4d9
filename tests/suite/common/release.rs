//! The release assets as users download them: `dist/package.sh` run once per test process
//! (with the static binary of [`super::staticbin`]), and a tiny HTTP server on 127.0.0.1 that
//! serves a directory and records what was asked of it. No traffic leaves the machine.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use super::repo;
use super::staticbin::static_bin;

/// OUTDIR of `dist/package.sh`, written on first use.
pub fn release_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(concat!("release-", env!("CARGO_CRATE_NAME")));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(repo().join("dist/package.sh"))
            .arg(&dir)
            .env("ASR_STATIC_BINARY", static_bin())
            .env_remove("ASR_PREFLIGHT_RELEASE_URL")
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run dist/package.sh");
        assert!(out.status.success(), "dist/package.sh failed");
        let last = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .map(str::to_string);
        assert_eq!(
            last.as_deref(),
            Some(dir.to_str().unwrap()),
            "package.sh's last line"
        );
        dir
    })
}

/// An HTTP/1.0 file server on 127.0.0.1 serving `root`, one thread per connection, for as long
/// as the test process lives.
pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (root, log) = (root.to_path_buf(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, log) = (root.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &root, &log));
            }
        });
        Server { port, requests }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// The paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Read the headers to their end, so closing the socket does not reset the connection.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    log.lock().unwrap().push(path.clone());
    let rel = Path::new(path.trim_start_matches('/'));
    let safe = rel.components().all(|c| matches!(c, Component::Normal(_)));
    let body = if safe {
        std::fs::read(root.join(rel)).ok()
    } else {
        None
    };
    let mut stream = stream;
    let _ = match body {
        Some(b) => stream
            .write_all(
                format!(
                    "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    b.len()
                )
                .as_bytes(),
            )
            .and_then(|_| stream.write_all(&b)),
        None => stream.write_all(
            b"HTTP/1.0 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n",
        ),
    };
}

/// A command with no proxy settings inherited: downloads go straight to 127.0.0.1.
pub fn no_proxy(mut c: Command) -> Command {
    for v in [
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "ASR_PREFLIGHT_URL",
        "ASR_PREFLIGHT_DIR",
        "ASR_PREFLIGHT_VERSION",
    ] {
        c.env_remove(v);
    }
    c.env("no_proxy", "127.0.0.1").env("NO_PROXY", "127.0.0.1");
    c
}
