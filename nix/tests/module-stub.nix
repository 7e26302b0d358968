# nix/module.nix evaluated without nixpkgs: a stand-in `lib` whose mkIf, mkMerge, mkForce,
# mkDefault and mkAfter are plain markers, a `config` holding what nixpkgs' modules would
# provide, and a discharge that keeps the definitions whose conditions hold. Every value the
# module sets is then checked against the type nixpkgs declares for its option
# (nixpkgs-options.nix: stubs citing the nixpkgs file and commit each mirrors); an option the
# stubs do not declare fails too. It proves the module's own code paths, values and types, not
# nixpkgs' merging (the VM test, nix/tests/vm.nix, does that where nixpkgs is available).
{
  jitsiTopology,
  package,
  pkgs,
  # The convenient path (a topology, resolved by the CLI while evaluating: import from
  # derivation) or the pure one (the file `jitsi-topology resolve --with-manifest` wrote).
  topology ? null,
  resolvedFile ? null,
  check,
  hasInfix,
  # What to return: the claims' verdict, or one value for nix/tests/run to use.
  want ? "claims",
}:
let
  inherit (builtins)
    all
    attrNames
    concatLists
    concatStringsSep
    filter
    foldl'
    isAttrs
    isList
    isString
    listToAttrs
    map
    mapAttrs
    replaceStrings
    ;

  marker = type: fields: fields // { _type = type; };
  lib = {
    mkIf = condition: content: marker "if" { inherit condition content; };
    mkMerge = contents: marker "merge" { inherit contents; };
    mkForce = content: marker "override" { inherit content; };
    mkDefault = content: marker "override" { inherit content; };
    mkAfter = content: marker "order" { inherit content; };
    mkOption = option: option;
    mkEnableOption = description: { inherit description; };
    literalExpression = text: { inherit text; };
    types = {
      anything = "anything";
      str = "str";
      bool = "bool";
      package = "package";
      attrsOf = t: "attrsOf ${t}";
      nullOr = t: "nullOr ${t}";
    };
    escapeShellArg = arg: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
    escapeShellArgs = args: concatStringsSep " " (map lib.escapeShellArg args);
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  };

  absent = {
    _absent = true;
  };
  isAbsent = v: isAttrs v && v ? _absent;

  # Two definitions of one option: lists concatenate, strings are lines, attribute sets merge.
  merge2 =
    a: b:
    if isAbsent a then
      b
    else if isAbsent b then
      a
    else if isList a && isList b then
      a ++ b
    else if isString a && isString b then
      a + "\n" + b
    else if isAttrs a && isAttrs b then
      let
        names = attrNames (a // b);
      in
      listToAttrs (
        map (name: {
          inherit name;
          value = merge2 (a.${name} or absent) (b.${name} or absent);
        }) names
      )
    else
      throw "conflicting definitions in the module";

  discharge =
    v:
    if isAttrs v && v ? _type then
      if v._type == "if" then
        (if v.condition then discharge v.content else absent)
      else if v._type == "merge" then
        foldl' merge2 absent (map discharge v.contents)
      else if v._type == "override" || v._type == "order" then
        discharge v.content
      else
        v
    else if isAttrs v && !(v ? outPath) then
      let
        discharged = mapAttrs (_: discharge) v;
        kept = removeAttrs discharged (filter (name: isAbsent discharged.${name}) (attrNames discharged));
      in
      # A namespace all of whose definitions were dropped defines nothing.
      if kept == { } && v != { } then absent else kept
    else
      v;

  module = import ../module.nix {
    inherit jitsiTopology;
    packageFor = _: package;
  };

  # What nixpkgs' modules and the option defaults would provide.
  configFor =
    {
      host,
      nftables ? false,
      # networking.firewall.backend; null: a nixpkgs without the option (nftables.enable decides).
      backend ? null,
      trustedCertificate ? null,
      prosody ? "/nix/store/00000000000000000000000000000000-prosody",
    }:
    {
      services.jitsi-topology = {
        enable = true;
        inherit topology host package trustedCertificate;
        resolved = resolvedFile;
        firewall = true;
        manageSecretPermissions = true;
      };
      networking.nftables.enable = nftables;
      networking.firewall = if backend == null then { } else { inherit backend; };
      networking.fqdnOrHostName = host;
      services.jitsi-meet = {
        videobridge.enable = false;
        prosody.lockdown = false;
      };
      services.prosody = {
        package = prosody;
        muc = [
          { domain = "conference.meet.example.com"; }
          { domain = "internal.auth.meet.example.com"; }
        ];
      };
      services.nginx.user = "nginx";
    };

  evalHost =
    args:
    let
      result = module {
        config = configFor args;
        inherit lib;
        # What the module takes from nixpkgs' pkgs, as stand-ins (only their type is checked).
        pkgs = pkgs // {
          jre_headless = {
            type = "derivation";
            name = "jre-headless";
            outPath = "/nix/store/00000000000000000000000000000000-jre-headless";
          };
        };
      };
    in
    {
      inherit (result) options;
      config = discharge result.config;
    };

  signaling = (evalHost { host = "meet.example.com"; }).config;
  bridge =
    (evalHost {
      host = "jvb1.meet.example.com";
      trustedCertificate = "/etc/jitsi-topology/prosody-auth.crt";
    }).config;
  bridgeNft =
    (evalHost {
      host = "jvb1.meet.example.com";
      nftables = true;
      trustedCertificate = "/etc/jitsi-topology/prosody-auth.crt";
    }).config;
  bridgeWithoutTrust = (evalHost { host = "jvb2.meet.example.com"; }).config;
  signalingWithProsody =
    version:
    (evalHost {
      host = "meet.example.com";
      prosody = {
        inherit version;
        outPath = "/nix/store/00000000000000000000000000000000-prosody-${version}";
      };
    }).config;
  options = (evalHost { host = "meet.example.com"; }).options.services.jitsi-topology;

  # The values the module sets, each against the type nixpkgs declares for its option.
  stubs = import ./nixpkgs-options.nix;
  typed =
    config:
    let
      found = stubs.problems "" stubs.options config;
    in
    if found == [ ] then true else throw "values that nixpkgs' option types refuse: ${concatStringsSep "; " found}";

  holds = config: all (a: a.assertion) config.assertions;
  failing = config: map (a: a.message) (filter (a: !a.assertion) config.assertions);
  # Both firewall backends (and firewalld) on the signalling host and a bridge.
  withBackend =
    backend: host:
    (evalHost (
      {
        inherit backend host;
      }
      // (
        if host == "meet.example.com" then { } else { trustedCertificate = "/etc/jitsi-topology/prosody-auth.crt"; }
      )
    )).config;
  backends = {
    signalingIptables = withBackend "iptables" "meet.example.com";
    signalingNftables = withBackend "nftables" "meet.example.com";
    signalingFirewalld = withBackend "firewalld" "meet.example.com";
    bridgeIptables = withBackend "iptables" "jvb1.meet.example.com";
    bridgeNftables = withBackend "nftables" "jvb1.meet.example.com";
  };
