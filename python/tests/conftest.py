"""Shared fixtures: the repository, its examples and the CLI binary to compare against."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import yaml

#: The checkout (python/tests/run sets JT_ROOT; by default the one holding these tests).
ROOT = Path(os.environ.get("JT_ROOT") or Path(__file__).resolve().parents[2])
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
INVALID = sorted((ROOT / "tests" / "invalid").glob("*.yaml"))



def _env_names(node: object) -> set[str]:
    """The NAMEs of every `{env: NAME}` secret in a parsed model."""
    if isinstance(node, dict):
        if set(node) == {"env"} and isinstance(node["env"], str):
            return {node["env"]}
        return set().union(*(_env_names(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_env_names(v) for v in node)) if node else set()
    return set()


#: A value for every `{env}` secret the examples use: long, random-looking, never a default.
EXAMPLE_ENV = {
    name: hashlib.sha256(name.encode()).hexdigest()[:24]
    for name in sorted(set().union(*(_env_names(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in EXAMPLES)))
}


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `jitsi-topology` binary of this checkout (python/tests/run builds it)."""
    path = Path(os.environ.get("JT_CLI", ROOT / "target" / "release" / "jitsi-topology"))
    assert path.is_file(), f"{path} is missing: run `cargo build --release` or python/tests/run"
    return path


@pytest.fixture
def example_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The examples' `{env}` secrets, set in os.environ for this test only."""
    for name, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(name, value)
    return dict(EXAMPLE_ENV)
