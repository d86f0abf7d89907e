"""The web mail's operations: whose mailbox, writing and sending, spam and not spam.

A *box* is the Maildir a page shows: the logged-in account's own, or (for a
domain's postmaster, or the operator) the domain's spam account, to review
caught spam. Sending goes through :func:`mailcore.submit.submit`, the path of
authenticated SMTP submission.
"""

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hostpanel.domains.models import Account, Domain
from hostpanel.spam import services as spam
from hostpanel.spam.models import CaughtSpam, DomainSpamSettings
from hostpanel.webmail.render import parse
from hostpanel.webmail.store import Mailbox
from mailcore import submit as submission
from mailcore.maildir import StoredMessage, maildir_path, to_lf
from mailcore.routing.facts import read_facts

REPLY_PREFIX = "Re: "
USER_REPORTED = "USER_REPORTED"


@dataclass(frozen=True)
class Box:
    mailbox: Mailbox
    address: str  # the mailbox's own address
    domain: Domain
    is_spam_box: bool  # the domain's spam account: 'not spam' instead of 'this is spam'
    own: bool  # the logged-in account's own mailbox (it may write from it)
    recipient: str = ""  # a user's caught spam: only the spam account's copies for them


def own_box(account: Account) -> Box | None:
    """The logged-in account's mailbox; None for an operator without one."""
    if not account.domain_id:
        return None
    path = maildir_path(settings.HOSTPANEL_MAIL_ROOT, account.domain.name, account.local_part)
    return Box(Mailbox(path), account.address, account.domain, spam.is_spam_account(account),
               own=True)


def spam_box(domain: Domain) -> Box | None:
    """The domain's spam account's mailbox (for its postmaster's review), or None."""
    row = DomainSpamSettings.objects.select_related("spam_account").filter(domain=domain).first()
    if row is None or row.spam_account is None:
        return None
    account = row.spam_account
    path = maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain.name, account.local_part)
    return Box(Mailbox(path), account.address, domain, True, own=False)


def caught_box(account: Account) -> Box | None:
    """A user's own caught spam: the spam account's copies recorded for their address."""
    if not account.domain_id or spam.is_spam_account(account):
        return None
    box = spam_box(account.domain)
    if box is None:
        return None
    keys = frozenset(CaughtSpam.objects.filter(domain=account.domain, recipient=account.address)
                     .values_list("filename", flat=True))
    return Box(Mailbox(box.mailbox.path, only=keys), box.address, account.domain, True,
               own=False, recipient=account.address)


def caught_entry(box: Box, key: str) -> CaughtSpam | None:
    """The record of a caught message of the spam account (what 'not spam' needs)."""
    if not box.is_spam_box:
        return None
    found = CaughtSpam.objects.filter(domain=box.domain, filename=key)
    if box.recipient:
        found = found.filter(recipient=box.recipient)
    return found.first()


def delete(box: Box, messages: list[StoredMessage]) -> None:
    """Delete messages; in a spam box, with their caught-spam records."""
    box.mailbox.remove(messages)
    if box.is_spam_box and messages:
        CaughtSpam.objects.filter(domain=box.domain,
                                  filename__in=[message.uid for message in messages]).delete()


# -- writing ---------------------------------------------------------------------------

def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if subject[:3].lower() == "re:" else REPLY_PREFIX + subject


def quote(text: str, sender: str, date) -> str:
    when = date_format(timezone.localtime(date), "DATETIME_FORMAT") if date else ""
    intro = (_("On %(date)s, %(sender)s wrote:") % {"date": when, "sender": sender}
             if date else _("%(sender)s wrote:") % {"sender": sender})
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    return "\n\n" + intro + "\n" + "\n".join("> " + line if line else ">" for line in lines) + "\n"


def reply_headers(raw: bytes) -> dict:
    """In-Reply-To and References for a reply to ``raw`` (RFC 5322 section 3.6.4)."""
    facts = read_facts(raw)
    if not facts.message_id:
        return {}
    return {"in_reply_to": facts.message_id,
            "references": " ".join([*facts.references, facts.message_id])}


def split_recipients(value: str) -> tuple[list[str], list[str]]:
    """``(addresses, unreadable entries)`` of a comma-separated field."""
    found, bad = [], []
    for entry in (part.strip() for part in value.replace(";", ",").split(",")):
        if not entry:
            continue
        parsed = getaddresses([entry])
        address = parsed[0][1] if len(parsed) == 1 else ""
        local, at, domain = address.rpartition("@")
        if not at or not local or not domain or " " in address or "." not in domain:
            bad.append(entry)
        else:
            found.append(address)
    return found, bad


