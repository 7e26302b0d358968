//! The real consumers accept what we render.
//!
//! Every `examples/*.yaml` model is rendered with the CLI, twice: as written (`{file}`
//! secrets stay paths on the hosts) and with inline `{value}` secrets. The only change made to
//! a model is its `tls`, which points at a throwaway certificate, because `nginx -t` loads
//! it. Nothing rendered is ever edited. Then each file goes to the program that reads it on a
//! real host:
//!
//! | kind        | consumer                                                         |
//! |-------------|------------------------------------------------------------------|
//! | nginx       | `nginx -t` with a minimal top-level nginx.conf                   |
//! | prosody     | `prosodyctl check config`, included from Debian's prosody.cfg.lua |
//! | jicofo, jvb | Typesafe Config (`tests/consumers/Hocon.java`)              |
//! | debconf     | `debconf-set-selections --checkonly`                             |
//! | web-config  | node (`tests/consumers/configjs.js`), after nginx-style SSI      |
//! | firewall    | `nft -c -f`                                                      |
//! | turn        | Debian's `turnserver` on loopback, allocations by `turnutils_uclient` |
//! | lua-module  | `lua5.4` loads the token library's modules through them (Debian's copies) and signs and checks an HS256 token |
//!
//! A consumer that is not installed skips its test (printing `skipped: <tool> not
//! installed`), unless `JT_REQUIRE_REAL_CONSUMERS=1` (set by `scripts/test`), which makes
//! it fail. `scripts/install-test-deps` installs them all.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use common::{ROOT, missing, prosody_options, tool, tools};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The variables our systemd drop-ins fill from the `{file}` secrets, and that jicofo.conf and
/// jvb.conf substitute with `${?VAR}`.
const FOCUS_VAR: &str = "JITSI_TOPOLOGY_FOCUS_PASSWORD";
const JVB_VAR: &str = "JITSI_TOPOLOGY_JVB_PASSWORD";
/// What the services find in those variables in the "environment set" run.
const FOCUS_FROM_ENV: &str = "env-focus-7Qx\"9$Lm\\2#Rt";
const JVB_FROM_ENV: &str = "env-jvb-Vp4{3}Kw8'zN6%Jd";
/// jibri's two variables (jibri.conf substitutes them), and their values in that run.
const JIBRI_VAR: &str = "JITSI_TOPOLOGY_JIBRI_PASSWORD";
const RECORDER_VAR: &str = "JITSI_TOPOLOGY_RECORDER_PASSWORD";
const JIBRI_FROM_ENV: &str = "env-jibri-Hx3\"$q{7}#Lp";
const RECORDER_FROM_ENV: &str = "env-recorder-Wd8'%k\\2Yv";
/// jibri's inline passwords (in jibri.conf: HOCON's quoting is exercised).
const JIBRI_INLINE: &str = "jibri-inline-$Tz4\"{w}#9";
const RECORDER_INLINE: &str = "recorder-inline-\\Qm6'+%3";
/// The inline secrets of the second render of every example. They hold the characters that
/// HOCON needs escaped (`"`, `\`, `$`, `#`, `{`, `}`), so the quoting is exercised too.
const FOCUS_INLINE: &str = "Kq7$vR2\"xW9\\mZ4#tL8{pN3}";
const TURN_INLINE: &str = "turn-inline-Zq8#r\\\"{x}w2";
const JVB_INLINE: &str = "hT5/zB1'cY6+jD0%sG2&fV7!";
/// The inline JWT secret and LDAP password (in prosody's config: Lua's quoting is exercised).
const JWT_INLINE: &str = "jwt-inline-\\\"]]'-x7Qp2";
const LDAP_INLINE: &str = "ldap-inline-]]\"'\\zP4k9";
/// The TURN secret an `{env}` model gets when rendering.
const TURN_FROM_ENV: &str = "from-render-env-turn-7hQ2mX9pL4";
/// What the file a `{file}` TURN secret names holds on the host in the coturn test (as
/// `jitsi-topology secrets init` writes it: one line).
const TURN_FROM_FILE: &str = "file-turn-9Kq2Lx7Vb4Np8Zr3w";

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// The command, its exit status and everything it printed, for failure messages.
fn describe(cmd: &str, out: &Output) -> String {
    format!(
        "$ {cmd}\n{}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("jt-real-consumers-")
        .tempdir()
        .expect("create a temp dir")
}

fn unique_name(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("jt-real-consumers-{what}-{}-{nanos}", std::process::id())
}

/// Panics with every failure at once, so one run shows all that is wrong.
fn assert_no_failures(what: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s)\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Renders (one per example and secrets variant, made once for the whole file)
// ---------------------------------------------------------------------------------------------

/// What a service password resolves to in a render.
#[derive(Debug, Clone, PartialEq)]
enum Password {
    /// A `{file}` secret: the config substitutes the environment variable the drop-in sets.
    FromEnvironment,
    /// Rendered into the config (`{value}`, or `{env}` read when rendering).
    Literal(String),
}

impl Password {
    fn source(&self) -> &'static str {
        match self {
            Self::FromEnvironment => "{file} secret",
            Self::Literal(_) => "secret rendered inline",
        }
    }
}

struct RenderedFile {
    host: String,
    /// The absolute target path on the host.
    path: String,
    kind: String,
    content: String,
}

struct Render {
    /// `examples/handbook.yaml`, plus the variant.
    label: String,
    /// The model exactly as rendered.
    model: Value,
    files: Vec<RenderedFile>,
    focus: Password,
    jvb: Password,
}

impl Render {
    fn domain(&self) -> &str {
        self.model["domain"]
            .as_str()
            .expect("the model has a domain")
    }

    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a RenderedFile> + 'a {
        self.files.iter().filter(move |f| f.kind == kind)
    }

    /// The signalling hosts (one per shard): config id in jvb.conf, host name, address.
    fn shards(&self) -> Vec<(String, String, IpAddr)> {
        let entry = |id: &str, sig: &Value| {
            (
                id.to_owned(),
                sig["host"].as_str().expect("a signalling host").to_owned(),
                sig["address"]
                    .as_str()
                    .and_then(|a| a.parse().ok())
                    .expect("a signalling address"),
            )
        };
        match self.model["shards"].as_array() {
            Some(shards) => shards
                .iter()
                .map(|s| entry(s["name"].as_str().expect("a shard name"), &s["signaling"]))
                .collect(),
            None => vec![entry("shard", &self.model["signaling"])],
        }
    }

    /// The only file of `kind` on `host`, failing when there is none or several.
    fn on(&self, host: &str, kind: &str) -> &RenderedFile {
        let all: Vec<_> = self
            .files
            .iter()
            .filter(|f| f.kind == kind && f.host == host)
            .collect();
        assert_eq!(
            all.len(),
            1,
            "{}: expected exactly one `{kind}` file on {host}, found {}",
            self.label,
            all.len()
        );
        all[0]
    }

    /// Where [`Render::write`] puts `file` under `dir`.
    fn local(dir: &Path, file: &RenderedFile) -> PathBuf {
        dir.join(&file.host).join(file.path.trim_start_matches('/'))
    }

    /// Writes every file under `dir` as the CLI lays them out (`<host>/<target path>`).
    fn write(&self, dir: &Path) {
        for f in &self.files {
            let p = Self::local(dir, f);
            fs::create_dir_all(p.parent().expect("a target path has a folder"))
                .expect("create folder");
            fs::write(&p, &f.content).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        }
    }
}

struct Renders {
    /// Where every render's `tls` points (`web.crt`, `web.key`). Not created here: the nginx
    /// check creates it, generates the certificate and removes it again.
    tls_dir: PathBuf,
    /// Where every render's `front_door.certificate` points (`door.pem`), made and removed
    /// by the HAProxy check.
    door_dir: PathBuf,
    all: Vec<Render>,
}

fn renders() -> &'static Renders {
    static RENDERS: OnceLock<Result<Renders, String>> = OnceLock::new();
    match RENDERS.get_or_init(render_examples) {
        Ok(r) => r,
        Err(e) => panic!("rendering the examples failed:\n{e}"),
    }
}

