# A stand-in for nixpkgs in offline tests (nix/tests/run copies this folder next to the CLI that
# cargo built and passes it with --override-input nixpkgs). It has exactly what jitsi-topology's
# flake touches: runCommand over builtins.derivation and /bin/sh, callPackage, a
# rustPlatform.buildRustPackage that installs the prebuilt CLI after checking the source it was
# given, and a testers.runNixOSTest whose derivation fails when built (a VM test needs nixpkgs).
{
  description = "offline stand-in for nixpkgs (jitsi-topology's Nix tests)";

  outputs =
    { self }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      pkgsFor =
        system:
        let
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
          pkgs = {
            inherit system runCommand;
            lib.licenses.asl20 = {
              shortName = "asl20";
            };
            lib.optionalString = condition: text: if condition then text else "";
            stdenv = {
              buildPlatform.canExecute = _host: true;
              hostPlatform = { inherit system; };
            };
            # Stands for nixpkgs' installShellFiles hook: its two functions are defined in the
            # package's build below, installing where nixpkgs' hook does.
            installShellFiles = null;
            callPackage =
              fn: args:
              let
                f = if builtins.isFunction fn then fn else import fn;
              in
              f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // args);
            rustPlatform.buildRustPackage =
              attrs:
              assert builtins.pathExists attrs.cargoLock.lockFile;
              derivation {
                name = "${attrs.pname}-${attrs.version}";
                inherit system;
                cli = ./jitsi-topology;
                inherit (attrs) src;
                postInstall = attrs.postInstall or "";
                PATH = "/usr/bin:/bin";
                # bash: the package's postInstall uses process substitution, as nixpkgs' stdenv allows.
                builder = "/bin/bash";
                args = [
                  "-euc"
                  ''
                    # The source is the crate's, without the Nix files.
                    test -f "$src/Cargo.lock" && test -f "$src/src/lib.rs" && test -d "$src/templates"
                    test ! -e "$src/nix" && test ! -e "$src/flake.nix"
                    mkdir -p "$out/bin"
                    cp "$cli" "$out/bin/jitsi-topology"
                    # Stand-ins for installShellFiles' functions (same target folders).
                    installShellCompletion() {
                      local cmd="" shell file
                      while [ $# -gt 0 ]; do
                        case $1 in
                          --cmd) cmd=$2; shift 2 ;;
                          --bash|--zsh|--fish) shell=''${1#--}; file=$2; shift 2
                            case $shell in
                              bash) install -Dm644 "$file" "$out/share/bash-completion/completions/$cmd" ;;
                              zsh) install -Dm644 "$file" "$out/share/zsh/site-functions/_$cmd" ;;
                              fish) install -Dm644 "$file" "$out/share/fish/vendor_completions.d/$cmd.fish" ;;
                            esac ;;
                          *) echo "installShellCompletion stand-in: unknown $1" >&2; return 1 ;;
                        esac
                      done
                    }
                    installManPage() {
                      local page
                      for page in "$@"; do install -Dm644 "$page" "$out/share/man/man1/''${page##*/}"; done
                    }
                    cd "$(mktemp -d)"
                    eval "$postInstall"
                  ''
                ];
              };
            testers.runNixOSTest =
              test:
              # The test definition must at least evaluate to a test.
              assert builtins.isAttrs test && test ? nodes && test ? testScript;
              derivation {
                name = "nixos-test-needs-nixpkgs";
                inherit system;
                builder = "/bin/sh";
                args = [
                  "-c"
                  "echo 'a NixOS VM test needs nixpkgs' >&2; exit 1"
                ];
              };
          };
        in
        pkgs;
    in
    {
      legacyPackages = builtins.listToAttrs (
        map (system: {
          name = system;
          value = pkgsFor system;
        }) systems
      );
    };
}
