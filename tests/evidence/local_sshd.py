"""A throw-away sshd on 127.0.0.1 that plays "another host" for the multi-host batch test.

Started as root with its own configuration (`/usr/sbin/sshd -D -f <config>`): a new host key,
one new client key authorised for the current user, a free port; nothing of the machine's own
ssh set-up is used or changed. Every session starts in its own login folder (`self.home`, via
ForceCommand) instead of the user's home, the way a remote host has a home of its own: files
parallel copies "to the remote host" land there and never next to the originals. ssh_command()
is what `parallel --sshlogin` takes (with connection sharing, as docs/evidence.md advises).
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

SSHD = "/usr/sbin/sshd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalSshd:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="xmtrack-sshd-")
        os.chmod(self.dir, 0o755)
        self.keys = os.path.join(self.dir, "keys")
        os.mkdir(self.keys, 0o700)
        # the remote login folder: readable by the unprivileged user the test's tshark runs as
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.home, 0o755)
        self.port = free_port()
        self.user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
        self.host_key = os.path.join(self.keys, "host_ed25519")
        self.client_key = os.path.join(self.keys, "client_ed25519")
        for key in (self.host_key, self.client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "xmtrack-test", "-f", key],
                           check=True)
        shutil.copy(self.client_key + ".pub", os.path.join(self.keys, "authorized_keys"))
        self.config = os.path.join(self.keys, "sshd_config")
        with open(self.config, "w") as f:
            f.write("\n".join([
                f"ListenAddress 127.0.0.1:{self.port}",
                f"HostKey {self.host_key}",
                f"AuthorizedKeysFile {self.keys}/authorized_keys",
                f"PidFile {self.keys}/sshd.pid",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PrintMotd no",
                "MaxStartups 100",
                "MaxSessions 100",
                "LogLevel ERROR",
                f'ForceCommand cd {self.home} && eval "$SSH_ORIGINAL_COMMAND"',
                "",
            ]))
        self.log_path = os.path.join(self.keys, "sshd.log")
        self.log = open(self.log_path, "w")
        try:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # root's sshd needs its privsep folder
        except PermissionError:
            pass  # not root: sshd runs without privilege separation, for this user only
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", self.config], stdout=self.log, stderr=self.log)
        self._wait_ready()

    def ssh_command(self):
        """The ssh command line (without the login) that reaches this sshd."""
        return (f"ssh -i {self.client_key} -p {self.port} -o StrictHostKeyChecking=no "
                f"-o UserKnownHostsFile={self.keys}/known_hosts -o BatchMode=yes -o LogLevel=ERROR "
                f"-o ControlMaster=auto -o ControlPath={self.keys}/cm-%C -o ControlPersist=60")

    def login(self):
        return f"{self.user}@127.0.0.1"

    def _wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sshd exited: " + open(self.log_path).read())
            probe = subprocess.run(self.ssh_command().split() + [self.login(), "pwd"], capture_output=True, text=True)
            if probe.returncode == 0:
                if probe.stdout.strip() != self.home:
                    raise RuntimeError(f"sessions start in {probe.stdout.strip()}, not {self.home}")
                return
            time.sleep(0.2)
        raise RuntimeError("sshd did not accept the test key: " + open(self.log_path).read())

    def stop(self):
        subprocess.run(self.ssh_command().split() + ["-O", "exit", self.login()], capture_output=True)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
