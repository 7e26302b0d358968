//! The ordered steps of deploying each host, and the accounts prosody must hold: which step,
//! in which order, with which command and arguments, decided here only. Rendering hands in
//! what it wrote (each file's path and kind) and the host's packages; nothing else.
//!
//! The order is the contract every integration follows: preseed debconf, install packages,
//! write files, reload systemd, register accounts (which sets their passwords), subscribe
//! focus's roster, set up TLS trust between hosts, then start or reload services in
//! dependency order (the firewall, prosody, jicofo, nginx; on bridges the videobridge).

use super::{
    BridgeHost, Deployment, HostOf, HostPlan, JibriHost, JigasiHost, SignalingHost, TrustPlan,
};
use crate::bundle::{Account, File, FileKind, JicofoListing, PackagePin, ServiceAction, Step};
use crate::escape::shell;

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// The steps of the host `plan`, whose files are `files` (each one's path and kind) and
/// packages `packages`.
pub(crate) fn of(
    d: &Deployment,
    plan: &HostPlan,
    files: &[File],
    packages: &[String],
) -> Vec<Step> {
    match plan.of {
        HostOf::FrontDoor => one_service(
            d,
            files,
            packages,
            (d.services.haproxy.name, ServiceAction::Reload),
            "route rooms to their shards",
        ),
        HostOf::Signaling(i) => signaling(d, &d.shards[i], files, packages, &plan.accounts),
        HostOf::Turn => one_service(
            d,
            files,
            packages,
            (d.services.coturn.name, ServiceAction::Restart),
            "relay media for clients behind firewalls",
        ),
        HostOf::Bridge(i) => bridge(d, &d.bridges[i], files, packages),
        HostOf::Jibri(i) => jibri(d, &d.jibris[i], files, packages),
        HostOf::Jigasi(i) => jigasi(d, &d.jigasis[i], files, packages),
    }
}

/// The accounts to register on the signalling host's prosody.
pub(crate) fn accounts(d: &Deployment) -> Vec<Account> {
    let n = &d.names;
    [
        (n.focus_user, &n.focus_jid, &d.secrets.focus),
        (n.jvb_user, &n.jvb_jid, &d.secrets.jvb),
    ]
    .into_iter()
    .map(|(user, jid, secret)| (user, &n.auth_domain, jid, secret))
    // jibri's two accounts, with jibris: the brewery login and Chrome's hidden one.
    .chain(
        [
            (n.jibri_user, &n.auth_domain, &n.jibri_jid, &d.secrets.jibri),
            (
                n.recorder_user,
                &n.recorder_domain,
                &n.recorder_jid,
                &d.secrets.recorder,
            ),
        ]
        .into_iter()
        .filter_map(|(user, domain, jid, secret)| {
            secret
                .as_ref()
                .filter(|_| !d.jibris.is_empty())
                .map(|s| (user, domain, jid, s))
        }),
    )
    // jigasi's account, with jigasis: its brewery login.
    .chain(
        d.secrets
            .jigasi
            .as_ref()
            .map(|s| (d.jigasi.user, &n.auth_domain, &d.jigasi.jid, s)),
    )
    .map(|(user, domain, jid, secret)| Account {
        user: user.into(),
        domain: domain.clone(),
        jid: jid.clone(),
        secret: user.into(),
        password_file: secret.file().to_owned(),
    })
    // The model's accounts on the public domain (`auth.mode: internal`): every shard's
    // prosody has its own store, so each shard registers all of them.
    .chain(d.auth.accounts.iter().map(|a| Account {
        user: a.user.clone(),
        domain: n.domain.clone(),
        jid: a.jid.clone(),
        secret: format!("accounts/{}", a.user),
        password_file: a.secret.file().to_owned(),
    }))
    .collect()
}

/// Creates the account, or sets its password when it exists: `prosodyctl register USER HOST`
/// writes the account through prosody's storage without a running prosody, on 0.12 and 13 alike
/// (the step runs before prosody's service step). Prosody 13's `adduser` and `passwd` go through
/// the admin socket of a running prosody instead ("Unable to connect to server - is it
/// running?"). The password goes through a pipe (prosodyctl asks for it twice), never through
/// the command line.
fn register(account: &Account) -> Step {
    let file = shell(&account.password_file);
    let user = shell(&account.user);
    let host = shell(&account.domain);
    let script = format!(
        "set -e; p=$(head -n 1 {file}); \
         printf '%s\\n%s\\n' \"$p\" \"$p\" | prosodyctl register {user} {host} >/dev/null"
    );
    Step::RegisterAccount {
        description: format!(
            "create {} or set its password from {}",
            account.jid, account.password_file
        ),
        jid: account.jid.clone(),
        password_file: account.password_file.clone(),
        command: argv(&["/bin/sh", "-c", &script]),
    }
}

