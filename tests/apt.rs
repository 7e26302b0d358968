//! Issue 16, item 5: Jitsi's apt source and the pins that hold each host on its release, read
//! by apt itself, and the step that stops a deployment whose packages are not the release's.
//!
//! Every example, rendered for every supported release: on each host that installs a Jitsi
//! package, the rendered deb822 source and preferences file go into a throwaway APT root
//! (`Dir=...`, its own dpkg status and package lists, no network): `apt-get --print-uris update`
//! shows that the source parses to upstream's repository, and `apt-cache policy` that each
//! Jitsi package is pinned at exactly its version in `facts/<release>/packages.tsv`, with the
//! pin's priority, when the repository also offers a newer version, while a package that is not
//! Jitsi's keeps apt's default priority. The host's `check-packages` command runs against a
//! stand-in `dpkg-query` that reports the release's versions (it passes) and then one other
//! version (it stops, naming the package and both versions).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use jitsi_topology::bundle::{FileKind, Step};
use jitsi_topology::release::SUPPORTED;

/// `facts/<release>/packages.tsv` read on its own: package → version.
fn facts(release: &str) -> BTreeMap<String, String> {
    let path = common::repo(&format!(
        "facts/{}/packages.tsv",
        release.trim_start_matches("stable-")
    ));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rows = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let header: Vec<&str> = rows.next().expect("a header").split('\t').collect();
    let col = |name: &str| header.iter().position(|c| *c == name).expect(name);
    let (key, version) = (col("key"), col("version"));
    rows.map(|l| {
        let c: Vec<&str> = l.split('\t').collect();
        (c[key].to_owned(), c[version].to_owned())
    })
    .collect()
}

/// Every Jitsi package a release's facts hold.
const JITSI: &[&str] = jitsi_topology::release::JITSI_PACKAGES;

