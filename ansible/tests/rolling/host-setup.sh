#!/bin/sh
# A test host of test_rolling.py (run by hosts.py in the host's network namespace, under
# `unshare --mount`): a private view of the machine whose writable parts are overlays on the
# host's own folder, so that the role writes its real paths (/etc, /usr/local, /var) without
# touching the machine; a STAND-IN bound over systemctl, Debian's prosodyctl bound with a
# configuration of the test; then its own sshd.
#   host-setup.sh HOST_DIR STANDINS_DIR
set -eu
h=$1
standins=$2
for d in etc usr/local var/lib var/cache var/log root; do
    mkdir -p "$h/up/$d" "$h/work/$d"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$h/up/$d,workdir=$h/work/$d" "/$d"
done
mount -t tmpfs tmpfs /run
# sshd's privilege separation folder; systemd's marker, which Ansible's systemd module looks for.
mkdir -p /run/sshd /run/systemd/system
printf '#!/bin/sh\nexec /usr/bin/python3 %s/systemctl.py "$@"\n' "$standins" >"$h/systemctl"
chmod 755 "$h/systemctl"
mount --bind "$h/systemctl" /usr/bin/systemctl
# Debian's prosodyctl with the test's own configuration (/etc/prosody/jt-test.cfg.lua, which
# test_rolling.py writes: the rendered one needs Jitsi's prosody plugins, not installed here).
cp /usr/bin/prosodyctl "$h/prosodyctl.real"
printf '#!/bin/sh\nexec %s/prosodyctl.real --config /etc/prosody/jt-test.cfg.lua "$@"\n' "$h" >"$h/prosodyctl"
chmod 755 "$h/prosodyctl"
mount --bind "$h/prosodyctl" /usr/bin/prosodyctl
echo "$h" >/etc/jt-standin-host
exec /usr/sbin/sshd -D -e -f "$h/sshd_config"
