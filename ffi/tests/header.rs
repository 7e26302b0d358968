//! The committed header `ffi/include/jitsi_topology.h` is what cbindgen makes of the sources
//! today: a C program compiled against it calls the functions the library exports.

use std::path::Path;

#[test]
fn the_committed_header_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);

    let path = dir.join("include/jitsi_topology.h");
    if std::env::var_os("JT_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ffi/include/jitsi_topology.h is stale; regenerate it with\n  \
         JT_BLESS=1 cargo test -p jitsi-topology-ffi --test header\n\
         --- generated ---\n{}",
        String::from_utf8_lossy(&generated)
    );
}
