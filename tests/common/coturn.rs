//! Debian's coturn as a real consumer: a `turnserver` started on loopback from a rendered
//! turnserver.conf, and TURN allocations with `turnutils_uclient` using the credentials
//! prosody hands clients.
//!
//! What differs from a host, and why:
//! - the config: only the lines that bind (`listening-ip`, `relay-ip`, the private half of
//!   `external-ip`, `listening-port`, `tls-listening-port`) point at 127.0.0.1 and free ports,
//!   because the model's addresses are not this machine's and the standard ports may be taken,
//!   and `cert`/`pkey` at a throwaway pair, because the model's paths do not exist here. Every
//!   other line is read as rendered. [`for_loopback`] fails when a line it must change is
//!   missing, so a renamed key is noticed.
//! - the command line: `--pidfile`, `--log-file`, `--simple-log` and `--db` keep coturn's pid,
//!   log and user database in a temporary folder instead of /var, and `-v` logs each session
//!   (its realm, user and result). None of them changes how the config file is read.
//!
//! The server stops by itself: it is killed when its [`Turnserver`] is dropped (a failing
//! assertion included), and `setpriv --pdeathsig` kills it if the test's thread dies first.

use std::fs;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// coturn's log line for a config line it did not understand (and skipped): coturn 4.6.1
/// starts anyway, so a test must look for it.
pub const BAD_LINE: &str = "Bad configuration format";

/// The ports a test turnserver listens on.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// `listening-port` (UDP and TCP).
    pub plain: u16,
    /// `tls-listening-port` (TLS over TCP), used when the config has TLS.
    pub tls: u16,
}

/// A loopback port free for both TCP and UDP right now.
fn free_port() -> u16 {
    for _ in 0..100 {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind a TCP port");
        let port = tcp.local_addr().expect("local address").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port for both TCP and UDP");
}

impl Ports {
    /// Two distinct free ports.
    pub fn free() -> Self {
        let plain = free_port();
        let mut tls = free_port();
        while tls == plain {
            tls = free_port();
        }
        Self { plain, tls }
    }
}

/// The value of `key=` in a coturn config, when it is there once.
pub fn value<'a>(conf: &'a str, key: &str) -> Option<&'a str> {
    let mut found = conf
        .lines()
        .filter_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')));
    let first = found.next();
    if found.next().is_some() { None } else { first }
}

/// The rendered config with the lines that bind moved to loopback and `ports`, and the TLS
/// pair replaced by `tls` when given (see the module documentation; without it, `cert` and
/// `pkey` stay as rendered, for a test that creates the files there). Nothing else changes.
pub fn for_loopback(
    rendered: &str,
    ports: Ports,
    tls: Option<(&Path, &Path)>,
) -> Result<String, String> {
    let mut seen = Vec::new();
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.lines() {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let new = match key {
            "listening-ip" | "relay-ip" => Some("127.0.0.1".to_owned()),
            "external-ip" => {
                let public = value.split('/').next().unwrap_or_default();
                Some(format!("{public}/127.0.0.1"))
            }
            "listening-port" => Some(ports.plain.to_string()),
            "tls-listening-port" => Some(ports.tls.to_string()),
            "cert" | "pkey" => {
                tls.map(|(crt, k)| if key == "cert" { crt } else { k }.display().to_string())
            }
            _ => None,
        };
        match new {
            Some(v) => {
                seen.push(key.to_owned());
                out.push_str(&format!("{key}={v}\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for required in ["listening-ip", "relay-ip", "listening-port"] {
        if seen.iter().filter(|k| *k == required).count() != 1 {
            return Err(format!(
                "the rendered config does not have exactly one `{required}=` line"
            ));
        }
    }
    if tls.is_some() && !seen.iter().any(|k| k == "cert") {
        return Err("a TLS pair was given but the config has no `cert=` line".into());
    }
    Ok(out)
}

/// A running `turnserver`, killed when dropped.
pub struct Turnserver {
    child: Child,
    dir: tempfile::TempDir,
    /// The ports it listens on.
    pub ports: Ports,
}

impl Turnserver {
    /// Starts `turnserver -c` on `conf` (the text of the config, written to a temporary file)
    /// and waits until it accepts TCP connections on `ports.plain`.
    pub fn start(turnserver: &Path, conf: &str, ports: Ports) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("jt-turnserver-")
            .tempdir()
            .map_err(|e| format!("create a temp dir: {e}"))?;
        let path = dir.path().join("turnserver.conf");
        fs::write(&path, conf).map_err(|e| format!("write {}: {e}", path.display()))?;
        Self::start_file(turnserver, &path, ports, dir)
    }

    /// Starts `turnserver -c path`, keeping its pid, log and database in `dir`.
    pub fn start_file(
        turnserver: &Path,
        path: &Path,
        ports: Ports,
        dir: tempfile::TempDir,
    ) -> Result<Self, String> {
        let d = dir.path();
        let child = Command::new("setpriv")
            .args(["--pdeathsig", "KILL"])
            .arg(turnserver)
            .arg("-c")
            .arg(path)
            .arg(format!("--pidfile={}", d.join("turnserver.pid").display()))
            .arg(format!("--log-file={}", d.join("turnserver.log").display()))
            .arg("--simple-log")
            .arg(format!("--db={}", d.join("turndb").display()))
            .arg("-v")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", turnserver.display()))?;
        let mut server = Self { child, dir, ports };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "turnserver exited ({status}) before listening:\n{}",
                    server.log()
                ));
            }
            let addr = SocketAddr::from(([127, 0, 0, 1], ports.plain));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "turnserver did not listen on 127.0.0.1:{} within 15 s:\n{}",
                    ports.plain,
                    server.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything turnserver logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("turnserver.log")).unwrap_or_default()
    }

    /// The log for a failure message: each distinct line once, at most 60 lines.
    pub fn log_excerpt(&self) -> String {
        let mut seen = std::collections::BTreeSet::new();
        let log = self.log();
        let mut lines = Vec::new();
        for l in log.lines() {
            if seen.insert(l.to_owned()) && lines.len() < 60 {
                lines.push(l);
            }
        }
        lines.join("\n")
    }

    /// The lines of the log where coturn skipped a config line it did not understand.
    pub fn bad_lines(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains(BAD_LINE))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Turnserver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The TURN credentials prosody hands a client for `secret` (XEP-0215): the username is the
