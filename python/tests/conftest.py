"""Shared fixtures: the repository, its examples and the CLI binary to compare against."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The checkout (python/tests/run sets JT_ROOT; by default the one holding these tests).
ROOT = Path(os.environ.get("JT_ROOT") or Path(__file__).resolve().parents[2])
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
INVALID = sorted((ROOT / "tests" / "invalid").glob("*.yaml"))

#: The `{env}` secrets the examples use (nat.yaml); long and random-looking, never defaults.
EXAMPLE_ENV = {
    "JITSI_FOCUS_PASSWORD": "Fq8vT2mLr9Xc4Wd7Zp3Kj6Hn",
    "JITSI_JVB_PASSWORD": "Jb5sN8wQe2Ry7Ut4Io1Pa9Sd",
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