fn common_head(d: &Deployment, files: &[File], packages: &[String]) -> Vec<Step> {
    let mut steps = Vec::new();
    // Jitsi's apt source and the pins of the release, before anything is installed from it.
    let apt: Vec<String> = files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::AptSource | FileKind::AptPreferences))
        .map(|f| f.path.clone())
        .collect();
    if !apt.is_empty() {
        steps.push(Step::WriteFiles {
            description: format!(
                "write Jitsi's apt source and the pins that hold its packages at {} (apt needs \
                 upstream's key at {} and an `apt-get update` before the install)",
                d.release, d.apt.keyring
            ),
            files: apt,
        });
    }
    // The answers go in before the packages exist (their file is root's, in our own folder),
    // so the installers never ask and never invent what the model decides.
    if let Some(debconf) = files.iter().find(|f| f.kind == FileKind::Debconf) {
        steps.push(Step::WriteFiles {
            description: "write the debconf answers".into(),
            files: vec![debconf.path.clone()],
        });
        steps.push(Step::Preseed {
            description: "load the debconf answers before the packages ask".into(),
            command: argv(&["debconf-set-selections", &debconf.path]),
            file: debconf.path.clone(),
        });
    }
    steps.push(Step::InstallPackages {
        description: "install the packages".into(),
        packages: packages.to_vec(),
    });
    steps.extend(check_packages(d, files, packages));
    steps.push(Step::WriteFiles {
        description: "write the rendered files with their modes and owners".into(),
        files: files
            .iter()
            .filter(|f| {
                !matches!(
                    f.kind,
                    FileKind::Debconf | FileKind::AptSource | FileKind::AptPreferences
                )
            })
            .map(|f| f.path.clone())
            .collect(),
    });
    if files.iter().any(|f| f.kind == FileKind::Systemd) {
        steps.push(Step::DaemonReload {
            description: "make systemd read our units and drop-ins".into(),
            command: argv(&["systemctl", "daemon-reload"]),
        });
    }
    steps
}

/// On a host with Jitsi's apt pins: after the install, each Jitsi package of the host must be
/// at its release's version (`dpkg-query`), else the deployment stops with what differs.
fn check_packages(d: &Deployment, files: &[File], packages: &[String]) -> Option<Step> {
    files.iter().find(|f| f.kind == FileKind::AptPreferences)?;
    let pins: Vec<PackagePin> = d
        .apt
        .of(packages)
        .map(|v| PackagePin {
            package: v.package.into(),
            version: v.version.into(),
        })
        .collect();
    if pins.is_empty() {
        return None;
    }
    let wanted: Vec<String> = pins
        .iter()
        .map(|p| format!("{}={}", shell(&p.package), shell(&p.version)))
        .collect();
    // Each package's installed version (empty when it is not installed) against the release's.
    let script = format!(
        "bad=0; for pv in {wanted}; do p=${{pv%%=*}}; v=${{pv#*=}}; \
         have=$(dpkg-query -W -f='${{Status}} ${{Version}}' \"$p\" 2>/dev/null | sed -n 's/^install ok installed //p'); \
         if [ \"$have\" != \"$v\" ]; then \
         echo \"jitsi-topology: $p is ${{have:-not installed}} on this host, but release {release} needs $v: \
         check the pins in {pref} and the source in {source} (apt-cache policy $p), then install $p=$v\" >&2; bad=1; fi; \
         done; exit $bad",
        wanted = wanted.join(" "),
        release = d.release,
        pref = d.apt.preferences,
        source = d.apt.source,
    );
    Some(Step::CheckPackages {
        description: format!(
            "check that the Jitsi packages are at the versions of {} (stops on a mismatch)",
            d.release
        ),
        release: d.release.into(),
        packages: pins,
        command: argv(&["/bin/sh", "-c", &script]),
    })
}

/// Puts `step` right before the host's `install-packages` (the first step that can stop a
/// service: the packages' installers stop or restart theirs).
fn before_install(steps: &mut Vec<Step>, step: Step) {
    let at = steps
        .iter()
        .position(|s| matches!(s, Step::InstallPackages { .. }))
        .unwrap_or(steps.len());
    steps.insert(at, step);
}

