//! The shared library's SONAME, as cargo-c sets it: `libjitsi_topology.so.<major>` (0 while
//! the crate is 0.x; cargo-c's `version_suffix_components = 1`), so that programs load
//! `libjitsi_topology.so.0` and a packager can ship 0.1.0 and 0.2.0 side by side only when the
//! major version changes. ffi/install names the file `libjitsi_topology.so.<version>` and
//! makes the two links.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        os.as_str(),
        "linux" | "freebsd" | "netbsd" | "dragonfly" | "openbsd"
    ) {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets it");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libjitsi_topology.so.{major}");
    }
}