in
if want == "truststore-script" then
  bridge.systemd.services.jitsi-topology-truststore.script
else if want == "secure" then
  check {
    "the secure signalling host's assertions hold" = holds signaling;
    "internal accounts with guests turn on nixpkgs' secureDomain" =
      signaling.services.jitsi-meet.secureDomain.enable;
    "prosody's start registers the model's account on the domain from its file, piped" =
      hasInfix "prosodyctl register '\\''alice'\\'' '\\''meet.example.com'\\''" signaling.systemd.services.prosody.preStart
      && hasInfix "/etc/jitsi-topology/secrets/alice" signaling.systemd.services.prosody.preStart;
    "the account's file becomes readable by group jitsi-meet" =
      builtins.elem "z /etc/jitsi-topology/secrets/alice 0640 root jitsi-meet - -" signaling.systemd.tmpfiles.rules;
  }
else if want == "settings" then
  # What the module sets on the signalling host and a bridge with each backend, to compare the
  # pure path with the convenient one.
  backends
else if want == "backends" then
  check {
    "every value set with either backend has nixpkgs' type" = all typed (builtins.attrValues backends);
    "the type stubs refuse what nixpkgs refuses: a port as a string, a misspelt submodule option, an undeclared option" =
      stubs.problems "" stubs.options { networking.firewall.allowedTCPPorts = [ "5222" ]; } == [
        "networking.firewall.allowedTCPPorts.0: not a 16 bit unsigned integer; between 0 and 65535 (both inclusive)"
      ]
      && stubs.problems "" stubs.options { services.jitsi-videobridge.xmppConfigs.shard.hostname = "x"; } == [
        "services.jitsi-videobridge.xmppConfigs.\"shard\".hostname: no such option in nixpkgs"
      ]
      && stubs.problems "" stubs.options { services.jicofo.bridgeMUC = "x"; } == [
        "services.jicofo.bridgeMUC: no such option in the stubs of nixpkgs' options"
      ];
    "the signalling host's assertions hold with iptables and with nftables" =
      holds backends.signalingIptables && holds backends.signalingNftables;
    "the bridge's assertions hold with iptables and with nftables" =
      holds backends.bridgeIptables && holds backends.bridgeNftables;
    "iptables: 5222 from the bridges as extraCommands, no nftables rules" =
      hasInfix "iptables -A nixos-fw -s 10.0.0.0/24 -p tcp --dport 5222 -j nixos-fw-accept" backends.signalingIptables.networking.firewall.extraCommands
      && !(backends.signalingIptables.networking.firewall ? extraInputRules);
    "nftables: 5222 from the bridges as extraInputRules, and no extraCommands (nixpkgs' nftables firewall asserts it is empty)" =
      hasInfix "ip saddr { 10.0.0.0/24 } tcp dport { 5222 } accept" backends.signalingNftables.networking.firewall.extraInputRules
      && !(backends.signalingNftables.networking.firewall ? extraCommands)
      && !(backends.bridgeNftables.networking.firewall ? extraCommands);
    "both backends open the same public ports" =
      backends.signalingIptables.networking.firewall.allowedTCPPorts == backends.signalingNftables.networking.firewall.allowedTCPPorts
      && backends.bridgeIptables.networking.firewall.allowedUDPPorts == [ 10000 ]
      && backends.bridgeNftables.networking.firewall.allowedUDPPorts == [ 10000 ];
    "firewalld: an assertion lists the source-restricted rules and says what to do" =
      let
        messages = failing backends.signalingFirewalld;
      in
      messages != [ ]
      && all (hasInfix "services.jitsi-topology.firewall = false") messages
      && all (hasInfix "--dport 5222") messages
      && !(backends.signalingFirewalld.networking.firewall ? extraCommands)
      && !(backends.signalingFirewalld.networking.firewall ? extraInputRules);
  }
