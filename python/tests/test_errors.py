"""An invalid model raises `TopologyError`: the CLI's report as `str()`, the diagnostics with
JSON Pointer paths as `.errors()`, and never a secret value."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import traceback
import warnings
from pathlib import Path

import pytest
import yaml

import jitsi_topology
from conftest import INVALID, ROOT

HANDBOOK = (ROOT / "examples" / "handbook.yaml").read_text(encoding="utf-8")


def cli_validate(cli: Path, model: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JITSI_")}
    return subprocess.run([str(cli), "validate", *args, str(model)], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("model", INVALID, ids=lambda p: p.name)
def test_the_error_reads_like_the_cli_report(cli: Path, model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("JITSI_")]:
        monkeypatch.delenv(name)
    text = cli_validate(cli, model)
    document = cli_validate(cli, model, "--format", "json")
    assert text.returncode == document.returncode == 1

    with pytest.raises(jitsi_topology.TopologyError) as raised:
        jitsi_topology.render(model)
    error = raised.value
    assert isinstance(error, ValueError)
    assert str(error) == text.stdout.rstrip("\n")
    assert error.document() == json.loads(document.stdout)
    assert error.errors() == json.loads(document.stdout)["diagnostics"]
    assert error.kind == "invalid-model"
    assert all(d["path"] == "" or d["path"].startswith("/") for d in error.errors())

    with pytest.raises(jitsi_topology.TopologyError) as again:
        jitsi_topology.validate(model)
    assert again.value.errors() == error.errors()


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    broken = HANDBOOK.replace("address: 10.0.0.12", "address: 10.0.0.11").replace("bridge_networks", "brige_networks")
    with pytest.raises(jitsi_topology.TopologyError) as raised:
        jitsi_topology.validate(broken)
    found = {(d["code"], d["path"]) for d in raised.value.errors()}
    assert ("duplicate-address", "/bridges/1/address") in found
    assert ("unknown-key", "/brige_networks") in found
    shown = str(raised.value)
    assert "error[duplicate-address]: address 10.0.0.11 is already used by bridges/0" in shown
    # Each problem at its line and column, with its source line and the first place too.
    assert "--> <model>:24:" in shown and "^^^^^^^^^ /bridges/1/address" in shown
    assert "::: <model>:23:" in shown and "/bridges/0/address: first used here" in shown
    duplicate = next(d for d in raised.value.errors() if d["code"] == "duplicate-address")
    assert (duplicate["line"], duplicate["related"][0]["line"]) == (24, 23)
    assert broken.splitlines()[duplicate["line"] - 1][duplicate["column"] - 1 :].startswith("10.0.0.11")


def test_no_secret_value_in_any_message(monkeypatch: pytest.MonkeyPatch) -> None:
    short = "s3cr3t-Xy"
    monkeypatch.setenv("JITSI_SHORT_SECRET", short)
    model = HANDBOOK.replace("focus: { file: /etc/jitsi-topology/secrets/focus }", "focus: { value: passw0rd }")
    model = model.replace("jvb: { file: /etc/jitsi-topology/secrets/jvb }", "jvb: { env: JITSI_SHORT_SECRET }")
    with pytest.raises(jitsi_topology.TopologyError) as raised:
        jitsi_topology.render(model)
    codes = {d["code"] for d in raised.value.errors()}
    assert {"secret-default", "secret-too-short"} <= codes
    everything = str(raised.value) + json.dumps(raised.value.document()) + repr(raised.value.args)
    assert short not in everything
    assert "passw0rd" not in everything


def test_errors_returns_copies() -> None:
    with pytest.raises(jitsi_topology.TopologyError) as raised:
        jitsi_topology.validate("domain: 42")
    raised.value.errors()[0]["code"] = "changed"
    assert raised.value.errors()[0]["code"] != "changed"


def test_the_error_pickles() -> None:
    with pytest.raises(jitsi_topology.TopologyError) as raised:
        jitsi_topology.validate("domain: [")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert str(copy) == str(raised.value)
    assert copy.errors() == raised.value.errors()
    assert copy.errors()[0]["code"] == "syntax"


def self_signed() -> str:
    return HANDBOOK.replace(
        "  mode: own\n  certificate: /etc/ssl/meet.example.com.crt\n  key: /etc/ssl/meet.example.com.key\n",
        "  mode: self-signed\n",
    )


def test_validate_returns_the_warnings() -> None:
    assert jitsi_topology.validate(HANDBOOK) == []
    warned = jitsi_topology.validate(self_signed())
    assert [(d["severity"], d["code"], d["path"]) for d in warned] == [("warning", "tls-self-signed", "/tls/mode")]


def test_render_emits_each_warning_as_a_topology_warning() -> None:
    with pytest.warns(jitsi_topology.TopologyWarning) as caught:
        jitsi_topology.render(self_signed())
    assert len(caught) == 1
    warning = caught[0].message
    assert isinstance(warning, jitsi_topology.TopologyWarning)
    assert warning.diagnostic["code"] == "tls-self-signed"
    assert str(warning).startswith("warning[tls-self-signed]: /tls/mode: ")
    assert "\n  hint: " in str(warning)


def test_the_handbook_renders_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jitsi_topology.render(HANDBOOK)


@pytest.mark.parametrize("model", [p for p in sorted((ROOT / "examples").glob("*.yaml"))], ids=lambda p: p.name)
def test_check_returns_what_the_cli_prints_for_a_valid_model(cli: Path, model: Path, example_env: dict[str, str]) -> None:
    """Warnings, notes and acknowledged warnings: the same document as `validate --format json`."""
    shown = subprocess.run([str(cli), "validate", "--format", "json", str(model)], capture_output=True, text=True, check=True)
    assert jitsi_topology.check(model) == json.loads(shown.stdout)


def test_a_note_is_returned_by_check_and_logged_by_render(caplog: pytest.LogCaptureFixture) -> None:
    """The public-stun note (severity info) is no warning: `validate` and the warnings leave it
    out, `check` returns it at its place, and `render` logs it as the CLI prints it."""
    checked = jitsi_topology.check(HANDBOOK)
    notes = [d for d in checked["diagnostics"] if d["severity"] == "info"]
    assert [(d["code"], d["path"]) for d in notes] == [("public-stun", "/public_stun")]
    assert jitsi_topology.validate(HANDBOOK) == []
    with caplog.at_level("INFO", logger="jitsi_topology"), warnings.catch_warnings():
        warnings.simplefilter("error")
        jitsi_topology.render(HANDBOOK)
    assert any(r.getMessage().startswith("info[public-stun]: /public_stun: ") for r in caplog.records), caplog.text


def test_an_acknowledged_warning_comes_back_from_check_with_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    model = self_signed() + "acknowledge:\n  - { code: tls-self-signed, reason: a lab without a certificate }\n"
    checked = jitsi_topology.check(model)
    assert [d["code"] for d in checked["diagnostics"] if d["severity"] == "warning"] == []
    [acknowledged] = checked["acknowledged"]
    assert (acknowledged["code"], acknowledged["path"], acknowledged["severity"]) == ("tls-self-signed", "/tls/mode", "warning")
    assert (acknowledged["acknowledged_by"], acknowledged["reason"]) == ("/acknowledge/0", "a lab without a certificate")
    assert (acknowledged["line"], acknowledged["column"]) == (10, 9)
    with caplog.at_level("INFO", logger="jitsi_topology"):
        jitsi_topology.render(model)
    assert "acknowledged (/acknowledge/0: a lab without a certificate): warning[tls-self-signed]" in caplog.text


def test_an_acknowledged_warning_reaches_python_as_no_warning() -> None:
    """A pipeline that turns warnings into errors still renders a model that acknowledges its
    warning; `validate` no longer returns it."""
    model = self_signed() + "acknowledge:\n  - { code: tls-self-signed, reason: a lab without a certificate }\n"
    assert jitsi_topology.validate(model) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jitsi_topology.render(model)


def canary_cases() -> tuple[list[str], list[tuple[str, str]]]:
    """The shared canary fixture (tests/canaries/secrets.yaml): its canaries, and each case as
    (name, model text), built as the fixture's header says."""
    fixture = yaml.safe_load((ROOT / "tests" / "canaries" / "secrets.yaml").read_text(encoding="utf-8"))
    cases = []
    for case in fixture["cases"]:
        text = case.get("model") or (
            fixture["base"]
            .replace("@SECRETS@\n", case.get("secrets", fixture["valid_secrets"]))
            .replace("@EXTRA@\n", case.get("extra", ""))
        )
        cases.append((case["name"], text))
    return fixture["canaries"], cases


