# NixOS module: services.jitsi-topology configures one host of a validated topology through
# nixpkgs' own Jitsi modules (services.jitsi-meet, services.jitsi-videobridge, services.jicofo,
# services.prosody) and networking.firewall, instead of writing the Debian paths that NixOS
# never reads.
#
# Two ways in. Pure: `resolved` is the document `jitsi-topology resolve --with-manifest` printed,
# checked in beside the model (lib.fromResolved reads it; no import from derivation, so it
# evaluates with allow-import-from-derivation = false and on Hydra); lib.checkResolved, a
# flake check, keeps it current. Convenient: `topology` is validated and resolved by the CLI in
# a derivation while evaluating (lib.resolve, import from derivation). nix/host.nix turns this
# host's part into plain settings, placed here. Secrets stay files on the host: nothing here
# reads them.
#
# Not evaluated against nixpkgs where it was written (no nixpkgs offline): nix/tests/vm.nix
# is the NixOS test that runs it (see nix/README.md).
{
  jitsiTopology, # the library (nix/lib.nix)
  packageFor, # pkgs -> the CLI
}:
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    literalExpression
    mkAfter
    mkDefault
    mkEnableOption
    mkForce
    mkIf
    mkMerge
    mkOption
    types
    ;

  cfg = config.services.jitsi-topology;

  # Exactly one of the two is set (an assertion below says so otherwise).
  resolved =
    if cfg.resolved != null then
      jitsiTopology.fromResolved cfg.resolved
    else if cfg.topology != null then
      jitsiTopology.resolve {
        inherit pkgs;
        inherit (cfg) topology package;
      }
    else
      throw "jitsi-topology: set services.jitsi-topology.resolved (the pure path: the file `jitsi-topology resolve --with-manifest MODEL` writes) or services.jitsi-topology.topology";
  this = jitsiTopology.hostConfig {
    inherit resolved;
    inherit (cfg) host;
  };
  s = this.signaling;
  b = this.bridge;
  j = this.jibri;

  # Conditions, each evaluated only when the module is enabled (mkIf cfg.enable outside).
  signaling = s != null;
  bridge = b != null;
  jibri = j != null;
  firewall = this.firewall.enable && cfg.firewall;
  # networking.firewall.backend (nixpkgs 25.11: iptables, nftables or firewalld); older
  # nixpkgs has no such option and chooses by networking.nftables.enable.
  backend =
    config.networking.firewall.backend
      or (if config.networking.nftables.enable then "nftables" else "iptables");
  # The rules open to some sources only (5222 from the bridges, admin networks): iptables and
  # nftables take them as extra rules; firewalld has no such option in nixpkgs.
  restricted = this.firewall.iptables != "";

  # The Prosody series nixpkgs runs against the one the topology was rendered for.
  prosodyVersion = config.services.prosody.package.version or null;
  prosodyMismatch =
    signaling
    && prosodyVersion != null
    && (builtins.compareVersions prosodyVersion "13" >= 0) != (resolved.prosody == "13");

  # The certificate the bridge's JVM trusts for prosody's auth.<domain>.
  trustedCertificate = if cfg.trustedCertificate != null then cfg.trustedCertificate else b.caCertificate;
  trustStore = "/run/jitsi-topology/truststore.p12";
  # Guards only the integrity of public certificates: not a secret.
  trustStorePassword = "jitsi-topology";
