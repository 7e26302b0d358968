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
import stat as _stat
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from . import _native
from ._errors import TopologyError, TopologyWarning
from .types import Checked, Deployment, Diagnostic, Host, Manifest, Plan, ServiceCommand

__all__ = [
    "ModelInput",
    "PlanInput",
    "TopologyError",
    "TopologyWarning",
    "__version__",
    "check",
    "plan",
    "render",
    "resolve",
    "schema",
    "service_actions",
    "validate",
]

#: The version of this package and of the core that renders (they are released together).
__version__: str = _native.__version__

#: What :func:`render` and :func:`validate` accept as a model.
ModelInput = Union[Mapping[str, Any], str, bytes, "os.PathLike[str]"]

#: What :func:`plan` compares: a model (as :data:`ModelInput`), a manifest :func:`render`
#: returned (a dict with ``format`` and ``hosts``), or the folder ``jitsi-topology render``
#: wrote (an :class:`os.PathLike` or ``str`` naming a directory that holds ``manifest.json``).
PlanInput = Union[ModelInput, Manifest]

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
    _report(json.loads(checked_json), stacklevel=3)
    result: Manifest = json.loads(manifest_json)
    return result


def _report(checked: Checked, stacklevel: int = 3) -> None:
    """Each warning as a :class:`TopologyWarning` (pointing at the caller's caller), each note
    and acknowledged warning logged at ``INFO`` on the logger ``jitsi_topology``."""
    for diagnostic in checked["diagnostics"]:
        text = _native.format_diagnostic(json.dumps(diagnostic))
        if diagnostic["severity"] == "warning":
            warnings.warn(TopologyWarning(text, diagnostic), stacklevel=stacklevel)
        else:
            _log.info("%s", text)
    for acknowledged in checked["acknowledged"]:
        text = _native.format_diagnostic(json.dumps(acknowledged))
        _log.info("acknowledged (%s: %s): %s", acknowledged["acknowledged_by"], acknowledged["reason"], text)


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


def resolve(model: ModelInput, *, env: Optional[Mapping[str, str]] = None) -> Deployment:
    """Validate ``model`` and return the resolved deployment, without rendering a file.

    The result is the document ``jitsi-topology resolve`` prints, the one every renderer reads:
    every derived name (``names``: the auth domain, the internal MUC, the brewery, focus and jvb
    JIDs), the shards and their signalling hosts, the bridges with their addresses, nicknames,
    NAT mappings and shards, ``trust``, ``firewall`` and the release's choices. A secret appears
    as its source and the file on the hosts that holds it (``{"source": "file", "file":
    "/etc/jitsi-topology/secrets/jvb"}``), never as its value, so the document may be logged,
    diffed and checked in (Nix's pure path reads it; see nix/README.md). Warnings are emitted
    and notes logged as :func:`render` does.

    :param model: a dict, YAML or JSON text, or a path (see the module's documentation).
    :param env: where ``{env: NAME}`` secrets are read; ``None`` means ``os.environ``.
    :raises TopologyError: the model is invalid.
    :raises OSError: a model path cannot be read.
    """
    deployment_json, checked_json = _native.resolve(_model_text(model), _env(env), _model_name(model))
    _report(json.loads(checked_json))
    result: Deployment = json.loads(deployment_json)
    return result


def plan(
    old: PlanInput,
    new: PlanInput,
    *,
    env: Optional[Mapping[str, str]] = None,
    stat: bool = False,
) -> Plan:
    """What changes between two renders, per host, and what must be reloaded, restarted, drained
    or run again: the document ``jitsi-topology plan OLD NEW --format json`` prints.

    ``old`` (what is deployed now) and ``new`` (what to deploy) are each a model (rendered
    here, with ``env`` for its ``{env}`` secrets), a manifest :func:`render` returned, or the
    folder ``jitsi-topology render`` wrote (its ``manifest.json`` and the files beside it).
    Files are compared by SHA-256, mode and owner; a changed file carries its unified ``diff``,
    except a file flagged secret or unreadable to others on either side, whose entry says
    ``"content": "withheld"`` and shows nothing of it. ``plan["changes"]`` is true when
    anything differs (the CLI exits 3 then). ``stat=True`` leaves the ``diff`` texts out.

    :raises TopologyError: a model is invalid.
    :raises ValueError: a dict or a folder's ``manifest.json`` is not a manifest of this
        library (the message quotes none of its values).
    :raises OSError: a model path or a folder's ``manifest.json`` cannot be read.
    """
    result: Plan = json.loads(_native.plan(_manifest_text(old, env), _manifest_text(new, env), stat))
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


def _is_manifest(value: object) -> bool:
    """A manifest :func:`render` returned: a model never has ``format`` and ``hosts``."""
    return isinstance(value, Mapping) and "format" in value and "hosts" in value


def _manifest_text(side: PlanInput, env: Optional[Mapping[str, str]]) -> str:
    """One side of :func:`plan` as manifest JSON, with the contents known of its files."""
    if _is_manifest(side):
        try:
            return json.dumps(side, ensure_ascii=False)
        except (TypeError, ValueError):
            # The message would quote the value (a file's content may be a secret).
            raise ValueError("a manifest must hold only JSON data, as render() returns it") from None
    if isinstance(side, (str, os.PathLike)) and "\n" not in os.fspath(side) and _is_dir(os.fspath(side)):
        return _folder_manifest(Path(os.fspath(side)))
    model: ModelInput = side  # not a manifest: a model
    manifest_json, _checked = _native.render(_model_text(model), _env(env), _model_name(model))
    return manifest_json


def _folder_manifest(folder: Path) -> str:
    """The manifest of a folder ``jitsi-topology render`` wrote, each file's ``content`` read
    from beside it (as the CLI's ``plan`` does): the core keeps only what it may show and
    fingerprints files flagged secret, whose manifest entry carries no SHA-256."""
    text = _read(folder / "manifest.json")
    try:
        manifest = json.loads(text)
        hosts = manifest["hosts"]
    except (ValueError, TypeError, KeyError):
        raise ValueError(f"{folder / 'manifest.json'} is not a manifest of this tool (is {folder} an output of render?)") from None
    for host in hosts if isinstance(hosts, list) else []:
        for file in host.get("files", []) if isinstance(host, dict) else []:
            beside = _beside_manifest(host.get("name"), file.get("path") if isinstance(file, dict) else None)
            if beside is None:
                continue
            content = _read_plain(folder / beside)
            if content is None:
                file.pop("content", None)
            else:
                file["content"] = content
    return json.dumps(manifest, ensure_ascii=False)


def _beside_manifest(host: object, path: object) -> Optional[Path]:
    """Where an output folder holds a host's file (``<host>/<path without its leading />``);
    ``None`` for names a manifest of this tool never has (``..``, a relative path)."""
    if not isinstance(host, str) or not isinstance(path, str) or not path.startswith("/"):
        return None
    parts = [host, *path[1:].split("/")]
    if any(p in ("", ".", "..") or "\0" in p for p in parts) or "/" in host:
        return None
    return Path(*parts)


def _read_plain(path: Path) -> Optional[str]:
    """A plain file's UTF-8 text, never through a symbolic link or from a FIFO (as the CLI
    reads the files beside a manifest); ``None`` when it cannot be had."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not _stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = f.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _is_dir(name: str) -> bool:
    try:
        return os.path.isdir(name)
    except (OSError, ValueError):
        return False


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
