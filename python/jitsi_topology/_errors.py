"""The exception and warning classes of :mod:`jitsi_topology`.

They are plain Python classes; the Rust extension imports this module and raises
:class:`TopologyError` from there (as jsonschema-rs does with its ``ValidationError``).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .types import Diagnostic, ErrorDocument

__all__ = ["TopologyError", "TopologyWarning"]


class TopologyError(ValueError):
    """The model is invalid.

    ``str(error)`` is the report the CLI prints (one ``error[code]: /path: message`` line and
    its hint per diagnostic, then the counts); :meth:`errors` gives the diagnostics as dicts
    (``severity``, ``code``, ``path`` as a JSON Pointer, ``message``, ``hint``). No secret value
    is ever part of either.
    """

    def __init__(self, report: str, document: Mapping[str, Any]) -> None:
        # Both go into ``args`` so that the exception pickles (multiprocessing, Ansible).
        super().__init__(report, dict(document))
        #: What failed; ``"invalid-model"`` for a model with errors.
        self.kind: str = str(document.get("kind", "invalid-model"))
        #: One line for humans, e.g. ``the model is invalid: 2 errors, 0 warnings``.
        self.message: str = str(document.get("message", ""))
        self._diagnostics: list[Diagnostic] = [dict(d) for d in document.get("diagnostics", [])]  # type: ignore[misc]

    def __str__(self) -> str:
        return str(self.args[0])

    def errors(self) -> list[Diagnostic]:
        """Every diagnostic of the model (errors and warnings), sorted by path.

        Each is a new dict: ``{"severity", "code", "path", "message", "hint"}``, with
        ``"line"`` and ``"column"`` (1-based) where the model's text holds the path, and
        ``"related"`` (other places, e.g. the first of two duplicates) when there are any;
        select the errors with ``[d for d in e.errors() if d["severity"] == "error"]``.
        """
        return copy.deepcopy(self._diagnostics)

    def document(self) -> ErrorDocument:
        """The error document every surface returns: ``{"kind", "message", "diagnostics"}``
        (the CLI's ``--format json`` output, the C ABI's error JSON)."""
        return {"kind": self.kind, "message": self.message, "diagnostics": self.errors()}


class TopologyWarning(UserWarning):
    """A warning about a model that renders (emitted by :func:`jitsi_topology.render`).

    ``str(warning)`` is the CLI's line for it; :attr:`diagnostic` is the diagnostic dict.
    """

    def __init__(self, text: str, diagnostic: Mapping[str, Any]) -> None:
        super().__init__(text, dict(diagnostic))
        #: ``{"severity": "warning", "code", "path", "message", "hint"}``.
        self.diagnostic: Diagnostic = dict(diagnostic)  # type: ignore[assignment]

    def __str__(self) -> str:
        return str(self.args[0])