/// expiry time, the password base64(HMAC-SHA1(secret, username)): Debian's prosody 0.12
/// `mod_external_services.lua` lines 25-33, computed here with prosody's own `util.hashes`
/// and `util.encodings` (the secret travels on standard input, never on a command line).
pub fn prosody_credentials(lua: &Path, secret: &[u8]) -> Result<(String, String), String> {
    let script = "package.cpath = '/usr/lib/prosody/?.so;' .. package.cpath \
                  package.path = '/usr/lib/prosody/?.lua;' .. package.path \
                  local hashes = require 'util.hashes' \
                  local base64 = require 'util.encodings'.base64 \
                  local secret = io.read('a') \
                  local username = string.format('%d', os.time() + 86400) \
                  io.write(username, '\\n', base64.encode(hashes.hmac_sha1(secret, username)), '\\n')";
    let mut child = Command::new(lua)
        .args(["-e", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", lua.display()))?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(secret)
        .map_err(|e| format!("write the secret to lua: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("lua: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    match (out.status.success(), lines.next(), lines.next()) {
        (true, Some(u), Some(p)) => Ok((u.to_owned(), p.to_owned())),
        _ => Err(format!(
            "prosody's hashing in lua failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// What one `turnutils_uclient` run showed.
#[derive(Debug)]
pub struct Allocation {
    /// The relayed address the server allocated, when the allocation succeeded.
    pub relay: Option<SocketAddr>,
    /// The server refused to relay to the loopback peer the client asked for.
    pub loopback_peer_refused: bool,
    /// Everything the client printed.
    pub output: String,
}

/// One TURN allocation on the server at 127.0.0.1:`port` with the long-term credentials
/// `user`/`password` (over UDP, or TCP), asking to relay to a peer on 127.0.0.1 (which the
/// rendered config must refuse). Ends within 20 s. (Not over TLS: `turnutils_uclient`'s TLS
/// client hangs in its handshake in about half the runs here, where `openssl s_client` never
/// does; [`served_certificate`] checks the TLS port.)
pub fn allocate(uclient: &Path, port: u16, user: &str, password: &str, tcp: bool) -> Allocation {
    let mut cmd = Command::new("timeout");
    cmd.args(["20"]).arg(uclient).arg("-v");
    if tcp {
        cmd.arg("-t");
    }
    cmd.args(["-p", &port.to_string(), "-u", user, "-w", password])
        .args(["-n", "1", "-m", "1", "-c", "-e", "127.0.0.1", "127.0.0.1"]);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", uclient.display()));
    // Each distinct line once: a refused client repeats its request some 30 times.
    let mut seen = std::collections::BTreeSet::new();
    let output: String = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .lines()
    .filter(|l| seen.insert(l.to_string()))
    .map(|l| format!("{l}\n"))
    .collect();
    let relay = output
        .lines()
        .find_map(|l| l.split_once("Received relay addr: ").map(|(_, a)| a.trim()))
        .and_then(|a| a.parse().ok());
    Allocation {
        relay,
        loopback_peer_refused: output.contains("403 (Forbidden IP)"),
        output,
    }
}

/// A throwaway certificate and key under `dir`, for the config's `cert`/`pkey`.
pub fn tls_pair(openssl: &Path, dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let (crt, key) = (dir.join("turn.crt"), dir.join("turn.key"));
    let out = super::self_signed_certificate(openssl, &crt, &key)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((crt, key))
}

/// The certificate (PEM) the server at 127.0.0.1:`port` presents in a TLS handshake.
pub fn served_certificate(openssl: &Path, port: u16) -> Result<String, String> {
    let out = Command::new("timeout")
        .arg("10")
        .arg(openssl)
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("openssl s_client: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let begin = text.find("-----BEGIN CERTIFICATE-----");
    let end = text.find("-----END CERTIFICATE-----");
    match (begin, end) {
        (Some(b), Some(e)) => Ok(text[b..e + "-----END CERTIFICATE-----".len()].to_owned()),
        _ => Err(format!(
            "no certificate from 127.0.0.1:{port}:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}
