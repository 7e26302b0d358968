# Offline stubs of the nixpkgs options nix/module.nix defines, each declared with the type
# nixpkgs gives it, so that nix/tests/run checks every value the module sets against nixpkgs'
# types without nixpkgs (none can be fetched on these machines). Written here, in our words, from
# reading nixpkgs at the commits cited per group; no nixpkgs code is copied. `types` is a small
# stand-in of nixpkgs' lib.types (faukah/nixpkgs, a mirror of NixOS/nixpkgs, at
# 3b20077cd82fd1f099e92e2792d73e3176d4869d, lib/types.nix): each type is its description, as
# nixpkgs prints it, and the same check (str: a string; path: string-like and absolute; package:
# a derivation or a store path; attrsOf, listOf, nullOr, submodule element by element); only the
# types these options use.
#
# What this does not mirror: nixpkgs' merging (priorities, ordering) and every option the
# module does not set; the NixOS VM test (nix/tests/vm.nix) evaluates the module inside nixpkgs.
let
  inherit (builtins)
    all
    attrNames
    elem
    isAttrs
    isBool
    isInt
    isList
    isPath
    isString
    substring
    ;

  mk = name: check: { inherit name check; };
  # lib.types.package: isDerivation x || isStorePath x (a top-level store path).
  isStorePath =
    v:
    (isString v || isPath v) && builtins.match "${builtins.storeDir}/[^/]+" (toString v) != null;
  isPackage = v: (isAttrs v && (v.type or null) == "derivation") || isStorePath v;
  # lib.isStringLike: a string, a path, or an attribute set with outPath or __toString.
  isStringLike = v: isString v || isPath v || (isAttrs v && (v ? outPath || v ? __toString));
