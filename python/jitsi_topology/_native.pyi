"""Type stubs of the Rust extension ``jitsi_topology._native`` (use the package's functions)."""

from typing import Any, List, Mapping, Optional, Tuple

__version__: str

def render(text: str, env: Mapping[str, Any], name: Optional[str] = None, /) -> Tuple[str, str]:
    """``(manifest JSON with contents, {"diagnostics", "acknowledged"} JSON)``; raises ``TopologyError``."""

def validate(text: str, env: Mapping[str, Any], name: Optional[str] = None, /) -> str:
    """``{"diagnostics", "acknowledged"}`` as JSON (warnings and notes, acknowledged warnings);
    raises ``TopologyError``."""

def schema(manifest: bool = False) -> str:
    """The model's (or the manifest's) JSON Schema as JSON text."""

def format_diagnostic(diagnostic: str, /) -> str:
    """One diagnostic (JSON) as the CLI prints it."""

def service_actions(host: str, changed: List[str], /) -> str:
    """The services to act on (JSON list of ``{name, action, command}``)."""
