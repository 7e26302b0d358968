# jitsi-topology's Nix library: a topology written as a Nix attribute set goes in; the rendered
# tree (a derivation) or the resolved deployment (Nix data) comes out.
#
# Every function runs the CLI inside a derivation, so the Rust core stays the one place that
# validates the model, derives names and renders files; an invalid topology fails the build
# with the CLI's diagnostics (JSON Pointer paths) in the log. Nix adds only what Nix needs:
# before anything reaches the world-readable store, secrets must be `{ file = "/path"; }` and
# no value may be a Nix path (`builtins.toJSON` would copy the file it names into the store).
#
# Nothing here needs nixpkgs: `pkgs` only has to provide `runCommand name env script`, and
# `package` (the CLI, a folder with bin/jitsi-topology) is taken from `packageFor pkgs` when it
# is not given. The flake passes a `packageFor` that builds the CLI with nixpkgs' rustPlatform.
{
  packageFor ?
    _pkgs:
    throw "jitsi-topology: pass `package` (a folder with bin/jitsi-topology), or use the flake's `lib`, which builds it",
}:
let
  inherit (builtins)
    attrNames
    concatLists
    concatStringsSep
    elemAt
    fromJSON
    genList
    isAttrs
    isList
    isPath
    isString
    length
    listToAttrs
    map
    match
    readFile
    toJSON
    typeOf
    ;

  fileExample = name: ''{ file = "/etc/jitsi-topology/secrets/${name}"; }'';

  # A secret reaches Nix only as the path of a file on the hosts. The messages name the secret,
  # never its value.
  checkSecret =
    name: source:
    let
      where = "secrets.${name}";
    in
    if !(isAttrs source) then
      throw "jitsi-topology: ${where} must be an attribute set naming a file on the hosts, e.g. ${where} = ${fileExample name};"
    else if source ? value then
      throw ''
        jitsi-topology: ${where} is an inline { value = ...; }. Nix refuses it: builtins.toJSON would copy the model, and the secret with it, into the world-readable Nix store.
        Put the secret in a root-only file on the hosts (`jitsi-topology secrets init DIR` makes one) and write ${where} = ${fileExample name};''
    else if source ? env then
      throw ''
        jitsi-topology: ${where} is { env = ...; }. Nix refuses it: a Nix build has no such environment, and passing the value in would put it into the world-readable Nix store.
        Put the secret in a root-only file on the hosts and write ${where} = ${fileExample name};''
    else if attrNames source != [ "file" ] then
      throw "jitsi-topology: ${where} must have exactly one key, `file` (keys given: ${concatStringsSep ", " (attrNames source)}); e.g. ${where} = ${fileExample name};"
    else if isPath source.file then
      throw "jitsi-topology: ${where}.file is a Nix path, which Nix copies into the world-readable store with the secret in it. Write the path on the hosts as a string: ${where} = ${fileExample name};"
    else if !(isString source.file) then
      throw "jitsi-topology: ${where}.file must be a string (the path of the file on the hosts), not a ${typeOf source.file}"
    else
      true;

  isDerivation = v: isAttrs v && (v.type or null) == "derivation";

  # JSON Pointers of every Nix path value: each would be copied into the store by toJSON.
  pathsIn =
    pointer: v:
    if isPath v then
      [ pointer ]
    else if isDerivation v then
      [ ]
    else if isAttrs v then
      concatLists (map (k: pathsIn "${pointer}/${k}" v.${k}) (attrNames v))
    else if isList v then
      concatLists (genList (i: pathsIn "${pointer}/${toString i}" (elemAt v i)) (length v))
    else
      [ ];

  # The topology, once Nix has nothing against it; the CLI judges the rest.
  checkTopology =
    topology:
    let
      secrets = topology.secrets or { };
      secretsChecked =
        if isAttrs secrets then
          map (
            name:
            # auth's accounts (issue 19): one source per user name
            if name == "accounts" && isAttrs secrets.accounts && !(secrets.accounts ? file) then
              map (user: checkSecret "accounts.${user}" secrets.accounts.${user}) (
                attrNames secrets.accounts
              )
            else
              checkSecret name secrets.${name}
          ) (attrNames secrets)
        else
          throw "jitsi-topology: `secrets` must be an attribute set ({ focus = ${fileExample "focus"}; jvb = ...; })";
      paths = pathsIn "" topology;
    in
    if !(isAttrs topology) then
      throw "jitsi-topology: `topology` must be an attribute set (the model, as in nix/examples/handbook.nix), not a ${typeOf topology}"
    else
      builtins.deepSeq secretsChecked (
        if paths != [ ] then
          throw "jitsi-topology: ${concatStringsSep ", " paths} ${
            if length paths == 1 then "is a Nix path" else "are Nix paths"
          }, which builtins.toJSON copies into the world-readable store. The model names files on the hosts: write them as strings (\"/etc/ssl/meet.example.com.crt\")."
        else
          topology
      );

  # The model as the CLI reads it (JSON is a model).
  modelJSON = topology: toJSON (checkTopology topology);

  packageOf = args: args.package or (packageFor args.pkgs);

  # One CLI call in a derivation. The model travels as a file (passAsFile), so it may refer to
  # other store paths (certificates made by a derivation, in tests).
  runCli =
    {
      pkgs,
      name,
      topology,
      script,
      ...
    }@args:
    pkgs.runCommand name {
      model = modelJSON topology;
      passAsFile = [ "model" ];
      jitsiTopology = "${packageOf args}/bin/jitsi-topology";
    } script;

  domainOf = topology: topology.domain or "topology";

  # lib.render { pkgs, topology, package?, name? }: exactly the tree `jitsi-topology render`
  # writes: manifest.json and one folder per host. Rendered beside the build and then moved,
  # because the CLI stages its output next to the target folder.
  render =
    {
      pkgs,
      topology,
      name ? "jitsi-topology-${domainOf topology}",
      ...
    }@args:
    runCli (
      args
      // {
        inherit name;
        script = ''
          "$jitsiTopology" render "$modelPath" --out tree
          mv tree "$out"
        '';
      }
    );

  # The CLI's `resolve` document (never a secret value), as a store file.
  resolveFile =
    {
      pkgs,
      topology,
      ...
    }@args:
    runCli (
      args
      // {
        name = "jitsi-topology-${domainOf topology}-resolved.json";
        script = ''
          "$jitsiTopology" resolve "$modelPath" > "$out"
        '';
      }
    );

  # The shape lib.resolve returns, from the CLI's document: its own per-host decisions as
  # `resolved_hosts`, and `hosts.<name>` = that host's entry of manifest.json.
  shape =
    document: manifestHosts:
    (removeAttrs document [
      "hosts"
      "manifest_hosts"
    ])
    // {
      resolved_hosts = document.hosts or [ ];
      hosts = listToAttrs (
        map (h: {
          inherit (h) name;
          value = h;
        }) manifestHosts
      );
    };

  # lib.fromResolved file: the pure path. `file` is what `jitsi-topology resolve MODEL
  # --with-manifest` printed, checked in beside the model (a Nix path, or the document already
  # read as an attribute set): reading a file of the configuration's own source is no import
  # from derivation, so this evaluates with `allow-import-from-derivation = false`, on Hydra
  # and on a machine that cannot build for the hosts. lib.checkResolved keeps it current.
  fromResolved =
    file:
    let
      document = if isAttrs file then file else fromJSON (readFile file);
    in
    if !(isAttrs document) || !(document ? names) || !(document ? shards) then
      throw "jitsi-topology: the resolved deployment must be the JSON document `jitsi-topology resolve MODEL --with-manifest` prints"
    else if !(document ? manifest_hosts) then
      throw "jitsi-topology: the resolved deployment has no `manifest_hosts`: write it with `jitsi-topology resolve MODEL --with-manifest > resolved.json` (the flag adds each host's manifest entry, which the NixOS module reads)"
    else
      shape document document.manifest_hosts;

  # The CLI's `resolve --with-manifest` document (never a secret value), as a store file.
  resolveWithManifestFile =
    {
      pkgs,
      topology,
      ...
    }@args:
    runCli (
      args
      // {
        name = "jitsi-topology-${domainOf topology}-resolved.json";
        script = ''
          "$jitsiTopology" resolve --with-manifest "$modelPath" > "$out"
        '';
      }
    );

  # lib.checkResolved { pkgs, topology, resolved, package? }: a derivation (for a flake's
  # `checks`) that builds only when `resolved` (the checked-in file of the pure path) is
  # exactly what `jitsi-topology resolve --with-manifest` prints for `topology` now; else its
  # log shows the difference and the command that writes the file again. It is built, not
  # evaluated: `nix flake check` runs it without import from derivation.
  checkResolved =
    {
      pkgs,
      topology,
      resolved,
      ...
    }@args:
    pkgs.runCommand "jitsi-topology-${domainOf topology}-resolved-check"
      {
        inherit resolved;
        expected = resolveWithManifestFile (removeAttrs args [ "resolved" ]);
      }
      ''
        if cmp -s "$expected" "$resolved"; then
          echo "$resolved is current" > "$out"
        else
          echo "jitsi-topology: $resolved is not what \`jitsi-topology resolve --with-manifest\` prints for the topology now:" >&2
          diff -u "$resolved" "$expected" >&2 || true
          echo "write it again: jitsi-topology resolve --with-manifest MODEL > resolved.json (the model as JSON: nix eval --json -f topology.nix)" >&2
          exit 1
        fi
      '';

  # lib.resolve { pkgs, topology, package? }: the validated, resolved deployment as Nix data:
  # the CLI's `resolve` document (names, brewery, shards and their signalling hosts, bridges
  # with addresses, nicknames and shards, trust, firewall settings, secret file paths) plus
  # `hosts.<name>`: that host's entry of manifest.json (roles, packages, accounts with their
  # password files, firewall rules with ports and sources, ordered steps, files by hash).
  # Reading it builds the two derivations during evaluation (import from derivation).
  resolve =
    args:
    let
      # readFile gives the document the context of the store paths it names (certificates a
      # derivation made, say), which fromJSON refuses; read it without, then give the strings
      # naming store paths the model's context back, so whatever uses them depends on them.
      context = builtins.getContext (modelJSON args.topology);
      restore =
        v:
        if isString v && match ".*${builtins.storeDir}/.*" v != null then
          builtins.appendContext v context
        else if isAttrs v then
          builtins.mapAttrs (_: restore) v
        else if isList v then
          map restore v
        else
          v;
      read = file: restore (fromJSON (builtins.unsafeDiscardStringContext (readFile file)));
      resolved = read (resolveFile args);
      manifest = read "${render args}/manifest.json";
    in
    # The CLI's document has a `hosts` list of its own (resolve's per-host decisions, issue 13),
    # kept as `resolved_hosts`; `hosts` here is the manifest's view by name, which host.nix reads.
    shape resolved manifest.hosts;
in
{
  inherit
    checkResolved
    checkTopology
    fromResolved
    modelJSON
    render
    resolve
    resolveFile
    resolveWithManifestFile
    ;

  # hostConfig { resolved, host }: what the NixOS module sets for one host, as plain data
  # (see nix/host.nix).
  hostConfig = import ./host.nix;
}
