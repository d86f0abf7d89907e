"""The automatic reply itself (vacation, autoresponder): a proper RFC 5322/MIME message.

From the responding address to the envelope sender, with ``Auto-Submitted:
auto-replied``, ``In-Reply-To``/``References`` of the original, its own
``Message-ID`` and ``Date`` (RFC 3834 section 3). Subjects and texts come from
users: control characters are removed from the subject, so no header can be
injected, and the text goes in a UTF-8 body (quoted-printable when not ASCII).
"""

import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime, make_msgid

from mailcore.directory import gettext, translation_override
from mailcore.routing.facts import MessageFacts
from mailcore.routing.plan import ReplyJob

MAX_SUBJECT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def clean_subject(text: str) -> str:
    """One line, no control characters (CR, LF, NUL...), at most MAX_SUBJECT characters."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:MAX_SUBJECT]


def reply_subject(configured: str, original: str, language: str = "en") -> str:
    """The configured subject, else ``Re: <original subject>`` (translated)."""
    subject = clean_subject(configured)
    if subject:
        return subject
    original = clean_subject(original)
    with translation_override(language):
        if not original:
            return gettext("Automatic reply")
        if original.lower().startswith("re:"):
            return original
        return clean_subject(gettext("Re: %(subject)s") % {"subject": original})


def reply_text(job: ReplyJob, language: str = "en") -> str:
    text = (job.text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if text:
        return text + "\n"
    with translation_override(language):
        return gettext("This is an automatic reply: your message has been received.") + "\n"


def build_reply(job: ReplyJob, facts: MessageFacts, *, language: str = "en",
                now: datetime | None = None) -> bytes:
    """The reply as bytes with CRLF line endings, ready for a Maildir or the spool."""
    ascii_only = job.recipient.isascii() and job.responder.isascii()
    message = EmailMessage(policy=SMTP if ascii_only else SMTPUTF8)
    message["From"] = job.responder
    message["To"] = job.recipient
    message["Subject"] = reply_subject(job.subject, facts.subject, language)
    message["Date"] = format_datetime((now or datetime.now()).astimezone())
    domain = job.responder.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    if facts.message_id:
        message["In-Reply-To"] = facts.message_id
        message["References"] = " ".join((*facts.references, facts.message_id))
    message["Auto-Submitted"] = "auto-replied"
    text = reply_text(job, language)
    message.set_content(text, charset="utf-8",
                        cte=None if text.isascii() else "quoted-printable")
    return message.as_bytes()
