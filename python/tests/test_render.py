"""`render()` gives, for the same model, exactly what the CLI writes: the manifest and every
file's content and mode."""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path

import pytest
import yaml

import jitsi_topology
from conftest import EXAMPLE_ENV, EXAMPLES, ROOT

HANDBOOK = ROOT / "examples" / "handbook.yaml"


def cli_render(cli: Path, model: Path, out: Path) -> None:
    env = {**os.environ, **EXAMPLE_ENV}
    subprocess.run([str(cli), "render", str(model), "--out", str(out)], check=True, env=env, capture_output=True)


@pytest.mark.parametrize("model", EXAMPLES, ids=lambda p: p.name)
def test_the_python_result_is_the_cli_output_tree(cli: Path, model: Path, tmp_path: Path, example_env: dict[str, str]) -> None:
    out = tmp_path / "out"
    cli_render(cli, model, out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jitsi_topology.TopologyWarning)
        ours = jitsi_topology.render(model)

    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    contents = {}
    for host in ours["hosts"]:
        for f in host["files"]:
            contents[(host["name"], f["path"])] = f.pop("content")
    assert ours == on_disk, "the manifest differs from the CLI's manifest.json"

    written = {
        (p.relative_to(out).parts[0], "/" + "/".join(p.relative_to(out).parts[1:]))
        for p in out.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert written == set(contents), "the CLI wrote other files than the manifest lists"
    modes = {(h["name"], f["path"]): f["mode"] for h in on_disk["hosts"] for f in h["files"]}
    for (host, path), content in contents.items():
        target = out / host / path.lstrip("/")
        assert target.read_bytes() == content.encode("utf-8"), f"{host}:{path} differs"
        assert f"{target.stat().st_mode & 0o7777:04o}" == modes[(host, path)], f"{host}:{path} mode"


def test_the_same_model_renders_byte_identically() -> None:
    assert json.dumps(jitsi_topology.render(HANDBOOK)) == json.dumps(jitsi_topology.render(HANDBOOK))


def test_every_bridge_joins_the_brewery_jicofo_watches() -> None:
    manifest = jitsi_topology.render(HANDBOOK)
    signaling, *bridges = manifest["hosts"]
    jicofo = next(f for f in signaling["files"] if f["kind"] == "jicofo")
    assert "jvbbrewery@internal.auth.meet.example.com" in jicofo["content"]
    assert len(bridges) == 3
    for bridge in bridges:
        jvb = next(f for f in bridge["files"] if f["kind"] == "jvb")
        assert 'MUC_JIDS = "jvbbrewery@internal.auth.meet.example.com"' in jvb["content"]


@pytest.mark.parametrize("form", ["dict", "yaml text", "json text", "bytes", "pathlike", "str path"])
def test_a_model_may_be_a_dict_text_or_a_path(form: str) -> None:
    text = HANDBOOK.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    model = {
        "dict": data,
        "yaml text": text,
        "json text": json.dumps(data),
        "bytes": text.encode("utf-8"),
        "pathlike": HANDBOOK,
        "str path": str(HANDBOOK),
    }[form]
    assert jitsi_topology.render(model) == jitsi_topology.render(HANDBOOK)


def test_a_missing_model_file_is_an_os_error_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        jitsi_topology.render(str(tmp_path / "handbok.yaml"))
    with pytest.raises(FileNotFoundError):
        jitsi_topology.render(tmp_path / "missing")


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="a model is a dict"):
        jitsi_topology.render(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="JSON data"):
        jitsi_topology.render({"domain": object()})


def nat_model() -> str:
    return (ROOT / "examples" / "nat.yaml").read_text(encoding="utf-8")


