"""Sending what a list writes (confirmations, help, refusals, moderation requests).

Each notice is a small MIME message from the list's ``-help`` address with
``Auto-Submitted: auto-replied`` and the list's ``List-Id`` (so vacation
replies leave it alone), sent with a null envelope sender through the router:
a hosted recipient gets it in its mailbox, a remote one through the outbound
queue. A held post travels inside the moderators' notice as ``message/rfc822``,
byte for byte.
"""

import email.header
import email.quoprimime
import email.utils
import logging
import re
import secrets
from datetime import UTC, datetime

from mailcore.addresses import AddressError, split_address
from mailcore.directory import ListInfo
from mailcore.routing.facts import MessageFacts

log = logging.getLogger("mailcore.lists")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _header(value: str) -> str:
    value = " ".join(_CONTROL.sub(" ", value).split())[:500]
    return value if value.isascii() else email.header.Header(value, "utf-8").encode()


def list_id(info: ListInfo) -> str:
    """RFC 2919's identifier: ``team.example.com``."""
    return f"{info.local_part}.{info.domain}"


def text_part(text: str) -> list[str]:
    utf8 = text.replace("\r\n", "\n").encode("utf-8").decode("latin-1")
    return ["Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable", "",
            email.quoprimime.body_encode(utf8, eol="\r\n")]


def notice(info: ListInfo, to: str, subject: str, text: str, *, reply_to: str = "",
           answering: MessageFacts | None = None, attached: bytes | None = None) -> bytes:
    """The notice as bytes with CRLF line endings."""
    head = [
        f"From: {_header(info.local_part)} <{info.service_address('help')}>",
        f"To: <{to}>",
        f"Subject: {_header(subject)}",
        f"Date: {email.utils.format_datetime(datetime.now(UTC))}",
        f"Message-ID: {email.utils.make_msgid(domain=info.domain)}",
        "Auto-Submitted: auto-replied",
        f"List-Id: <{list_id(info)}>",
        "MIME-Version: 1.0",
    ]
    if reply_to:
        head.append(f"Reply-To: <{reply_to}>")
    if answering is not None and answering.message_id:
        head.append(f"In-Reply-To: {answering.message_id}")
        head.append("References: " + " ".join((*answering.references, answering.message_id)))
    if attached is None:
        body = text_part(text + "\n")
        return ("\r\n".join(head + body[:2]) + "\r\n\r\n" + body[3]).encode("utf-8")
    boundary = f"=_list_{secrets.token_hex(12)}"
    head.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    first = "\r\n".join(text_part(text + "\n")).rstrip("\r\n")
    original = attached.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return ("\r\n".join(head) + f"\r\n\r\n--{boundary}\r\n{first}\r\n--{boundary}\r\n"
            "Content-Type: message/rfc822\r\n\r\n").encode("utf-8") + original + (
        f"\r\n--{boundary}--\r\n").encode()


def recipient_route(router, address: str):
    """``(address, route)`` for mail the list sends, or None when it cannot go there."""
    try:
        local, domain = split_address(address)
    except AddressError:
        return None
    route = router.directory.find_route(f"{local}@{domain}")
    if route is not None:
        return address, route
    if router.directory.is_local_domain(domain):
        return None
    return f"{address.rpartition('@')[0]}@{domain}", None


def send(router, info: ListInfo, data: bytes, to: str, *, limited: bool = False) -> bool:
    """Send a notice to ``to`` with a null envelope sender; whether it went.

    ``limited``: an answer to mail anybody could have forged, counted against the
    list's hourly limits (:func:`mailcore.directory.claim_list_notice`).
    """
    if limited and not router.directory.claim_list_notice(info.id, to):
        log.warning("%s: no notice to <%s>: hourly limit reached", info.address, to)
        return False
    recipient = recipient_route(router, to)
    if recipient is None:
        log.info("%s: no notice to <%s>: not a deliverable address", info.address, to)
        return False
    outcome = router.route(data, "", [recipient], origin="autoreply", domain=info.domain)
    log.info("%s: notice to <%s>: %s", info.address, to, outcome.refused or "sent")
    return outcome.accepted