def build_message(sender: str, to: list[str], cc: list[str], subject: str, body: str, *,
                  in_reply_to: str = "", references: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = " ".join(subject.split())  # one line: no header injection
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message["User-Agent"] = "hostpanel web mail"
    message.set_content(body.replace("\r\n", "\n"))
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def send(account: Account, *, to: str, cc: str, subject: str, body: str, in_reply_to: str = "",
         references: str = "", client_ip: str = "") -> None:
    """Write the message and send it as ``account`` through submission.

    Raises ``ValidationError`` keyed by field ("to", "cc", "body" or None) with
    one line per refused recipient; nothing is sent then.
    """
    to_list, bad_to = split_recipients(to)
    cc_list, bad_cc = split_recipients(cc)
    errors: dict[str, list[str]] = {}
    for field, bad in (("to", bad_to), ("cc", bad_cc)):
        for entry in bad:
            errors.setdefault(field, []).append(
                _("“%(entry)s” is not an email address.") % {"entry": entry})
    if not to_list and "to" not in errors:
        errors["to"] = [_("Give at least one recipient.")]
    if errors:
        raise ValidationError(errors)
    raw = build_message(account.address, to_list, cc_list, subject, body,
                        in_reply_to=in_reply_to, references=references)
    result = submission.submit(account.address, list(dict.fromkeys(to_list + cc_list)), raw,
                               client_ip=client_ip)
    if result.sent:
        return
    raise ValidationError(_failure(result, to_list))


def _failure(result: submission.Submitted, to_list: list[str]) -> dict:
    reasons = {
        submission.BAD_ADDRESS: _("%(address)s: this address cannot receive mail."),
        submission.UNKNOWN_USER: _("%(address)s: there is no such address."),
        submission.MAILBOX_FULL: _("%(address)s: this mailbox is full."),
    }
    if result.refused:
        errors: dict[str, list[str]] = {}
        for address, reason in result.refused:
            field = "to" if address in to_list else "cc"
            errors.setdefault(field, []).append(reasons[reason] % {"address": address})
        return errors
    if result.too_big:
        return {"body": [_("The message is too big to send.")]}
    if result.not_owned:
        return {None: [_("Your account may not send mail.")]}
    if "virus" in result.reply.lower():
        return {None: [_("The message was not sent: it contains a virus.")]}
    if result.reply.startswith("4"):
        return {None: [_("The message could not be sent now. Please try again in a few "
                         "minutes.")]}
    return {None: [_("The message was not sent: %(reason)s") % {"reason": result.reply}]}


# -- spam ------------------------------------------------------------------------------

def report_spam(box: Box, message: StoredMessage) -> None:
    """'This is spam': move the message to the domain's spam account and learn from it.

    The copy there is filed as caught spam for this mailbox (``X-Original-To``,
    a CaughtSpam record), so that 'not spam' can bring it back.
    """
    if box.is_spam_box:
        raise ValidationError(_("This message is already in the spam mailbox."))
    target = spam.spam_maildir(box.domain)
    row = DomainSpamSettings.objects.select_related("spam_account") \
        .filter(domain=box.domain).first()
    if target is None or row is None:
        raise ValidationError(_("Your domain has no spam mailbox."))
    raw = box.mailbox.read(message)
    spam.learn_message(box.domain, raw, is_spam=True)
    header = (f"Delivered-To: {row.spam_account.address}\r\n"
              f"X-Original-To: {box.address}\r\n").encode()
    stored = target.deliver(to_lf(header) + raw)
    parsed = parse(raw)
    facts = read_facts(raw)
    score = _score(str(parsed.get("X-Spam-Score", "") or ""))
    CaughtSpam.objects.create(
        domain=box.domain, recipient=box.address, sender=(facts.senders or ("",))[0][:320],
        subject=facts.subject[:500], score=score, rules=USER_REPORTED, filename=stored.uid,
        size=stored.size)
    box.mailbox.remove([message])


def _score(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        return 0.0


def not_spam(box: Box, key: str) -> str:
    """Deliver a caught message to its original recipient (spam's ``not_spam``); its address."""
    entry = caught_entry(box, key)
    if entry is None:
        raise ValidationError(_("This message has no record of its original recipient."))
    spam.not_spam(entry)
    return entry.recipient
