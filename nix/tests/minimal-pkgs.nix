# The smallest `pkgs` the library needs, without nixpkgs: a runCommand over
# builtins.derivation with the host's /bin/sh (nix/tests/run allows /bin, /usr, /lib and /lib64
# into the sandbox). `cli` is a folder with bin/jitsi-topology (the binary cargo built).
{
  system ? builtins.currentSystem,
  cli,
}:
{
  inherit system;

  runCommand =
    name: env: script:
    derivation (
      env
      // {
        inherit name system;
        builder = "/bin/sh";
        args = [
          "-eu"
          "-c"
          script
        ];
        PATH = "/usr/bin:/bin";
      }
    );

  # The CLI as a store path, the way the flake's package would be one.
  jitsi-topology = builtins.path {
    path = cli;
    name = "jitsi-topology-cli";
  };
}