/// A bridge's drain: jicofo places no new conference on it, and the deployment waits until it
/// runs none before anything stops it; it serves again when every shard's jicofo lists it.
fn drain_bridge(d: &Deployment, b: &BridgeHost) -> Step {
    let unit = d.services.videobridge.name;
    Step::DrainBridge {
        description: format!(
            "before anything stops {unit} (a Jitsi package's installer, a restart for changed files): drain it and wait until its conferences ended; after the changes restart it and wait until jicofo on each shard it serves lists it as operational again"
        ),
        service: unit.into(),
        command: vec![d.paths.drain_helper.clone(), "drain".into()],
        undrain: vec![d.paths.drain_helper.clone(), "undrain".into()],
        restart: systemctl_command(unit, ServiceAction::Restart),
        region: b.region.clone(),
        listed_by: b
            .shards
            .iter()
            .map(|s| JicofoListing {
                shard: s.id.clone(),
                host: s.host.clone(),
                url: d.jicofo_api.debug_url.clone(),
                bridge: format!("{}/{}", d.names.brewery_jid, b.nickname),
            })
            .collect(),
    }
}

/// HAProxy's runtime API on the front door: `cmd` sent to its admin socket (with the Python
/// every Ansible-managed host has; HAProxy's package ships no client for the socket).
fn haproxy_runtime(socket: &str, cmd: &str) -> Vec<String> {
    argv(&[
        "python3",
        "-c",
        "import socket, sys\n\
         s = socket.socket(socket.AF_UNIX)\n\
         s.connect(sys.argv[1])\n\
         s.sendall(sys.argv[2].encode() + b'\\n')\n\
         out = s.recv(65536).decode().strip()\n\
         sys.exit(out or 0)",
        socket,
        cmd,
    ])
}

/// A shard's way out of the front door while its prosody or jicofo restarts.
fn drain_shard(d: &Deployment, shard: &SignalingHost) -> Option<Step> {
    let door = d.front_door.as_ref()?;
    let server = format!("{}/{}", door.backend, shard.shard);
    Some(Step::DrainShard {
        description: format!(
            "before anything restarts prosody or jicofo on shard {} (a package's installer, changed files): take it out of the front door; its rooms go to the other shards until it is healthy again and back",
            shard.shard
        ),
        shard: shard.shard.clone(),
        front_door: door.host.clone(),
        socket: door.admin_socket.into(),
        server: server.clone(),
        command: haproxy_runtime(
            door.admin_socket,
            &format!("set server {server} state maint"),
        ),
        undrain: haproxy_runtime(
            door.admin_socket,
            &format!("set server {server} state ready"),
        ),
        health_url: d.jicofo_api.health_url.clone(),
    })
}

/// The systemd command that applies `action` to `service` (a drain, which needs our helper,
/// becomes a restart).
pub(crate) fn systemctl_command(service: &str, action: ServiceAction) -> Vec<String> {
    let unit = format!("{service}.service");
    match action {
        ServiceAction::Reload => argv(&["systemctl", "reload-or-restart", &unit]),
        ServiceAction::Restart | ServiceAction::Drain => argv(&["systemctl", "restart", &unit]),
    }
}

fn service(
    d: &Deployment,
    service: &str,
    on_change: ServiceAction,
    enable: bool,
    description: &str,
) -> Step {
    let command = match on_change {
        // Our drain helper lets running conferences end (jvb's drain API: jicofo places no new
        // ones on the bridge), then restarts the bridge with its new files.
        ServiceAction::Drain if service == d.services.jibri.name => {
            vec![d.paths.jibri_drain_helper.clone()]
        }
        ServiceAction::Drain => vec![d.paths.drain_helper.clone()],
        action => systemctl_command(service, action),
    };
    Step::Service {
        description: description.into(),
        service: service.into(),
        enable,
        on_change,
        command,
    }
}

fn firewall_step(d: &Deployment, files: &[File]) -> Option<Step> {
    files.iter().any(|f| f.kind == FileKind::Firewall).then(|| {
        service(
            d,
            d.services.firewall.name,
            ServiceAction::Reload,
            true,
            "load the firewall table, and at every boot",
        )
    })
}

