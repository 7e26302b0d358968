//! The JSON Schemas of the model and of the manifest, generated from the Rust types.
//!
//! `schemas/topology.schema.json` and `schemas/manifest.schema.json` are these, pretty-printed;
//! a test fails when the checked-in copies are stale (`jitsi-topology schema --write schemas`
//! refreshes them).

use schemars::generate::SchemaSettings;

/// The `$id` of the topology schema.
pub const TOPOLOGY_ID: &str =
    "https://github.com/jitsi-topology/jitsi-topology/raw/main/schemas/topology.schema.json";
/// The `$id` of the manifest schema.
pub const MANIFEST_ID: &str =
    "https://github.com/jitsi-topology/jitsi-topology/raw/main/schemas/manifest.schema.json";

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
    describe_variant_tags(&mut v);
    if let serde_json::Value::Object(m) = v {
        *map = m;
    }
}

/// In an enum's `oneOf`, the variant's doc comment describes the branch; its tag property
/// (`mode: own`) or single key (`env`) gets that description too, so editors show it there.
fn describe_variant_tags(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Array(branches)) = map.get_mut("oneOf") {
                for branch in branches.iter_mut() {
                    let Some(desc) = branch.get("description").cloned() else {
                        continue;
                    };
                    if let Some(serde_json::Value::Object(props)) = branch.get_mut("properties") {
                        for prop in props.values_mut() {
                            if let serde_json::Value::Object(p) = prop
                                && !p.contains_key("description")
                                && !p.contains_key("$ref")
                            {
                                p.insert("description".into(), desc.clone());
                            }
                        }
                    }
                }
            }
            map.values_mut().for_each(describe_variant_tags);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(describe_variant_tags),
        _ => {}
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

pub use crate::net::IpNetwork;

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every property of both schemas tells an editor what it means.
    #[test]
    fn every_property_is_described() {
        for schema in [super::topology(), super::manifest()] {
            let root = serde_json::to_value(&schema).expect("serializes");
            let mut undescribed = Vec::new();
            walk(&root, &root, "", &mut undescribed);
            assert!(
                undescribed.is_empty(),
                "properties without a description: {undescribed:?}"
            );
        }
    }

    fn walk(v: &Value, root: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (name, prop) in props {
                        let described = prop.get("description").is_some()
                            || prop
                                .get("$ref")
                                .and_then(Value::as_str)
                                .and_then(|r| root.pointer(r.trim_start_matches('#')))
                                .is_some_and(|t| t.get("description").is_some());
                        if !described {
                            out.push(format!("{at}/{name}"));
                        }
                    }
                }
                for (k, child) in map {
                    walk(child, root, &format!("{at}/{k}"), out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, root, at, out)),
            _ => {}
        }
    }
}
