"""`resolve()` and `plan()` give, for the same inputs, exactly the documents the CLI prints
(`jitsi-topology resolve`, `jitsi-topology plan --format json`), and show no secret."""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path
from typing import List

import pytest

import jitsi_topology
from conftest import EXAMPLE_ENV, EXAMPLES, ROOT

HANDBOOK = ROOT / "examples" / "handbook.yaml"
SECRET = "plan-secret-0123456789abcdef"


def run_cli(cli_path: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    env = {**os.environ, **EXAMPLE_ENV}
    done = subprocess.run([str(cli_path), *args], env=env, capture_output=True, text=True)
    assert done.returncode in ok, done.stderr
    return done.stdout


def quiet_resolve(model: jitsi_topology.ModelInput) -> jitsi_topology.types.Deployment:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jitsi_topology.TopologyWarning)
        return jitsi_topology.resolve(model)


@pytest.mark.parametrize("model", EXAMPLES, ids=lambda p: p.name)
def test_resolve_is_the_clis_resolve_document(cli: Path, model: Path, example_env: dict[str, str]) -> None:
    assert quiet_resolve(model) == json.loads(run_cli(cli, "resolve", str(model)))


def test_resolve_names_the_brewery_every_bridge_joins() -> None:
    deployment = jitsi_topology.resolve(HANDBOOK)
    assert deployment["names"]["brewery_jid"] == "jvbbrewery@internal.auth.meet.example.com"
    assert [b["nickname"] for b in deployment["bridges"]] == [
        "jvb1.meet.example.com",
        "jvb2.meet.example.com",
        "jvb3.meet.example.com",
    ]


def inline_secret_model() -> str:
    return HANDBOOK.read_text(encoding="utf-8").replace(
        "jvb: { file: /etc/jitsi-topology/secrets/jvb }", "jvb: { value: %s }" % SECRET
    )


def test_resolve_shows_a_secret_as_its_file_never_its_value() -> None:
    deployment = jitsi_topology.resolve(inline_secret_model())
    assert deployment["secrets"]["jvb"] == {"source": "inline", "file": "/etc/jitsi-topology/secrets/jvb"}
    assert SECRET not in json.dumps(deployment)


def test_resolve_of_an_invalid_model_raises_the_same_error_as_render() -> None:
    bad = HANDBOOK.read_text(encoding="utf-8").replace("address: 10.0.0.12", "address: 10.0.0.11")
    with pytest.raises(jitsi_topology.TopologyError) as resolved:
        jitsi_topology.resolve(bad)
    with pytest.raises(jitsi_topology.TopologyError) as rendered:
        jitsi_topology.render(bad)
    assert resolved.value.errors() == rendered.value.errors()
    assert "duplicate-address" in [d["code"] for d in resolved.value.errors()]


def changed_model(tmp_path: Path) -> Path:
    """The handbook with bigger bridge heaps and the jvb secret inline."""
    text = inline_secret_model().replace("jvm_max_memory: 8g", "jvm_max_memory: 12g")
    path = tmp_path / "new.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_model_against_itself_plans_no_change() -> None:
    plan = jitsi_topology.plan(HANDBOOK, HANDBOOK)
    assert plan["changes"] is False
    assert {h["status"] for h in plan["hosts"]} == {"unchanged"}


@pytest.mark.parametrize("stat", [False, True], ids=["diffs", "stat"])
def test_plan_is_the_clis_plan_document(cli: Path, tmp_path: Path, stat: bool) -> None:
    new = changed_model(tmp_path)
    old_out, new_out = tmp_path / "old-out", tmp_path / "new-out"
    run_cli(cli, "render", str(HANDBOOK), "--out", str(old_out))
    run_cli(cli, "render", str(new), "--out", str(new_out))
    flags: List[str] = ["--stat"] if stat else []
    expected = json.loads(run_cli(cli, "plan", str(HANDBOOK), str(new), "--format", "json", *flags, ok=(3,)))
    assert expected["changes"] is True
    # Models, render()'s manifests and render's output folders: the same plan as the CLI's.
    assert jitsi_topology.plan(HANDBOOK, new, stat=stat) == expected
    assert jitsi_topology.plan(jitsi_topology.render(HANDBOOK), jitsi_topology.render(new), stat=stat) == expected
    assert jitsi_topology.plan(old_out, str(new_out), stat=stat) == json.loads(
        run_cli(cli, "plan", str(old_out), str(new_out), "--format", "json", *flags, ok=(3,))
    )


def test_a_changed_bridge_is_drained_and_its_secret_file_withheld(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(inline_secret_model(), encoding="utf-8")
    new = tmp_path / "new.yaml"
    new.write_text(inline_secret_model().replace(SECRET, SECRET + "-rotated"), encoding="utf-8")
    plan = jitsi_topology.plan(old, new)
    shown = json.dumps(plan)
    assert SECRET not in shown
    bridge = next(h for h in plan["hosts"] if h["name"] == "jvb1.meet.example.com")
    assert bridge["status"] == "changed"
    secret_diffs = [d for d in bridge["diffs"] if d["content"] == "withheld"]
    assert secret_diffs and all("diff" not in d for d in secret_diffs)
    assert {"name": "jitsi-videobridge2", "action": "drain"} in bridge["services"]


def test_a_manifest_that_is_not_one_is_refused_without_quoting_it() -> None:
    manifest = jitsi_topology.render(inline_secret_model())
    manifest["hosts"][0]["files"][0]["mode"] = SECRET
    manifest["hosts"][0]["files"][1]["kind"] = SECRET
    with pytest.raises(ValueError) as refused:
        jitsi_topology.plan(manifest, HANDBOOK)
    assert "not a manifest of this library" in str(refused.value)
    assert SECRET not in str(refused.value) and SECRET not in repr(refused.value.args)


def test_plan_reads_no_file_beside_a_manifest_through_a_link(tmp_path: Path, cli: Path) -> None:
    out = tmp_path / "out"
    cli_out = run_cli(cli, "render", str(HANDBOOK), "--out", str(out))
    del cli_out
    target = out / "meet.example.com" / "etc" / "jitsi" / "jicofo" / "jicofo.conf"
    elsewhere = tmp_path / "elsewhere.conf"
    elsewhere.write_text("outside the tree\n", encoding="utf-8")
    target.unlink()
    target.symlink_to(elsewhere)
    plan = jitsi_topology.plan(out, HANDBOOK)
    assert "outside the tree" not in json.dumps(plan)
