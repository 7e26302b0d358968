# The jitsi-topology CLI, built from this repository with nixpkgs' rustPlatform. Only the CLI
# package (cli/) is built; the C ABI and Python crates of the workspace are not.
{
  lib,
  rustPlatform,
  src,
  # Cargo.lock as a path of the flake's own source (read while evaluating; a filtered copy
  # of the source is not in the store yet under `nix flake check --no-build`).
  cargoLockFile ? src + "/Cargo.lock",
  version,
}:
rustPlatform.buildRustPackage {
  pname = "jitsi-topology";
  inherit version src;

  cargoLock.lockFile = cargoLockFile;
  cargoBuildFlags = [
    "--package"
    "jitsi-topology-cli"
    "--bin"
    "jitsi-topology"
  ];
  # The crate's suite needs nginx, prosody, a Java HOCON parser and more (scripts/test runs
  # it); the flake's checks exercise this binary through lib.render instead.
  doCheck = false;

  meta = {
    description = "One typed model of a scalable Jitsi Meet deployment in, every host's checked config files out";
    homepage = "https://github.com/jitsi-topology/jitsi-topology";
    license = lib.licenses.asl20;
    mainProgram = "jitsi-topology";
  };
}
