"""Type stubs of the Rust extension ``jitsi_topology._native`` (use the package's functions)."""

from typing import Any, List, Mapping, Optional, Tuple

__all__ = [
    "__version__",
    "render",
    "validate",
    "resolve",
    "plan",
    "schema",
    "format_diagnostic",
    "service_actions",
]

__version__: str

def render(text: str, env: Mapping[str, Any], name: Optional[str] = None) -> Tuple[str, str]:
    """``(manifest JSON with contents, {"diagnostics", "acknowledged"} JSON)``; raises ``TopologyError``."""

def validate(text: str, env: Mapping[str, Any], name: Optional[str] = None) -> str:
    """``{"diagnostics", "acknowledged"}`` as JSON (warnings and notes, acknowledged warnings);
    raises ``TopologyError``."""

def resolve(text: str, env: Mapping[str, Any], name: Optional[str] = None) -> Tuple[str, str]:
    """``(deployment JSON, {"diagnostics", "acknowledged"} JSON)``; raises ``TopologyError``."""

def plan(old: str, new: str, stat: bool = False) -> str:
    """The plan (JSON) between two manifests (JSON, with contents where known)."""

def schema(manifest: bool = False) -> str:
    """The model's (or the manifest's) JSON Schema as JSON text."""

def format_diagnostic(diagnostic: str) -> str:
    """One diagnostic (JSON) as the CLI prints it."""

def service_actions(host: str, changed: List[str]) -> str:
    """The services to act on (JSON list of ``{name, action, command}``)."""
