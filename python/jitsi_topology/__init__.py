"""Render every config file of a scalable Jitsi Meet deployment from one topology model.

>>> import jitsi_topology
>>> manifest = jitsi_topology.render("examples/handbook.yaml")
>>> [h["name"] for h in manifest["hosts"]]
['meet.example.com', 'jvb1.meet.example.com', 'jvb2.meet.example.com', 'jvb3.meet.example.com']

A *model* is a dict (what the model's YAML or JSON parses to), the YAML or JSON text itself, or
the path of a model file (an :class:`os.PathLike`, or a one-line ``str`` that names an existing
file or ends in ``.yaml``, ``.yml`` or ``.json``). ``{env: NAME}`` secrets are read when
:func:`render` or :func:`validate` runs, from ``os.environ`` or the ``env`` mapping given.

The result of :func:`render` is the manifest of ``schemas/manifest.schema.json`` with each
file's ``content``: the same data, byte for byte, as ``jitsi-topology render MODEL --out DIR``
writes into ``DIR/manifest.json`` and ``DIR/<host>/<path>``.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from . import _native
from ._errors import TopologyError, TopologyWarning
from .types import Checked, Diagnostic, Host, Manifest, ServiceCommand

__all__ = [
    "ModelInput",
    "TopologyError",
    "TopologyWarning",
    "__version__",
    "check",
    "render",
    "schema",
    "service_actions",
    "validate",
]

#: The version of this package and of the core that renders (they are released together).
__version__: str = _native.__version__

#: What :func:`render` and :func:`validate` accept as a model.
ModelInput = Union[Mapping[str, Any], str, bytes, "os.PathLike[str]"]

_MODEL_SUFFIXES = (".yaml", ".yml", ".json")

#: Where :func:`render` logs the model's notes and acknowledged warnings (level ``INFO``).
_log = logging.getLogger("jitsi_topology")


def render(model: ModelInput, *, env: Optional[Mapping[str, str]] = None) -> Manifest:
    """Validate ``model`` and render every host's files.

    Returns the manifest (``format``, ``release``, ``generator``, ``hosts``); each host has its
    ``roles``, ``packages``, ``files`` (each with ``path``, ``kind``, ``mode``, ``owner``,
    ``group``, ``sha256`` (absent for files flagged secret), ``secret``, ``services`` and
    ``content``), ``accounts``, ``firewall`` and ordered ``steps``. Each warning about the model is emitted as a
    :class:`TopologyWarning`. The model's notes (severity ``info``: nothing is wrong, e.g.
    ``public-stun``) and the warnings it acknowledges are logged at level ``INFO`` on the
    logger ``jitsi_topology``, as the CLI prints them; :func:`check` returns them as data.

    :param model: a dict, YAML or JSON text, or a path (see the module's documentation).
    :param env: where ``{env: NAME}`` secrets are read; ``None`` means ``os.environ``.
    :raises TopologyError: the model is invalid; ``str()`` is the CLI's report and
        :meth:`TopologyError.errors` the diagnostics.
    :raises OSError: a model path cannot be read.
    """
    manifest_json, checked_json = _native.render(_model_text(model), _env(env), _model_name(model))
    checked: Checked = json.loads(checked_json)
    for diagnostic in checked["diagnostics"]:
        text = _native.format_diagnostic(json.dumps(diagnostic))
        if diagnostic["severity"] == "warning":
            warnings.warn(TopologyWarning(text, diagnostic), stacklevel=2)
        else:
            _log.info("%s", text)
    for acknowledged in checked["acknowledged"]:
        text = _native.format_diagnostic(json.dumps(acknowledged))
        _log.info("acknowledged (%s: %s): %s", acknowledged["acknowledged_by"], acknowledged["reason"], text)
    result: Manifest = json.loads(manifest_json)
    return result


def validate(model: ModelInput, *, env: Optional[Mapping[str, str]] = None) -> List[Diagnostic]:
    """Check ``model`` without rendering it.

    Returns the warnings (a valid model may still draw some), each a dict with ``severity``,
    ``code``, ``path`` (a JSON Pointer), ``message`` and ``hint`` (and ``line``, ``column`` and
    ``related`` where the text holds them). Notes and acknowledged warnings: :func:`check`.

    :raises TopologyError: the model has at least one error (it reports every problem at once).
    :raises OSError: a model path cannot be read.
    """
    return [d for d in check(model, env=env)["diagnostics"] if d["severity"] == "warning"]


def check(model: ModelInput, *, env: Optional[Mapping[str, str]] = None) -> Checked:
    """Check ``model`` without rendering it, and return everything validation found.

    Returns ``{"diagnostics", "acknowledged"}``, the document ``jitsi-topology validate
    --format json`` prints and the C ABI's ``jt_validate`` returns: ``diagnostics`` holds the
    warnings and the notes (severity ``info``: nothing is wrong, but an operator should know,
    e.g. ``public-stun``), sorted by path; ``acknowledged`` the warnings the model's
    ``acknowledge`` list acknowledges, each diagnostic with ``acknowledged_by`` (the JSON
    Pointer of the acknowledgement) and ``reason``.

    :raises TopologyError: the model has at least one error (it reports every problem at once).
    :raises OSError: a model path cannot be read.
    """
    result: Checked = json.loads(_native.validate(_model_text(model), _env(env), _model_name(model)))
    return result


def schema(*, manifest: bool = False) -> Dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the model, or with ``manifest=True`` of the manifest
    (``schemas/*.schema.json``)."""
    result: Dict[str, Any] = json.loads(_native.schema(manifest))
    return result


def service_actions(host: Host, changed: Iterable[str]) -> List[ServiceCommand]:
    """What to do to ``host``'s services after the files at the ``changed`` paths were written.

    ``host`` is one host of a manifest :func:`render` returned. Each service comes once, with
    the strongest action its changed files ask for (a reload, a restart, or a videobridge's
    drain), in the order of the host's service steps (prosody before jicofo, the firewall
    before the services), and with the command that applies it: the core decides this order,
    so integrations never keep their own. Paths that are not the host's files are ignored.
    """
    result: List[ServiceCommand] = json.loads(_native.service_actions(json.dumps(host), list(changed)))
    return result


def _env(env: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    # os.environ itself, not a copy: only the variables the model names are read.
    return os.environ if env is None else env


def _model_name(model: ModelInput) -> Optional[str]:
    """What the report calls the model: its path when it was given one (as the CLI does)."""
    if isinstance(model, os.PathLike):
        return os.fspath(model)
    if isinstance(model, str) and "\n" not in model and (model.endswith(_MODEL_SUFFIXES) or _is_file(model)):
        return model
    return None


def _model_text(model: ModelInput) -> str:
    """The model as YAML or JSON text, encodable as UTF-8."""
    if isinstance(model, Mapping):
        try:
            text = json.dumps(model, ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise TypeError(f"the model dict must hold only JSON data (str, numbers, bool, None, lists, dicts): {e}") from None
        return _utf8(text)
    if isinstance(model, os.PathLike):
        return _read(Path(model))
    if isinstance(model, (bytes, bytearray)):
        return _decode(bytes(model))
    if isinstance(model, str):
        if "\n" not in model and (model.endswith(_MODEL_SUFFIXES) or _is_file(model)):
            return _read(Path(model))
        return _utf8(model)
    raise TypeError(f"a model is a dict, YAML or JSON text, or a path, not {type(model).__name__}")


# Python's own Unicode errors carry the whole text they failed on (``.object``, shown by their
# ``repr`` and kept as ``__context__``/``__cause__`` of any error raised while handling them): a
# model's secrets would ride along. These raise a TopologyError of kind ``invalid-utf8``, as the
# C ABI reports it, outside the ``except`` block so that nothing of the text is attached.


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        offset = e.start
    raise _not_utf8(f"the model is not UTF-8 text (invalid byte at offset {offset})")


def _utf8(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        offset = e.start
    else:
        return text
    raise _not_utf8(f"the model holds a character UTF-8 cannot encode (a lone surrogate) at offset {offset}")


def _not_utf8(message: str) -> TopologyError:
    return TopologyError(message, {"kind": "invalid-utf8", "message": message, "diagnostics": []})


def _is_file(name: str) -> bool:
    try:
        return os.path.isfile(name)
    except (OSError, ValueError):  # a name too long for the filesystem, or with a NUL byte
        return False


def _read(path: Path) -> str:
    return _decode(path.read_bytes())
