"""The digest: the posts since the last one, as one MIME digest (RFC 2046 ``multipart/digest``).

Sent by the beat task ``hostpanel.lists.tasks.send_digests`` when the oldest
waiting post is a day old or the waiting posts reach :data:`MAX_BYTES`. Like
RFC 1153 digests it starts with a table of contents; each post follows as a
``message/rfc822`` part, as archived. It goes to the digest subscribers with
the list headers and the VERP bounce address of its last post.
"""

import email.utils
import logging
import secrets
from datetime import UTC, datetime, timedelta

from mailcore.directory import DigestBatch, gettext, translation_override
from mailcore.lists import headers, mailer, post

log = logging.getLogger("mailcore.lists")

MAX_AGE = timedelta(days=1)
MAX_BYTES = 100 * 1024


def build(batch: DigestBatch) -> bytes:
    info = batch.info
    with translation_override(info.language):
        subject = gettext("%(list)s digest, messages %(first)d to %(last)d") % {
            "list": info.address, "first": batch.first, "last": batch.last}
        contents = gettext("Contents:")
    topics = [f"{number}. {headers.subject_of(data)}" for number, data in batch.posts]
    outer, inner = (f"=_digest_{secrets.token_hex(12)}" for _ in range(2))
    head = [
        f"From: {headers.encode(info.local_part)} <{info.address}>",
        f"To: <{info.service_address('digest')}>",
        f"Subject: {headers.encode(subject)}",
        f"Date: {email.utils.format_datetime(datetime.now(UTC))}",
        f"Message-ID: {email.utils.make_msgid(domain=info.domain)}",
        f"List-Id: <{mailer.list_id(info)}>",
        f"List-Post: <mailto:{info.address}>",
        f"List-Help: <mailto:{info.service_address('help')}>",
        f"List-Unsubscribe: <mailto:{info.service_address('digest-unsubscribe')}>",
        "Precedence: list",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{outer}"',
    ]
    toc = "\r\n".join(mailer.text_part("\n".join([contents, "", *topics]) + "\n"))
    part_head = f"--{inner}\r\nContent-Type: message/rfc822\r\n\r\n".encode()
    parts = b"".join(part_head + headers.crlf(data).rstrip(b"\r\n") + b"\r\n"
                     for _number, data in batch.posts)
    return ("\r\n".join(head) + f"\r\n\r\n--{outer}\r\n{toc}\r\n--{outer}\r\n"
            f'Content-Type: multipart/digest; boundary="{inner}"\r\n\r\n').encode("utf-8") \
        + parts + f"--{inner}--\r\n\r\n--{outer}--\r\n".encode()


def send_digests(router) -> int:
    """Send every digest that is due; how many."""
    batches = router.directory.claim_digests(MAX_AGE, MAX_BYTES)
    for batch in batches:
        post.send_to(router, batch.info, build(batch), batch.last, batch.subscribers)
        log.info("%s: digest of %d to %d sent to %d", batch.info.address, batch.first,
                 batch.last, len(batch.subscribers))
    return len(batches)