in
{
  # interface
  options.services.jitsi-topology = {
    enable = mkEnableOption "this host's part of a jitsi-topology deployment, through nixpkgs' Jitsi modules";

    resolved = mkOption {
      type = types.nullOr (types.either types.path (types.attrsOf types.anything));
      default = null;
      example = literalExpression "./resolved.json";
      description = ''
        The pure path: the whole deployment as `jitsi-topology resolve --with-manifest MODEL`
        prints it (every derived name, each host's manifest entry; never a secret value),
        checked in beside the model. Reading it needs no import from derivation, so the
        configuration evaluates with `allow-import-from-derivation = false` (Hydra's default)
        and on a machine that cannot build for the hosts. Keep it current with a flake check:
        `checks.''${system}.jitsi-resolved = jitsi-topology.lib.checkResolved { inherit pkgs;
        topology = import ./topology.nix; resolved = ./resolved.json; }`. Set this or
        `topology`, not both.
      '';
    };

    topology = mkOption {
      type = types.nullOr (types.attrsOf types.anything);
      default = null;
      example = literalExpression "import ./handbook.nix";
      description = ''
        The convenient path: the whole deployment (every host), as the attribute set that
        `builtins.toJSON` turns into the jitsi-topology model: the same keys as the YAML model
        (`schemas/topology.schema.json`). Every host gets the same value; the CLI validates it
        across hosts while this configuration is evaluated, in a derivation whose output is
        read back (import from derivation: it needs `allow-import-from-derivation`, and a
        builder for the host's system while evaluating). Set this or `resolved`, not both.

        Secrets must be `{ file = "/path/on/the/hosts"; }`: inline values would land in the
        world-readable Nix store and are refused. Write paths on the hosts as strings, not Nix
        paths (which would be copied into the store).
      '';
    };

    host = mkOption {
      type = types.str;
      default = config.networking.fqdnOrHostName;
      defaultText = literalExpression "config.networking.fqdnOrHostName";
      example = "jvb1.meet.example.com";
      description = ''
        Which host of the topology this machine is: a `signaling.host` or a `bridges[].host`.
      '';
    };

    package = mkOption {
      type = types.package;
      default = packageFor pkgs;
      defaultText = literalExpression "jitsi-topology built from this flake with the system's nixpkgs";
      description = "The jitsi-topology CLI that validates and resolves `topology` while the configuration is evaluated (unused with `resolved`).";
    };

    trustedCertificate = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/etc/jitsi-topology/prosody-auth.crt";
      description = ''
        Bridges only: the path, on this host, of the certificate (PEM) that the videobridge's JVM
        trusts for prosody's `auth.<domain>` on TCP 5222. Default: `trust.ca_certificate` with
        `trust.mode = "ca"`. Required with `trust.mode = "distribute"` (the default): copy the
        certificate prosody presents for `auth.<domain>` from the signalling host (with
        nixpkgs' jitsi-meet module, `/var/lib/jitsi-meet/jitsi-meet.crt`; it is public).
        Unused with `trust.mode = "insecure"`, where bridges do not verify it.
      '';
    };

    firewall = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Open this host's ports in `networking.firewall` as the topology's firewall says (when
        the topology has one): the public ports in `allowedTCPPorts`/`allowedUDPPorts`, the
        ports open to some sources only (5222 from the bridges, the admin networks) as
        `extraCommands` with `networking.firewall.backend = "iptables"` or `extraInputRules`
        with `"nftables"`. nixpkgs' firewalld backend has no option for such rules: with
        `"firewalld"` an assertion lists them; add them to a firewalld zone yourself and set
        this to false (the public ports too then).
      '';
    };

    manageSecretPermissions = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Give the secret files this host's services read (the focus and jvb password files named
        by the topology) owner root, group `jitsi-meet` and mode 0640 at boot and on every
        switch (systemd-tmpfiles `z`): nixpkgs' prosody, jicofo and videobridge read them as
        members of that group. The folder holding them must let the group through (for
        `jitsi-topology secrets init DIR`: `chgrp jitsi-meet DIR; chmod 0750 DIR`). Turn this off
        when a secret manager (agenix, sops-nix) sets owner and mode itself.
      '';
    };
  };

  # implementation
  config = mkIf cfg.enable (mkMerge [
    # Every host.
    {
      assertions =
        map (message: {
          assertion = false;
          message = "jitsi-topology: ${message}";
        }) this.unsupported
        ++ [
          {
            assertion = (cfg.resolved == null) != (cfg.topology == null);
            message = "jitsi-topology: set exactly one of services.jitsi-topology.resolved (the pure path: the file `jitsi-topology resolve --with-manifest MODEL` writes, checked in) and services.jitsi-topology.topology (import from derivation)";
          }
          {
            assertion = !firewall || backend != "firewalld" || !restricted;
            message = ''
              jitsi-topology: networking.firewall.backend is "firewalld", which has no option for rules open to some sources only; ${cfg.host} needs these (iptables form):
              ${this.firewall.iptables}
              Add them to a firewalld zone (services.firewalld.zones) with the public ports (TCP ${toString this.firewall.allowedTCPPorts}, UDP ${toString this.firewall.allowedUDPPorts}) and set services.jitsi-topology.firewall = false, or use networking.firewall.backend = "nftables" or "iptables".'';
          }
          {
            assertion = !bridge || !b.verifiesProsody || trustedCertificate != null;
            message = ''
              jitsi-topology: the bridge ${cfg.host} verifies prosody's certificate (trust.mode = "${resolved.trust.mode}") but has none to trust. Set services.jitsi-topology.trustedCertificate to the certificate prosody presents for ${resolved.names.auth_domain} (with nixpkgs' jitsi-meet module: /var/lib/jitsi-meet/jitsi-meet.crt of the signalling host, copied here), or use trust.mode = "ca" in the topology.'';
          }
        ];
      warnings =
        this.warnings
        ++ (
          if prosodyMismatch then
            [
              "jitsi-topology: the topology says platform.prosody = \"${resolved.prosody}\", but ${cfg.host} runs prosody ${prosodyVersion}; set platform.prosody to its series so the account steps and settings match"
            ]
          else
            [ ]
        );

      users.groups.jitsi-meet = { };

      systemd.tmpfiles.rules = mkIf cfg.manageSecretPermissions (
        map (file: "z ${file} 0640 root jitsi-meet - -") this.secretFiles
      );

      networking.firewall.allowedTCPPorts = mkIf firewall this.firewall.allowedTCPPorts;
      networking.firewall.allowedUDPPorts = mkIf firewall this.firewall.allowedUDPPorts;
      # Each backend gets only its own form: nixpkgs' nftables firewall asserts that
      # extraCommands is empty, and the iptables one never reads extraInputRules.
      networking.firewall.extraCommands = mkIf (
        firewall && backend == "iptables" && restricted
      ) this.firewall.iptables;
      networking.firewall.extraInputRules = mkIf (
        firewall && backend == "nftables" && this.firewall.nftables != ""
      ) this.firewall.nftables;
    }

    # A jibri host (issue 20): nixpkgs' services.jibri (NixOS/nixpkgs 00a1ec1a,
    # nixos/modules/services/networking/jibri/default.nix), one XMPP environment per shard it
    # serves, with the topology's brewery, accounts, password files and trust; that module loads
    # snd-aloop and runs Chromium with its chromedriver and ffmpeg.
    {
      services.jibri = mkIf jibri {
        enable = true;
        inherit (j) xmppEnvironments config ignoreCert;
        finalizeScript = mkIf (j.finalizeScript != null) j.finalizeScript;
      };
    }

    # The signalling host: nginx, jitsi-meet web, prosody and jicofo from nixpkgs' jitsi-meet
    # module; the topology decides the domain, the accounts' password files, the brewery and
    # the certificates.
    {
      assertions = mkIf signaling [
        {
          assertion = !config.services.jitsi-meet.videobridge.enable;
          message = "jitsi-topology: the topology runs bridges on their own hosts; set services.jitsi-meet.videobridge.enable = false on ${cfg.host}";
        }
        {
          assertion = !config.services.jitsi-meet.prosody.lockdown;
          message = "jitsi-topology: services.jitsi-meet.prosody.lockdown makes prosody listen on 127.0.0.1 only, but the bridges log in to ${s.address}:5222; turn lockdown off on ${cfg.host}";
        }
        {
          # issue 19: nixpkgs' secureDomain is internal_hashed accounts on the domain with an
          # anonymous guest.<domain> (config.js anonymousdomain, jicofo's XMPP authentication);
          # that is `auth: { mode: internal, guests: true }` and nothing else.
          assertion =
            s.auth.mode == "none" || (s.auth.mode == "internal" && s.auth.guestDomain != null);
          message = "jitsi-topology: auth.mode = \"${s.auth.mode}\"${
            if s.auth.mode == "internal" then " without guests" else ""
          } is not mapped onto nixpkgs' options on ${cfg.host}: this module maps only `auth: { mode: internal, guests: true }` (services.jitsi-meet.secureDomain). For JWT or LDAP, set services.jitsi-meet.secureDomain and the VirtualHost's options yourself through services.prosody.virtualHosts.${s.domain}.extraConfig, with the values of /etc/prosody/conf.avail/${s.domain}.cfg.lua that lib.render makes for this host (their secrets through prosody's ENV_ variables)";
        }
        {
          assertion = builtins.any (muc: muc.domain == s.breweryMuc) config.services.prosody.muc;
          message = "jitsi-topology: prosody serves no MUC ${s.breweryMuc}, where the bridges and jicofo meet in ${s.breweryJid}; this nixpkgs' jitsi-meet module names its brewery differently";
        }
      ];

      services.jitsi-meet = {
        enable = mkIf signaling true;
        hostName = mkIf signaling s.domain;
        videobridge.enable = mkIf signaling (mkDefault false);
        # jitsi-meet's prosody registers jvb@auth.<domain> with this file.
        videobridge.passwordFile = mkIf signaling s.jvbPasswordFile;
        # auth internal with guests: accounts on the domain, guests on guest.<domain>; the
        # accounts come from the manifest's register-account steps (prosody's preStart below).
        secureDomain.enable = mkIf (signaling && s.auth.mode == "internal") true;
      };

      services.jicofo = {
        # jitsi-meet sets the same names (a different spelling is a conflict, on purpose) but
        # its own generated password file, which the topology's replaces.
        bridgeMuc = mkIf signaling s.breweryJid;
        userName = mkIf signaling s.focusUser;
        userDomain = mkIf signaling s.authDomain;
        userPasswordFile = mkIf signaling (mkForce s.focusPasswordFile);
        config = mkIf signaling s.jicofoConfig;
      };

      # After jitsi-meet's own registrations: the manifest's account steps set focus's and
      # jvb's passwords from the topology's files (piped, never on a command line).
      systemd.services.prosody = mkIf signaling {
        path = [ config.services.prosody.package ];
        preStart = mkAfter (lib.concatMapStringsSep "\n" lib.escapeShellArgs this.prosodySteps);
      };

      # prosody presents the operator CA's certificate for auth.<domain> (trust.mode ca).
      services.prosody.virtualHosts = mkIf (signaling && s.authCertificate != null) {
        ${s.authDomain}.ssl = mkForce s.authCertificate;
      };

      # nginx's certificate for the domain.
      services.nginx.virtualHosts = mkIf signaling {
        ${s.domain} =
          if s.tls.mode == "own" then
            {
              enableACME = false;
              sslCertificate = s.tls.certificate;
              sslCertificateKey = s.tls.key;
            }
          else if s.tls.mode == "self-signed" then
            {
              # The certificate nixpkgs' jitsi-meet module makes for prosody.
              enableACME = false;
              sslCertificate = "/var/lib/jitsi-meet/jitsi-meet.crt";
              sslCertificateKey = "/var/lib/jitsi-meet/jitsi-meet.key";
            }
          else
            { enableACME = true; };
      };
      security.acme.certs = mkIf (signaling && s.tls.mode == "letsencrypt") {
        ${s.domain}.email = mkDefault s.tls.email;
      };
      users.users = mkIf (signaling && s.tls.mode == "self-signed") {
        ${config.services.nginx.user}.extraGroups = [ "jitsi-meet" ];
      };
      systemd.services.nginx = mkIf (signaling && s.tls.mode == "self-signed") {
        wants = [ "jitsi-meet-init-secrets.service" ];
        after = [ "jitsi-meet-init-secrets.service" ];
      };
    }

    # A bridge: nixpkgs' jitsi-videobridge with one XMPP connection per shard it serves.
    {
      services.jitsi-videobridge = {
        enable = mkIf bridge true;
        xmppConfigs = mkIf bridge b.xmppConfigs;
        nat = {
          # A static NAT mapping (ice4j's NAT harvester); without one, the STUN servers the
          # topology names (none by default, unlike nixpkgs' default list).
          localAddress = mkIf (bridge && b.nat != null) b.nat.localAddress;
          publicAddress = mkIf (bridge && b.nat != null) b.nat.publicAddress;
          harvesterAddresses = mkIf (bridge && b.nat == null) b.stunServers;
        };
        config = mkIf bridge b.config;
        extraProperties = mkIf (bridge && b.verifiesProsody) {
          "javax.net.ssl.trustStore" = trustStore;
          "javax.net.ssl.trustStoreType" = "PKCS12";
          "javax.net.ssl.trustStorePassword" = trustStorePassword;
        };
      };

      systemd.services.jitsi-videobridge2 = mkIf (bridge && b.jvmMaxMemory != null) {
        # Read by the package's jvb.sh (-Xmx).
        environment.VIDEOBRIDGE_MAX_MEMORY = b.jvmMaxMemory;
      };

      # A Java trust store holding the one certificate the bridge trusts for prosody, made
      # from the PEM file on this host before every start of the bridge.
      systemd.services.jitsi-topology-truststore = mkIf (bridge && b.verifiesProsody) {
        description = "Java trust store for the videobridge: prosody's certificate";
        before = [ "jitsi-videobridge2.service" ];
        requiredBy = [ "jitsi-videobridge2.service" ];
        path = [ pkgs.jre_headless ];
        serviceConfig = {
          Type = "oneshot";
          RemainAfterExit = true;
          RuntimeDirectory = "jitsi-topology";
          RuntimeDirectoryPreserve = true;
          UMask = "0022";
        };
        script = ''
          store=${lib.escapeShellArg trustStore}
          rm -f "$store.new"
          keytool -importcert -noprompt -alias prosody \
            -file ${lib.escapeShellArg trustedCertificate} \
            -keystore "$store.new" -storetype PKCS12 -storepass ${lib.escapeShellArg trustStorePassword}
          mv "$store.new" "$store"
        '';
      };
    }
  ]);
}
