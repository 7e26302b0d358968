//! Certificates that exist at every point of a deployment, whatever Jitsi's own installers do.
//!
//! - `trust: ca`: jitsi-meet-prosody's postinst replaces `/etc/prosody/certs/auth.DOMAIN.*`
//!   with links to a fresh self-signed pair on a first install. The manifest's steps are
//!   walked under a root folder with a stand-in of that part of the postinst
//!   (`tests/certificates/prosody-postinst-certs`, every line citing the upstream script);
//!   prosody's own config loader then says which certificate prosody serves for
//!   `auth.DOMAIN`, and openssl checks that it chains to the operator's CA.
//!
//! - `tls: letsencrypt`: `tests/certificates/acme-pebble` carries out the signalling host's
//!   steps of `examples/nat.yaml` with Debian's certbot against Debian's pebble and Debian's
//!   nginx running the rendered site, in namespaces of its own: `nginx -t` passes before the
//!   issuance (the installer's self-signed pair, then the hook's placeholder), after it and
//!   after a forced renewal, and nginx serves the certificate pebble issued, then the renewed one.
//!
//! A tool that is not installed skips its test (`skipped: ...`), unless
//! `JT_REQUIRE_REAL_CONSUMERS=1` (set by `scripts/test`), which makes it fail.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{ROOT, prosody_options, tool};
use jitsi_topology::bundle::{Role, Step};
use jitsi_topology::model::Trust;

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `path` (absolute on the host) inside `root`.
fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// An operator's CA and the certificate it signed for `name`, written where the model says.
fn operator_pki(openssl: &Path, root: &Path, name: &str, ca: &str, cert: &str, key: &str) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = scratch.path();
    let ok = |cmd: &mut Command| {
        let out = run(cmd);
        assert!(out.status.success(), "openssl failed: {}", describe(&out));
    };
    ok(Command::new(openssl)
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=operator test CA"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        .arg("-keyout")
        .arg(s.join("ca.key"))
        .arg("-out")
        .arg(s.join("ca.crt")));
    ok(Command::new(openssl)
        .args(["req", "-new", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes"])
        .args(["-subj", &format!("/CN={name}")])
        .arg("-keyout")
        .arg(s.join("leaf.key"))
        .arg("-out")
        .arg(s.join("leaf.csr")));
    fs::write(
        s.join("leaf.ext"),
        format!("subjectAltName=DNS:{name}\nextendedKeyUsage=serverAuth\n"),
    )
    .expect("write ext");
    ok(Command::new(openssl)
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(s.join("leaf.csr"))
        .arg("-CA")
        .arg(s.join("ca.crt"))
        .arg("-CAkey")
        .arg(s.join("ca.key"))
        .arg("-CAcreateserial")
        .arg("-extfile")
        .arg(s.join("leaf.ext"))
        .arg("-out")
        .arg(s.join("leaf.crt")));
    for (from, to) in [("ca.crt", ca), ("leaf.crt", cert), ("leaf.key", key)] {
        let to = under(root, to);
        fs::create_dir_all(to.parent().expect("absolute path")).expect("mkdir");
        fs::copy(s.join(from), &to).expect("place the operator's file");
    }
}

/// The public key of a certificate or of a private key, as openssl prints it.
fn public_key(openssl: &Path, file: &Path, certificate: bool) -> String {
    let out = if certificate {
        run(Command::new(openssl)
            .args(["x509", "-noout", "-pubkey", "-in"])
            .arg(file))
    } else {
        run(Command::new(openssl)
            .args(["pkey", "-pubout", "-in"])
            .arg(file))
    };
    assert!(
        out.status.success(),
        "openssl on {file:?}: {}",
        describe(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Walks a signalling host's steps under `root`: the package installation runs the stand-in
/// of jitsi-meet-prosody's postinst, write-files writes the rendered files, a trust-import of a
/// file already on the host copies it. Returns what it did, one line per step.
fn walk_signaling_steps(host: &jitsi_topology::bundle::Host, root: &Path, domain: &str) -> String {
    let mut log = String::new();
    for step in &host.steps {
        match step {
            Step::InstallPackages { packages, .. }
                if packages.iter().any(|p| p == "jitsi-meet-prosody") =>
            {
                log += &postinst(root, domain);
            }
            Step::WriteFiles { files, .. } => {
                for path in files {
                    let f = host.files.iter().find(|f| &f.path == path).expect("file");
                    let to = under(root, path);
                    fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
                    fs::write(&to, &f.content).expect("write rendered file");
                }
                log += &format!("write-files: {} files\n", files.len());
            }
            Step::TrustImport {
                from_host: None,
                source,
                destination,
                ..
            } => {
                let to = under(root, destination);
                fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
                fs::copy(under(root, source), &to).expect("trust-import copies");
                log += &format!("trust-import: {source} -> {destination}\n");
            }
            _ => {}
        }
    }
    log
}

/// The stand-in of jitsi-meet-prosody's postinst (its certificate part) under `root`.
fn postinst(root: &Path, domain: &str) -> String {
    let out = run(
        Command::new(Path::new(ROOT).join("tests/certificates/prosody-postinst-certs"))
            .arg(root)
            .arg(domain),
    );
    assert!(
        out.status.success(),
        "stand-in postinst: {}",
        describe(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn with_trust_ca_prosody_serves_the_operators_certificate_after_jitsi_meet_prosodys_installer() {
    let (Some(openssl), Some(lua)) = (tool("openssl"), tool("lua5.4")) else {
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in fs::read_dir(Path::new(ROOT).join("examples")).expect("examples") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue; // examples/*.rs: the library's example programs
        }
        let text = fs::read_to_string(&path).expect("read example");
        let loaded = jitsi_topology::load(&text).expect("example loads");
        let Trust::Ca {
            ca_certificate,
            certificate,
            key,
        } = &loaded.topology.trust
        else {
            continue;
        };
        let env = |_: &str| Some("a-test-secret-of-sufficient-length".to_owned());
        let rendered = jitsi_topology::render(&text, &env)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let domain = loaded.topology.domain.clone();
        let auth = format!("auth.{domain}");
        for host in rendered
            .bundle
            .hosts
            .iter()
            .filter(|h| h.roles.contains(&Role::Signaling))
        {
            checked += 1;
            let label = format!(
                "{} {}",
                path.file_name().unwrap().to_string_lossy(),
                host.name
            );
            let tmp = tempfile::tempdir().expect("tempdir");
            let root = tmp.path();
            // Before the deployment the operator put the CA and prosody's pair where the model says.
            operator_pki(&openssl, root, &auth, ca_certificate, certificate, key);
            let operators = fs::read(under(root, certificate)).expect("operator's certificate");
            let mut log = walk_signaling_steps(host, root, &domain);
            // The worst case of a later upgrade: the probe fires again with our config in place.
            for ext in ["crt", "key"] {
                let _ = fs::remove_file(root.join(format!("var/lib/prosody/{auth}.{ext}")));
            }
            log += "-- the probe fires again with our files in place --\n";
            log += &postinst(root, &domain);

            // A short path: prosody 0.12 cannot name the line of a duplicate option in a file
            // whose path Lua shortens (over 60 characters), and fails instead.
            let config = root.join("p.cfg.lua");
            fs::copy(
                under(root, &format!("/etc/prosody/conf.avail/{domain}.cfg.lua")),
                &config,
            )
            .expect("copy prosody's config");
            let options = prosody_options(&lua, &config);
            let ssl = &options[&auth]["ssl"];
            let (Some(served), Some(served_key)) =
                (ssl["certificate"].as_str(), ssl["key"].as_str())
            else {
                failures.push(format!(
                    "{label}: no ssl for {auth} in prosody's config: {ssl}"
                ));
                continue;
            };
            let served_path = under(root, served);
            let verify = run(Command::new(&openssl)
                .arg("verify")
                .arg("-CAfile")
                .arg(under(root, ca_certificate))
                .arg(&served_path));
            let same_key = public_key(&openssl, &served_path, true)
                == public_key(&openssl, &under(root, served_key), false);
            let kept = fs::symlink_metadata(under(root, certificate))
                .is_ok_and(|m| m.file_type().is_file())
                && fs::read(under(root, certificate)).ok().as_deref() == Some(&operators[..]);
            println!(
                "{label} (stand-in postinst):\n{log}prosody serves {served} for {auth}: \
                 chains to the operator's CA: {}; key matches: {same_key}; the operator's \
                 {certificate} kept: {kept}",
                verify.status.success()
            );
            if !verify.status.success() || !same_key || !kept {
                failures.push(format!(
                    "{label}: after jitsi-meet-prosody's installer prosody serves {served} for \
                     {auth}, which {} to the operator's CA {ca_certificate} (key matches: \
                     {same_key}; the operator's {certificate} kept as it was: {kept}); bridges \
                     that trust only that CA refuse prosody\n{}",
                    if verify.status.success() {
                        "chains"
                    } else {
                        "does not chain"
                    },
                    describe(&verify)
                ));
            }
        }
    }
    assert!(checked > 0, "no example has trust: ca");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The (first) signalling host of a model, rendered with every `{env}` secret set.
fn signaling_host(text: &str) -> jitsi_topology::bundle::Host {
    let env = |_: &str| Some("a-test-secret-of-sufficient-length".to_owned());
    let rendered = jitsi_topology::render(text, &env).expect("the model renders");
    rendered
        .bundle
        .hosts
        .into_iter()
        .find(|h| h.roles.contains(&Role::Signaling))
        .expect("a signalling host")
}

#[test]
fn with_lets_encrypt_nginx_starts_before_issuance_and_serves_the_issued_and_the_renewed_certificate()
 {
    let tools = [
        "certbot", "pebble", "nginx", "openssl", "unshare", "python3", "curl", "ip",
    ];
    if tools.iter().any(|t| tool(t).is_none()) {
        return;
    }
    let text =
        fs::read_to_string(Path::new(ROOT).join("examples/nat.yaml")).expect("read nat.yaml");
    let domain = jitsi_topology::load(&text)
        .expect("nat.yaml loads")
        .topology
        .domain;
    let host = signaling_host(&text);
    let work = tempfile::tempdir().expect("tempdir");
    for f in &host.files {
        let to = under(&work.path().join("tree"), &f.path);
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::write(&to, &f.content).expect("write rendered file");
        fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(f.mode))
            .expect("chmod");
    }
    fs::write(
        work.path().join("steps.json"),
        serde_json::to_vec(&host.steps).expect("steps as JSON"),
    )
    .expect("write steps.json");
    fs::create_dir(work.path().join("ns")).expect("mkdir ns");
    let out = run(
        Command::new(Path::new(ROOT).join("tests/certificates/acme-pebble"))
            .arg(work.path())
            .arg(&domain),
    );
    let shown = describe(&out);
    println!("{shown}");
    assert!(
        out.status.success() && shown.contains("\nPASS"),
        "Let's Encrypt through pebble failed:\n{shown}"
    );
}

#[test]
fn with_lets_encrypt_and_jaas_the_account_is_registered_once_the_site_has_its_certificate() {
    let text = fs::read_to_string(Path::new(ROOT).join("examples/nat.yaml"))
        .expect("read nat.yaml")
        .replace("\ntls:", "\njaas: true\ntls:");
    let host = signaling_host(&text);
    let position = |want: &dyn Fn(&Step) -> bool| host.steps.iter().position(want);
    let nginx = position(&|s| matches!(s, Step::Service { service, .. } if service == "nginx"));
    let acme = position(&|s| matches!(s, Step::AcmeCertificate { .. }));
    let jaas = host.steps.iter().enumerate().find_map(|(i, s)| match s {
        Step::RegisterJaas { command, .. } => Some((i, command.clone())),
        _ => None,
    });
    let Some((jaas, command)) = jaas else {
        panic!(
            "no register-jaas step: jitsi-meet-web-config's installer, which gets no email, cannot register the account"
        );
    };
    assert!(
        nginx < acme && acme < Some(jaas),
        "the JaaS registration must follow nginx and the certificate: nginx {nginx:?}, acme {acme:?}, jaas {jaas}"
    );
    assert_eq!(
        command,
        [
            "/usr/share/jitsi-meet/scripts/register-jaas-account.sh",
            "ops@example.org",
            "meet.example.org"
        ],
        "the script of jitsi-meet-web with the email and the domain, as the installer would run it"
    );
}

/// `tls: self-signed` with a jibri (issue 20): jibri's Chromium loads the site, so it must accept
/// the installer's self-signed web certificate. The signalling host hands that certificate over,
/// and the jibri host adds it to the jibri user's NSS database, where Chromium on Linux looks for
/// the certificates a user trusts (not the system store `update-ca-certificates` fills); with a
/// certificate of the operator's (`own`), nothing of the kind is done.
#[test]
fn with_a_self_signed_web_certificate_jibris_chromium_is_told_to_trust_it() {
    let model = |tls: &str| {
        format!(
            "domain: meet.example.com\n{tls}\nsecrets:\n  focus: {{ env: A }}\n  jvb: {{ env: B }}\n  jibri: {{ env: C }}\n  recorder: {{ env: D }}\n\
             signaling: {{ host: meet.example.com, address: 10.0.0.10 }}\n\
             bridges: [ {{ host: jvb1.meet.example.com, address: 10.0.0.11, public_address: 198.51.100.11 }} ]\n\
             jibris: [ {{ host: jibri1.meet.example.com, address: 10.0.0.21 }} ]\n\
             recording: {{ file: true }}\nbridge_networks: [10.0.0.0/24]\n"
        )
    };
    let env = |name: &str| Some(format!("a-test-secret-of-sufficient-length-{name}"));
    let hosts = |text: &str| {
        jitsi_topology::render(text, &env)
            .expect("the model renders")
            .bundle
            .hosts
    };
    let self_signed = hosts(&model("tls: { mode: self-signed }"));
    let web = "/etc/jitsi/meet/meet.example.com.crt";
    let signaling = &self_signed[0];
    assert!(
        signaling.steps.iter().any(
            |s| matches!(s, Step::TrustExport { certificate, to_hosts, .. }
            if certificate == web && to_hosts == &["jibri1.meet.example.com".to_owned()])
        ),
        "the signalling host hands its web certificate to the jibri: {:#?}",
        signaling.steps
    );
    let jibri = self_signed
        .iter()
        .find(|h| h.roles.contains(&Role::Jibri))
        .expect("a jibri host");
    let import = jibri
        .steps
        .iter()
        .find_map(|s| match s {
            Step::TrustImport {
                from_host,
                source,
                command,
                ..
            } if source == web => Some((from_host.clone(), command.join(" "))),
            _ => None,
        })
        .expect("the jibri host imports the web certificate");
    assert_eq!(import.0.as_deref(), Some("meet.example.com"));
    assert!(
        import
            .1
            .contains("runuser -u jibri -- certutil -A -d 'sql:/home/jibri/.pki/nssdb' -t P,,"),
        "{}",
        import.1
    );
    assert!(jibri.packages.iter().any(|p| p == "libnss3-tools"));
    // The operator's own certificate: nothing to add to Chromium.
    let own = hosts(&model(
        "tls: { mode: own, certificate: /etc/ssl/meet.crt, key: /etc/ssl/meet.key }",
    ));
    assert!(own.iter().all(|h| h.steps.iter().all(|s| !matches!(s,
        Step::TrustImport { command, .. } if command.join(" ").contains("certutil")))));
}