/// A throwaway APT root holding `files` (target path → content), a package list of Jitsi's
/// repository with every package of `versions` at its version and at a newer one (and nginx),
/// and a dpkg status with nothing installed. Returns the options that point apt at it.
fn apt_root(
    dir: &Path,
    files: &[(&str, &str)],
    versions: &BTreeMap<String, String>,
) -> Vec<String> {
    for sub in [
        "etc/apt/sources.list.d",
        "etc/apt/preferences.d",
        "etc/apt/apt.conf.d",
        "var/lib/apt/lists/partial",
        "var/cache/apt/archives/partial",
        "var/lib/dpkg",
    ] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for (path, content) in files {
        fs::write(dir.join(path.trim_start_matches('/')), content).unwrap();
    }
    fs::write(dir.join("var/lib/dpkg/status"), "").unwrap();
    let mut index = String::new();
    let mut entry = |p: &str, v: &str| {
        index += &format!(
            "Package: {p}\nVersion: {v}\nArchitecture: all\nMaintainer: test\n\
             Filename: pool/{p}_{v}_all.deb\nSize: 1\nDescription: test\n\n"
        );
    };
    for (p, v) in versions {
        entry(p, v);
        entry(p, &format!("{v}+newer"));
    }
    entry("nginx", "9.9");
    // a flat repository `URI suite/` keeps its index as <host>_<suite>_Packages
    fs::write(
        dir.join("var/lib/apt/lists/download.jitsi.org_stable_Packages"),
        index,
    )
    .unwrap();
    let d = dir.display();
    [
        format!("Dir={d}"),
        format!("Dir::State::status={d}/var/lib/dpkg/status"),
        format!("Dir::Etc::SourceParts={d}/etc/apt/sources.list.d"),
        "Dir::Etc::sourcelist=/dev/null".into(),
        "Dir::Etc::Preferences=/dev/null".into(),
        format!("Dir::Etc::PreferencesParts={d}/etc/apt/preferences.d"),
        format!("Dir::Etc::Parts={d}/etc/apt/apt.conf.d"),
        "Dir::Etc::main=/dev/null".into(),
        "Debug::NoLocking=1".into(),
        "APT::Architecture=amd64".into(),
    ]
    .into_iter()
    .flat_map(|o| ["-o".to_owned(), o])
    .collect()
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `apt-cache policy` of one package: (candidate, [(version, priority)]).
fn policy(text: &str, package: &str) -> (String, Vec<(String, u32)>) {
    let start = text
        .find(&format!("\n{package}:\n"))
        .or_else(|| text.starts_with(&format!("{package}:\n")).then_some(0))
        .unwrap_or_else(|| panic!("no policy for {package}:\n{text}"));
    let block: Vec<&str> = text[start..]
        .trim_start()
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .collect();
    let candidate = block
        .iter()
        .find_map(|l| l.trim().strip_prefix("Candidate: "))
        .unwrap_or_default()
        .to_owned();
    // version lines: 5 spaces (or " *** "), version, priority
    let versions = block
        .iter()
        .filter(|l| l.starts_with("     ") && !l.starts_with("        ") || l.starts_with(" *** "))
        .filter_map(|l| {
            let mut w = l.trim_start_matches(" *** ").split_whitespace();
            Some((w.next()?.to_owned(), w.next()?.parse().ok()?))
        })
        .collect();
    (candidate, versions)
}

#[test]
fn apt_pins_every_jitsi_package_of_each_host_at_its_release_version() {
    if common::find_tool("apt-cache").is_none() {
        return common::missing("apt-cache (package apt)");
    }
    let mut checked = 0;
    for release in SUPPORTED {
        let want = facts(release.name);
        assert_eq!(
            want.keys().map(String::as_str).collect::<Vec<_>>(),
            JITSI,
            "{}: packages.tsv",
            release.name
        );
        for example in ["handbook", "shards", "turn"] {
            let text = common::example(example);
            let text = match text.contains("\nrelease: ") {
                true => text.replace(
                    "\nrelease: stable-11146",
                    &format!("\nrelease: {}", release.name),
                ),
                false => format!("release: {}\n{text}", release.name),
            };
            assert!(
                text.contains(&format!("release: {}", release.name)),
                "{example}"
            );
            let rendered = jitsi_topology::render(&text, &common::example_env())
                .unwrap_or_else(|e| panic!("{example} at {}: {e}", release.name));
            for host in &rendered.bundle.hosts {
                let label = format!("{example} at {}, {}", release.name, host.name);
                let jitsi: Vec<&String> = host
                    .packages
                    .iter()
                    .filter(|p| JITSI.contains(&p.as_str()))
                    .collect();
                let of = |k: FileKind| host.files.iter().find(|f| f.kind == k);
                let (Some(source), Some(pref)) =
                    (of(FileKind::AptSource), of(FileKind::AptPreferences))
                else {
                    assert!(
                        jitsi.is_empty(),
                        "{label}: installs {jitsi:?} without Jitsi's apt source and pins"
                    );
                    assert!(
                        !host
                            .steps
                            .iter()
                            .any(|s| matches!(s, Step::CheckPackages { .. })),
                        "{label}"
                    );
                    continue;
                };
                assert!(
                    !jitsi.is_empty(),
                    "{label}: apt files on a host without Jitsi packages"
                );
                // the steps: apt files first, check right after the install
                let at =
                    |f: &dyn Fn(&Step) -> bool| host.steps.iter().position(f).unwrap_or(usize::MAX);
                let write_apt = at(
                    &|s| matches!(s, Step::WriteFiles { files, .. } if files.contains(&pref.path) && files.contains(&source.path)),
                );
                let install = at(&|s| matches!(s, Step::InstallPackages { .. }));
                let check = at(&|s| matches!(s, Step::CheckPackages { .. }));
                assert!(
                    write_apt < install && install + 1 == check && check < host.steps.len(),
                    "{label}: steps {:?}",
                    host.steps
                );
                let Step::CheckPackages {
                    packages,
                    command,
                    release: r,
                    ..
                } = &host.steps[check]
                else {
                    unreachable!()
                };
                assert_eq!(r, release.name);
                let pinned: BTreeMap<String, String> = packages
                    .iter()
                    .map(|p| (p.package.clone(), p.version.clone()))
                    .collect();
                let expected: BTreeMap<String, String> = jitsi
                    .iter()
                    .map(|p| ((*p).clone(), want[p.as_str()].clone()))
                    .collect();
                assert_eq!(pinned, expected, "{label}: check-packages");

                // apt reads the files
                let tmp = tempfile::tempdir().unwrap();
                let opts = apt_root(
                    tmp.path(),
                    &[(&source.path, &source.content), (&pref.path, &pref.content)],
                    &want,
                );
                let (ok, uris) = run(Command::new("apt-get")
                    .args(&opts)
                    .args(["--print-uris", "update"]));
                assert!(
                    ok && uris.contains("'https://download.jitsi.org/stable/InRelease'"),
                    "{label}: apt-get --print-uris update:\n{uris}\n{}",
                    source.content
                );
                let mut names: Vec<&str> = JITSI.to_vec();
                names.push("nginx");
                let (ok, text) = run(Command::new("apt-cache")
                    .args(&opts)
                    .arg("policy")
                    .args(&names));
                assert!(
                    ok && !text.contains("W: ") && !text.contains("E: "),
                    "{label}: apt-cache policy:\n{text}\n{}",
                    pref.content
                );
                for p in JITSI {
                    let (candidate, versions) = policy(&text, p);
                    assert_eq!(candidate, want[*p], "{label}: {p}'s candidate\n{text}");
                    assert!(
                        versions.contains(&(want[*p].clone(), 1001)),
                        "{label}: {p} at {} not pinned 1001\n{text}",
                        want[*p]
                    );
                    assert!(
                        versions.contains(&(format!("{}+newer", want[*p]), 500)),
                        "{label}: {p}'s newer version\n{text}"
                    );
                }
                let (candidate, versions) = policy(&text, "nginx");
                assert_eq!(
                    (candidate.as_str(), versions),
                    ("9.9", vec![("9.9".to_owned(), 500)]),
                    "{label}: nginx"
                );

                // the check, against a dpkg-query stand-in reporting the release's versions
                let bin = tmp.path().join("bin");
                fs::create_dir_all(&bin).unwrap();
                let stand_in = |versions: &BTreeMap<String, String>| {
                    let mut s = String::from(
                        "#!/bin/sh\n# dpkg-query -W -f=FORMAT PACKAGE (stand-in)\neval \"p=\\${$#}\"\ncase $p in\n",
                    );
                    for (p, v) in versions {
                        s += &format!("  {p}) printf 'install ok installed %s' '{v}' ;;\n");
                    }
                    s += "  *) exit 1 ;;\nesac\n";
                    let f = bin.join("dpkg-query");
                    fs::write(&f, s).unwrap();
                    fs::set_permissions(&f, fs::Permissions::from_mode(0o755)).unwrap();
                };
                let path = format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                );
                stand_in(&expected);
                let (ok, out) = run(Command::new(&command[0])
                    .args(&command[1..])
                    .env("PATH", &path));
                assert!(
                    ok && out.is_empty(),
                    "{label}: check-packages with the release's versions: {out}"
                );
                let first = jitsi[0].as_str();
                let mut off = expected.clone();
                off.insert(first.to_owned(), "1.0-1-1".into());
                stand_in(&off);
                let (ok, out) = run(Command::new(&command[0])
                    .args(&command[1..])
                    .env("PATH", &path));
                let msg = format!(
                    "{first} is 1.0-1-1 on this host, but release {} needs {}",
                    release.name, want[first]
                );
                assert!(
                    !ok && out.contains(&msg),
                    "{label}: check-packages with {first} 1.0-1-1 must stop with `{msg}`: {out}"
                );
                checked += 1;
            }
        }
    }
    println!(
        "apt: {checked} hosts' rendered apt source and pins read by apt, their check-packages run (stand-in dpkg-query)"
    );
}

