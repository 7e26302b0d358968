# One host of a resolved deployment (lib.resolve), as the settings nixpkgs' own Jitsi modules
# take. Plain data built with builtins only, so nix/tests/run checks it without nixpkgs; the
# NixOS module (nix/module.nix) only places it into options.
#
# It carries over what the hosts must agree on (the brewery, the jvb account and its password
# file, prosody's address, nicknames, NAT mappings, relays, trust, the firewall) and leaves
# what concerns one host alone (prosody's components, nginx's locations, config.js) to
# nixpkgs' jitsi-meet module.
{ resolved, host }:
let
  inherit (builtins)
    attrNames
    concatLists
    concatMap
    concatStringsSep
    elem
    filter
    head
    length
    listToAttrs
    map
    match
    toString
    ;

  find =
    pred: list:
    let
      found = filter pred list;
    in
    if found == [ ] then null else head found;

  # The user part of a JID: `focus` of focus@auth.meet.example.com.
  userOf = jid: head (match "([^@]+)@.*" jid);

  names = resolved.names;
  entry =
    resolved.hosts.${host} or (throw "jitsi-topology: `${host}` is not a host of the topology (its hosts: ${concatStringsSep ", " (attrNames resolved.hosts)}); set services.jitsi-topology.host to one of them");
  roles = entry.roles;
  shard = find (s: s.host == host) resolved.shards;
  bridge = find (b: b.host == host) resolved.bridges;
  jibri = find (j: j.host == host) (resolved.jibris or [ ]);
  bridgeNamed = name: find (b: b.host == name) resolved.bridges;
  trust = resolved.trust;
  webTls = resolved.web.web_tls;

  optional = cond: value: if cond then [ value ] else [ ];

  # What this module cannot map onto nixpkgs' options for this host: the NixOS module turns
  # each into a failed assertion (render those hosts with lib.render instead).
  unsupported =
    map (role: "the NixOS module configures signalling hosts, bridges and jibris; `${host}` is a ${role} host: deploy the files lib.render makes for it") (
      filter (role: !(elem role [ "signaling" "bridge" "jibri" "jigasi" ])) roles
    )
    # nixpkgs' services.jigasi (nixos/modules/services/networking/jigasi.nix at 48a28d21) does
    # not fit: one XMPP server (xmppHost) where a jigasi logs in to every shard it serves, a
    # required component secret (jigasi's old component login: --secret), the SIP account only
    # from an environment file substituted into upstream's sample with sed and envsubst, and
    # nixpkgs' jitsi-meet module turns certificate verification off
    # (ALWAYS_TRUST_MODE_ENABLED) and names the brewery jigasibrewery@internal.<domain>.
    ++ optional (elem "jigasi" roles) "`${host}` is a jigasi host: nixpkgs' services.jigasi logs in to one XMPP server with a component secret, takes the SIP account from an environment file and (with services.jitsi-meet) trusts every certificate and names the brewery jigasibrewery@internal.<domain>, not ${resolved.jigasi.brewery_jid}; deploy the files lib.render makes for it (sip-communicator.properties, the jigasi drop-in)"
    ++ optional (shard != null && shard.sharded) "`${host}` is the signalling host of shard `${shard.shard}`: nixpkgs' jitsi-meet module has no shard header or front-door health check, so sharded signalling hosts are not mapped (bridges serving several shards are)"
    ++ optional (shard != null && resolved.turn != null) "the topology has a TURN server: handing TURN credentials out through prosody is not mapped onto nixpkgs' jitsi-meet module yet";

  # Release-dependent choices of the core that NixOS does not need: it runs the Jitsi versions
  # nixpkgs packages, whatever `release` says.
  warnings =
    optional (resolved.colibri_websockets && (shard != null || bridge != null)) "jitsi-topology: release ${resolved.release} routes colibri websockets through nginx; on NixOS the Jitsi versions of nixpkgs run and its jitsi-meet module routes nothing to the bridges' port 9090"
    ++ optional (jibri != null && trust.mode == "ca") "jitsi-topology: jibri on ${host} verifies prosody's certificate for ${names.auth_domain}: nixpkgs' services.jibri runs its JVM with the JDK's own trust store, so add the topology's CA (${trust.ca_certificate}) to it, or jibri cannot log in"
    ++ optional (bridge != null && bridge.monitored) "jitsi-topology: monitoring_networks: the bridge's REST API (which also takes drain and debug commands) stays on loopback; on Debian a rendered HAProxy passes the monitoring networks /about/health and /metrics on ${bridge.monitoring_proxy}, which this module does not set up: proxy those two paths to 127.0.0.1:8080 yourself (for example with services.haproxy and the /etc/haproxy/haproxy.cfg lib.render makes for this host)";

  signaling =
    if shard == null then
      null
    else
      {
        domain = names.domain;
        inherit (shard) address;
        authDomain = names.auth_domain;
        breweryJid = names.brewery_jid;
        # The MUC component the brewery lives in; prosody must serve it.
        breweryMuc = names.internal_muc;
        focusUser = userOf names.focus_jid;
        jvbUser = userOf names.jvb_jid;
        focusPasswordFile = resolved.secrets.focus.file;
        jvbPasswordFile = resolved.secrets.jvb.file;
        tls = {
          mode =
            if webTls.own then
              "own"
            else if webTls.self_signed then
              "self-signed"
            else
              "letsencrypt";
          inherit (webTls) certificate key;
          # With letsencrypt the debconf answer is empty on purpose; the contact is the ACME client's.
          email = if webTls.acme != null then webTls.acme.email else webTls.email;
        };
        # prosody's certificate for auth.<domain> when the operator's CA signed it.
        authCertificate =
          if trust.mode == "ca" then
            {
              cert = resolved.web.auth_certificate;
              key = resolved.web.auth_key;
            }
          else
            null;
        # The bridges that join this brewery, with the nicknames jicofo will see.
        bridges = map (name: {
          host = name;
          inherit (bridgeNamed name) nickname;
        }) shard.bridges;
        # Who may start a conference (issue 19): the mode, the guest host, the accounts'
        # password files (the manifest's register-account steps set them, in prosodySteps).
        auth = {
          inherit (resolved.auth) mode authentication;
          guestDomain = resolved.auth.guest_domain;
          accountFiles = map (a: a.secret.file) resolved.auth.accounts;
        };
        jicofoConfig =
          if resolved.relays then
            {
              jicofo = {
                bridge.selection-strategy = "RegionBasedBridgeSelectionStrategy";
                octo.enabled = true;
              }
              // (if shard.region != null then { local-region = shard.region; } else { });
            }
          else
            { };
      };

  bridgeSettings =
    if bridge == null then
      null
    else
      {
        inherit (bridge) nickname address;
        # One XMPP connection per shard, named like the shard (jvb.conf's `configs.<shard>`).
        xmppConfigs = listToAttrs (
          map (s: {
            name = s.id;
            value = {
              hostName = s.address;
              domain = names.auth_domain;
              userName = userOf names.jvb_jid;
              passwordFile = resolved.secrets.jvb.file;
              mucJids = names.brewery_jid;
              mucNickname = bridge.nickname;
              disableCertificateVerification = trust.mode == "insecure";
            };
          }) bridge.shards
        );
        nat =
          if bridge.public_address == null then
            null
          else
            {
              localAddress = bridge.address;
              publicAddress = bridge.public_address;
            };
        stunServers = bridge.stun_servers;
        jvmMaxMemory = bridge.jvm_max_memory;
        # The CA (a file on this host) the bridge's JVM trusts for prosody, with trust.mode ca.
        caCertificate = if trust.mode == "ca" then trust.ca_certificate else null;
        verifiesProsody = trust.mode != "insecure";
        # Merged into services.jitsi-videobridge.config (jvb.conf): media only on UDP 10000,
        # as the firewall says; no cloud metadata lookups; relays as modelled; the REST API on loopback.
        config = {
          videobridge = {
            ice.tcp.enabled = false;
          }
          // (
            if bridge.relay_id != null then
              {
                relay = {
                  enabled = true;
                  inherit (bridge) region;
                  relay-id = bridge.relay_id;
                };
              }
            else
              { }
          )
          # The REST API stays on loopback (jvb's default), monitored or not: a firewall filters
          # ports, not paths, and the same server takes drain and debug commands.
          // { http-servers.private.host = "127.0.0.1"; };
          ice4j.harvest.mapping.aws.enabled = false;
        };
      };

  # The manifest's firewall rules, as NixOS's firewall takes them. NixOS drops what it does
  # not allow, so the `drop` rules need nothing; `accept` rules open ports to everyone or, with
  # sources, only to those networks.
  # A jibri host, as nixpkgs' services.jibri takes it (NixOS/nixpkgs 00a1ec1a,
  # nixos/modules/services/networking/jibri/default.nix): one xmppEnvironments entry per shard
  # (control.muc, control.login, call.login with password files, stripFromRoomDomain,
  # usageTimeout, disableCertificateVerification), the recordings folder, the finalize script and
  # the RTMP allow list through its `config`. That module also loads snd-aloop and runs Chromium
  # with its chromedriver and ffmpeg. Its names are the caller's: the brewery and the recorder
  # domain come from the deployment (Debian's internal.auth.DOMAIN and recorder.DOMAIN).
  jibriSettings =
    if jibri == null then
      null
    else
      {
        inherit (jibri) nickname address;
        xmppEnvironments = listToAttrs (
          map (s: {
            name = s.id;
            value = {
              xmppServerHosts = [ s.address ];
              xmppDomain = names.domain;
              control.muc = {
                domain = names.internal_muc;
                roomName = names.jibri_brewery_room;
                inherit (jibri) nickname;
              };
              control.login = {
                domain = names.auth_domain;
                username = names.jibri_user;
                passwordFile = resolved.secrets.jibri.file;
              };
              call.login = {
                domain = names.recorder_domain;
                username = names.recorder_user;
                passwordFile = resolved.secrets.recorder.file;
              };
              stripFromRoomDomain = names.conference_muc_prefix;
              usageTimeout = jibri.usage_timeout;
              disableCertificateVerification = trust.mode == "insecure";
            };
          }) jibri.shards
        );
        finalizeScript = jibri.finalize_script;
        # Merged into services.jibri.config (jibri.conf).
        config = {
          id = jibri.nickname;
          recording.recordings-directory = jibri.recordings_folder;
          streaming.rtmp-allow-list = if jibri.streaming then [ ".*" ] else [ ];
        };
        # With the installer's self-signed web certificate, Chromium must accept it: nixpkgs'
        # module offers only --ignore-certificate-errors for that (on Debian, the certificate goes
        # into the jibri user's NSS database instead).
        ignoreCert = webTls.self_signed;
        caCertificate = if trust.mode == "ca" then trust.ca_certificate else null;
      };

  rules = if resolved.firewall.enabled then entry.firewall.rules else [ ];
  accepts = filter (r: r.action == "accept") rules;
  open = protocol: concatMap (r: r.ports) (filter (r: r.sources == null && r.protocol == protocol) accepts);
  restricted = filter (r: r.sources != null) accepts;
  isV6 = net: match ".*:.*" net != null;

  iptablesRule =
    r:
    concatMap (
      source:
      let
        cmd = if isV6 source then "ip6tables" else "iptables";
        proto = if r.protocol == "any" then "" else " -p ${r.protocol}";
        ports =
          if r.ports == [ ] then
            ""
          else if length r.ports == 1 then
            " --dport ${toString (head r.ports)}"
          else
            " -m multiport --dports ${concatStringsSep "," (map toString r.ports)}";
      in
      [ "${cmd} -A nixos-fw -s ${source}${proto}${ports} -j nixos-fw-accept" ]
    ) r.sources;

  nftRule =
    r:
    let
      set = list: "{ ${concatStringsSep ", " list} }";
      family = v6: filter (s: isV6 s == v6) r.sources;
      ports =
        if r.ports == [ ] then
          ""
        else
          " ${if r.protocol == "any" then "th" else r.protocol} dport ${set (map toString r.ports)}";
      proto = if r.protocol != "any" && r.ports == [ ] then " meta l4proto ${r.protocol}" else "";
      one =
        v6:
        let
          sources = family v6;
        in
        optional (sources != [ ]) "${if v6 then "ip6" else "ip"} saddr ${set sources}${proto}${ports} accept comment \"${builtins.replaceStrings [ "\"" ] [ "'" ] r.description}\"";
    in
    one false ++ one true;
