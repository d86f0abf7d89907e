"""Fixtures of the web mail tests: mailboxes filled with messages, logged-in clients."""

from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.conf import settings

from mailcore.maildir import Maildir, maildir_path


def make_message(subject="Hello", sender="Bob <bob@example.net>", to="jane@example.com",
                 body="Hi there.\nSecond line.", date=None, html=None, attachments=(),
                 message_id=None, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if date is not None:
        message["Date"] = format_datetime(date)
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for data, maintype, subtype, filename, extra in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename,
                               **extra)
    return message.as_bytes()


def mailbox_of(address: str) -> Maildir:
    local, _, domain = address.partition("@")
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local))


def deliver(address: str, raw: bytes):
    """Store ``raw`` in the mailbox of ``address`` as the MX would (in ``new/``)."""
    return mailbox_of(address).deliver(raw.replace(b"\r\n", b"\n"))


@pytest.fixture
def john(domain, account_factory):
    return account_factory(domain, "john")


@pytest.fixture
def as_jane(client, jane):
    client.force_login(jane)
    return client
