"""The shapes of what :mod:`jitsi_topology` returns, as ``TypedDict``\\ s.

They follow ``schemas/manifest.schema.json`` (the manifest, with each file's ``content``; a test
holds them to it) and the diagnostics of the design. File kinds and step actions may grow in later versions (they are
extended, never renamed), so code should ignore kinds and actions it does not know.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

__all__ = [
    "Account",
    "Acknowledged",
    "Checked",
    "ContentChange",
    "Deployment",
    "Diagnostic",
    "FileDiff",
    "HostPlan",
    "HostStatus",
    "Plan",
    "RelatedPlace",
    "ErrorDocument",
    "File",
    "Firewall",
    "FirewallRule",
    "Host",
    "Manifest",
    "Model",
    "ServiceCommand",
    "ServiceRef",
    "Step",
]

#: A model given as data: what the YAML or JSON text of a model parses to.
Model = Dict[str, Any]

Severity = Literal["error", "warning", "info"]
#: What a host does; more roles may come (extended, never renamed).
Role = Literal["signaling", "bridge", "front-door", "turn", "jibri", "jigasi"]
ServiceAction = Literal["reload", "restart", "drain"]


class RelatedPlace(TypedDict, total=False):
    """Another place a diagnostic involves (the first of two duplicates)."""

    path: str
    #: What is there, e.g. ``first used here``.
    label: str
    line: int
    column: int


class _DiagnosticPlace(TypedDict, total=False):
    #: Where the problem is in the model's text (1-based); absent when the text does not hold
    #: the path (a key the model lacks at its top, a problem of the whole input).
    line: int
    #: The column on ``line`` (1-based, in characters).
    column: int
    #: Other places the problem involves; absent when there are none.
    related: List[RelatedPlace]


class Diagnostic(_DiagnosticPlace):
    """One problem with a model, or (severity ``info``) a note: nothing is wrong, but an
    operator should know (e.g. ``public-stun``: browsers contact a third party)."""

    severity: Severity
    #: Stable code, e.g. ``duplicate-address``.
    code: str
    #: JSON Pointer to the field (``""`` is the whole model).
    path: str
    message: str
    hint: str


class Acknowledged(Diagnostic):
    """A warning the model acknowledges (its ``acknowledge`` list): the diagnostic as it would
    have been reported, and the acknowledgement that matched it."""

    #: JSON Pointer of the acknowledgement, e.g. ``/acknowledge/0``.
    acknowledged_by: str
    #: The acknowledgement's reason.
    reason: str


class Checked(TypedDict):
    """What :func:`jitsi_topology.check` returns for a valid model: the same document as
    ``jitsi-topology validate --format json`` prints and the C ABI's ``jt_validate`` returns."""

    #: The warnings and the notes (severity ``info``), sorted by path.
    diagnostics: List[Diagnostic]
    #: The warnings the model acknowledges, each with its reason.
    acknowledged: List[Acknowledged]


class ErrorDocument(TypedDict):
    """What every surface returns when it fails."""

    #: ``invalid-model`` for a model with errors.
    kind: str
    message: str
    diagnostics: List[Diagnostic]


class ServiceRef(TypedDict):
    """A service to act on when a file changes."""

    #: The systemd unit without ``.service``.
    name: str
    action: ServiceAction


class ServiceCommand(TypedDict):
    """A service to act on after files changed (:func:`jitsi_topology.service_actions`)."""

    #: The systemd unit without ``.service``.
    name: str
    #: The strongest action the changed files ask for.
    action: ServiceAction
    #: The command that applies it.
    command: List[str]


class _FileHash(TypedDict, total=False):
    #: SHA-256 of ``content``, lower-case hex. Absent when ``secret`` is true: a plain hash of a
    #: secret in a readable manifest would let anyone test password guesses against it.
    sha256: str


class File(_FileHash):
    """One rendered file of a host."""

    #: Absolute target path on the host.
    path: str
    #: ``debconf``, ``nginx``, ``prosody``, ``jicofo``, ``jvb``, ``web-config``, ``firewall``,
    #: ``systemd``, ``secret``, ``script``, ``environment``, … (may grow).
    kind: str
    #: Four octal digits, e.g. ``"0640"``.
    mode: str
    owner: str
    group: str
    #: True when ``content`` holds a secret: never show it.
    secret: bool
    services: List[ServiceRef]
    content: str


