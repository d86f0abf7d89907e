"""A real clamd (Debian's clamav-daemon) for the tests, with a signature database we write.

The database has one signature, ``Eicar-Test-Signature``, matching the EICAR
test string anywhere in a file (ClamAV unpacks zip files and MIME
attachments before matching). clamd runs in the foreground on a free port of
127.0.0.1; it is ready when it answers PING with PONG.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

from tests.support import free_ports

CLAMD = "/usr/sbin/clamd"
SIGNATURE = "Eicar-Test-Signature"
VIRUS_NAME = SIGNATURE + ".UNOFFICIAL"  # how clamd names a match of an unsigned database
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def ask(address: tuple[str, int], command: bytes, timeout: float = 2.0) -> bytes:
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(b"z" + command + b"\0")
        answer = b""
        while not answer.endswith(b"\0"):
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return answer.rstrip(b"\0")


class ClamdProcess:
    """clamd with its own config, database, log and pid file under ``folder``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.port = free_ports(1)[0]
        self.address = ("127.0.0.1", self.port)
        database = self.folder / "db"
        database.mkdir(parents=True, exist_ok=True)
        (database / "test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
        lines = [
            "Foreground yes",
            f"TCPSocket {self.port}",
            "TCPAddr 127.0.0.1",
            f"DatabaseDirectory {database}",
            "SelfCheck 0",
            f"LogFile {self.folder / 'clamd.log'}",
            f"PidFile {self.folder / 'clamd.pid'}",
        ]
        if os.geteuid() != 0:
            lines.append(f"User {os.environ.get('USER') or os.getlogin()}")
        self.config = self.folder / "clamd.conf"
        self.config.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen | None = None

    @property
    def setting(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "ClamdProcess":
        self.process = subprocess.Popen([CLAMD, "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "clamd.log")
                raise RuntimeError("clamd exited: " + (log.read_text() if log.exists() else ""))
            try:
                if ask(self.address, b"PING") == b"PONG":
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"clamd did not answer PING within {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
