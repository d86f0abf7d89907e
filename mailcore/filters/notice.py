"""The notice an authenticated sender gets when we refused their message for a virus."""

import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime, make_msgid

from mailcore.directory import gettext, translation_override

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def virus_notice(*, hostname: str, recipient: str, virus: str, subject: str,
                 recipients: list[str], language: str = "en",
                 now: datetime | None = None) -> bytes:
    """The notice as bytes with CRLF endings: what was refused, why, and what to do."""
    subject = " ".join(_CONTROL.sub(" ", subject or "").split())[:200]
    with translation_override(language):
        title = gettext("Your message was not sent: it contains a virus")
        text = gettext(
            "Your message \"%(subject)s\" to %(recipients)s was not sent: the virus scanner "
            "found %(virus)s in it.\n\n"
            "A copy is kept in quarantine for a few days. Please scan your computer with an "
            "up-to-date antivirus program before you send the message again."
        ) % {"subject": subject or gettext("(no subject)"),
             "recipients": ", ".join(recipients), "virus": virus}
    message = EmailMessage(policy=SMTP if recipient.isascii() else SMTPUTF8)
    message["From"] = f"Mail Delivery System <MAILER-DAEMON@{hostname}>"
    message["To"] = recipient
    message["Subject"] = title
    message["Date"] = format_datetime((now or datetime.now()).astimezone())
    message["Message-ID"] = make_msgid(domain=hostname)
    message["Auto-Submitted"] = "auto-replied"
    message.set_content(text + "\n", charset="utf-8",
                        cte=None if text.isascii() else "quoted-printable")
    return message.as_bytes()
