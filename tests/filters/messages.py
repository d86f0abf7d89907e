"""Test messages: EICAR in the body, zipped in an attachment, as a MIME attachment; clean."""

import io
import time
import zipfile
from email.message import EmailMessage

from tests.clamd import EICAR


def _base(subject: str, sender: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{time.time_ns()}@remote.test>"
    return message


def _bytes(message: EmailMessage) -> bytes:
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def clean(sender="bob@remote.test", to="jane@example.com", subject="Lunch") -> bytes:
    message = _base(subject, sender, to)
    message.set_content("Hi Jane,\nlunch tomorrow?\n")
    return _bytes(message)


def eicar_plain(sender="bob@remote.test", to="jane@example.com", subject="Test") -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{time.time_ns()}@remote.test>\r\n\r\n").encode() + EICAR + b"\r\n"


def eicar_attached(sender="bob@remote.test", to="jane@example.com",
                   subject="The file") -> bytes:
    message = _base(subject, sender, to)
    message.set_content("Here is the file.\n")
    message.add_attachment(EICAR, maintype="application", subtype="octet-stream",
                           filename="eicar.com")
    return _bytes(message)


def eicar_zipped(sender="bob@remote.test", to="jane@example.com",
                 subject="The archive") -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("eicar.com", EICAR)
    message = _base(subject, sender, to)
    message.set_content("Here is the archive.\n")
    message.add_attachment(archive.getvalue(), maintype="application", subtype="zip",
                           filename="files.zip")
    return _bytes(message)