fn render_examples() -> Result<Renders, String> {
    let tls_dir = env::temp_dir().join(unique_name("tls"));
    let door_dir = env::temp_dir().join(unique_name("door"));
    let examples_dir = Path::new(ROOT).join("examples");
    let mut examples: Vec<PathBuf> = fs::read_dir(&examples_dir)
        .map_err(|e| format!("read {}: {e}", examples_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    examples.sort();
    if examples.is_empty() {
        return Err(format!("no examples/*.yaml in {}", examples_dir.display()));
    }
    let scratch = tempdir();
    let mut all = Vec::new();
    for example in &examples {
        let name = format!(
            "examples/{}",
            example.file_name().unwrap_or_default().to_string_lossy()
        );
        let text = fs::read_to_string(example).map_err(|e| format!("read {name}: {e}"))?;
        let mut model: Value =
            serde_norway::from_str(&text).map_err(|e| format!("{name} is not YAML: {e}"))?;
        model["tls"] = json!({
            "mode": "own",
            "certificate": tls_dir.join("web.crt"),
            "key": tls_dir.join("web.key"),
        });
        if model.get("front_door").is_some() {
            model["front_door"]["certificate"] = json!(door_dir.join("door.pem"));
        }
        all.push(render_one(
            scratch.path(),
            all.len(),
            format!("{name} (secrets as written)"),
            model.clone(),
        )?);
        let turn = model["secrets"].get("turn").is_some();
        let written = model["secrets"].clone();
        model["secrets"] =
            json!({ "focus": { "value": FOCUS_INLINE }, "jvb": { "value": JVB_INLINE } });
        if turn {
            model["secrets"]["turn"] = json!({ "value": TURN_INLINE });
        }
        // `auth`'s secrets inline too: the JWT secret and the LDAP password land in prosody's
        // config, the accounts' passwords in root-only files.
        if written.get("jwt").is_some() {
            model["secrets"]["jwt"] = json!({ "value": JWT_INLINE });
        }
        if written.get("ldap").is_some() {
            model["secrets"]["ldap"] = json!({ "value": LDAP_INLINE });
        }
        // jibri's passwords land in jibri.conf.
        if written.get("jibri").is_some() {
            model["secrets"]["jibri"] = json!({ "value": JIBRI_INLINE });
        }
        if written.get("recorder").is_some() {
            model["secrets"]["recorder"] = json!({ "value": RECORDER_INLINE });
        }
        // jigasi's passwords (its brewery login, each SIP account's) land in its
        // sip-communicator.properties, base64-encoded.
        if written.get("jigasi").is_some() {
            model["secrets"]["jigasi"] = json!({ "value": JIGASI_XMPP });
        }
        if let Some(Value::Array(jigasis)) = model.get_mut("jigasis") {
            for j in jigasis {
                j["sip"]["password"] = json!({ "value": SIP_AWKWARD[0] });
            }
        }
        if let Some(Value::Object(accounts)) = written.get("accounts") {
            model["secrets"]["accounts"] = accounts
                .keys()
                .map(|user| {
                    (
                        user.clone(),
                        json!({ "value": format!("{user}-inline-\\\"'9xQ") }),
                    )
                })
                .collect();
        }
        all.push(render_one(
            scratch.path(),
            all.len(),
            format!("{name} (inline secrets)"),
            model,
        )?);
    }
    Ok(Renders {
        tls_dir,
        door_dir,
        all,
    })
}

fn render_one(scratch: &Path, n: usize, label: String, model: Value) -> Result<Render, String> {
    let model_path = scratch.join(format!("model-{n}.json"));
    let out = scratch.join(format!("out-{n}"));
    fs::write(
        &model_path,
        serde_json::to_vec_pretty(&model).expect("JSON"),
    )
    .map_err(|e| e.to_string())?;

    let mut cmd = Command::new(common::cli());
    cmd.arg("render").arg(&model_path).arg("--out").arg(&out);
    // `{env}` secrets are read when rendering: give them a value, which is then rendered.
    let mut password = |name: &str| match &model["secrets"][name] {
        Value::Object(o) if o.contains_key("file") => Password::FromEnvironment,
        Value::Object(o) if o.contains_key("value") => {
            Password::Literal(o["value"].as_str().unwrap_or_default().to_owned())
        }
        Value::Object(o) if o.contains_key("env") => {
            let value = format!("from-render-env-{name}-4fG8kL2pQ9");
            cmd.env(o["env"].as_str().unwrap_or_default(), &value);
            Password::Literal(value)
        }
        other => panic!("{label}: unexpected secrets.{name}: {other}"),
    };
    let (focus, jvb) = (password("focus"), password("jvb"));
    if let Some(var) = model["secrets"]["turn"]["env"].as_str() {
        cmd.env(var, TURN_FROM_ENV);
    }
    let output = run(&mut cmd);
    if !output.status.success() {
        return Err(format!(
            "{label}:\n{}",
            describe(
                &format!(
                    "{} render {} --out ...",
                    common::cli().display(),
                    model_path.display()
                ),
                &output
            )
        ));
    }

    let manifest: Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).map_err(|e| e.to_string())?)
            .map_err(|e| format!("{label}: manifest.json: {e}"))?;
    let mut files = Vec::new();
    for host in manifest["hosts"]
        .as_array()
        .ok_or(format!("{label}: manifest.json has no hosts"))?
    {
        let host_name = host["name"].as_str().ok_or("a host without a name")?;
        for f in host["files"].as_array().ok_or("a host without files")? {
            let path = f["path"].as_str().ok_or("a file without a path")?;
            let local = out.join(host_name).join(path.trim_start_matches('/'));
            files.push(RenderedFile {
                host: host_name.to_owned(),
                path: path.to_owned(),
                kind: f["kind"]
                    .as_str()
                    .ok_or("a file without a kind")?
                    .to_owned(),
                content: fs::read_to_string(&local)
                    .map_err(|e| format!("{label}: read {}: {e}", local.display()))?,
            });
        }
    }
    Ok(Render {
        label,
        model,
        files,
        focus,
        jvb,
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the rendered prosody config (the names the other files must agree with)
// ---------------------------------------------------------------------------------------------

/// The quoted words of the top-level `VirtualHost "x"` / `Component "x" "type"` lines.
fn prosody_declarations(cfg: &str, keyword: &str) -> Vec<Vec<String>> {
    cfg.lines()
        .filter_map(|l| l.strip_prefix(keyword))
        .filter(|rest| rest.starts_with([' ', '\t', '"']))
        .map(|rest| {
            rest.split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn virtual_hosts(cfg: &str) -> Vec<String> {
    prosody_declarations(cfg, "VirtualHost")
        .into_iter()
        .filter_map(|w| w.into_iter().next())
        .collect()
}

/// `(name, type)` of every Component.
fn components(cfg: &str) -> Vec<(String, String)> {
    prosody_declarations(cfg, "Component")
        .into_iter()
        .map(|w| {
            (
                w.first().cloned().unwrap_or_default(),
                w.get(1).cloned().unwrap_or_else(|| "(external)".into()),
            )
        })
        .collect()
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

// ---------------------------------------------------------------------------------------------
// nginx
// ---------------------------------------------------------------------------------------------

struct NginxRun {
    label: String,
    ok: bool,
    output: String,
}

/// `nginx -t` on every rendered site, once for both nginx tests.
fn nginx_runs(nginx: &Path, openssl: &Path) -> &'static [NginxRun] {
    static RUNS: OnceLock<Vec<NginxRun>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let renders = renders();
        // The certificate every rendered `ssl_certificate` names, for as long as nginx runs.
        struct Remove<'a>(&'a Path);
        impl Drop for Remove<'_> {
            fn drop(&mut self) {
                let _ = fs::remove_dir_all(self.0);
            }
        }
        fs::create_dir(&renders.tls_dir).expect("create the certificate folder");
        let _remove = Remove(&renders.tls_dir);
        let mut openssl_cmd = common::self_signed_certificate(
            openssl,
            &renders.tls_dir.join("web.crt"),
            &renders.tls_dir.join("web.key"),
        );
        let out = run(&mut openssl_cmd);
        assert!(
            out.status.success(),
            "generating a test certificate failed:\n{}",
            describe("openssl req", &out)
        );

        let mut runs = Vec::new();
        for r in &renders.all {
            let sites: Vec<_> = r.of_kind("nginx").collect();
            assert!(!sites.is_empty(), "{}: no nginx site rendered", r.label);
            for site in sites {
                let prefix = tempdir();
                let p = prefix.path();
                r.write(&p.join("render"));
                for d in ["conf", "logs", "tmp"] {
                    fs::create_dir_all(p.join(d)).expect("create prefix folder");
                }
                let conf = format!(
                    "pid logs/nginx.pid;\n\
                     error_log logs/error.log;\n\
                     events {{}}\n\
                     http {{\n\
                     \x20   client_body_temp_path tmp/client_body;\n\
                     \x20   proxy_temp_path tmp/proxy;\n\
                     \x20   fastcgi_temp_path tmp/fastcgi;\n\
                     \x20   uwsgi_temp_path tmp/uwsgi;\n\
                     \x20   scgi_temp_path tmp/scgi;\n\
                     \x20   include /etc/nginx/mime.types;\n\
                     \x20   include {};\n\
                     }}\n",
                    Render::local(&p.join("render"), site).display()
                );
                fs::write(p.join("conf/nginx.conf"), conf).expect("write nginx.conf");
                let mut cmd = Command::new(nginx);
                cmd.arg("-t").arg("-p").arg(format!("{}/", p.display()));
                cmd.args(["-c", "conf/nginx.conf", "-e", "logs/error.log"]);
                let out = run(&mut cmd);
                runs.push(NginxRun {
                    label: format!("{}: {} {}", r.label, site.host, site.path),
                    ok: out.status.success(),
                    output: describe(&format!("{cmd:?}"), &out),
                });
            }
        }
        runs
    })
}

#[test]
fn nginx_accepts_every_rendered_site() {
    let Some([nginx, openssl]) = tools(["nginx", "openssl"]) else {
        return;
    };
    if !Path::new("/etc/nginx/mime.types").is_file() {
        return missing("/etc/nginx/mime.types (package nginx-common)");
    }
    let failures = nginx_runs(&nginx, &openssl)
        .iter()
        .filter(|r| !r.ok)
        .map(|r| format!("{}\n{}", r.label, r.output))
        .collect();
    assert_no_failures("nginx -t rejected a rendered site", failures);
}

#[test]
fn nginx_loads_every_rendered_site_without_warnings() {
    let Some([nginx, openssl]) = tools(["nginx", "openssl"]) else {
        return;
    };
    if !Path::new("/etc/nginx/mime.types").is_file() {
        return missing("/etc/nginx/mime.types (package nginx-common)");
    }
    let failures = nginx_runs(&nginx, &openssl)
        .iter()
        .filter(|r| r.output.contains("[warn]"))
        .map(|r| format!("{}\n{}", r.label, r.output))
        .collect();
    assert_no_failures(
        "nginx -t warned about a rendered site (every reload would log it)",
        failures,
    );
}

// ---------------------------------------------------------------------------------------------
// prosody
// ---------------------------------------------------------------------------------------------

/// The installed Prosody's series (`0.12` or `13`), from `prosodyctl about`.
fn installed_prosody_series(prosodyctl: &Path) -> &'static str {
    static SERIES: OnceLock<String> = OnceLock::new();
    SERIES.get_or_init(|| {
        let out = run(Command::new(prosodyctl).arg("about"));
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("Prosody "))
            .unwrap_or("")
            .trim()
            .to_owned();
        if version.starts_with("0.") {
            version.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
        } else {
            version.split('.').next().unwrap_or("").to_owned()
        }
    })
}

#[test]
fn prosody_accepts_every_rendered_config_without_warnings() {
    let Some(prosodyctl) = tool("prosodyctl") else {
        return;
    };
    let debian_cfg = Path::new("/etc/prosody/prosody.cfg.lua");
    if !debian_cfg.is_file() {
        return missing("/etc/prosody/prosody.cfg.lua (package prosody)");
    }
    let installed = installed_prosody_series(&prosodyctl);
    let renders: Vec<&Render> = renders().all.iter().collect();
    let failures = prosody_check_config(&[prosodyctl.as_os_str()], debian_cfg, installed, &renders);
    assert_no_failures(
        "prosodyctl check config rejected a rendered config",
        failures,
    );
}

/// Issue 16: Prosody 13 itself (bookworm-backports' package, which `scripts/prosody13` fetches
/// into target/prosody13 and runs in a mount namespace bound over Debian 12's 0.12) checks every
/// example rendered with `platform.prosody: "13"`, included from Prosody 13's own Debian main
/// config. Needs root (the mount namespace).
#[test]
fn prosody_13_accepts_every_example_rendered_for_prosody_13() {
    let script = Path::new(ROOT).join("scripts/prosody13");
    let root = run(Command::new(&script).arg("root"));
    if !root.status.success() {
        return missing("Prosody 13 in target/prosody13 (scripts/prosody13 fetch)");
    }
    // root: /proc/self belongs to the process's effective user
    if !fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0) {
        return missing("root (scripts/prosody13 exec binds Prosody 13 in a mount namespace)");
    }
    let root = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim());
    let main_cfg = root.join("etc/prosody/prosody.cfg.lua");
    let about = run(Command::new(&script).args(["exec", "prosodyctl", "about"]));
    let about = String::from_utf8_lossy(&about.stdout);
    let version = about
        .lines()
        .find_map(|l| l.strip_prefix("Prosody "))
        .unwrap_or("");
    assert!(
        version.starts_with("13."),
        "scripts/prosody13 exec prosodyctl about does not say Prosody 13.x:\n{about}"
    );
    println!("Prosody {version} (bookworm-backports), in a mount namespace over Debian's 0.12");
    // every example, rendered for Prosody 13 (inline secrets)
    let scratch = tempdir();
    let mut variants = Vec::new();
    for r in renders()
        .all
        .iter()
        .filter(|r| r.label.ends_with("(inline secrets)"))
    {
        let mut model = r.model.clone();
        model["platform"] = json!({ "prosody": "13" });
        let label = r
            .label
            .replace("(inline secrets)", "(inline secrets, Prosody 13)");
        match render_one(scratch.path(), variants.len(), label, model) {
            Ok(v) => variants.push(v),
            Err(e) => panic!("rendering for Prosody 13 failed:\n{e}"),
        }
    }
    let renders: Vec<&Render> = variants.iter().collect();
    let exec = [script.as_os_str(), "exec".as_ref(), "prosodyctl".as_ref()];
    let failures = prosody_check_config(&exec, &main_cfg, "13", &renders);
    assert_no_failures(
        "Prosody 13's prosodyctl check config rejected a config rendered for it",
        failures,
    );
}

