//! The JSON Schemas of the model and of the manifest, generated from the Rust types.
//!
//! `schemas/topology.schema.json` and `schemas/manifest.schema.json` are these, pretty-printed;
//! a test fails when the checked-in copies are stale (`jitsi-topology schema --write schemas`
//! refreshes them).

use schemars::generate::SchemaSettings;

/// The `$id` of the topology schema.
pub const TOPOLOGY_ID: &str = "https://jitsi-topology.invalid/schemas/topology.schema.json";
/// The `$id` of the manifest schema.
pub const MANIFEST_ID: &str = "https://jitsi-topology.invalid/schemas/manifest.schema.json";

/// The JSON Schema (2020-12) of the topology model.
pub fn topology() -> schemars::Schema {
    let mut schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<crate::model::Topology>();
    schema.insert("$id".into(), TOPOLOGY_ID.into());
    flow_descriptions(&mut schema);
    schema
}

/// The JSON Schema (2020-12) of `manifest.json`.
pub fn manifest() -> schemars::Schema {
    let mut schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<crate::bundle::Manifest>();
    schema.insert("$id".into(), MANIFEST_ID.into());
    flow_descriptions(&mut schema);
    schema
}

fn flow_descriptions(schema: &mut schemars::Schema) {
    let map = schema.ensure_object();
    let mut v = serde_json::Value::Object(std::mem::take(map));
    unwrap_descriptions(&mut v);
    if let serde_json::Value::Object(m) = v {
        *map = m;
    }
}

/// Doc comments are wrapped at 100 columns; editors show descriptions as flowing text, so
/// single line breaks become spaces (blank lines stay paragraph breaks).
fn unwrap_descriptions(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "description" && child.is_string() {
                    let text = child.as_str().unwrap_or_default();
                    *child = text
                        .split("\n\n")
                        .map(|p| p.replace('\n', " "))
                        .collect::<Vec<_>>()
                        .join("\n\n")
                        .into();
                    continue;
                }
                unwrap_descriptions(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// A schema as the pretty JSON text that is checked in, with a final newline.
pub fn to_text(schema: &schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// The schema of an IP network in CIDR notation (IPv4 or IPv6).
pub struct IpNetwork;

impl schemars::JsonSchema for IpNetwork {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IpNetwork".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An IPv4 or IPv6 network in CIDR notation, e.g. 10.0.0.0/24 or 2001:db8::/64; a bare address means that one address.",
            "examples": ["10.0.0.0/24", "2001:db8::/64"]
        })
    }
}
