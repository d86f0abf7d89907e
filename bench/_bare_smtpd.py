"""aiosmtpd alone: the SMTP engine hostpanel's smtpd is built on, with no filter, no
database and no routing, storing each message in one Maildir with ``mailcore.maildir``
(fsync of the file and the folder, as ours does) before its 250. bench/smtp_in.py runs it
beside Postfix and ours: the ceiling of the engine on this machine.

    python bench/_bare_smtpd.py PORT MAILDIR     (several may share PORT: SO_REUSEPORT)
"""

import asyncio
import socket
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mailcore.maildir import Maildir, to_lf  # noqa: E402


class Store:
    def __init__(self, maildir: Maildir):
        self.maildir = maildir

    async def handle_DATA(self, server, session, envelope):
        await asyncio.to_thread(self.maildir.deliver, to_lf(envelope.original_content))
        return "250 2.0.0 OK"


async def serve(port: int, maildir: Maildir) -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    handler = Store(maildir)
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(handler, hostname="bare.bench.test", ident="bare"), sock=listener)
    await server.serve_forever()


if __name__ == "__main__":
    box = Maildir(Path(sys.argv[2]))
    box.ensure()
    asyncio.run(serve(int(sys.argv[1]), box))
