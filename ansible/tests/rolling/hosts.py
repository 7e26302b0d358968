"""Test hosts for test_rolling.py: each host a network namespace with its own sshd (Debian's
openssh-server), so that Ansible reaches it over its normal ssh connection, and its own mount
namespace (host-setup.sh: overlays on /etc, /usr/local, /var/lib, /var/cache, /var/log and /root,
STAND-INs bound over systemctl and prosodyctl). The hosts and a controller namespace, from which
ansible-playbook runs, hang on a Linux bridge in a namespace of its own; nothing has a route out,
and nothing of the machine's own network or files changes. Every process the hosts start is
killed through its namespace and every namespace removed by down()."""

import os
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*argv, **kw):
    return subprocess.run(list(argv), check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kw)


class Hosts:
    def __init__(self, base, hosts, prefix):
        """hosts: {name: address (in a /24)}; prefix: the namespaces' names start with it."""
        self.base = base
        self.hosts = dict(hosts)
        self.prefix = prefix
        self.names = []
        self.sshd = {}
        first = next(iter(self.hosts.values()))
        self.controller_address = first.rsplit('.', 1)[0] + '.250'
        self.key = os.path.join(base, 'id_ed25519')

    def ns(self, i):
        return '%s%s' % (self.prefix, i)

    def host_dir(self, name):
        return os.path.join(self.base, 'hosts', name)

    def up(self):
        run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', self.key)
        run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', os.path.join(self.base, 'host_key'))
        switch = self.ns('sw')
        run('ip', 'netns', 'add', switch)
        self.names.append(switch)
        run('ip', '-n', switch, 'link', 'add', 'br0', 'type', 'bridge')
        run('ip', '-n', switch, 'link', 'set', 'br0', 'up')
        members = list(self.hosts.items()) + [('controller', self.controller_address)]
        for i, (name, address) in enumerate(members):
            ns = self.ns(i)
            run('ip', 'netns', 'add', ns)
            self.names.append(ns)
            a, b = '%s%da' % (self.prefix, i), '%s%db' % (self.prefix, i)
            run('ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b)
            run('ip', 'link', 'set', a, 'netns', ns)
            run('ip', 'link', 'set', b, 'netns', switch)
            run('ip', '-n', switch, 'link', 'set', b, 'master', 'br0', 'up')
            run('ip', '-n', ns, 'link', 'set', a, 'name', 'eth0')
            run('ip', '-n', ns, 'addr', 'add', address + '/24', 'dev', 'eth0')
            run('ip', '-n', ns, 'link', 'set', 'eth0', 'up')
            run('ip', '-n', ns, 'link', 'set', 'lo', 'up')
            if name == 'controller':
                self.controller = ns
                continue
            h = self.host_dir(name)
            os.makedirs(h)
            with open(os.path.join(h, 'sshd_config'), 'w') as f:
                f.write('\n'.join([
                    'ListenAddress %s' % address, 'Port 22', 'HostKey %s/host_key' % self.base,
                    'PermitRootLogin prohibit-password', 'AuthorizedKeysFile %s.pub' % self.key,
                    'StrictModes no', 'UsePAM no', 'PidFile none', 'PasswordAuthentication no',
                    'KbdInteractiveAuthentication no', 'Subsystem sftp internal-sftp',
                    'MaxStartups 100', 'MaxSessions 100', 'LogLevel ERROR', '']))
            log = open(os.path.join(h, 'sshd.log'), 'w')
            self.sshd[name] = subprocess.Popen(
                ['ip', 'netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private',
                 os.path.join(HERE, 'host-setup.sh'), h, HERE],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        for name, address in self.hosts.items():
            self.wait_for_ssh(name, address)

    def wait_for_ssh(self, name, address):
        for dummy in range(100):
            done = subprocess.run(['ip', 'netns', 'exec', self.controller, 'python3', '-c',
                                   'import socket; socket.create_connection((%r, 22), 1)' % address],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if done.returncode == 0:
                return
            if self.sshd[name].poll() is not None:
                break
            time.sleep(0.2)
        with open(os.path.join(self.host_dir(name), 'sshd.log')) as f:
            raise RuntimeError('the sshd of test host %s does not answer: %s' % (name, f.read()))

    def inside(self, name, *argv, stdin_text=None):
        """Runs argv in the host's network and mount namespaces (those of its sshd)."""
        # ip netns exec, unshare and host-setup.sh each exec the next: the process is the sshd.
        return subprocess.run(['nsenter', '-t', str(self.sshd[name].pid), '-m', '-n'] + list(argv), check=True,
                              input=stdin_text, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)

    def down(self):
        for ns in reversed(self.names):
            try:
                pids = run('ip', 'netns', 'pids', ns).stdout.split()
            except subprocess.CalledProcessError:
                pids = []
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except OSError:
                    pass
        for p in self.sshd.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for ns in reversed(self.names):
            subprocess.run(['ip', 'netns', 'del', ns], check=False)
        self.names = []