/// The signalling host's steps.
fn signaling(
    d: &Deployment,
    shard: &SignalingHost,
    files: &[File],
    packages: &[String],
    accounts: &[Account],
) -> Vec<Step> {
    let mut steps = common_head(d, files, packages);
    if let Some(step) = drain_shard(d, shard) {
        before_install(&mut steps, step);
    }
    let acme = d.web.web_tls.acme.as_ref();
    // Right after our nginx site is written, before anything reloads nginx: the pair it
    // names exists from here on (jitsi-meet-web-config's installer normally wrote it).
    steps.extend(acme.map(|a| {
        Step::WebCertificate {
            description: "give nginx a certificate: certbot's, or a self-signed placeholder until \
                      there is one"
                .into(),
            certificate: d.web.web_tls.certificate.clone(),
            key: d.web.web_tls.key.clone(),
            command: argv(&[&a.hook]),
        }
    }));
    steps.extend(accounts.iter().map(register));
    steps.push(Step::RosterSubscribe {
        description: format!(
            "subscribe {} to {}'s presence, which jicofo's client_proxy needs",
            d.names.focus_component, d.names.focus_jid
        ),
        command: argv(&[
            "prosodyctl",
            "mod_roster_command",
            "subscribe",
            &d.names.focus_component,
            &d.names.focus_jid,
        ]),
    });
    match &d.trust {
        TrustPlan::Distribute => steps.push(Step::TrustExport {
            description: format!(
                "hand prosody's certificate for {} to the {}",
                d.names.auth_domain,
                match (shard.jibris.is_empty(), shard.jigasis.is_empty()) {
                    (true, true) => "bridges",
                    (false, true) => "bridges and jibris",
                    (true, false) => "bridges and jigasis",
                    (false, false) => "bridges, jibris and jigasis",
                }
            ),
            certificate: d.web.auth_certificate.clone(),
            to_hosts: shard
                .bridges
                .iter()
                .chain(&shard.jibris)
                .chain(&shard.jigasis)
                .cloned()
                .collect(),
        }),
        // jicofo verifies prosody's certificate too: jitsi-meet-prosody's installer makes its
        // own certificate trusted locally, but not an operator's CA.
        TrustPlan::Ca {
            ca_certificate,
            destination,
        } => steps.push(Step::TrustImport {
            description: "trust the CA that signed prosody's certificate (for jicofo)".into(),
            from_host: None,
            source: ca_certificate.clone(),
            destination: destination.clone(),
            command: argv(&["update-ca-certificates"]),
        }),
        TrustPlan::Insecure => {}
    }
    // The installer's self-signed web certificate, which jibri's Chrome must accept, and
    // jigasi's Java for the BOSH connections its calls join conferences over.
    if let Some(web) = jibri_web_certificate(d)
        && !shard.jibris.is_empty()
    {
        steps.push(Step::TrustExport {
            description: "hand the installer's self-signed web certificate to the jibris, whose Chrome loads the site".into(),
            certificate: web.to_owned(),
            to_hosts: shard.jibris.clone(),
        });
    }
    if let Some(web) = jibri_web_certificate(d)
        && !shard.jigasis.is_empty()
    {
        steps.push(Step::TrustExport {
            description: "hand the installer's self-signed web certificate to the jigasis, whose calls join conferences over BOSH through the site".into(),
            certificate: web.to_owned(),
            to_hosts: shard.jigasis.clone(),
        });
    }
    steps.extend(firewall_step(d, files));
    if d.turn.as_ref().is_some_and(|t| t.host == shard.host) {
        steps.push(service(
            d,
            d.services.coturn.name,
            ServiceAction::Restart,
            true,
            "relay media for clients behind firewalls",
        ));
    }
    // In dependency order: jicofo logs in to prosody; nginx proxies both.
    let s = &d.services;
    for (unit, action, description) in [
        (
            s.prosody.name,
            ServiceAction::Restart,
            "start prosody with its config: a restart, since the package's prosody already runs with its own listeners, which a reload keeps; later changes restart it only when its restart marker changed",
        ),
        (
            s.jicofo.name,
            ServiceAction::Restart,
            "start jicofo with its config",
        ),
        (s.nginx.name, ServiceAction::Reload, "serve the site"),
    ] {
        steps.push(service(d, unit, action, true, description));
    }
    // nginx now answers the HTTP-01 challenge from the webroot on port 80.
    steps.extend(acme.map(|a| Step::AcmeCertificate {
        description: format!(
            "obtain {}'s certificate from Let's Encrypt; certbot installs it with the hook now \
             and after every renewal",
            a.cert_name
        ),
        domain: a.cert_name.clone(),
        webroot: a.webroot.clone(),
        hook: a.hook.clone(),
        command: argv(&[
            "certbot",
            "certonly",
            "--non-interactive",
            "--agree-tos",
            "--email",
            &a.email,
            "--webroot",
            "--webroot-path",
            &a.webroot,
            "--cert-name",
            &a.cert_name,
            "--domains",
            &a.cert_name,
            "--keep-until-expiring",
            "--deploy-hook",
            &a.hook,
        ]),
    }));
    steps.extend(
        d.web
            .jaas_registration
            .as_ref()
            .map(|j| Step::RegisterJaas {
                description: format!(
                    "create the JaaS account for {} (it checks the domain over HTTPS)",
                    d.names.domain
                ),
                domain: d.names.domain.clone(),
                command: argv(&[&j.script, &j.email, &d.names.domain]),
            }),
    );
    steps
}