CANARIES, CANARY_CASES = canary_cases()


def canaries_in(shown: str) -> list[str]:
    """The canaries of which ``shown`` holds 12 characters in a row."""
    return [c for c in CANARIES if any(c[i : i + 12] in shown for i in range(len(c) - 11))]


def everything_about(error: BaseException) -> str:
    """Every way an exception shows itself: str, repr, args, attributes, the documented
    accessors, its chained exceptions and the traceback Python prints."""
    shown = [str(error), repr(error), repr(error.args), repr(vars(error))]
    if isinstance(error, jitsi_topology.TopologyError):
        shown += [json.dumps(error.errors()), json.dumps(error.document()), error.kind, error.message]
    for chained in (error.__cause__, error.__context__):
        if chained is not None:
            shown.append(everything_about(chained))
    shown += traceback.format_exception(type(error), error, error.__traceback__)
    return "\n".join(shown)


@pytest.mark.parametrize("name,text", CANARY_CASES, ids=[name for name, _ in CANARY_CASES])
def test_no_mistyped_secret_reaches_an_exception(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    for form in [text, text.encode("utf-8"), path, str(path)]:
        for call in (jitsi_topology.render, jitsi_topology.validate):
            with pytest.raises(jitsi_topology.TopologyError) as raised:
                call(form)
            leaked = canaries_in(everything_about(raised.value))
            assert not leaked, f"{name}: {call.__name__}({type(form).__name__}) shows {leaked}"
    # The model as a dict, where PyYAML reads it (it keeps the last of two equal keys, so a
    # case may turn valid; an error, when there is one, shows no canary either).
    try:
        data = yaml.safe_load(text)
    except Exception:  # PyYAML's own errors, and its constructors' (`!!int x`: ValueError)
        return
    try:
        jitsi_topology.validate(data)
    except (jitsi_topology.TopologyError, TypeError) as error:
        leaked = canaries_in(everything_about(error))
        assert not leaked, f"{name}: validate(dict) shows {leaked}"


@pytest.mark.parametrize(
    "model",
    [
        b"domain: CnryValue_q7XmR2tW9zK4pL8d\xff\n",
        "domain: CnryValue_q7XmR2tW9zK4pL8d\udc80\n",
    ],
    ids=["bytes that are not UTF-8", "a lone surrogate"],
)
def test_text_that_is_not_utf8_is_refused_without_echoing_it(model: object, tmp_path: Path) -> None:
    forms = [model]
    if isinstance(model, bytes):
        path = tmp_path / "model.yaml"
        path.write_bytes(model)
        forms.append(path)
    else:
        forms.append({"domain": model})
    for form in forms:
        with pytest.raises(jitsi_topology.TopologyError) as raised:
            jitsi_topology.validate(form)
        assert raised.value.kind == "invalid-utf8"
        assert "at offset " in str(raised.value)
        assert not canaries_in(everything_about(raised.value)), everything_about(raised.value)