/// Moving a model to another release changes the pins, so `plan` runs the install again (apt
/// then installs the pinned versions) and the version check; a re-render of the same release
/// runs neither.
#[test]
fn plan_reinstalls_and_checks_the_packages_when_the_release_changes() {
    let render = |release: &str| {
        let text = common::example("handbook")
            .replace("\nrelease: stable-11146", &format!("\nrelease: {release}"));
        jitsi_topology::render(&text, &common::example_env())
            .unwrap_or_else(|e| panic!("{release}: {e}"))
            .bundle
    };
    let (newest, older) = (render("stable-11146"), render("stable-10888"));
    let steps_of = |old: &jitsi_topology::Bundle, new: &jitsi_topology::Bundle| {
        let plan = jitsi_topology::plan::plan(&old.manifest(false), &new.manifest(false));
        plan.hosts
            .iter()
            .map(|h| {
                let actions: Vec<String> = h
                    .steps
                    .iter()
                    .map(|s| {
                        serde_json::to_value(s).unwrap()["action"]
                            .as_str()
                            .unwrap()
                            .to_owned()
                    })
                    .collect();
                (h.name.clone(), actions)
            })
            .collect::<Vec<_>>()
    };
    for (host, actions) in steps_of(&newest, &older) {
        assert!(
            actions.iter().any(|a| a == "install-packages")
                && actions.iter().any(|a| a == "check-packages"),
            "{host}: stable-11146 -> stable-10888 runs {actions:?}"
        );
    }
    for (host, actions) in steps_of(&newest, &render("stable-11146")) {
        assert!(
            actions.is_empty(),
            "{host}: the same release runs {actions:?}"
        );
    }
}
