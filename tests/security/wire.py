"""A raw line client for the fuzzing tests: bytes out, CRLF lines in, nothing interpreted."""

import re
import socket

SOCKET_TIMEOUT = 10
# What a Python error looks like when it leaks to the client.
PYTHON_ERROR = re.compile(rb"Traceback|\(\w+(Error|Exception)\)|\w+(Error|Exception):|File \"")


class Wire:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT)
        self.buffer = b""

    def send(self, data: bytes) -> bool:
        """False when the server has already closed the connection."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    def line(self) -> bytes | None:
        """The next line without its CRLF; None at the end of the connection."""
        while b"\r\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def close(self) -> None:
        self.sock.close()
