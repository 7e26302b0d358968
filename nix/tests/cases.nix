# The Nix test cases nix/tests/run builds or evaluates, one attribute each, without nixpkgs.
#   cli:        a folder with bin/jitsi-topology (the binary cargo built)
#   secretDir:  a folder holding canary secret files (focus, jvb) that no output may contain
#   canary:     a secret value that must be refused before it reaches the store
#   secretPath: a Nix path to a file holding the canary (must be refused, never copied)
{
  cli,
  secretDir ? "/etc/jitsi-topology/secrets",
  canary ? "never-in-the-store-0123456789",
  secretPath ? null,
}:
let
  pkgs = import ./minimal-pkgs.nix { inherit cli; };
  jitsiTopology = import ../lib.nix { };
  package = pkgs.jitsi-topology;

  handbook = import ../examples/handbook.nix;
  render = topology: jitsiTopology.render { inherit pkgs package topology; };
  resolve = topology: jitsiTopology.resolve { inherit pkgs package topology; };

  inherit (builtins)
    all
    attrNames
    attrValues
    elem
    length
    match
    ;
  # A literal substring test (lines included, unlike builtins.match).
  hasInfix = infix: text: builtins.replaceStrings [ infix ] [ "" ] text != text;

  # The claims below, each `name = bool`; `check` fails naming the false ones.
  check =
    claims:
    let
      failed = builtins.filter (name: !claims.${name}) (attrNames claims);
    in
    if failed == [ ] then true else throw "false claims: ${builtins.concatStringsSep "; " failed}";

  withSecretFiles = handbook // {
    secrets = {
      focus.file = "${secretDir}/focus";
      jvb.file = "${secretDir}/jvb";
    };
  };

  resolved = resolve handbook;
  host = name: jitsiTopology.hostConfig { inherit resolved; host = name; };
  signaling = host "meet.example.com";
  bridges = map (b: host b.host) handbook.bridges;
  sharded = resolve (import ./sharded.nix);
  shardedHost = name: jitsiTopology.hostConfig { resolved = sharded; host = name; };
  # The host's openssl builds the test certificates (the minimal runCommand has it on PATH).
  vmTopology = import ./vm-topology.nix { pkgs = pkgs // { openssl = null; }; };
  vmResolved = resolve vmTopology;
  vmHost = name: jitsiTopology.hostConfig { resolved = vmResolved; host = name; };
in
{
  # lib.render on the handbook topology written in Nix.
  render-handbook = render handbook;

  # lib.resolve without the per-host view (compared with `jitsi-topology resolve`), and the
  # per-host view (compared with manifest.json's hosts).
  # The CLI's document again: its own `hosts` list is kept as `resolved_hosts`.
  resolve-handbook = (removeAttrs resolved [
    "hosts"
    "resolved_hosts"
  ])
  // {
    hosts = resolved.resolved_hosts;
  };
  resolve-handbook-hosts = attrValues resolved.hosts;

  # Two bridges with one address and a misspelt key: the build fails with the diagnostics.
  render-invalid = render (
    handbook
    // {
      bridges = [
        (builtins.elemAt handbook.bridges 0)
        ((builtins.elemAt handbook.bridges 1) // { address = "10.0.0.11"; })
      ];
      brige_networks = [ "10.0.0.0/24" ];
    }
  );

  # Secrets Nix must refuse while evaluating, before anything reaches the store.
  inline-value = (render (handbook // { secrets = handbook.secrets // { jvb.value = canary; }; })).drvPath;
  env-secret = (render (handbook // { secrets = handbook.secrets // { focus.env = "JITSI_FOCUS_PASSWORD"; }; })).drvPath;
  path-secret = (render (handbook // { secrets = handbook.secrets // { jvb.file = secretPath; }; })).drvPath;
  path-elsewhere =
    (render (
      handbook
      // {
        tls = handbook.tls // {
          key = secretPath;
        };
      }
    )).drvPath;

  # Secret files that exist where this runs: the outputs must name them and hold nothing of them.
  render-secret-files = render withSecretFiles;
  resolve-secret-files = jitsiTopology.resolveFile {
    inherit pkgs package;
    topology = withSecretFiles;
  };

  # The VM test's topology (its certificates made with the host's openssl): the CLI accepts
  # it, and each VM gets what the test expects.
  vm-topology = render vmTopology;
  vm-claims = check {
    "the VM test's topology has one signalling host and two bridges" =
      attrNames vmResolved.hosts == [ "jvb1.meet.example.com" "jvb2.meet.example.com" "meet.example.com" ];
    "prosody presents the test CA's auth certificate" =
      (vmHost "meet.example.com").signaling.authCertificate.cert == "${vmTopology.trust.certificate}";
    "store paths from the model keep their dependency" =
      builtins.hasContext (vmHost "jvb1.meet.example.com").bridge.caCertificate
      && builtins.hasContext (vmHost "meet.example.com").signaling.tls.certificate;
    "both bridges trust the test CA and verify prosody" = all (
      name:
      (vmHost name).bridge.caCertificate == "${vmTopology.trust.ca_certificate}"
      && (vmHost name).bridge.verifiesProsody
    ) [ "jvb1.meet.example.com" "jvb2.meet.example.com" ];
  };
  vm-pki = builtins.dirOf vmTopology.trust.ca_certificate;

  # The bridge's trust-store script, as the module writes it (nix/tests/run runs it with the
  # host's keytool).
  truststore-script = import ./module-stub.nix {
    inherit jitsiTopology package pkgs check hasInfix;
    topology = handbook;
    want = "truststore-script";
  };

  # What the NixOS module receives for each host (nix/host.nix), as claims about Jitsi.
  host-claims = check {
    "the signalling host is the only signalling host" =
      signaling.roles == [ "signaling" ] && signaling.bridge == null;
    "every bridge joins the brewery jicofo watches" = all (
      b: all (c: c.mucJids == signaling.signaling.breweryJid) (attrValues b.bridge.xmppConfigs)
    ) bridges;
    "bridges log in to prosody at the signalling host's address" = all (
      b: all (c: c.hostName == "10.0.0.10" && c.domain == "auth.meet.example.com") (
        attrValues b.bridge.xmppConfigs
      )
    ) bridges;
    "bridges use the jvb account and its password file" = all (
      b:
      all (c: c.userName == "jvb" && c.passwordFile == signaling.signaling.jvbPasswordFile) (
        attrValues b.bridge.xmppConfigs
      )
    ) bridges;
    "jicofo sees each bridge under its own nickname" =
      map (b: b.bridge.nickname) bridges == map (b: b.nickname) signaling.signaling.bridges
      && length (builtins.attrNames (builtins.listToAttrs (map (b: { name = b.bridge.nickname; value = null; }) bridges))) == 3;
    "bridges verify prosody's certificate" = all (
      b: b.bridge.verifiesProsody && all (c: !c.disableCertificateVerification) (attrValues b.bridge.xmppConfigs)
    ) bridges;
    "each bridge maps its own address to its public one" = all (
      b: b.bridge.nat.localAddress == b.bridge.address && match "198\\.51\\.100\\.1[123]" b.bridge.nat.publicAddress != null
    ) bridges;
    "no STUN server with a static mapping" = all (b: b.bridge.stunServers == [ ]) bridges;
    "the bridge heap is the model's" = all (b: b.bridge.jvmMaxMemory == "8g") bridges;
    "media only on UDP 10000" = all (
      b:
      b.firewall.allowedUDPPorts == [ 10000 ]
      && b.firewall.allowedTCPPorts == [ ]
      && b.bridge.config.videobridge.ice.tcp.enabled == false
    ) bridges;
    "browsers reach 80 and 443 on the signalling host" =
      signaling.firewall.allowedTCPPorts == [
        80
        443
      ];
    "only the bridge networks reach prosody's 5222 (iptables)" =
      hasInfix "iptables -A nixos-fw -s 10.0.0.0/24 -p tcp --dport 5222 -j nixos-fw-accept" signaling.firewall.iptables
      && !(elem 5222 signaling.firewall.allowedTCPPorts);
    "only the bridge networks reach prosody's 5222 (nftables)" =
      hasInfix "ip saddr { 10.0.0.0/24 } tcp dport { 5222 } accept" signaling.firewall.nftables;
    "administrators reach every port" =
      hasInfix "iptables -A nixos-fw -s 192.0.2.0/24 -j nixos-fw-accept" signaling.firewall.iptables;
    "prosody registers both accounts from their files, password piped" =
      length signaling.prosodySteps == 3
      && all (cmd: builtins.head cmd == "/bin/sh" || builtins.head cmd == "prosodyctl") signaling.prosodySteps
      && hasInfix "prosodyctl register 'focus' 'auth.meet.example.com'" (builtins.elemAt (builtins.elemAt signaling.prosodySteps 0) 2)
      && hasInfix "/etc/jitsi-topology/secrets/jvb" (builtins.elemAt (builtins.elemAt signaling.prosodySteps 1) 2);
    "services read the secret files as group jitsi-meet" =
      signaling.secretFiles == [
        "/etc/jitsi-topology/secrets/focus"
        "/etc/jitsi-topology/secrets/jvb"
      ]
      && all (b: b.secretFiles == [ "/etc/jitsi-topology/secrets/jvb" ]) bridges;
    "nothing of the handbook is left unmapped" = all (h: h.unsupported == [ ] && h.warnings == [ ]) (
      [ signaling ] ++ bridges
    );
    "a front door and sharded signalling hosts are not mapped, and say so" = all (
      name: (shardedHost name).unsupported != [ ]
    ) [ "door.meet.example.com" "shard-a.meet.example.com" ];
    "a jigasi host is not mapped onto services.jigasi, and says why" =
      let
        unsupported = (jitsiTopology.hostConfig {
          resolved = resolve (handbook // {
            secrets = handbook.secrets // { jigasi.file = "/etc/jitsi-topology/secrets/jigasi"; };
            jigasis = [ {
              host = "sip1.meet.example.com";
              address = "10.0.0.31";
              sip = { user = "jitsi@sip.example.net"; password.file = "/etc/jitsi-topology/secrets/sip"; };
            } ];
          });
          host = "sip1.meet.example.com";
        }).unsupported;
      in
      length unsupported == 1 && hasInfix "services.jigasi" (builtins.head unsupported)
      && hasInfix "JigasiBrewery@internal.auth.meet.example.com" (builtins.head unsupported);
    "a bridge serving two shards keeps one connection to each" =
      attrNames (shardedHost "jvb1.meet.example.com").bridge.xmppConfigs == [ "shard-a" "shard-b" ]
      && attrNames (shardedHost "jvb2.meet.example.com").bridge.xmppConfigs == [ "shard-b" ]
      && (shardedHost "jvb1.meet.example.com").bridge.xmppConfigs.shard-b.hostName == "10.0.2.10";
    "with an operator CA, bridges trust it and prosody presents its certificate" =
      (shardedHost "jvb1.meet.example.com").bridge.caCertificate == "/etc/ssl/certs/meet-internal-ca.pem"
      && (shardedHost "shard-a.meet.example.com").signaling.authCertificate.cert
        == "/etc/ssl/jitsi/auth.meet.example.com.crt";
  };

  # The NixOS module itself, evaluated with a stand-in for nixpkgs' module system.
  module-claims = import ./module-stub.nix {
    inherit jitsiTopology package pkgs check hasInfix;
    topology = handbook;
  };

  # issue 22: the pure path (the checked-in output of `jitsi-topology resolve --with-manifest`,
  # no import from derivation) and both firewall backends, every value typed as nixpkgs types it.
  module-claims-backends = import ./module-stub.nix {
    inherit jitsiTopology package pkgs check hasInfix;
    topology = handbook;
    want = "backends";
  };
  module-claims-pure = import ./module-stub.nix {
    inherit jitsiTopology package pkgs check hasInfix;
    resolvedFile = ../examples/handbook.resolved.json;
    want = "backends";
  };
  # The pure path sets exactly what the convenient one does (evaluated with IFD allowed).
  module-pure-equals-ifd =
    let
      settings =
        args:
        import ./module-stub.nix (
          {
            inherit jitsiTopology package pkgs check hasInfix;
            want = "settings";
          }
          // args
        );
    in
    settings { topology = handbook; } == settings { resolvedFile = ../examples/handbook.resolved.json; };
  # lib.checkResolved: builds while the checked-in file is current; fails, with the difference
  # and the command to run, once the topology changed.
  resolved-check-handbook = jitsiTopology.checkResolved {
    inherit pkgs package;
    topology = handbook;
    resolved = ../examples/handbook.resolved.json;
  };
  resolved-check-stale = jitsiTopology.checkResolved {
    inherit pkgs package;
    topology = handbook // {
      signaling = handbook.signaling // {
        address = "10.0.0.9";
      };
    };
    resolved = ../examples/handbook.resolved.json;
  };

  # issue 19: `auth: { mode: internal, guests: true }` maps onto nixpkgs' secureDomain; JWT does
  # not map (an assertion says where its settings go instead).
  module-claims-secure = import ./module-stub.nix {
    inherit jitsiTopology package pkgs check hasInfix;
    topology = handbook // {
      auth = {
        mode = "internal";
        guests = true;
      };
      secrets = handbook.secrets // {
        accounts.alice.file = "/etc/jitsi-topology/secrets/alice";
      };
    };
    want = "secure";
  };
  # issue 20: a jibri host maps onto nixpkgs' services.jibri.
  module-claims-jibri = import ./module-stub.nix {
    inherit jitsiTopology package pkgs check hasInfix;
    topology = handbook // {
      jibris = [
        {
          host = "jibri1.meet.example.com";
          address = "10.0.0.21";
        }
      ];
      recording.file = true;
      secrets = handbook.secrets // {
        jibri.file = "/etc/jitsi-topology/secrets/jibri";
        recorder.file = "/etc/jitsi-topology/secrets/recorder";
      };
    };
    want = "jibri";
  };
  module-claims-jwt = import ./module-stub.nix {
    inherit jitsiTopology package pkgs check hasInfix;
    topology = handbook // {
      auth = {
        mode = "jwt";
        app_id = "my_web_app";
        issuers = [ "my_web_app" ];
        audiences = [ "jitsi" ];
      };
      secrets = handbook.secrets // {
        jwt.file = "/etc/jitsi-topology/secrets/jwt";
      };
    };
    want = "jwt";
  };
}