/// A bridge's steps.
fn bridge(d: &Deployment, b: &BridgeHost, files: &[File], packages: &[String]) -> Vec<Step> {
    let mut steps = common_head(d, files, packages);
    before_install(&mut steps, drain_bridge(d, b));
    let update = argv(&["update-ca-certificates"]);
    match &d.trust {
        // Each shard's prosody made its own certificate: import each one this bridge meets.
        TrustPlan::Distribute => steps.extend(b.shards.iter().map(|s| Step::TrustImport {
            description: format!(
                "trust the certificate {}'s prosody presents for {}",
                s.host, d.names.auth_domain
            ),
            from_host: Some(s.host.clone()),
            source: d.web.auth_certificate.clone(),
            destination: s.trust_destination.clone(),
            command: update.clone(),
        })),
        TrustPlan::Ca {
            ca_certificate,
            destination,
        } => steps.push(Step::TrustImport {
            description: "trust the CA that signed prosody's certificate".into(),
            from_host: None,
            source: ca_certificate.clone(),
            destination: destination.clone(),
            command: update,
        }),
        TrustPlan::Insecure => {}
    }
    steps.extend(firewall_step(d, files));
    if files.iter().any(|f| f.kind == FileKind::Haproxy) {
        steps.push(service(
            d,
            d.services.haproxy.name,
            ServiceAction::Reload,
            true,
            "serve the bridge's health and metrics to the monitoring networks",
        ));
    }
    steps.push(service(
        d,
        d.services.videobridge.name,
        ServiceAction::Drain,
        true,
        "start the bridge (it joins the brewery); on a change, drain it and restart it once its conferences ended",
    ));
    steps
}

/// The web certificate jibri's Chrome must be told to trust: the installer's self-signed one
/// of a single signalling host (with shards, Chrome meets the front door's certificate).
fn jibri_web_certificate(d: &Deployment) -> Option<&str> {
    (d.web.web_tls.self_signed && d.front_door.is_none())
        .then_some(d.web.web_tls.certificate.as_str())
}

/// A jibri host's drain: jibri's graceful shutdown before anything stops it.
fn drain_jibri(d: &Deployment) -> Step {
    let unit = d.services.jibri.name;
    let api = &d.jibri_api;
    Step::DrainJibri {
        description: format!(
            "before anything stops {unit} (a package's installer, a restart for changed files): ask for its graceful shutdown and wait until its recording or stream ended and it exited; after the changes start it again"
        ),
        service: unit.into(),
        command: vec![d.paths.jibri_drain_helper.clone(), "drain".into()],
        restart: systemctl_command(unit, ServiceAction::Restart),
        health_url: api.health_url.clone(),
        busy_field: api.busy_field.into(),
        busy_value: api.busy_value.into(),
        graceful_shutdown_url: api.graceful_shutdown_url.clone(),
    }
}

