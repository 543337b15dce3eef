"""scripts/moto_server.py as the scripts and the Rust test harness start it:
a program run by a shell. When that shell is gone, killed before it could
stop the server, the server ends by itself instead of running on, reparented,
with its port."""

import os
import socket
import subprocess
import sys
import time
import unittest

from .harness import _free_port

SERVER = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "moto_server.py"
)


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def running(pid: int) -> bool:
    """Alive and not a zombie (a reparented child may stay one when the
    machine's init does not reap)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class ExitWithParentTest(unittest.TestCase):
    def start(self) -> tuple[subprocess.Popen, int, int]:
        """A shell that starts the server in the background, says its pid and
        waits for a line on its standard input."""
        port = _free_port()
        shell = subprocess.Popen(
            ["sh", "-c", f'"{sys.executable}" "{SERVER}" -H 127.0.0.1 -p {port} >/dev/null 2>&1 & echo $!; read _'],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        pid = int(shell.stdout.readline())
        self.addCleanup(lambda: running(pid) and os.kill(pid, 15))
        self.addCleanup(shell.stdout.close)
        self.addCleanup(shell.stdin.close)
        deadline = time.time() + 60
        while not answers(port):
            self.assertLess(time.time(), deadline, "the server did not start within 60 s")
            time.sleep(0.1)
        return shell, pid, port

    def ends(self, pid: int, port: int) -> None:
        deadline = time.time() + 10
        while running(pid):
            self.assertLess(time.time(), deadline, "the server still runs 10 s after its shell ended")
            time.sleep(0.1)
        self.assertFalse(answers(port))

    def test_the_server_ends_when_the_shell_that_started_it_is_killed(self):
        shell, pid, port = self.start()
        shell.kill()
        shell.wait()
        self.ends(pid, port)

    def test_the_server_runs_while_its_shell_does_and_ends_after_it(self):
        shell, pid, port = self.start()
        time.sleep(2)
        self.assertTrue(running(pid))
        self.assertTrue(answers(port))
        shell.stdin.close()
        shell.wait()
        self.ends(pid, port)


if __name__ == "__main__":
    unittest.main()