else if want == "jibri" then
  let
    jibri = (evalHost { host = "jibri1.meet.example.com"; }).config;
    env = jibri.services.jibri.xmppEnvironments.shard;
  in
  check {
    "the jibri host's values have nixpkgs' types and its assertions hold" = typed jibri && holds jibri;
    "the jibri host runs nixpkgs' services.jibri, and nothing of a signalling host or a bridge" =
      jibri.services.jibri.enable && !(jibri.services ? jitsi-meet) && !(jibri.services ? jitsi-videobridge);
    "its one environment joins the brewery jicofo watches (Debian's names, not nixpkgs' example's)" =
      env.control.muc.domain == "internal.auth.meet.example.com"
      && env.control.muc.roomName == "JibriBrewery"
      && env.control.muc.nickname == "jibri1.meet.example.com"
      && env.xmppServerHosts == [ "10.0.0.10" ];
    "it logs in as jibri@auth and its Chrome as recorder@recorder, with the password files" =
      env.control.login.username == "jibri"
      && env.control.login.domain == "auth.meet.example.com"
      && env.control.login.passwordFile == "/etc/jitsi-topology/secrets/jibri"
      && env.call.login.domain == "recorder.meet.example.com"
      && env.call.login.passwordFile == "/etc/jitsi-topology/secrets/recorder";
    "it verifies prosody's certificate, strips the conference MUC's label, records to the model's folder" =
      !env.disableCertificateVerification
      && env.stripFromRoomDomain == "conference."
      && jibri.services.jibri.config.recording.recordings-directory == "/srv/recordings";
    "the jibri host's password files become readable by group jitsi-meet" =
      builtins.elem "z /etc/jitsi-topology/secrets/recorder 0640 root jitsi-meet - -" jibri.systemd.tmpfiles.rules;
  }
else if want == "jwt" then
  check {
    "JWT is not mapped: an assertion names where its settings go" =
      let
        messages = failing signaling;
      in
      messages != [ ] && all (hasInfix "services.prosody.virtualHosts.meet.example.com.extraConfig") messages;
    "no secureDomain without a mapping" = !(signaling.services.jitsi-meet ? secureDomain);
  }
