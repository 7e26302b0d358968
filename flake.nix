{
  description = "jitsi-topology: one typed model of a scalable Jitsi Meet deployment in, every host's checked config files out";

  # The one input. Offline tests replace it with a stub (nix/tests/run: --override-input), so
  # everything but building the Rust package and the NixOS test evaluates without nixpkgs.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems =
        f:
        builtins.listToAttrs (
          map (system: {
            name = system;
            value = f system;
          }) systems
        );
      isLinux = system: builtins.match ".*-linux" system != null;

      # The crate's source: the repository without the Nix files, so changing them does not
      # rebuild the CLI.
      root = toString ./.;
      src = builtins.path {
        path = ./.;
        name = "jitsi-topology-source";
        filter =
          path: _type:
          !(builtins.elem (builtins.substring (builtins.stringLength root + 1) (-1) path) [
            "nix"
            "flake.nix"
            "flake.lock"
          ]);
      };
      version = (builtins.fromTOML (builtins.readFile ./Cargo.toml)).workspace.package.version;

      # The CLI, built with whichever nixpkgs the caller's `pkgs` is.
      packageFor =
        pkgs:
        pkgs.callPackage ./nix/package.nix {
          inherit src version;
          cargoLockFile = ./Cargo.lock;
        };

      jitsiTopology = import ./nix/lib.nix { inherit packageFor; };
    in
    {
      # lib.render { pkgs, topology, package? }  -> derivation: the rendered tree
      # lib.resolve { pkgs, topology, package? } -> the resolved deployment, as Nix data
      # lib.hostConfig { resolved, host }        -> what the NixOS module sets for one host
      # lib.checkTopology topology               -> topology, or an error for inline secrets
      # lib.fromResolved file                    -> lib.resolve's data from the checked-in output
      #                                             of `jitsi-topology resolve --with-manifest` (pure)
      # lib.checkResolved { pkgs, topology, resolved, package? } -> a check: that file is current
      lib = jitsiTopology;

      packages = forAllSystems (
        system:
        let
          jitsi-topology = packageFor nixpkgs.legacyPackages.${system};
        in
        {
          inherit jitsi-topology;
          default = jitsi-topology;
        }
      );

      overlays.default = final: _prev: { jitsi-topology = packageFor final; };

      # services.jitsi-topology = { enable; resolved | topology; host; firewall; trustedCertificate; ... }
      nixosModules.default = import ./nix/module.nix { inherit jitsiTopology packageFor; };

      checks = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${system};
        in
        {
          # The handbook topology, written in Nix, rendered by the CLI built here.
          render-handbook = jitsiTopology.render {
            inherit pkgs;
            topology = import ./nix/examples/handbook.nix;
          };
          # The pure path's file is current: what `jitsi-topology resolve --with-manifest`
          # prints for the same topology (a build, not an import from derivation).
          resolved-handbook = jitsiTopology.checkResolved {
            inherit pkgs;
            topology = import ./nix/examples/handbook.nix;
            resolved = ./nix/examples/handbook.resolved.json;
          };
        }
        // (
          if isLinux system then
            {
              # A signalling host and two bridges in VMs; jicofo must see both bridges.
              vm-two-bridges = pkgs.testers.runNixOSTest (
                import ./nix/tests/vm.nix { module = self.nixosModules.default; }
              );
            }
          else
            { }
        )
      );
    };
}