/// `prosodyctl check config` (the command `prosodyctl`, whose words are given) on each render's
/// prosody files, included from a copy of `main_cfg` (Debian's main config of that Prosody, which
/// includes `conf.d/*.cfg.lua`); `installed` is that Prosody's series. The failures, one a render.
fn prosody_check_config(
    prosodyctl: &[&std::ffi::OsStr],
    main_cfg: &Path,
    installed: &str,
    renders: &[&Render],
) -> Vec<String> {
    let debian_text =
        fs::read_to_string(main_cfg).unwrap_or_else(|e| panic!("read {}: {e}", main_cfg.display()));
    assert!(
        debian_text
            .lines()
            .any(|l| l.trim() == r#"Include "conf.d/*.cfg.lua""#),
        "{} no longer includes conf.d/*.cfg.lua; this test needs another way in",
        main_cfg.display()
    );
    let mut failures = Vec::new();
    for r in renders {
        // A config for another Prosody series is still checked (Lua syntax, every option
        // the installed series knows), but its "problems" (exit 2) may be options that
        // changed between the series, so they are reported, not failed.
        let series = r.model["platform"]["prosody"].as_str().unwrap_or("0.12");
        let other_series = series != installed;
        let files: Vec<_> = r.of_kind("prosody").collect();
        assert!(!files.is_empty(), "{}: no prosody config rendered", r.label);
        // prosodyctl (as root) insists that the `prosody` user can read every file.
        let tmp = tempdir();
        let dir = tmp.path();
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        fs::create_dir(dir.join("conf.d")).expect("mkdir conf.d");
        fs::create_dir(dir.join("certs")).expect("mkdir certs");
        let cfg = dir.join("prosody.cfg.lua");
        fs::write(&cfg, &debian_text).expect("copy prosody.cfg.lua");
        fs::set_permissions(&cfg, fs::Permissions::from_mode(0o644)).expect("chmod");
        let mut included = Vec::new();
        for f in &files {
            let name = Path::new(&f.path)
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            assert!(
                name.ends_with(".cfg.lua"),
                "{}: {} is not named *.cfg.lua, so prosody's `Include \"conf.d/*.cfg.lua\"` would skip it",
                r.label,
                f.path
            );
            let local = dir.join("conf.d").join(&name);
            fs::write(&local, &f.content).expect("write prosody config");
            fs::set_permissions(&local, fs::Permissions::from_mode(0o644)).expect("chmod");
            included.push(local);
        }
        let mut cmd = Command::new(prosodyctl[0]);
        cmd.args(&prosodyctl[1..])
            .arg("--config")
            .arg(&cfg)
            .args(["check", "config"]);
        let out = run(&mut cmd);
        let shown = describe(&format!("{cmd:?}"), &out);
        if out.status.code() == Some(2) && other_series {
            println!(
                "note: {} targets Prosody {series}; Prosody {installed}'s check reported problems \
                 that may be differences between the series:\n{shown}",
                r.label
            );
        } else if !out.status.success() {
            let meaning = match out.status.code() {
                Some(2) => " (2: prosody found problems, e.g. an obsolete or misplaced option)",
                Some(1) => " (1: the config does not load)",
                _ => "",
            };
            failures.push(format!(
                "{}: prosodyctl check config exited {}{meaning}\n{shown}",
                r.label, out.status
            ));
            continue;
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        for local in included {
            if !stdout.contains(&*local.to_string_lossy()) {
                failures.push(format!(
                    "{}: prosody did not load {}\n{shown}",
                    r.label,
                    local.display()
                ));
            }
        }
    }
    failures
}

/// Issue 16, D4: how long a client that vanished without closing its stream stays in its
/// conferences. Prosody keeps its session for `smacks_hibernation_time` (Prosody 0.12's
/// mod_smacks defaults: 600 s hibernation, no limit of unacked stanzas (0), 10 old sessions);
/// upstream's prosody config sets 60, 5 and 1 globally (jitsi-meet
/// doc/debian/jitsi-meet-prosody/prosody.cfg.lua-jvb.example l.43-45 at abf901a4). The values
/// are read as prosody reads them: its own config loader, a host's option or else the global.
#[test]
fn prosody_forgets_a_vanished_client_after_upstreams_smacks_settings() {
    let Some(lua) = tool("lua5.4") else { return };
    // option, Prosody 0.12.3's default (mod_smacks.lua l.69-75), upstream's value
    let expected = [
        ("smacks_hibernation_time", 600, 60),
        ("smacks_max_unacked_stanzas", 0, 5),
        ("smacks_max_old_sessions", 10, 1),
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for r in &renders().all {
        let tmp = tempdir();
        r.write(tmp.path());
        for f in r.of_kind("prosody") {
            let config = prosody_options(&lua, &Render::local(tmp.path(), f));
            let host = r.domain();
            for (option, default, want) in expected {
                let read = config[host]
                    .get(option)
                    .or_else(|| config["*"].get(option))
                    .and_then(Value::as_i64)
                    .unwrap_or(default);
                checked += 1;
                if read != want {
                    failures.push(format!(
                        "{} ({}): prosody reads {option} = {read} for the clients' host {host}, upstream sets {want}",
                        r.label, f.host
                    ));
                }
            }
        }
    }
    assert!(checked > 0, "no prosody config was checked");
    assert_no_failures(
        "a vanished client stays in its conferences longer than upstream lets it",
        failures,
    );
}

// ---------------------------------------------------------------------------------------------
// Typesafe Config (jicofo.conf, jvb.conf)
// ---------------------------------------------------------------------------------------------

const TYPESAFE_JAR: &str = "/usr/share/java/typesafe-config.jar";

/// The parsed jicofo and jvb configs of every render, per render: `(file, parsed JSON)`.
struct Hocon {
    /// Parsed with neither password variable set.
    without_env: Vec<Vec<(usize, Value)>>,
    /// Parsed with both set (to [`FOCUS_FROM_ENV`], [`JVB_FROM_ENV`]).
    with_env: Vec<Vec<(usize, Value)>>,
}

fn hocon_available() -> Option<PathBuf> {
    let java = tool("java")?;
    if !Path::new(TYPESAFE_JAR).is_file() {
        missing(&format!(
            "Typesafe Config ({TYPESAFE_JAR}, package libtypesafe-config-java)"
        ));
        return None;
    }
    Some(java)
}

/// Both JVM runs (one without, one with the password variables), side by side, once.
fn hocon(java: &Path) -> &'static Hocon {
    static HOCON: OnceLock<Hocon> = OnceLock::new();
    HOCON.get_or_init(|| {
        let renders = &renders().all;
        let tmp = tempdir();
        // (render, file index) of each absolute path handed to the JVM.
        let mut index: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (ri, r) in renders.iter().enumerate() {
            let dir = tmp.path().join(format!("render-{ri}"));
            r.write(&dir);
            for (fi, f) in r.files.iter().enumerate() {
                if ["jicofo", "jvb", "jvb-properties", "jibri"].contains(&f.kind.as_str()) {
                    let abs = std::path::absolute(Render::local(&dir, f)).expect("absolute path");
                    index.insert(abs.to_string_lossy().into_owned(), (ri, fi));
                }
            }
        }
        let program = Path::new(ROOT).join("tests/consumers/Hocon.java");
        let jvm = |env_set: bool| {
            let mut cmd = Command::new(java);
            cmd.arg("-cp")
                .arg(TYPESAFE_JAR)
                .arg(&program)
                .args(index.keys());
            cmd.env_remove(FOCUS_VAR)
                .env_remove(JVB_VAR)
                .env_remove(JIBRI_VAR)
                .env_remove(RECORDER_VAR);
            if env_set {
                cmd.env(FOCUS_VAR, FOCUS_FROM_ENV)
                    .env(JVB_VAR, JVB_FROM_ENV)
                    .env(JIBRI_VAR, JIBRI_FROM_ENV)
                    .env(RECORDER_VAR, RECORDER_FROM_ENV);
            }
            let out = run(&mut cmd);
            let shown = describe(
                &format!("java -cp {TYPESAFE_JAR} Hocon.java <{} files>", index.len()),
                &out,
            );
            assert!(
                out.status.success(),
                "Typesafe Config rejected a rendered file (environment set: {env_set}):\n{shown}"
            );
            let parsed: BTreeMap<String, Value> = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("Hocon.java printed no JSON ({e}):\n{shown}"));
            let mut per_render = vec![Vec::new(); renders.len()];
            for (path, &(ri, fi)) in &index {
                let v = parsed
                    .get(path)
                    .unwrap_or_else(|| panic!("Hocon.java left out {path}:\n{shown}"));
                per_render[ri].push((fi, v.clone()));
            }
            per_render
        };
        let (without_env, with_env) = std::thread::scope(|s| {
            let a = s.spawn(|| jvm(false));
            let b = s.spawn(|| jvm(true));
            (a.join(), b.join())
        });
        let unwrap = |r: std::thread::Result<_>| r.unwrap_or_else(|e| std::panic::resume_unwind(e));
        Hocon {
            without_env: unwrap(without_env),
            with_env: unwrap(with_env),
        }
    })
}

/// Every `videobridge.apis.xmpp-client.configs.<name>` of a parsed jvb.conf.
fn xmpp_client_configs(jvb: &Value) -> Vec<(&String, &Value)> {
    at(jvb, "videobridge.apis.xmpp-client.configs")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

#[test]
fn typesafe_config_reads_jicofo_and_every_bridge_into_the_same_brewery() {
    let Some(java) = hocon_available() else {
        return;
    };
    let hocon = hocon(&java);
    let mut failures = Vec::new();
    for (ri, r) in renders().all.iter().enumerate() {
        let domain = r.domain();
        let auth = format!("auth.{domain}");
        let shards = r.shards();
        let parsed = &hocon.with_env[ri];
        let of_kind = |kind: &str| {
            parsed
                .iter()
                .filter(|(fi, _)| r.files[*fi].kind == kind)
                .collect::<Vec<_>>()
        };
        let mut fail = |msg: String| failures.push(format!("{}: {msg}", r.label));

        let jicofos = of_kind("jicofo");
        if jicofos.len() != shards.len() {
            fail(format!(
                "expected one jicofo.conf per signalling host ({}), found {}",
                shards.len(),
                jicofos.len()
            ));
            continue;
        }
        // Each shard's jicofo watches a brewery on its own prosody.
        let mut breweries: BTreeMap<String, String> = BTreeMap::new();
        for (jfi, jicofo) in &jicofos {
            let jicofo_file = &r.files[*jfi];
            let jicofo_path = &jicofo_file.path;
            let prosody = &r.on(&jicofo_file.host, "prosody").content;
            let brewery = at(jicofo, "jicofo.bridge.brewery-jid").and_then(Value::as_str);
            let Some(brewery) = brewery else {
                fail(format!(
                    "{jicofo_path}: no jicofo.bridge.brewery-jid in {jicofo}"
                ));
                continue;
            };
            breweries.insert(jicofo_file.host.clone(), brewery.to_owned());
            let client_domain = at(jicofo, "jicofo.xmpp.client.domain").and_then(Value::as_str);
            if client_domain != Some(&auth) {
                fail(format!(
                    "{jicofo_path}: jicofo.xmpp.client.domain is {client_domain:?}, expected {auth:?}"
                ));
            }
            // The brewery is a room of a MUC component prosody serves; the login domain is a VirtualHost.
            let brewery_muc = brewery.split_once('@').map(|(_, d)| d).unwrap_or("");
            if !components(prosody)
                .iter()
                .any(|(name, kind)| name == brewery_muc && kind == "muc")
            {
                fail(format!(
                    "the brewery {brewery} is not on a `Component \"{brewery_muc}\" \"muc\"` of the prosody config"
                ));
            }
            if !virtual_hosts(prosody).contains(&auth) {
                fail(format!(
                    "prosody has no VirtualHost {auth:?} for the service accounts"
                ));
            }
        }

        let bridges = r.model["bridges"].as_array().cloned().unwrap_or_default();
        let jvbs = of_kind("jvb");
        if jvbs.len() != bridges.len() {
            fail(format!(
                "{} bridges in the model but {} jvb.conf files",
                bridges.len(),
                jvbs.len()
            ));
        }
        let mut nicknames: BTreeMap<(String, String), String> = BTreeMap::new();
        for (fi, jvb) in jvbs {
            let f = &r.files[*fi];
            let where_ = format!("{} {}", f.host, f.path);
            let configs = xmpp_client_configs(jvb);
            if configs.is_empty() {
                fail(format!("{where_}: no videobridge.apis.xmpp-client.configs"));
            }
            let bridge = bridges.iter().find(|b| b["host"].as_str() == Some(&f.host));
            // The bridge keeps one connection to each shard it serves (all, by default).
            let mut expected_ids: Vec<String> = shards
                .iter()
                .map(|(id, _, _)| id.clone())
                .filter(|id| match bridge.and_then(|b| b["shards"].as_array()) {
                    Some(list) => list.iter().any(|s| s.as_str() == Some(id)),
                    None => true,
                })
                .collect();
            let mut ids: Vec<String> = configs.iter().map(|(name, _)| (*name).clone()).collect();
            expected_ids.sort();
            ids.sort();
            if ids != expected_ids {
                fail(format!(
                    "{where_}: xmpp-client configs {ids:?}, but it serves {expected_ids:?}"
                ));
            }
            for (name, c) in configs {
                let get = |k: &str| c.get(k).and_then(Value::as_str);
                let Some((_, shard_host, shard_address)) =
                    shards.iter().find(|(id, _, _)| id == name)
                else {
                    continue;
                };
                let brewery = breweries.get(shard_host).map(String::as_str).unwrap_or("?");
                if get("MUC_JIDS") != Some(brewery) {
                    fail(format!(
                        "{where_}: configs.{name}.MUC_JIDS is {:?}, jicofo watches {brewery:?}",
                        get("MUC_JIDS")
                    ));
                }
                if get("DOMAIN") != Some(&auth) {
                    fail(format!(
                        "{where_}: configs.{name}.DOMAIN is {:?}, expected {auth:?}",
                        get("DOMAIN")
                    ));
                }
                let host: Option<IpAddr> = get("HOSTNAME").and_then(|h| h.parse().ok());
                if host != Some(*shard_address) {
                    fail(format!(
                        "{where_}: configs.{name}.HOSTNAME is {:?}, {shard_host}'s address is {shard_address}",
                        get("HOSTNAME"),
                    ));
                }
                match get("MUC_NICKNAME") {
                    None => fail(format!("{where_}: configs.{name}.MUC_NICKNAME is missing")),
                    Some(nick) => {
                        // Nicknames are unique within each shard's brewery.
                        if let Some(other) =
                            nicknames.insert((name.clone(), nick.to_owned()), where_.clone())
                        {
                            fail(format!(
                                "{where_} and {other} both join the brewery as {nick:?}"
                            ));
                        }
                        let expected =
                            bridge.and_then(|b| b["nickname"].as_str().or(b["host"].as_str()));
                        if bridge.is_some() && expected != Some(nick) {
                            fail(format!(
                                "{where_}: MUC_NICKNAME is {nick:?}, the model says {expected:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert_no_failures("the parsed jicofo.conf and jvb.conf disagree", failures);
}

/// Every jibri joins the jibri brewery jicofo watches on each shard it serves: Typesafe Config
/// (the parser jibri reads jibri.conf with, as jicofo does jicofo.conf) reads back each
/// environment (jibri's JibriConfig.kt `toXmppEnvironment` reads these keys, jitsi/jibri 82e70339
/// l.137-162), and the control MUC's `room-name@domain` equals that shard's
/// `jicofo.jibri.brewery-jid`; the logins are on the domains prosody serves, the passwords
/// resolve (inline, or from the variables our drop-in sets), the trust is set explicitly.
#[test]
fn typesafe_config_reads_every_jibri_conf_into_the_jibri_brewery_jicofo_watches() {
    let Some(java) = hocon_available() else {
        return;
    };
    let hocon = hocon(&java);
    let mut failures = Vec::new();
    let mut environments = 0;
    for (ri, r) in renders().all.iter().enumerate() {
        let jibris = r.model["jibris"].as_array().cloned().unwrap_or_default();
        if jibris.is_empty() {
            continue;
        }
        let mut fail = |msg: String| failures.push(format!("{}: {msg}", r.label));
        let domain = r.domain();
        let auth = format!("auth.{domain}");
        let recorder = format!("recorder.{domain}");
        let parsed = &hocon.with_env[ri];
        let of_kind = |kind: &str| {
            parsed
                .iter()
                .filter(|(fi, _)| r.files[*fi].kind == kind)
                .collect::<Vec<_>>()
        };
        let mut breweries: BTreeMap<String, String> = BTreeMap::new();
        for (fi, jicofo) in of_kind("jicofo") {
            if let Some(b) = at(jicofo, "jicofo.jibri.brewery-jid").and_then(Value::as_str) {
                breweries.insert(r.files[*fi].host.clone(), b.to_owned());
            }
        }
        let confs = of_kind("jibri");
        if confs.len() != jibris.len() {
            fail(format!(
                "{} jibris in the model but {} jibri.conf files",
                jibris.len(),
                confs.len()
            ));
        }
        let inline = r.label.ends_with("(inline secrets)");
        let mut nicknames: BTreeMap<(String, String), String> = BTreeMap::new();
        for (fi, conf) in confs {
            let f = &r.files[*fi];
            let where_ = format!("{} {}", f.host, f.path);
            let jibri = jibris.iter().find(|j| j["host"].as_str() == Some(&f.host));
            let nickname = jibri.and_then(|j| j["nickname"].as_str().or(j["host"].as_str()));
            let envs = at(conf, "jibri.api.xmpp.environments")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut names: Vec<String> = Vec::new();
            for e in &envs {
                environments += 1;
                let get = |k: &str| at(e, k).and_then(Value::as_str);
                let name = get("name").unwrap_or("?").to_owned();
                names.push(name.clone());
                let Some((_, shard_host, shard_address)) =
                    r.shards().into_iter().find(|(id, _, _)| *id == name)
                else {
                    fail(format!("{where_}: environment {name:?} is no shard"));
                    continue;
                };
                let hosts: Vec<&str> = at(e, "xmpp-server-hosts")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if hosts != [shard_address.to_string()] {
                    fail(format!(
                        "{where_}: {name}.xmpp-server-hosts is {hosts:?}, {shard_host}'s prosody is at {shard_address}"
                    ));
                }
                let muc = format!(
                    "{}@{}",
                    get("control-muc.room-name").unwrap_or("?"),
                    get("control-muc.domain").unwrap_or("?")
                );
                match breweries.get(&shard_host) {
                    Some(b) if *b == muc => {}
                    other => fail(format!(
                        "{where_}: {name}'s control MUC is {muc:?}, {shard_host}'s jicofo watches {other:?} (jicofo.jibri.brewery-jid)"
                    )),
                }
                if get("control-muc.nickname") != nickname {
                    fail(format!(
                        "{where_}: {name}.control-muc.nickname is {:?}, the model says {nickname:?}",
                        get("control-muc.nickname")
                    ));
                }
                if let Some(nick) = get("control-muc.nickname")
                    && let Some(other) =
                        nicknames.insert((name.clone(), nick.to_owned()), where_.clone())
                {
                    fail(format!(
                        "{where_} and {other} both join the jibri brewery as {nick:?}"
                    ));
                }
                let prosody = &r.on(&shard_host, "prosody").content;
                for (login, login_domain, password) in [
                    (
                        "control-login",
                        &auth,
                        if inline { JIBRI_INLINE } else { JIBRI_FROM_ENV },
                    ),
                    (
                        "call-login",
                        &recorder,
                        if inline {
                            RECORDER_INLINE
                        } else {
                            RECORDER_FROM_ENV
                        },
                    ),
                ] {
                    if get(&format!("{login}.domain")) != Some(login_domain.as_str()) {
                        fail(format!(
                            "{where_}: {name}.{login}.domain is {:?}, expected {login_domain:?}",
                            get(&format!("{login}.domain"))
                        ));
                    }
                    if !virtual_hosts(prosody).contains(login_domain) {
                        fail(format!(
                            "{shard_host}'s prosody has no VirtualHost {login_domain:?} for {login}"
                        ));
                    }
                    if get(&format!("{login}.password")) != Some(password) {
                        fail(format!(
                            "{where_}: {name}.{login}.password does not resolve to the secret"
                        ));
                    }
                }
                // jibri reads these with getString, getDuration and getBoolean: no default.
                if get("strip-from-room-domain") != Some("conference.") {
                    fail(format!(
                        "{where_}: {name}.strip-from-room-domain is {:?}",
                        get("strip-from-room-domain")
                    ));
                }
                if get("usage-timeout").is_none_or(|t| !t.ends_with(" minutes")) {
                    fail(format!(
                        "{where_}: {name}.usage-timeout is {:?}",
                        get("usage-timeout")
                    ));
                }
                let insecure = r.model["trust"]["mode"].as_str() == Some("insecure");
                if at(e, "trust-all-xmpp-certs").and_then(Value::as_bool) != Some(insecure) {
                    fail(format!(
                        "{where_}: {name}.trust-all-xmpp-certs is {:?}",
                        at(e, "trust-all-xmpp-certs")
                    ));
                }
            }
            let mut expected: Vec<String> = r
                .shards()
                .into_iter()
                .map(|(id, _, _)| id)
                .filter(|id| match jibri.and_then(|j| j["shards"].as_array()) {
                    Some(list) => list.iter().any(|s| s.as_str() == Some(id)),
                    None => true,
                })
                .collect();
            expected.sort();
            names.sort();
            if names != expected {
                fail(format!(
                    "{where_}: environments {names:?}, but it serves {expected:?}"
                ));
            }
        }
    }
    assert!(environments > 0, "no example has a jibri");
    println!("jibri.conf: {environments} XMPP environments read with Typesafe Config");
    assert_no_failures("the parsed jibri.conf and jicofo.conf disagree", failures);
}

#[test]
fn typesafe_config_resolves_passwords_from_the_environment_or_the_inline_value() {
    let Some(java) = hocon_available() else {
        return;
    };
    let hocon = hocon(&java);
    let mut failures = Vec::new();
    let mut file_secret_seen = false;
    let mut inline_seen = false;
    for (ri, r) in renders().all.iter().enumerate() {
        for (env_set, parsed) in [(false, &hocon.without_env[ri]), (true, &hocon.with_env[ri])] {
            for (fi, v) in parsed {
                let f = &r.files[*fi];
                // Without its variable, a file-referenced password is absent from jvb.conf, and
                // jicofo.conf keeps the empty placeholder that jicofo's installer probes for
                // (tests/lifecycle).
                let (secret, var, from_env, unset, found) = match f.kind.as_str() {
                    "jicofo" => (
                        &r.focus,
                        FOCUS_VAR,
                        FOCUS_FROM_ENV,
                        Some(""),
                        vec![at(v, "jicofo.xmpp.client.password")],
                    ),
                    "jvb" => (
                        &r.jvb,
                        JVB_VAR,
                        JVB_FROM_ENV,
                        None,
                        xmpp_client_configs(v)
                            .into_iter()
                            .map(|(_, c)| c.get("PASSWORD"))
                            .collect(),
                    ),
                    _ => continue,
                };
                let expected = match secret {
                    Password::FromEnvironment => {
                        file_secret_seen = true;
                        if env_set { Some(from_env) } else { unset }
                    }
                    Password::Literal(value) => {
                        inline_seen = true;
                        Some(value.as_str())
                    }
                };
                for got in found {
                    let got = got.map(|g| {
                        g.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| g.to_string())
                    });
                    if got.as_deref() != expected {
                        let env = if env_set {
                            format!("with {var} set")
                        } else {
                            format!("without {var}")
                        };
                        failures.push(format!(
                            "{}: {} {} ({}), parsed {env}: password is {}, expected {}",
                            r.label,
                            f.host,
                            f.path,
                            secret.source(),
                            got.map_or("absent".into(), |g| format!("{g:?}")),
                            expected.map_or("absent".into(), |e| format!("{e:?}")),
                        ));
                    }
                }
            }
        }
        // A `{file}` secret only works if the service's drop-in exports the variable the config reads.
        for (secret, var, kind) in [(&r.focus, FOCUS_VAR, "jicofo"), (&r.jvb, JVB_VAR, "jvb")] {
            if *secret != Password::FromEnvironment {
                continue;
            }
            for f in r.of_kind(kind) {
                let exported = r.files.iter().any(|d| {
                    d.host == f.host
                        && d.kind == "systemd"
                        && d.content.contains(var)
                        && d.content.contains("EnvironmentFile=")
                });
                if !exported {
                    failures.push(format!(
                        "{}: {} reads ${{?{var}}}, but no systemd drop-in on {} sets it",
                        r.label, f.path, f.host
                    ));
                }
            }
        }
    }
    assert!(
        file_secret_seen && inline_seen,
        "the renders cover both {{file}} and inline secrets"
    );
    assert_no_failures("a password did not resolve as intended", failures);
}

// ---------------------------------------------------------------------------------------------
// debconf
// ---------------------------------------------------------------------------------------------

#[test]
fn debconf_accepts_every_selections_file_without_warnings() {
    let Some(dss) = tool("debconf-set-selections") else {
        return;
    };
    let mut failures = Vec::new();
    for r in &renders().all {
        let tmp = tempdir();
        r.write(tmp.path());
        let files: Vec<_> = r.of_kind("debconf").collect();
        assert!(
            !files.is_empty(),
            "{}: no debconf selections rendered",
            r.label
        );
        for f in files {
            let local = Render::local(tmp.path(), f);
            let mut cmd = Command::new(&dss);
            cmd.arg("--checkonly").arg(&local);
            let out = run(&mut cmd);
            if !out.status.success() || !out.stderr.is_empty() {
                failures.push(format!(
                    "{}: {} {}\n{}",
                    r.label,
                    f.host,
                    f.path,
                    describe(&format!("{cmd:?}"), &out)
                ));
            }
        }
    }
    assert_no_failures(
        "debconf-set-selections --checkonly rejected or warned about a file",
        failures,
    );
}

// ---------------------------------------------------------------------------------------------
// config.js (node)
// ---------------------------------------------------------------------------------------------

/// The `config` object of `file` as a browser gets it, with the SSI variables `vars` set.
fn eval_config_js(node: &Path, file: &Path, vars: &[(&str, &str)]) -> Result<Value, String> {
    let mut cmd = Command::new(node);
    cmd.arg(Path::new(ROOT).join("tests/consumers/configjs.js"))
        .arg(file);
    cmd.args(vars.iter().map(|(k, v)| format!("{k}={v}")));
    let out = run(&mut cmd);
    let shown = describe(&format!("{cmd:?}"), &out);
    if !out.status.success() {
        return Err(shown);
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("not JSON ({e}):\n{shown}"))
}

/// The SSI variables config.js echoes.
fn ssi_variables(js: &str) -> BTreeSet<String> {
    js.split("<!--#")
        .skip(1)
        .filter_map(|s| s.split_once("var=\""))
        .filter_map(|(_, s)| s.split_once('"'))
        .map(|(v, _)| v.to_owned())
        .collect()
}

/// Checks one evaluated config against the names prosody and nginx serve.
fn check_config(
    r: &Render,
    host: &str,
    config: &Value,
    tenant: Option<&str>,
    fail: &mut dyn FnMut(String),
) {
    let domain = r.domain();
    let prosody = &r.on(host, "prosody").content;
    let what = tenant.map_or("config.js".to_owned(), |t| {
        format!("config.js for tenant {t:?}")
    });
    let get = |p: &str| at(config, p).and_then(Value::as_str).map(str::to_owned);
    let mut expect = |p: &str, want: Option<String>, why: &str| {
        if want.is_none() || get(p) != want {
            fail(format!(
                "{what}: {p} is {:?}, expected {want:?} ({why})",
                get(p)
            ));
        }
    };
    expect(
        "hosts.domain",
        virtual_hosts(prosody).first().cloned(),
        "the first VirtualHost of the prosody config",
    );
    expect(
        "hosts.domain",
        Some(domain.to_owned()),
        "the model's domain",
    );
    let conference = components(prosody)
        .into_iter()
        .find(|(n, k)| k == "muc" && n.starts_with("conference."))
        .map(|(n, _)| n);
    let muc = match (tenant, &conference) {
        (Some(t), Some(c)) => c
            .strip_prefix("conference.")
            .map(|rest| format!("conference.{t}.{rest}")),
        (_, c) => c.clone(),
    };
    expect(
        "hosts.muc",
        muc,
        "the conference MUC Component of the prosody config",
    );
    let focus = components(prosody)
        .into_iter()
        .find(|(_, k)| k == "client_proxy")
        .map(|(n, _)| n);
    expect(
        "hosts.focus",
        focus,
        "the client_proxy Component of the prosody config",
    );
    let sub = tenant.map_or(String::new(), |t| format!("{t}/"));
    expect(
        "bosh",
        Some(format!("https://{domain}/{sub}http-bind")),
        "nginx proxies BOSH there",
    );
    expect(
        "websocket",
        Some(format!("wss://{domain}/{sub}xmpp-websocket")),
        "nginx proxies XMPP over WebSocket there",
    );
}

#[test]
fn config_js_points_browsers_at_what_prosody_and_nginx_serve() {
    let Some(node) = tool("node") else { return };
    let mut failures = Vec::new();
    for r in &renders().all {
        let tmp = tempdir();
        r.write(tmp.path());
        for (_, host, _) in r.shards() {
            let js = r.on(&host, "web-config");
            let site = &r.on(&host, "nginx").content;
            let mut fail = |msg: String| failures.push(format!("{} ({host}): {msg}", r.label));
            match eval_config_js(&node, &Render::local(tmp.path(), js), &[]) {
                Ok(config) => check_config(r, &host, &config, None, &mut fail),
                Err(e) => fail(format!("{} does not evaluate:\n{e}", js.path)),
            }
            for location in ["location = /http-bind", "location = /xmpp-websocket"] {
                if !site
                    .lines()
                    .any(|l| l.trim().starts_with(&format!("{location} ")))
                {
                    fail(format!("the nginx site has no `{location}`"));
                }
            }
            if !site.contains(&js.path) {
                fail(format!(
                    "the nginx site never serves {} (its /config.js)",
                    js.path
                ));
            }
            if !site.lines().any(|l| l.trim() == "ssi on;") {
                fail("the nginx site does not turn `ssi on`, so config.js reaches browsers with raw SSI comments".into());
            }
            // Every SSI variable config.js echoes (besides nginx's own $http_*) is one the site sets.
            for var in ssi_variables(&js.content) {
                // (set in a location, or by a map at the http level)
                if !var.starts_with("http_")
                    && !site.contains(&format!("set ${var} "))
                    && !site.contains(&format!(" ${var} {{\n"))
                {
                    fail(format!(
                        "config.js echoes the SSI variable {var:?}, which the nginx site never sets"
                    ));
                }
            }
        }
    }
    assert_no_failures("config.js disagrees with prosody or nginx", failures);
}

#[test]
fn config_js_for_a_tenant_uses_the_tenant_muc_and_paths() {
    let Some(node) = tool("node") else { return };
    let mut failures = Vec::new();
    for r in &renders().all {
        let tmp = tempdir();
        r.write(tmp.path());
        for (_, host, _) in r.shards() {
            let js = r.on(&host, "web-config");
            let prosody = &r.on(&host, "prosody").content;
            let mut fail = |msg: String| failures.push(format!("{} ({host}): {msg}", r.label));
            // What nginx sets for https://<domain>/acme/config.js.
            let vars = [
                ("subdir", "acme/"),
                ("subdomain", "acme."),
                ("http_host", r.domain()),
            ];
            match eval_config_js(&node, &Render::local(tmp.path(), js), &vars) {
                Ok(config) => check_config(r, &host, &config, Some("acme"), &mut fail),
                Err(e) => fail(format!("{} does not evaluate for a tenant:\n{e}", js.path)),
            }
            // conference.acme.<domain> exists only through the MUC domain mapper.
            let base = format!("muc_mapper_domain_base = \"{}\"", r.domain());
            if !prosody.lines().any(|l| l.trim() == base) {
                fail(format!(
                    "the prosody config lacks `{base}`, so tenant MUCs do not map onto the conference MUC"
                ));
            }
        }
    }
    assert_no_failures("config.js for a tenant is wrong", failures);
}

/// What upstream's config.js of the model's release sets and ours must too (issue 16): D8 the
/// peer-to-peer STUN server without `turn` (upstream's public one unless `public_stun: false`),
/// C7 the multistream flags old mobile clients need (stable-9646), C5 `conferenceRequestUrl`
/// on every shard (the web app appends `?room=`, which the front door routes by) and no comment
/// that says colibri websockets are gone in a release that has them. Read by node.
#[test]
fn config_js_sets_what_upstreams_config_js_of_the_release_sets() {
    let Some(node) = tool("node") else { return };
    const STUN: &str = "stun:meet-jit-si-turnrelay.jitsi.net:443";
    let scratch = tempdir();
    // the handbook with `public_stun: false`, beside the examples
    let mut quiet = renders()
        .all
        .iter()
        .find(|r| r.label.starts_with("examples/handbook.yaml"))
        .expect("the handbook example")
        .model
        .clone();
    quiet["public_stun"] = json!(false);
    let mut failures = Vec::new();
    let extra = render_one(
        scratch.path(),
        0,
        "examples/handbook.yaml with public_stun: false".into(),
        quiet,
    )
    .map_err(|e| failures.push(e))
    .ok();
    for r in renders().all.iter().chain(extra.as_ref()) {
        let tmp = tempdir();
        r.write(tmp.path());
        let release = r.model["release"].as_str().unwrap_or("stable-11146");
        let number: u32 = release
            .trim_start_matches("stable-")
            .parse()
            .expect("a release number");
        for (_, host, _) in r.shards() {
            let js = r.on(&host, "web-config");
            let mut fail = |msg: String| failures.push(format!("{} ({host}): {msg}", r.label));
            let config = match eval_config_js(&node, &Render::local(tmp.path(), js), &[]) {
                Ok(c) => c,
                Err(e) => {
                    fail(format!("{} does not evaluate:\n{e}", js.path));
                    continue;
                }
            };
            let stun = at(&config, "p2p.stunServers").cloned().unwrap_or(json!([]));
            let want_stun = if r.model.get("turn").is_none()
                && r.model["public_stun"].as_bool() != Some(false)
            {
                json!([{ "urls": STUN }])
            } else {
                json!([])
            };
            if stun != want_stun {
                fail(format!("p2p.stunServers is {stun}, expected {want_stun}"));
            }
            let flags = [
                "sourceNameSignaling",
                "sendMultipleVideoStreams",
                "receiveMultipleVideoStreams",
            ]
            .map(|f| at(&config, &format!("flags.{f}")).cloned());
            let want_flags = if number < 10133 {
                Some(json!(true))
            } else {
                None
            };
            if flags.iter().any(|f| *f != want_flags) {
                fail(format!(
                    "{release}: config.flags (sourceNameSignaling, sendMultipleVideoStreams, \
                     receiveMultipleVideoStreams) are {flags:?}, upstream's config.js of the release \
                     sets {want_flags:?}"
                ));
            }
            let crq = at(&config, "conferenceRequestUrl").and_then(Value::as_str);
            let want_crq = format!("https://{}/conference-request/v1", r.domain());
            if crq != Some(want_crq.as_str()) {
                fail(format!(
                    "conferenceRequestUrl is {crq:?}, expected {want_crq:?} (the web app appends ?room=)"
                ));
            }
            if number < 11031 && js.content.contains("colibri websockets are gone") {
                fail(format!(
                    "{release} has colibri websockets, but config.js says they are gone"
                ));
            }
        }
    }
    assert_no_failures(
        "config.js differs from what upstream's config.js of the release sets",
        failures,
    );
}

// ---------------------------------------------------------------------------------------------
// nftables
// ---------------------------------------------------------------------------------------------

#[test]
fn nftables_accepts_every_firewall_file() {
    let Some(nft) = tool("nft") else { return };
    let mut failures = Vec::new();
    let mut checked = 0;
    for r in &renders().all {
        let tmp = tempdir();
        r.write(tmp.path());
        for f in r.of_kind("firewall") {
            let local = Render::local(tmp.path(), f);
            let mut cmd = Command::new(&nft);
            cmd.arg("-c").arg("-f").arg(&local);
            let out = run(&mut cmd);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() && stderr.contains("Operation not permitted") {
                // `nft -c` still talks to the kernel, which needs CAP_NET_ADMIN.
                return missing("nft with CAP_NET_ADMIN (run as root)");
            }
            checked += 1;
            if !out.status.success() {
                failures.push(format!(
                    "{}: {} {}\n{}",
                    r.label,
                    f.host,
                    f.path,
                    describe(&format!("{cmd:?}"), &out)
                ));
            }
        }
    }
    let enabled = renders()
        .all
        .iter()
        .any(|r| r.model["firewall"]["enabled"] != json!(false));
    assert!(
        checked > 0 || !enabled,
        "no firewall file was rendered, though a model enables the firewall"
    );
    assert_no_failures("nft -c rejected a rendered firewall", failures);
}

// ---------------------------------------------------------------------------------------------
// HAProxy (the front door of sharded deployments)
// ---------------------------------------------------------------------------------------------

#[test]
fn haproxy_accepts_every_front_door_and_monitoring_proxy() {
    let Some([haproxy, openssl]) = tools(["haproxy", "openssl"]) else {
        return;
    };
    let renders = renders();
    fs::create_dir_all(&renders.door_dir).expect("create the certificate folder");
    struct Remove<'a>(&'a Path);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(self.0);
        }
    }
    let _remove = Remove(&renders.door_dir);
    // HAProxy's `crt` is the chain and the key in one PEM file.
    let (key, crt) = (
        renders.door_dir.join("door.key"),
        renders.door_dir.join("door.crt"),
    );
    let out = run(&mut common::self_signed_certificate(&openssl, &crt, &key));
    assert!(out.status.success(), "{}", describe("openssl req", &out));
    let pem = [fs::read(&crt).expect("cert"), fs::read(&key).expect("key")].concat();
    fs::write(renders.door_dir.join("door.pem"), pem).expect("write the PEM");

    let mut failures = Vec::new();
    let mut checked = 0;
    for r in &renders.all {
        let tmp = tempdir();
        r.write(tmp.path());
        for f in r.of_kind("haproxy") {
            let mut cmd = Command::new(&haproxy);
            cmd.arg("-c").arg("-f").arg(Render::local(tmp.path(), f));
            let out = run(&mut cmd);
            checked += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() || stderr.contains("[WARNING]") {
                failures.push(format!(
                    "{}: {} {}\n{}",
                    r.label,
                    f.host,
                    f.path,
                    describe(&format!("{cmd:?}"), &out)
                ));
            }
            // The front door's: every shard is a server of the backend, with a health check.
            // (A bridge's HAProxy, with monitoring, has the videobridge as its only server.)
            if r.model["front_door"]["host"].as_str() != Some(f.host.as_str()) {
                continue;
            }
            let shards: Vec<&str> = r.model["shards"]
                .as_array()
                .map(|s| s.iter().filter_map(|s| s["name"].as_str()).collect())
                .unwrap_or_default();
            for name in shards {
                if !f.content.lines().any(|l| {
                    l.trim_start().starts_with(&format!("server {name} ")) && l.contains(" check")
                }) {
                    failures.push(format!(
                        "{}: shard {name} is not a checked server in {}",
                        r.label, f.path
                    ));
                }
            }
        }
    }
    let sharded = renders
        .all
        .iter()
        .any(|r| r.model.get("front_door").is_some());
    assert!(
        checked > 0 || !sharded,
        "a model has a front door, but no HAProxy config was rendered"
    );
    assert_no_failures(
        "haproxy -c rejected or warned about a front door or a monitoring proxy",
        failures,
    );
}

#[test]
fn typesafe_config_reads_every_sip_communicator_properties_as_empty() {
    let Some(java) = hocon_available() else {
        return;
    };
    let hocon = hocon(&java);
    let mut failures = Vec::new();
    let mut seen = 0;
    for (ri, r) in renders().all.iter().enumerate() {
        for (fi, v) in &hocon.with_env[ri] {
            let f = &r.files[*fi];
            if f.kind != "jvb-properties" {
                continue;
            }
            seen += 1;
            // Any setting left here would override jvb.conf on releases that still read it
            // (jicoco's legacy config source parses it with Typesafe Config: jitsi/jicoco
            // jicoco-kotlin/src/main/kotlin/org/jitsi/config/NewJitsiConfig.kt), including the
            // commented keys that jitsi-videobridge2's installer looks for (tests/lifecycle).
            if v.as_object().is_none_or(|o| !o.is_empty()) {
                failures.push(format!(
                    "{}: {} {} holds settings: {v}",
                    r.label, f.host, f.path
                ));
            }
        }
    }
    let old = renders().all.iter().any(|r| {
        r.model["release"]
            .as_str()
            .and_then(jitsi_topology::release::find)
            .is_some_and(|release| release.sip_communicator_properties)
    });
    assert!(
        seen > 0 || !old,
        "an example targets a release that reads sip-communicator.properties, but none was rendered"
    );
    assert_no_failures("sip-communicator.properties is not empty", failures);
}

// ---------------------------------------------------------------------------------------------
// coturn: Debian's turnserver from the rendered config, TURN allocations with prosody's
// credentials (tests/common/coturn.rs says what differs from a host)
// ---------------------------------------------------------------------------------------------

/// Runs the rendered drop-in's `ExecStartPre=+HELPER CONFIG SECRET_FILE KEY OUTPUT GROUP` as
/// systemd would before coturn starts, with the config, the secret file and the output in
/// `dir`, and returns the config coturn is then started with (the drop-in's `ExecStart`).
fn coturn_config_from_dropin(
    r: &Render,
    conf: &RenderedFile,
    base: &str,
    secret_file: &str,
    dir: &Path,
) -> Result<PathBuf, String> {
    let dropin = r
        .files
        .iter()
        .find(|f| {
            f.host == conf.host
                && f.kind == "systemd"
                && f.content.contains("ExecStartPre=+")
                && f.content.contains(&conf.path)
        })
        .ok_or("no systemd drop-in completes coturn's config with the {file} secret")?;
    let pre: Vec<&str> = dropin
        .content
        .lines()
        .find_map(|l| l.strip_prefix("ExecStartPre=+"))
        .ok_or("the drop-in has no ExecStartPre=+ line")?
        .split(' ')
        .collect();
    let [helper, config, secret, key, output, group] = pre[..] else {
        return Err(format!("unexpected ExecStartPre: {pre:?}"));
    };
    if config != conf.path || secret != secret_file {
        return Err(format!(
            "the drop-in completes {config} from {secret}, not {} from {secret_file}",
            conf.path
        ));
    }
    let start = format!("ExecStart=/usr/bin/turnserver -c {output} ");
    if !dropin.content.lines().any(|l| l.starts_with(&start)) {
        return Err(format!("the drop-in does not start coturn on {output}"));
    }
    let helper_file = r
        .files
        .iter()
        .find(|f| f.host == conf.host && f.path == helper)
        .ok_or(format!("{helper} is not rendered on {}", conf.host))?;
    let (helper_local, base_local, secret_local, output_local) = (
        dir.join("secret-config"),
        dir.join("turnserver.conf"),
        dir.join("turn-secret"),
        dir.join("run/turnserver.conf"),
    );
    fs::write(&helper_local, &helper_file.content).map_err(|e| e.to_string())?;
    fs::write(&base_local, base).map_err(|e| e.to_string())?;
    fs::write(&secret_local, format!("{TURN_FROM_FILE}\n")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("sh");
    cmd.arg(&helper_local)
        .arg(&base_local)
        .arg(&secret_local)
        .arg(key)
        .arg(&output_local)
        .arg(group);
    let out = run(&mut cmd);
    if !out.status.success() {
        return Err(describe(&format!("{cmd:?}"), &out));
    }
    Ok(output_local)
}

/// Starts coturn from one rendered turnserver.conf and checks what a client sees.
fn check_coturn(
    r: &Render,
    conf: &RenderedFile,
    [turnserver, uclient, lua, openssl]: &[PathBuf; 4],
) -> Result<(), String> {
    let turn = &r.model["turn"];
    let dir = tempdir();
    let has_tls = conf.content.lines().any(|l| l.starts_with("cert="));
    let pair = if has_tls {
        Some(common::coturn::tls_pair(openssl, dir.path())?)
    } else {
        None
    };
    let ports = common::coturn::Ports::free();
    let base = common::coturn::for_loopback(
        &conf.content,
        ports,
        pair.as_ref().map(|(c, k)| (c.as_path(), k.as_path())),
    )?;
    let (secret, server) = match &r.model["secrets"]["turn"] {
        Value::Object(o) if o.contains_key("file") => {
            let file = o["file"].as_str().unwrap_or_default();
            let run_dir = tempdir();
            let path = coturn_config_from_dropin(r, conf, &base, file, run_dir.path())?;
            let server = common::coturn::Turnserver::start_file(turnserver, &path, ports, run_dir)?;
            (TURN_FROM_FILE.to_owned(), server)
        }
        Value::Object(o) if o.contains_key("value") => (
            o["value"].as_str().unwrap_or_default().to_owned(),
            common::coturn::Turnserver::start(turnserver, &base, ports)?,
        ),
        Value::Object(o) if o.contains_key("env") => (
            TURN_FROM_ENV.to_owned(),
            common::coturn::Turnserver::start(turnserver, &base, ports)?,
        ),
        other => return Err(format!("unexpected secrets.turn: {other}")),
    };
    let mut problems = Vec::new();
    let bad = server.bad_lines();
    if !bad.is_empty() {
        problems.push(format!(
            "coturn skipped rendered lines it does not understand:\n{}",
            bad.join("\n")
        ));
    }
    let domain = turn["domain"].as_str().unwrap_or_default();
    if !server.log().contains(&format!("Default realm: {domain}\n")) {
        problems.push(format!("coturn's realm is not `{domain}`"));
    }
    let (user, password) = common::coturn::prosody_credentials(lua, secret.as_bytes())?;
    let relay_ip: IpAddr = turn["public_address"]
        .as_str()
        .unwrap_or("127.0.0.1")
        .parse()
        .map_err(|e| format!("public_address: {e}"))?;
    let range = |key| {
        common::coturn::value(&conf.content, key)
            .and_then(|v| v.parse::<u16>().ok())
            .ok_or(format!("no {key} in the rendered config"))
    };
    let relay_ports = range("min-port")?..=range("max-port")?;
    for (name, tcp) in [("UDP", false), ("TCP", true)] {
        let a = common::coturn::allocate(uclient, ports.plain, &user, &password, tcp);
        match a.relay {
            Some(addr) if addr.ip() == relay_ip && relay_ports.contains(&addr.port()) => {}
            Some(addr) => problems.push(format!(
                "{name}: relayed address {addr}, expected {relay_ip} and a port in {relay_ports:?}"
            )),
            None => problems.push(format!(
                "{name}: no allocation with prosody's credentials for the model's secret:\n{}",
                a.output
            )),
        }
        if a.relay.is_some() && !a.loopback_peer_refused {
            problems.push(format!(
                "{name}: coturn did not refuse to relay to a loopback peer:\n{}",
                a.output
            ));
        }
    }
    if let Some((crt, _)) = &pair {
        let expected = fs::read_to_string(crt).map_err(|e| e.to_string())?;
        match common::coturn::served_certificate(openssl, ports.tls) {
            Ok(served) if expected.contains(&served) => {}
            Ok(_) => {
                problems.push("TLS: the TLS port serves another certificate than `cert`".into())
            }
            Err(e) => problems.push(format!("TLS: {e}")),
        }
    }
    let (user, password) =
        common::coturn::prosody_credentials(lua, format!("{secret}-wrong").as_bytes())?;
    let wrong = common::coturn::allocate(uclient, ports.plain, &user, &password, false);
    if wrong.relay.is_some() {
        problems.push(format!(
            "an allocation with credentials from a wrong secret succeeded:\n{}",
            wrong.output
        ));
    } else if !server
        .log()
        .contains(&format!("Cannot find credentials of user <{user}>"))
    {
        // What coturn logs when the password does not match the HMAC of its secret (a
        // refusal for any other reason would not show that the secret is checked).
        problems.push("coturn did not refuse the wrong secret's password as a mismatch".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n--- turnserver log (each line once) ---\n{}",
            problems.join("\n"),
            server.log_excerpt()
        ))
    }
}

#[test]
fn coturn_grants_prosody_credentials_a_relay_and_refuses_a_wrong_secret() {
    let Some(tools) = tools(["turnserver", "turnutils_uclient", "lua5.4", "openssl"]) else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    for r in &renders().all {
        for conf in r.of_kind("turn") {
            let label = format!("{}: {} {}", r.label, conf.host, conf.path);
            match check_coturn(r, conf, &tools) {
                Ok(()) => checked.push(label),
                Err(e) => failures.push(format!("{label}:\n{e}")),
            }
        }
    }
    println!("coturn allocated for:\n  {}", checked.join("\n  "));
    assert!(
        checked.len() + failures.len() >= 4,
        "expected coturn configs from examples/turn.yaml and examples/nat.yaml, both variants"
    );
    assert_no_failures("coturn", failures);
}

// ---------------------------------------------------------------------------------------------
// Token authentication's Lua modules on Lua 5.4 (issue 19)
// ---------------------------------------------------------------------------------------------

/// A token signed with HS256 by `secret` (header and claims as a web app writes them),
/// computed here with Lua so that the test needs no JWT library of its own.
const SIGN_AND_VERIFY: &str = r#"
local basexx = require "basexx"
local inspect = require "inspect"
local cjson = require "cjson.safe"
local hmac = require "openssl.hmac"
local function sign(secret, data) return basexx.to_url64(hmac.new(secret, "sha256"):final(data)) end
local header = basexx.to_url64(cjson.encode({ alg = "HS256", typ = "JWT" }))
local claims = basexx.to_url64(cjson.encode({ iss = "my_web_app", aud = "jitsi", room = "*" }))
local token = header .. "." .. claims .. "." .. sign("the-web-apps-secret", header .. "." .. claims)
-- verify as luajwtjitsi does: split, decode the claims, recompute the signature
local h, c, s = token:match("^([^.]+)%.([^.]+)%.([^.]+)$")
local decoded = cjson.decode(basexx.from_url64(c))
assert(decoded.iss == "my_web_app" and decoded.aud == "jitsi", inspect(decoded))
assert(sign("the-web-apps-secret", h .. "." .. c) == s, "the right secret verifies")
assert(sign("another-secret", h .. "." .. c) ~= s, "another secret does not")
print("verified " .. inspect(decoded, { newline = " ", indent = "" }))
"#;

#[test]
fn the_token_librarys_lua_modules_load_on_lua_5_4_through_the_rendered_shims() {
    let Some(lua) = tool("lua5.4") else { return };
    for (module, source) in [
        ("basexx", "/usr/share/lua/5.2/basexx.lua"),
        ("inspect", "/usr/share/lua/5.3/inspect.lua"),
        (
            "openssl.hmac",
            "/usr/lib/x86_64-linux-gnu/lua/5.4/_openssl.so",
        ),
    ] {
        if !Path::new(source).exists() {
            return missing(&format!("Lua module {module} ({source})"));
        }
    }
    let mut checked = 0;
    for r in &renders().all {
        let shims: Vec<&RenderedFile> = r.of_kind("lua-module").collect();
        if shims.is_empty() {
            continue;
        }
        // The shims at their folder, /usr/local/share/lua/5.4, put in front of Lua's path here.
        let dir = tempdir();
        for f in &shims {
            assert!(
                f.path.starts_with("/usr/local/share/lua/5.4/"),
                "{}: {} is not on Lua 5.4's path",
                r.label,
                f.path
            );
            let name = Path::new(&f.path).file_name().unwrap();
            fs::write(dir.path().join(name), &f.content).unwrap();
        }
        let path = format!("{}/?.lua;;", dir.path().display());
        let out = run(Command::new(&lua)
            .env("LUA_PATH_5_4", &path)
            .args(["-e", SIGN_AND_VERIFY]));
        assert!(
            out.status.success(),
            "{}: Lua 5.4 with the rendered shims: {}",
            r.label,
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "{}: {}",
            r.label,
            String::from_utf8_lossy(&out.stdout).trim()
        );
        checked += 1;
    }
    assert!(checked >= 2, "examples/jwt.yaml renders the shims");
    // The search is not blind: without the shims Lua 5.4 does not find Debian's basexx.
    let out = run(Command::new(&lua)
        .env("LUA_PATH_5_4", "/nonexistent/?.lua;;")
        .args([
            "-e",
            "assert(not pcall(require, 'basexx'), 'basexx loads without the shim')",
        ]));
    assert!(
        out.status.success(),
        "Lua 5.4 found basexx without the shims: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Java properties (jigasi's sip-communicator.properties)
// ---------------------------------------------------------------------------------------------

/// SIP passwords with what a properties file treats specially (`\`, `=`, `:`, `#`, `!`, a
/// leading space) and characters beyond ASCII and the BMP, and the jigasis' XMPP password.
const SIP_AWKWARD: [&str; 2] = [" sip\\pa=ss:wo#rd!-\\u0041-x", "sïp-pässwörd-😀-ü\\\\-2#="];
const JIGASI_XMPP: &str = "jigasi-xmpp-\\=:#!-Zq7vR2xW9";

/// The handbook with two jigasis: their SIP passwords and the brewery password given by
/// `sip(i)` and `xmpp`, YAML flow mappings.
fn jigasi_model(sip: impl Fn(usize) -> String, xmpp: &str) -> String {
    let text =
        fs::read_to_string(Path::new(ROOT).join("examples/handbook.yaml")).expect("handbook");
    let text = text.replace(
        "  jvb: { file: /etc/jitsi-topology/secrets/jvb }\n",
        &format!("  jvb: {{ file: /etc/jitsi-topology/secrets/jvb }}\n  jigasi: {xmpp}\n"),
    );
    format!(
        "{text}jigasis:\n\
         \x20 - {{ host: sip1.meet.example.com, address: 10.0.0.31, sip: {{ user: jitsi@sip.example.net, password: {} }} }}\n\
         \x20 - {{ host: sip2.meet.example.com, address: 10.0.0.32, nickname: sip-two, sip: {{ user: gw2@sip.example.net, server: pbx.example.net, port: 5061, transport: tls, password: {} }} }}\n",
        sip(0),
        sip(1)
    )
}

#[test]
fn java_reads_every_value_of_jigasis_properties_back_as_the_model_says() {
    let Some(java) = tool("java") else {
        return;
    };
    let json = |s: &str| serde_json::to_string(s).unwrap();
    let inline = jigasi_model(
        |i| format!("{{ value: {} }}", json(SIP_AWKWARD[i])),
        &format!("{{ value: {} }}", json(JIGASI_XMPP)),
    );
    let from_files = jigasi_model(
        |i| format!("{{ file: /etc/jitsi-topology/secrets/sip{i} }}"),
        "{ file: /etc/jitsi-topology/secrets/jigasi }",
    );
    let env = BTreeMap::<String, String>::new();
    let tmp = tempdir();
    // (file handed to Java, jigasi host, whether it holds the passwords)
    let mut read: Vec<(PathBuf, String, bool)> = Vec::new();
    let mut locale: Option<String> = None;
    for (label, text) in [("inline", &inline), ("file", &from_files)] {
        let rendered = jitsi_topology::render(text, &env)
            .unwrap_or_else(|e| panic!("the {label} jigasi model renders: {e:?}"));
        for host in rendered
            .bundle
            .hosts
            .iter()
            .filter(|h| h.name.starts_with("sip"))
        {
            let file = |p: &str| host.files.iter().find(|f| f.path == p);
            let props = file("/etc/jitsi/jigasi/sip-communicator.properties")
                .expect("jigasi's properties are rendered");
            assert_eq!(
                (
                    props.mode,
                    props.owner.as_str(),
                    props.group.as_str(),
                    props.secret
                ),
                (0o640, "jigasi", "jitsi", label == "inline"),
                "{label} {}: mode, owner (jigasi's installer re-owns the folder) and secret flag",
                host.name
            );
            let dropin = file("/etc/systemd/system/jigasi.service.d/jitsi-topology.conf")
                .expect("jigasi's drop-in is rendered");
            for line in dropin.content.lines() {
                if let Some(v) = line.strip_prefix("Environment=LC_ALL=") {
                    locale = Some(v.to_owned());
                }
            }
            let local = tmp.path().join(format!("{label}-{}.properties", host.name));
            fs::write(&local, &props.content).unwrap();
            if label == "inline" {
                read.push((local, host.name.clone(), true));
                continue;
            }
            for secret in SIP_AWKWARD.iter().chain([&JIGASI_XMPP]) {
                assert!(
                    !props.content.contains(secret),
                    "a {{file}} password is rendered"
                );
            }
            assert!(!props.content.contains(".PASSWORD="), "{}", props.content);
            // The drop-in's helper completes the file under /run from the secret files (here:
            // temporary ones holding the same passwords; the group is the test's own, as this
            // machine has no `jitsi` group).
            let pre: Vec<&str> = dropin
                .content
                .lines()
                .find_map(|l| l.strip_prefix("ExecStartPre=+"))
                .expect("a {file} password is completed at start")
                .split(' ')
                .collect();
            let [helper, base, output, _group, pairs @ ..] = &pre[..] else {
                panic!("unexpected ExecStartPre: {pre:?}");
            };
            assert_eq!(*base, props.path);
            assert!(
                dropin.content.contains(&format!(
                    "--configdir={} --configdirname={} ",
                    Path::new(output)
                        .parent()
                        .unwrap()
                        .parent()
                        .unwrap()
                        .display(),
                    Path::new(output)
                        .parent()
                        .unwrap()
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                )),
                "jigasi is started on the completed copy:\n{}",
                dropin.content
            );
            let helper_local = tmp.path().join("secret-properties");
            fs::write(
                &helper_local,
                &file(helper).expect("the helper is rendered").content,
            )
            .unwrap();
            let mut cmd = Command::new("sh");
            let completed = tmp
                .path()
                .join(format!("run-{}/sip-communicator.properties", host.name));
            let group = String::from_utf8(run(Command::new("id").arg("-gn")).stdout).unwrap();
            cmd.arg(&helper_local)
                .arg(&local)
                .arg(&completed)
                .arg(group.trim());
            for pair in pairs.chunks(2) {
                let secret = match pair[1] {
                    "/etc/jitsi-topology/secrets/jigasi" => JIGASI_XMPP,
                    "/etc/jitsi-topology/secrets/sip0" => SIP_AWKWARD[0],
                    "/etc/jitsi-topology/secrets/sip1" => SIP_AWKWARD[1],
                    other => panic!("an unexpected secret file {other}"),
                };
                let path = tmp
                    .path()
                    .join(pair[1].trim_start_matches('/').replace('/', "-"));
                fs::write(&path, format!("{secret}\n")).unwrap();
                cmd.arg(pair[0]).arg(path);
            }
            let out = run(&mut cmd);
            assert!(
                out.status.success(),
                "{}",
                describe("secret-properties", &out)
            );
            let mode = fs::metadata(&completed).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode, 0o640,
                "the completed copy is readable by jigasi's group only"
            );
            read.push((completed, host.name.clone(), true));
        }
    }
    // The examples' jigasis too (examples/recording.yaml), as written and with inline secrets.
    let mut examples: Vec<(PathBuf, String, bool)> = Vec::new();
    for (ri, r) in renders().all.iter().enumerate() {
        for f in r.files.iter().filter(|f| f.kind == "jigasi-properties") {
            let local = tmp
                .path()
                .join(format!("example-{ri}-{}.properties", f.host));
            fs::write(&local, &f.content).unwrap();
            let inline = r.model["secrets"]["jigasi"].get("value").is_some();
            examples.push((local, format!("{} ({})", f.host, r.label), inline));
        }
    }
    assert!(
        !examples.is_empty(),
        "an example has a jigasi (examples/recording.yaml)"
    );
    let locale = locale.expect("the drop-in sets jigasi's locale");
    let mut cmd = Command::new(&java);
    cmd.arg(Path::new(ROOT).join("tests/consumers/JavaProperties.java"))
        .args(read.iter().chain(&examples).map(|(p, _, _)| p))
        .env("LC_ALL", &locale);
    let out = run(&mut cmd);
    let shown = describe("java JavaProperties.java", &out);
    assert!(out.status.success(), "{shown}");
    let parsed: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {shown}"));
    let domain = "meet.example.com";
    let brewery = format!("JigasiBrewery@internal.auth.{domain}");
    // Every key is one jigasi reads (an account's own name is `*` in the table).
    let facts = jitsi_topology::facts::table("jigasi", "sip-communicator.tsv")
        .expect("facts/jigasi/sip-communicator.tsv");
    let known = |key: &str| {
        let generic = ["sip.", "jabber."].iter().find_map(|p| {
            let prefix = format!("net.java.sip.communicator.impl.protocol.{p}");
            let rest = key.strip_prefix(&prefix)?;
            let (_, tail) = rest.split_once('.').map_or((rest, ""), |(a, t)| (a, t));
            Some(if tail.is_empty() {
                format!("{prefix}*")
            } else {
                format!("{prefix}*.{tail}")
            })
        });
        !facts.rows_for(generic.as_deref().unwrap_or(key)).is_empty()
    };
    for (path, host, _) in &read {
        let v = &parsed[path.to_string_lossy().as_ref()];
        let unknown: Vec<&String> = v["properties"]
            .as_object()
            .expect("the file's properties")
            .keys()
            .filter(|k| !known(k))
            .collect();
        assert!(
            unknown.is_empty(),
            "{host}: keys jigasi does not read (facts/jigasi/sip-communicator.tsv): {unknown:?}"
        );
        let p = |k: &str| v["properties"][k].as_str().map(str::to_owned);
        let i = usize::from(host.starts_with("sip2"));
        let sip = "net.java.sip.communicator.impl.protocol.sip.acc-sip";
        let shard = "net.java.sip.communicator.impl.protocol.jabber.acc-shard";
        let (user, server, port, transport, nickname) = [
            (
                "jitsi@sip.example.net",
                "sip.example.net",
                None,
                None,
                host.as_str(),
            ),
            (
                "gw2@sip.example.net",
                "pbx.example.net",
                Some("5061"),
                Some("TLS"),
                "sip-two",
            ),
        ][i];
        let expected = [
            (format!("{sip}.USER_ID"), Some(user.to_owned())),
            (format!("{sip}.ACCOUNT_UID"), Some(format!("SIP:{user}"))),
            (format!("{sip}.SERVER_ADDRESS"), Some(server.to_owned())),
            (format!("{sip}.SERVER_PORT"), port.map(str::to_owned)),
            (
                format!("{sip}.SERVER_TRANSPORT"),
                transport.map(str::to_owned),
            ),
            (format!("{sip}.DOMAIN_BASE"), Some(domain.to_owned())),
            (
                format!("{shard}.USER_ID"),
                Some(format!("jigasi@auth.{domain}")),
            ),
            (
                format!("{shard}.SERVER_ADDRESS"),
                Some("10.0.0.10".to_owned()),
            ),
            (format!("{shard}.SERVER_PORT"), Some("5222".to_owned())),
            (format!("{shard}.RESOURCE"), Some(nickname.to_owned())),
            (format!("{shard}.BREWERY"), Some(brewery.clone())),
            (
                "org.jitsi.jigasi.ALLOWED_JID".to_owned(),
                Some(brewery.clone()),
            ),
            (
                "org.jitsi.jigasi.xmpp.acc.BOSH_URL_PATTERN".to_owned(),
                Some("https://{host}{subdomain}/http-bind?room={roomName}".to_owned()),
            ),
            (
                "org.jitsi.jigasi.MUC_SERVICE_ADDRESS".to_owned(),
                Some(format!("conference.{domain}")),
            ),
        ];
        for (key, want) in expected {
            assert_eq!(
                p(&key),
                want,
                "{host}: {key} as Java reads it ({})",
                path.display()
            );
        }
        let passwords = &v["passwords"];
        assert_eq!(
            passwords[format!("{sip}.PASSWORD")].as_str(),
            Some(SIP_AWKWARD[i]),
            "{host}: the SIP password as jigasi decodes it ({})",
            path.display()
        );
        assert_eq!(
            passwords[format!("{shard}.PASSWORD")].as_str(),
            Some(JIGASI_XMPP),
            "{host}: the brewery password as jigasi decodes it ({})",
            path.display()
        );
    }
    for (path, label, inline) in &examples {
        let v = &parsed[path.to_string_lossy().as_ref()];
        let unknown: Vec<&String> = v["properties"]
            .as_object()
            .expect("the file's properties")
            .keys()
            .filter(|k| !known(k))
            .collect();
        assert!(
            unknown.is_empty(),
            "{label}: keys jigasi does not read: {unknown:?}"
        );
        let passwords: Vec<&str> = v["passwords"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_str)
            .collect();
        if *inline {
            assert!(
                passwords.contains(&SIP_AWKWARD[0]) && passwords.contains(&JIGASI_XMPP),
                "{label}: the inline passwords as jigasi decodes them"
            );
        } else {
            assert!(
                passwords.is_empty(),
                "{label}: {{file}} passwords are not rendered"
            );
        }
        assert_eq!(
            v["properties"]["org.jitsi.jigasi.ALLOWED_JID"].as_str(),
            Some(brewery.as_str()),
            "{label}: calls out are taken from the brewery only"
        );
    }
    println!(
        "java.util.Properties read {} jigasi files back (inline and {{file}} passwords, LC_ALL={locale}), and the examples' {}",
        read.len(),
        examples.len()
    );
}
