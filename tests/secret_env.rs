//! The helper our systemd drop-ins run before jicofo and the videobridge start: it turns a
//! `{file}` secret into the service's environment without the secret touching a rendered file.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn helper_script() -> String {
    let model = common::example("handbook");
    let out = jitsi_topology::render(&model, &BTreeMap::<String, String>::new()).unwrap();
    let host = out.bundle.host("jvb1.meet.example.com").unwrap();
    let f = host
        .file("/usr/local/libexec/jitsi-topology/secret-env")
        .expect("the bridge gets the helper");
    assert_eq!(f.mode, 0o755);
    let dropin = host
        .file("/etc/systemd/system/jitsi-videobridge2.service.d/jitsi-topology.conf")
        .unwrap();
    assert!(dropin.content.contains(
        "ExecStartPre=+/usr/local/libexec/jitsi-topology/secret-env JITSI_TOPOLOGY_JVB_PASSWORD /etc/jitsi-topology/secrets/jvb /run/jitsi-topology/jitsi-videobridge2.env"
    ));
    assert!(
        dropin
            .content
            .contains("EnvironmentFile=-/run/jitsi-topology/jitsi-videobridge2.env")
    );
    f.content.clone()
}

/// systemd's EnvironmentFile= reads double-quoted values with the same escapes as the shell
/// (`\"`, `\\`, `` \` ``, `\$`), so sourcing the file in sh reads what systemd reads.
#[test]
fn a_file_secret_with_any_printable_characters_reaches_the_service_environment_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("secret-env");
    fs::write(&script, helper_script()).unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    for secret in [
        "plain-hex-0123456789abcdef",
        r#"q"uo'te $HOME `id` \back\slash ${x} %s"#,
        "  spaces around  ",
    ] {
        let secret_file = dir.path().join("jvb");
        fs::write(&secret_file, format!("{secret}\nsecond line is ignored\n")).unwrap();
        let env_file = dir.path().join("run/jitsi-videobridge2.env");
        let o = Command::new(&script)
            .args([
                "JITSI_TOPOLOGY_JVB_PASSWORD",
                secret_file.to_str().unwrap(),
                env_file.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            fs::metadata(&env_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let read_back = Command::new("sh")
            .arg("-c")
            .arg(format!(
                ". '{}'; printf '%s' \"$JITSI_TOPOLOGY_JVB_PASSWORD\"",
                env_file.display()
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&read_back.stdout),
            secret,
            "secret {secret:?}"
        );
    }
}

#[test]
fn a_missing_secret_file_stops_the_service_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("secret-env");
    fs::write(&script, helper_script()).unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let o = Command::new(&script)
        .args([
            "JITSI_TOPOLOGY_JVB_PASSWORD",
            "/nonexistent/jvb",
            dir.path().join("x.env").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read /nonexistent/jvb"));
}