in
{
  inherit
    host
    roles
    unsupported
    warnings
    signaling
    ;
  bridge = bridgeSettings;
  jibri = jibriSettings;

  firewall = {
    enable = resolved.firewall.enabled;
    allowedTCPPorts = open "tcp";
    allowedUDPPorts = open "udp";
    # For networking.firewall.extraCommands (iptables) or extraInputRules (nftables).
    iptables = concatStringsSep "\n" (concatMap iptablesRule restricted);
    nftables = concatStringsSep "\n" (concatLists (map nftRule restricted));
  };

  # The manifest's account steps (create the account or set its password from the file, the
  # password piped to prosodyctl, never on a command line) and the focus roster subscription:
  # each an argv list, run in this order before prosody starts.
  prosodySteps = map (step: step.command) (
    filter (step: elem step.action [ "register-account" "roster-subscribe" ]) entry.steps
  );

  # The secret files this host's services read; they run as members of the jitsi-meet group.
  secretFiles =
    (
      if signaling != null then
        [
          signaling.focusPasswordFile
          signaling.jvbPasswordFile
        ]
        ++ signaling.auth.accountFiles
      else
        [ ]
    )
    ++ (if bridgeSettings != null && signaling == null then [ resolved.secrets.jvb.file ] else [ ])
    ++ (
      if jibriSettings != null then
        [
          resolved.secrets.jibri.file
          resolved.secrets.recorder.file
        ]
      else
        [ ]
    );
}