class Account(TypedDict):
    """A prosody account the signalling host registers."""

    user: str
    domain: str
    jid: str
    #: The model's name of the secret (``focus`` or ``jvb``).
    secret: str
    #: The file on the host that holds the password.
    password_file: str


class _FirewallRuleRanges(TypedDict, total=False):
    #: Destination port ranges ``[first, last]``, both included; left out when there are none.
    port_ranges: List[List[int]]


class FirewallRule(_FirewallRuleRanges):
    """One inbound rule."""

    #: ``tcp``, ``udp`` or ``any``.
    protocol: str
    #: Destination ports; empty means every port.
    ports: List[int]
    #: Source networks; ``None`` means from anywhere.
    sources: Optional[List[str]]
    #: ``accept`` or ``drop``.
    action: str
    description: str


class Firewall(TypedDict):
    """A host's nftables table, as data."""

    table: str
    #: ``accept`` or ``drop``.
    policy: str
    rules: List[FirewallRule]


class _StepBase(TypedDict):
    description: str


class PreseedStep(_StepBase):
    action: Literal["preseed"]
    file: str
    command: List[str]


class InstallPackagesStep(_StepBase):
    action: Literal["install-packages"]
    packages: List[str]


class PackagePin(TypedDict):
    """A Debian package at a version."""

    package: str
    version: str


class CheckPackagesStep(_StepBase):
    """Each Jitsi package of the host must be at the release's version (``dpkg-query``); the
    command exits non-zero naming what differs."""

    action: Literal["check-packages"]
    release: str
    packages: List[PackagePin]
    command: List[str]


class WriteFilesStep(_StepBase):
    action: Literal["write-files"]
    files: List[str]


class DaemonReloadStep(_StepBase):
    action: Literal["daemon-reload"]
    command: List[str]


class RegisterAccountStep(_StepBase):
    action: Literal["register-account"]
    jid: str
    password_file: str
    command: List[str]


class RosterSubscribeStep(_StepBase):
    action: Literal["roster-subscribe"]
    command: List[str]


class TrustExportStep(_StepBase):
    action: Literal["trust-export"]
    certificate: str
    to_hosts: List[str]


class TrustImportStep(_StepBase):
    action: Literal["trust-import"]
    #: The host the certificate comes from, or ``None`` when it is already on this host.
    from_host: Optional[str]
    source: str
    destination: str
    command: List[str]


class WebCertificateStep(_StepBase):
    action: Literal["web-certificate"]
    certificate: str
    key: str
    command: List[str]


class AcmeCertificateStep(_StepBase):
    action: Literal["acme-certificate"]
    domain: str
    webroot: str
    hook: str
    command: List[str]


class RegisterJaasStep(_StepBase):
    action: Literal["register-jaas"]
    domain: str
    command: List[str]


class ServiceStep(_StepBase):
    action: Literal["service"]
    service: str
    enable: bool
    on_change: ServiceAction
    command: List[str]


class JicofoListing(TypedDict):
    """Where a shard's jicofo lists a bridge: ``GET url`` on ``host`` (jicofo's debug state), key
    ``bridge`` in its ``bridge_selector.bridge`` object."""

    shard: str
    host: str
    url: str
    bridge: str


class DrainBridgeStep(_StepBase):
    """Before anything stops the bridge: ``command`` drains it (only), ``restart`` restarts it,
    ``undrain`` puts it back when nothing needed a restart; it serves again once every
    ``listed_by`` lists it as operational and not draining."""

    action: Literal["drain-bridge"]
    service: str
    command: List[str]
    undrain: List[str]
    restart: List[str]
    region: Optional[str]
    listed_by: List[JicofoListing]


class DrainJibriStep(_StepBase):
    """Before anything stops jibri: ``command`` asks for its graceful shutdown and waits until
    its recording or stream ended and it exited (``health_url``'s ``busy_field`` reads
    ``busy_value`` meanwhile); ``restart`` starts it again."""

    action: Literal["drain-jibri"]
    service: str
    command: List[str]
    restart: List[str]
    health_url: str
    busy_field: str
    busy_value: str
    graceful_shutdown_url: str