/// A jibri host's steps: like a bridge's, with jibri's drain, and the web certificate in
/// Chrome's trust when it is the installer's self-signed one.
fn jibri(d: &Deployment, j: &JibriHost, files: &[File], packages: &[String]) -> Vec<Step> {
    let mut steps = common_head(d, files, packages);
    before_install(&mut steps, drain_jibri(d));
    let update = argv(&["update-ca-certificates"]);
    match &d.trust {
        TrustPlan::Distribute => steps.extend(j.shards.iter().map(|s| Step::TrustImport {
            description: format!(
                "trust the certificate {}'s prosody presents for {}",
                s.host, d.names.auth_domain
            ),
            from_host: Some(s.host.clone()),
            source: d.web.auth_certificate.clone(),
            destination: s.trust_destination.clone(),
            command: update.clone(),
        })),
        TrustPlan::Ca {
            ca_certificate,
            destination,
        } => steps.push(Step::TrustImport {
            description: "trust the CA that signed prosody's certificate".into(),
            from_host: None,
            source: ca_certificate.clone(),
            destination: destination.clone(),
            command: update,
        }),
        TrustPlan::Insecure => {}
    }
    if let (Some(web), Some(shard)) = (jibri_web_certificate(d), j.shards.first()) {
        let destination = format!("{}/{}-web.crt", super::TRUST_DIR, shard.host);
        let db = &d.paths.jibri_nss_database;
        let folder = db.trim_start_matches("sql:");
        let script = format!(
            "set -e; install -d -o jibri -g jibri -m 0700 {parent} {folder}; \
             [ -f {folder}/cert9.db ] || runuser -u jibri -- certutil -N -d {db} --empty-password; \
             runuser -u jibri -- certutil -A -d {db} -t P,, -n {name} -i {destination}",
            parent = shell(folder.trim_end_matches("/nssdb")),
            folder = shell(folder),
            db = shell(db),
            name = shell(&d.names.domain),
            destination = shell(&destination),
        );
        steps.push(Step::TrustImport {
            description: format!(
                "make Chromium (the jibri user's NSS database) trust {}'s self-signed web certificate for {}",
                shard.host, d.names.domain
            ),
            from_host: Some(shard.host.clone()),
            source: web.to_owned(),
            destination,
            command: argv(&["/bin/sh", "-c", &script]),
        });
    }
    steps.extend(firewall_step(d, files));
    steps.push(service(
        d,
        d.services.jibri.name,
        ServiceAction::Drain,
        true,
        "start jibri (it joins the jibri brewery of every shard it serves); on a change, let its recording end, then restart it",
    ));
    steps
}

/// A jigasi's steps: like a bridge's, it trusts the certificate of each shard's prosody it
/// logs in to (when it joins the brewery at all).
fn jigasi(d: &Deployment, j: &JigasiHost, files: &[File], packages: &[String]) -> Vec<Step> {
    let mut steps = common_head(d, files, packages);
    let update = argv(&["update-ca-certificates"]);
    match &d.trust {
        TrustPlan::Distribute if j.dial_out => {
            steps.extend(j.shards.iter().map(|s| Step::TrustImport {
                description: format!(
                    "trust the certificate {}'s prosody presents for {}",
                    s.host, d.names.auth_domain
                ),
                from_host: Some(s.host.clone()),
                source: d.web.auth_certificate.clone(),
                destination: s.trust_destination.clone(),
                command: update.clone(),
            }));
        }
        TrustPlan::Ca {
            ca_certificate,
            destination,
        } if j.dial_out => steps.push(Step::TrustImport {
            description: "trust the CA that signed prosody's certificate".into(),
            from_host: None,
            source: ca_certificate.clone(),
            destination: destination.clone(),
            command: update,
        }),
        _ => {}
    }
    // The installer's self-signed web certificate (a single shard), for jigasi's BOSH
    // connections to the site.
    if let (Some(web), Some(shard)) = (jibri_web_certificate(d), j.shards.first()) {
        steps.push(Step::TrustImport {
            description: format!(
                "trust {}'s self-signed web certificate for {} (the site calls join over BOSH)",
                shard.host, d.names.domain
            ),
            from_host: Some(shard.host.clone()),
            source: web.to_owned(),
            destination: format!("{}/{}-web.crt", super::TRUST_DIR, shard.host),
            command: argv(&["update-ca-certificates"]),
        });
    }
    steps.extend(firewall_step(d, files));
    let unit = d.jigasi.service.name;
    steps.push(Step::Service {
        description: "start jigasi (it registers its SIP account and joins the jigasi brewery); on a change, its graceful shutdown first: it takes no new call and exits once the last one ended, then it starts again".into(),
        service: unit.into(),
        enable: true,
        on_change: ServiceAction::Drain,
        command: d.jigasi.graceful_restart.clone(),
    });
    steps
}

/// A host with one service of its own (the front door's HAProxy, a TURN server's coturn).
fn one_service(
    d: &Deployment,
    files: &[File],
    packages: &[String],
    (unit, action): (&str, ServiceAction),
    description: &str,
) -> Vec<Step> {
    let mut steps = common_head(d, files, packages);
    steps.extend(firewall_step(d, files));
    steps.push(service(d, unit, action, true, description));
    steps
}
