"""The TypedDicts of ``jitsi_topology.types`` say what ``schemas/manifest.schema.json`` says: the
same keys, the same required keys, the same step actions, roles and service actions. The schema is
generated from the Rust types; these are written by hand, so this test keeps them one shape."""

from __future__ import annotations

import json
import typing

import pytest

from conftest import ROOT
from jitsi_topology import types

SCHEMA = json.loads((ROOT / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]

#: Each TypedDict and the schema object it describes.
OBJECTS = {
    "Manifest": SCHEMA,
    "Host": DEFS["ManifestHost"],
    "File": DEFS["ManifestFile"],
    "ServiceRef": DEFS["ServiceRef"],
    "Account": DEFS["Account"],
    "Firewall": DEFS["FirewallPlan"],
    "FirewallRule": DEFS["FirewallRule"],
}


def fields(td: type) -> tuple[set[str], set[str]]:
    """A TypedDict's keys (its bases' too), and those it requires."""
    return set(td.__required_keys__) | set(td.__optional_keys__), set(td.__required_keys__)


def nullable(prop: dict) -> bool:
    """Whether the schema admits ``null`` for a property (a Rust ``Option``)."""
    kinds = prop.get("type", [])
    alternatives = prop.get("anyOf", []) + prop.get("oneOf", [])
    return "null" in (kinds if isinstance(kinds, list) else [kinds]) or any(a.get("type") == "null" for a in alternatives)


def expected_required(obj: dict, always: set[str] = frozenset()) -> set[str]:
    """The keys a manifest always has: the schema's required ones, and those it may set to
    ``null`` (serialized even when empty); not those it leaves out when empty."""
    props = obj["properties"]
    return set(obj["required"]) | {k for k in props if nullable(props[k])} | set(always)


#: What the Python binding adds to the manifest on disk: every file's content.
ALWAYS = {"File": {"content"}}


def check(name: str, td: type, obj: dict) -> None:
    have, required = fields(td)
    assert have == set(obj["properties"]), (
        f"{name}: keys {sorted(have)} but the schema has {sorted(obj['properties'])}"
    )
    want = expected_required(obj, ALWAYS.get(name, set()))
    assert required == want, f"{name}: required keys {sorted(required)} but the manifest always has {sorted(want)}"


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_each_typed_dict_has_the_keys_of_its_schema_object(name: str) -> None:
    check(name, getattr(types, name), OBJECTS[name])


def test_each_step_action_has_its_typed_dict_with_the_keys_of_its_schema_variant() -> None:
    by_action = {}
    for td in typing.get_args(types.Step):
        (action,) = typing.get_args(typing.get_type_hints(td)["action"])
        by_action[action] = td
    variants = {v["properties"]["action"]["const"]: v for v in DEFS["Step"]["oneOf"]}
    assert set(by_action) == set(variants), "step actions differ from the schema"
    for action, variant in variants.items():
        check(action, by_action[action], variant)


def consts(defn: dict) -> set[str]:
    return {v["const"] for v in defn["oneOf"]}


def test_roles_and_service_actions_are_the_schema_ones() -> None:
    assert set(typing.get_args(types.Role)) == consts(DEFS["Role"])
    assert set(typing.get_args(types.ServiceAction)) == consts(DEFS["ServiceAction"])


def test_what_check_returns_has_the_keys_of_its_typed_dicts() -> None:
    """`Checked`, `Diagnostic`, `RelatedPlace` and `Acknowledged` name every key `check`
    returns (a note with its place, a warning with a related place, an acknowledged one)."""
    import jitsi_topology

    model = (ROOT / "examples" / "handbook.yaml").read_text(encoding="utf-8").replace(
        "  mode: own\n  certificate: /etc/ssl/meet.example.com.crt\n  key: /etc/ssl/meet.example.com.key\n",
        "  mode: self-signed\n",
    ).replace("admin_networks: [192.0.2.0/24]", "admin_networks: [0.0.0.0/0]") + (
        "acknowledge:\n  - { code: tls-self-signed, reason: a lab }\n"
    )
    checked = jitsi_topology.check(model)
    have, required = fields(types.Checked)
    assert set(checked) == have == required
    assert {d["severity"] for d in checked["diagnostics"]} == {"warning", "info"}
    for d in checked["diagnostics"]:
        have, required = fields(types.Diagnostic)
        assert required <= set(d) <= have, d
        for r in d.get("related", []):
            assert set(r) <= fields(types.RelatedPlace)[0], r
    assert checked["acknowledged"], checked
    for a in checked["acknowledged"]:
        have, required = fields(types.Acknowledged)
        assert required <= set(a) <= have, a
        assert {"acknowledged_by", "reason"} <= required