class DrainShardStep(_StepBase):
    """Before anything restarts the shard's prosody or jicofo: ``command`` (run on
    ``front_door``) takes it out of HAProxy, ``undrain`` puts it back once ``health_url``
    answers on the signalling host."""

    action: Literal["drain-shard"]
    shard: str
    front_door: str
    socket: str
    server: str
    command: List[str]
    undrain: List[str]
    health_url: str


#: One step of a host's deployment, tagged by ``action``; a host's ``steps`` are in order.
Step = Union[
    PreseedStep,
    DrainBridgeStep,
    DrainJibriStep,
    DrainShardStep,
    InstallPackagesStep,
    CheckPackagesStep,
    WriteFilesStep,
    DaemonReloadStep,
    RegisterAccountStep,
    RosterSubscribeStep,
    TrustExportStep,
    TrustImportStep,
    WebCertificateStep,
    AcmeCertificateStep,
    RegisterJaasStep,
    ServiceStep,
]


class Host(TypedDict):
    """Everything one host needs."""

    #: The host's name in the model (its inventory name).
    name: str
    roles: List[Role]
    #: Debian packages to install.
    packages: List[str]
    #: Sorted by path.
    files: List[File]
    accounts: List[Account]
    #: ``None`` when the model turns the firewall off.
    firewall: Optional[Firewall]
    steps: List[Step]


class Manifest(TypedDict):
    """What :func:`jitsi_topology.render` returns."""

    #: The manifest format version (1).
    format: int
    #: The Jitsi Meet release rendered for, e.g. ``stable-11146``.
    release: str
    #: ``jitsi-topology X.Y.Z``.
    generator: str
    #: The signalling host first, then the bridges in model order.
    hosts: List[Host]


#: The resolved deployment (:func:`jitsi_topology.resolve`), the document ``jitsi-topology
#: resolve`` prints: every derived name (``names``: auth domain, internal MUC, brewery, focus
#: and jvb JIDs), the shards and their signalling hosts, the bridges with their addresses,
#: nicknames, NAT and shards, ``trust``, ``firewall``, ``secrets`` (each ``{source, file}``,
#: never a value), ``hosts`` and the release's choices. Its keys follow the core's
#: ``Deployment``; they may grow in later versions.
Deployment = Dict[str, Any]

#: What happens to a host between two renders.
HostStatus = Literal["added", "removed", "changed", "unchanged"]
#: What a changed file's entry shows of its content: ``diff`` (in ``diff``), ``withheld`` (the
#: file is flagged secret or unreadable to others), ``withheld-may-differ``, ``same`` (only the
#: mode or owner differ) or ``unknown`` (a side had no content).
ContentChange = Literal["diff", "withheld", "withheld-may-differ", "same", "unknown"]


class _FileDiffOptional(TypedDict, total=False):
    #: The unified diff (3 lines of context), when ``content`` is ``diff`` and not ``stat``.
    diff: str
    #: ``[old, new]`` permission bits, when they differ.
    mode: List[str]
    #: ``[old, new]`` ``owner:group``, when they differ.
    owner: List[str]


class FileDiff(_FileDiffOptional):
    """How one changed file changes."""

    path: str
    content: ContentChange
    #: Lines added, when ``content`` is ``diff``.
    insertions: int
    #: Lines removed, when ``content`` is ``diff``.
    deletions: int


class HostPlan(TypedDict):
    """The plan for one host."""

    name: str
    status: HostStatus
    #: Files to create.
    added: List[str]
    #: Files whose content, mode or owner differs.
    changed: List[str]
    #: How each changed file changes, in the order of ``changed``.
    diffs: List[FileDiff]
    #: Files no longer rendered (remove them from the host).
    removed: List[str]
    #: Services to act on, each once with the strongest action, in the host's order.
    services: List[ServiceRef]
    #: The steps that must run (again), in the host's order: all of them for a new host.
    steps: List[Step]


class Plan(TypedDict):
    """What :func:`jitsi_topology.plan` returns: the document ``jitsi-topology plan --format
    json`` prints."""

    #: True when anything differs (the CLI then exits 3).
    changes: bool
    #: Every host of either side, in the new side's order, then removed hosts.
    hosts: List[HostPlan]