in
rec {
  types = rec {
    str = mk "string" isString;
    # lib.types.lines: strings, concatenated with "\n" when defined more than once.
    lines = mk "strings concatenated with \"\\n\"" isString;
    bool = mk "boolean" isBool;
    port = mk "16 bit unsigned integer; between 0 and 65535 (both inclusive)" (
      v: isInt v && v >= 0 && v <= 65535
    );
    # lib.types.path = pathWith { absolute = true; }: string-like, and "/" first.
    path = mk "absolute path" (v: isStringLike v && substring 0 1 (toString v) == "/");
    package = mk "package" isPackage;
    anything = mk "anything" (_: true);
    attrs = mk "attribute set" isAttrs;
    # pkgs.formats.hocon {}'s type (pkgs/pkgs-lib/formats/hocon): JSON-like values.
    hocon = mk "HOCON value" (
      v: isAttrs v || isList v || isString v || isBool v || isInt v || builtins.isFloat v || v == null
    );
    # systemd-unit-options.nix's unitOption: a unit setting, one value or a list of them.
    unitOption = mk "systemd option" (_: true);
    # Composite types keep their element type, so that `problems` checks submodules inside them.
    nullOr = t: {
      name = "null or ${t.name}";
      kind = "nullOr";
      elem = t;
      check = v: v == null || t.check v;
    };
    listOf = t: {
      name = "list of ${t.name}";
      kind = "listOf";
      elem = t;
      check = v: isList v && all t.check v;
    };
    attrsOf = t: {
      name = "attribute set of ${t.name}";
      kind = "attrsOf";
      elem = t;
      check = v: isAttrs v && all (k: t.check v.${k}) (attrNames v);
    };
    either = a: b: mk "${a.name} or ${b.name}" (v: a.check v || b.check v);
    oneOf = ts: mk "one of several types" (v: builtins.any (t: t.check v) ts);
    enum = values: mk "one of ${builtins.toJSON values}" (v: elem v values);
    # A submodule: only its declared options, each of its type.
    submodule = options: {
      name = "submodule";
      kind = "submodule";
      inherit options;
      check = v: isAttrs v;
    };
  };

  options = with types; {
    # nixpkgs nixos/modules/misc/assertions.nix (assertions: listOf unspecified, each
    # { assertion; message; }; warnings: listOf str).
    assertions = listOf (submodule {
      assertion = bool;
      message = str;
    });
    warnings = listOf str;

    # faukah/nixpkgs (a mirror of NixOS/nixpkgs master) at 3b20077cd82fd1f099e92e2792d73e3176d4869d,
    # nixos/modules/services/web-apps/jitsi-meet.nix.
    services.jitsi-meet = {
      enable = bool;
      hostName = str;
      videobridge.enable = bool;
      videobridge.passwordFile = nullOr str;
      secureDomain.enable = bool;
      secureDomain.authentication = str;
      prosody.lockdown = bool;
    };

    # Same commit, nixos/modules/services/networking/jicofo.nix (config: pkgs.formats.hocon's type).
    services.jicofo = {
      bridgeMuc = str;
      userName = str;
      userDomain = str;
      userPasswordFile = str;
      config = hocon;
    };

    # Same commit, nixos/modules/services/networking/jitsi-videobridge.nix.
    services.jitsi-videobridge = {
      enable = bool;
      config = attrs;
      xmppConfigs = attrsOf (submodule {
        hostName = str;
        domain = nullOr str;
        userName = str;
        passwordFile = str;
        mucJids = str;
        mucNickname = str;
        disableCertificateVerification = bool;
      });
      nat = {
        localAddress = nullOr str;
        publicAddress = nullOr str;
        harvesterAddresses = listOf str;
      };
      extraProperties = attrsOf str;
    };

    # NixOS/nixpkgs 00a1ec1a002eea77d04a338547f9c0c7406823da,
    # nixos/modules/services/networking/jibri/default.nix (config: pkgs.formats.hocon's type).
    services.jibri = {
      enable = bool;
      config = hocon;
      finalizeScript = path;
      ignoreCert = bool;
      xmppEnvironments = attrsOf (submodule {
        xmppServerHosts = listOf str;
        xmppDomain = str;
        control.muc = {
          domain = str;
          roomName = str;
          nickname = str;
        };
        control.login = {
          domain = str;
          username = str;
          passwordFile = str;
        };
        call.login = {
          domain = str;
          username = str;
          passwordFile = str;
        };
        disableCertificateVerification = bool;
        stripFromRoomDomain = str;
        usageTimeout = str;
      });
    };

    # Same commit, nixos/modules/services/networking/prosody.nix (vHostOpts, sslOpts).
    services.prosody = {
      virtualHosts = attrsOf (submodule {
        domain = str;
        enabled = bool;
        ssl = nullOr (submodule {
          key = path;
          cert = path;
          extraOptions = attrs;
        });
        extraConfig = lines;
      });
    };

    # Same commit, nixos/modules/services/web-servers/nginx/vhost-options.nix.
    services.nginx.virtualHosts = attrsOf (submodule {
      enableACME = bool;
      forceSSL = bool;
      sslCertificate = path;
      sslCertificateKey = path;
    });

    # nixos/modules/security/acme/default.nix (certs.<name>.email: nullOr str).
    security.acme.certs = attrsOf (submodule {
      email = nullOr str;
    });

    # nixos/modules/config/users-groups.nix (users.<name>.extraGroups: listOf str; groups).
    users.users = attrsOf (submodule {
      extraGroups = listOf str;
    });
    users.groups = attrsOf (submodule { });

    # faukah/nixpkgs 3b20077c nixos/lib/systemd-unit-options.nix (serviceOptions and the common
    # unit options: description str, before/requiredBy/wants/after lists of unit names).
    systemd.services = attrsOf (submodule {
      description = str;
      before = listOf str;
      after = listOf str;
      wants = listOf str;
      requiredBy = listOf str;
      path = listOf (oneOf [
        package
        str
      ]);
      preStart = lines;
      script = lines;
      environment = attrsOf (
        nullOr (oneOf [
          str
          path
          package
        ])
      );
      serviceConfig = attrsOf unitOption;
    });
    # nixos/modules/system/boot/systemd/tmpfiles.nix (rules: listOf str).
    systemd.tmpfiles.rules = listOf str;

    # NixOS/nixpkgs at 0192bb844360b5b42ebaf7f575f84d79910a5927,
    # nixos/modules/services/networking/firewall.nix (allowed*Ports: listOf port; backend),
    # at 0d953321a18cf484b637b9932f8b3040bbfb11e3 firewall-iptables.nix (extraCommands: lines),
    # at 040b4eb6c33439c14b2ed3ff0660131bee4ef852 firewall-nftables.nix (extraInputRules: lines).
    networking.firewall = {
      allowedTCPPorts = listOf port;
      allowedUDPPorts = listOf port;
      extraCommands = lines;
      extraInputRules = lines;
      backend = enum [
        "iptables"
        "nftables"
        "firewalld"
      ];
    };
  };

  # Every place where `value` (what a module defines under `prefix`) does not fit `decl` (an
  # option type, or a namespace of option declarations): "path: what is wrong" each.
  problems =
    prefix: decl: value:
    let
      at = k: if prefix == "" then k else "${prefix}.${k}";
      kind = decl.kind or null;
    in
    if !(decl ? check) then
      # A namespace of options.
      if !(isAttrs value) then
        [ "${prefix}: a value where nixpkgs has a namespace of options" ]
      else
        builtins.concatMap (
          k:
          if decl ? ${k} then
            problems (at k) decl.${k} value.${k}
          else
            [ "${at k}: no such option in the stubs of nixpkgs' options" ]
        ) (attrNames value)
    else if kind == "submodule" then
      if !(isAttrs value) then
        [ "${prefix}: not a submodule value (an attribute set)" ]
      else
        builtins.concatMap (
          k:
          if decl.options ? ${k} then
            problems (at k) decl.options.${k} value.${k}
          else
            [ "${at k}: no such option in nixpkgs" ]
        ) (attrNames value)
    else if kind == "nullOr" then
      if value == null then [ ] else problems prefix decl.elem value
    else if kind == "listOf" then
      if !(isList value) then
        [ "${prefix}: not a ${decl.name}" ]
      else
        builtins.concatLists (builtins.genList (i: problems "${prefix}.${toString i}" decl.elem (builtins.elemAt value i)) (builtins.length value))
    else if kind == "attrsOf" then
      if !(isAttrs value) then
        [ "${prefix}: not a ${decl.name}" ]
      else
        builtins.concatMap (k: problems "${prefix}.\"${k}\"" decl.elem value.${k}) (attrNames value)
    else if decl.check value then
      [ ]
    else
      [ "${prefix}: not a ${decl.name}" ];
}
