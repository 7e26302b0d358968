# Helpers for the probes of tests/lifecycle/postinst.tsv, sourced by tests/lifecycle.rs (bash)
# before each probe and each self-test break. Our own code: it asks the questions the package
# scripts ask, with the tools they call (hocon from Debian's ruby-hocon, grep, test, jq).
#
# Set by the test: ROOT (one host's rendered tree, the host's / ), MANIFEST (the render's
# manifest.json), HOST (the host's name in it). Set here: DOMAIN (our debconf answer to
# jitsi-videobridge/jvb-hostname, which every one of these postinsts reads), AUTH.
# The test then sets F, the row's file under ROOT.

# Our preseeded answer to a debconf question (empty when we preseed none).
debconf() {
  awk -F'\t' -v q="$1" '$2 == q { print $4; exit }' "$ROOT/etc/jitsi-topology/debconf.selections"
}

DOMAIN=$(debconf jitsi-videobridge/jvb-hostname)
AUTH="auth.$DOMAIN"

# unchanged_by CMD ARG...: runs CMD on a copy of $F (each `{}` in the arguments is the copy's
# path); true when the command succeeds and leaves the copy byte for byte as $F. For actions
# a script runs unconditionally (a `hocon set`, a `sed -i`): they change nothing only if the
# file already says exactly what they would write.
unchanged_by() {
  local copy rc args=() a
  copy=$(mktemp)
  cp "$F" "$copy"
  for a in "$@"; do args+=("${a//\{\}/$copy}"); done
  if "${args[@]}" >/dev/null 2>&1; then
    cmp -s "$F" "$copy"
    rc=$?
  else
    rc=1
  fi
  rm -f "$copy"
  return "$rc"
}

# owned_by DIR OWNER GROUP: true when the script's `chown -R OWNER:GROUP DIR` would change
# nothing the manifest says (every file of $HOST under DIR has that owner and group), or when
# a statoverride step of $HOST lists DIR (then the script skips the chown and chmod).
owned_by() {
  jq -e --arg h "$HOST" --arg d "$1" --arg o "$2" --arg g "$3" '
    .hosts[] | select(.name == $h)
    | (any(.steps[]; .action == "statoverride" and .path == $d))
      or all(.files[] | select(.path | startswith($d + "/")); .owner == $o and .group == $g)
  ' "$MANIFEST" >/dev/null
}

# set_owner PATH OWNER GROUP: the self-test's break for owned_by (edits the manifest copy).
set_owner() {
  local t
  t=$(mktemp)
  jq --arg h "$HOST" --arg p "$1" --arg o "$2" --arg g "$3" '
    (.hosts[] | select(.name == $h) | .steps) |= map(select(.action != "statoverride"))
    | (.hosts[] | select(.name == $h) | .files[] | select(.path == $p)) |= (.owner = $o | .group = $g)
  ' "$MANIFEST" >"$t" && cat "$t" >"$MANIFEST"
  rm -f "$t"
}

# set_debconf QUESTION VALUE: the self-test's break for probes that depend on an answer.
set_debconf() {
  local sel="$ROOT/etc/jitsi-topology/debconf.selections"
  sed -i "/\t$(printf '%s' "$1" | sed 's|/|\\/|g')\t/d" "$sel"
  printf 'jitsi-meet-web-config\t%s\tstring\t%s\n' "$1" "$2" >>"$sel"
}

# written_after_install PATH: true when $HOST's steps write PATH only after install-packages.
# Then the packages' first configure runs before our file exists and sees the package's own
# (jitsi-meet-prosody's first configure, seeing its own host file, which names no JaaS host,
# copies its jaas.cfg.lua in: 11146 l.207-211, 9646 l.194-198; that file stays).
written_after_install() {
  jq -e --arg h "$HOST" --arg p "$1" '
    .hosts[] | select(.name == $h) | .steps
    | (map(.action) | index("install-packages")) as $install
    | (to_entries | map(select(.value.action == "write-files" and ((.value.files // []) | index($p) != null))) | .[0].key) as $write
    | $install != null and $write != null and $write > $install
  ' "$MANIFEST" >/dev/null
}

# write_before_install PATH: the self-test's break for written_after_install (moves PATH into
# the first write-files step, before the packages).
write_before_install() {
  local t
  t=$(mktemp)
  jq --arg h "$HOST" --arg p "$1" '
    (.hosts[] | select(.name == $h) | .steps) |= (
      map(if .action == "write-files" then .files -= [$p] else . end)
      | (map(.action) | index("write-files")) as $first
      | .[$first].files += [$p])
  ' "$MANIFEST" >"$t" && cat "$t" >"$MANIFEST"
  rm -f "$t"
}