else
check {
  "every option has a description" = all (name: options.${name} ? description) (attrNames options);
  "every value the module sets has nixpkgs' type" = all typed [ signaling bridge bridgeNft bridgeWithoutTrust ];
  "the signalling host's assertions hold" = holds signaling;
  "the signalling host runs nixpkgs' jitsi-meet for the domain, without a local bridge" =
    signaling.services.jitsi-meet.enable
    && signaling.services.jitsi-meet.hostName == "meet.example.com"
    && signaling.services.jitsi-meet.videobridge.enable == false
    && !(signaling.services ? jitsi-videobridge);
  "prosody registers jvb with the topology's file" =
    signaling.services.jitsi-meet.videobridge.passwordFile == "/etc/jitsi-topology/secrets/jvb";
  "jicofo watches the brewery and logs in with the focus file" =
    signaling.services.jicofo.bridgeMuc == "jvbbrewery@internal.auth.meet.example.com"
    && signaling.services.jicofo.userDomain == "auth.meet.example.com"
    && signaling.services.jicofo.userPasswordFile == "/etc/jitsi-topology/secrets/focus";
  "prosody's start sets both passwords from the files, piped" =
    hasInfix "prosodyctl register '\\''focus'\\'' '\\''auth.meet.example.com'\\''" signaling.systemd.services.prosody.preStart
    && hasInfix "prosodyctl register '\\''jvb'\\'' '\\''auth.meet.example.com'\\''" signaling.systemd.services.prosody.preStart
    && !(hasInfix "$(cat" signaling.systemd.services.prosody.preStart)
    && hasInfix "mod_roster_command" signaling.systemd.services.prosody.preStart;
  "nginx serves the operator's certificate" =
    signaling.services.nginx.virtualHosts."meet.example.com" == {
      enableACME = false;
      sslCertificate = "/etc/ssl/meet.example.com.crt";
      sslCertificateKey = "/etc/ssl/meet.example.com.key";
    };
  "the signalling host's firewall: web open, 5222 to the bridges only" =
    signaling.networking.firewall.allowedTCPPorts == [
      80
      443
    ]
    && hasInfix "--dport 5222" signaling.networking.firewall.extraCommands
    && !(signaling.networking.firewall ? extraInputRules);
  "the secret files become readable by group jitsi-meet" =
    signaling.systemd.tmpfiles.rules == [
      "z /etc/jitsi-topology/secrets/focus 0640 root jitsi-meet - -"
      "z /etc/jitsi-topology/secrets/jvb 0640 root jitsi-meet - -"
    ];
  "no bridge service and no trust store on the signalling host" =
    !(signaling.systemd.services ? jitsi-videobridge2)
    && !(signaling.systemd.services ? jitsi-topology-truststore);

  "a Prosody series other than the topology's draws a warning" =
    (signalingWithProsody "13.0.2").warnings != [ ]
    && (signalingWithProsody "0.12.5").warnings == [ ];

  "the bridge's assertions hold" = holds bridge;
  "the bridge joins the brewery as jvb1 through nixpkgs' videobridge" =
    bridge.services.jitsi-videobridge.enable
    && bridge.services.jitsi-videobridge.xmppConfigs == {
      shard = {
        hostName = "10.0.0.10";
        domain = "auth.meet.example.com";
        userName = "jvb";
        passwordFile = "/etc/jitsi-topology/secrets/jvb";
        mucJids = "jvbbrewery@internal.auth.meet.example.com";
        mucNickname = "jvb1.meet.example.com";
        disableCertificateVerification = false;
      };
    };
  "the bridge's NAT mapping" =
    bridge.services.jitsi-videobridge.nat == {
      localAddress = "10.0.0.11";
      publicAddress = "198.51.100.11";
    };
  "the bridge's heap" =
    bridge.systemd.services.jitsi-videobridge2.environment.VIDEOBRIDGE_MAX_MEMORY == "8g";
  "the bridge's JVM trusts the given certificate" =
    bridge.services.jitsi-videobridge.extraProperties."javax.net.ssl.trustStore"
    == "/run/jitsi-topology/truststore.p12"
    && hasInfix "-file '/etc/jitsi-topology/prosody-auth.crt'" bridge.systemd.services.jitsi-topology-truststore.script
    && bridge.systemd.services.jitsi-topology-truststore.requiredBy == [ "jitsi-videobridge2.service" ];
  "the bridge opens UDP 10000 only" =
    bridge.networking.firewall.allowedUDPPorts == [ 10000 ]
    && bridge.networking.firewall.allowedTCPPorts == [ ];
  "with nftables, the same rules in nft syntax" =
    hasInfix "ip saddr { 192.0.2.0/24 } accept" bridgeNft.networking.firewall.extraInputRules
    && !(bridgeNft.networking.firewall ? extraCommands);
  "no prosody, jicofo or nginx on a bridge" =
    !(bridge.services ? jitsi-meet)
    && !(bridge.services ? jicofo)
    && !(bridge.systemd.services ? prosody)
    && !(bridge.systemd.services ? nginx);
  "a verifying bridge without a certificate to trust fails an assertion that says what to set" =
    let
      messages = failing bridgeWithoutTrust;
    in
    messages != [ ] && all (hasInfix "services.jitsi-topology.trustedCertificate") messages;
  "every assertion message names jitsi-topology" = all (m: builtins.substring 0 16 m == "jitsi-topology: ") (
    concatLists (map (c: map (a: a.message) c.assertions) [ signaling bridge bridgeWithoutTrust ])
  );
}
