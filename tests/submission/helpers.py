"""Talking to the submission listener the way mail clients do."""

import smtplib

from tests.conftest import PASSWORD
from tests.smtp.helpers import CLIENT_NAME

STARTTLS_FIRST = (530, "5.7.0")
AUTH_OK = (235, "2.7.0")
AUTH_INVALID = (535, "5.7.8")
AUTH_THROTTLED = (454, "4.7.0")
NOT_OWNED = (553, "5.7.1")


def submission_client(server, context=None) -> smtplib.SMTP:
    """Connected, EHLO said, and STARTTLS done when a context is given."""
    client = smtplib.SMTP(server.host, server.submission_port, local_hostname=CLIENT_NAME,
                          timeout=10)
    client.ehlo()
    if context is not None:
        client.starttls(context=context)
        client.ehlo()
    return client


def logged_in(server, context, login="jane@example.com", password=PASSWORD) -> smtplib.SMTP:
    client = submission_client(server, context)
    client.login(login, password)
    return client