def test_env_secrets_are_read_at_render_time_from_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JITSI_FOCUS_PASSWORD")
    with pytest.raises(jitsi_topology.TopologyError) as raised:
        jitsi_topology.render(nat_model())
    assert [(d["code"], d["path"]) for d in raised.value.errors()] == [("env-missing", "/secrets/focus/env")]

    monkeypatch.setenv("JITSI_FOCUS_PASSWORD", "Later-set-Focus-Secret-42x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jitsi_topology.TopologyWarning)
        manifest = jitsi_topology.render(nat_model())
    secret_files = [f for h in manifest["hosts"] for f in h["files"] if "Later-set-Focus-Secret-42x" in f["content"]]
    assert secret_files, "the focus password set after import was not rendered"
    assert all(f["secret"] and f["mode"] in ("0600", "0640") for f in secret_files)


def test_env_secrets_may_come_from_a_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in EXAMPLE_ENV:
        monkeypatch.delenv(name, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jitsi_topology.TopologyWarning)
        manifest = jitsi_topology.render(nat_model(), env=EXAMPLE_ENV)
    everything = json.dumps(manifest)
    assert EXAMPLE_ENV["JITSI_JVB_PASSWORD"] in everything


def test_file_secrets_never_appear_in_any_output() -> None:
    manifest = jitsi_topology.render(HANDBOOK)
    assert not any(f["secret"] for h in manifest["hosts"] for f in h["files"])
    steps = [s for h in manifest["hosts"] for s in h["steps"]]
    assert any(s["action"] == "register-account" for s in steps)


def test_steps_follow_the_deployment_order() -> None:
    signaling = jitsi_topology.render(HANDBOOK)["hosts"][0]
    actions = [s["action"] for s in signaling["steps"]]
    # The debconf answers may be written in a step of their own before the preseed.
    last_write = len(actions) - 1 - actions[::-1].index("write-files")
    order = [actions.index(a) for a in ("preseed", "install-packages")]
    order += [last_write] + [actions.index(a) for a in ("daemon-reload", "register-account", "roster-subscribe", "trust-export", "service")]
    assert order == sorted(order), actions
    services = [s["service"] for s in signaling["steps"] if s["action"] == "service"]
    assert services.index("prosody") < services.index("jicofo")


def test_schemas_are_the_checked_in_ones() -> None:
    assert jitsi_topology.schema() == json.loads((ROOT / "schemas" / "topology.schema.json").read_text())
    assert jitsi_topology.schema(manifest=True) == json.loads((ROOT / "schemas" / "manifest.schema.json").read_text())


def test_version_is_the_generator_of_the_manifest() -> None:
    assert jitsi_topology.render(HANDBOOK)["generator"] == f"jitsi-topology {jitsi_topology.__version__}"
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    assert f'version = "{jitsi_topology.__version__}"' in cargo


def test_the_package_is_typed() -> None:
    package = Path(jitsi_topology.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()
    assert jitsi_topology.render.__annotations__["return"] == "Manifest"


def test_service_actions_follow_the_hosts_service_steps_with_the_strongest_action() -> None:
    """The services to act on after files changed come from the core, in the order of the
    host's service steps: what the Ansible plugin hands its handlers."""
    manifest = jitsi_topology.render(HANDBOOK)
    signaling, bridge = manifest["hosts"][0], manifest["hosts"][1]
    steps = {s["service"]: s for s in signaling["steps"] if s["action"] == "service"}

    everything = jitsi_topology.service_actions(signaling, [f["path"] for f in signaling["files"]])
    names = [s["name"] for s in everything]
    assert names == [n for n in steps if n in names], "not in the order of the host's service steps"
    assert names.index("prosody") < names.index("jicofo") < names.index("nginx")
    # The firewall's rules ask for a reload, its unit for a restart: the restart wins, once,
    # with a restart's command (its step only reloads).
    firewall = [s for s in everything if s["name"] == "jitsi-topology-firewall"]
    assert firewall == [
        {"name": "jitsi-topology-firewall", "action": "restart", "command": ["systemctl", "restart", "jitsi-topology-firewall.service"]}
    ]
    # A service step's command is used for the step's own action only.
    for s in everything:
        if s["name"] in steps and steps[s["name"]]["on_change"] == s["action"]:
            assert s["command"] == steps[s["name"]]["command"], s["name"]
    prosody_config = next(f["path"] for f in signaling["files"] if f["kind"] == "prosody")
    assert jitsi_topology.service_actions(signaling, [prosody_config]) == [
        {"name": "prosody", "action": "reload", "command": ["systemctl", "reload-or-restart", "prosody.service"]}
    ]

    jvb = jitsi_topology.service_actions(bridge, ["/etc/jitsi/videobridge/jvb.conf", "/not/a/file"])
    (videobridge,) = [s for s in bridge["steps"] if s["action"] == "service" and s["service"] == "jitsi-videobridge2"]
    assert jvb == [{"name": "jitsi-videobridge2", "action": "drain", "command": videobridge["command"]}]
    assert jitsi_topology.service_actions(bridge, []) == []
