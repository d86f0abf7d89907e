"""The live demo's content: demo.example as a visitor finds it after every reset.

Built through the same services the panel uses (domains, routing, lists, spam),
so that what the demo shows is what a real domain looks like. The sample mail
lives in ``content/<mailbox>/*.eml``: plain UTF-8 files with a few ``X-Demo-*``
headers that say how to file them (see :func:`_load`); dates are relative to the
moment of the reset, so the demo's mail always looks a few hours or days old.

Call :func:`build` inside a transaction, with nothing of demo.example left
(``hostpanel.demo.services.reset`` does both).
"""

import itertools
import os
import re
import secrets
import socket
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import Parser
from email.policy import default as default_policy
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from hostpanel.dashboard.models import DailyMailCount
from hostpanel.demo import (
    CATCH_ALL_LOGIN,
    DEMO_DOMAIN,
    POSTMASTER_PASSWORD,
    USER_LOGIN,
    USER_PASSWORD,
)
from hostpanel.domains import services as domains
from hostpanel.domains.models import POSTMASTER, Account, Domain
from hostpanel.lists import services as lists
from hostpanel.lists.models import ArchivedPost, Role
from hostpanel.outbound.models import DkimKey
from hostpanel.routing import services as routing
from hostpanel.spam import services as spam
from hostpanel.spam.models import CaughtSpam
from mailcore.addresses import split_address
from mailcore.filters import quarantine
from mailcore.maildir import Maildir, maildir_path, to_lf

CONTENT = Path(__file__).parent / "content"
QUOTA_MB = 25  # hostpanel.demo.limits.MAX_QUOTA_MB: what a visitor may set at most

# The mailboxes besides postmaster, with their panel language and password. jane's is
# shown on the login page; the others are there to be looked at by the postmaster.
ACCOUNTS = {
    "jane": ("en", USER_PASSWORD),
    "pierre": ("fr", "demo-pierre"),
    "yuki": ("ja", "demo-yuki"),
    "carlos": ("es", "demo-carlos"),
}
CATCH_ALL = split_address(CATCH_ALL_LOGIN)[0]
TEAM = "team"
TEAM_SUBSCRIBERS = ("jane", "pierre", "yuki", "carlos", "lucia.perez@example.org")
# Built from two halves so that no virus scanner flags this source file itself.
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
         b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
EICAR_NAME = "Win.Test.EICAR_HDB-1"


@dataclass(frozen=True)
class Sample:
    """One message of ``content/``, made ready for a mailbox."""

    name: str
    data: bytes  # LF line endings, as stored
    sender: str
    recipient: str
    subject: str
    sent: datetime
    read: bool
    spam: tuple[float, str] | None  # score and rules, for caught spam


def build(now: datetime, *, dkim_key: dict | None = None,
          written: list[Path] | None = None) -> Domain:
    """Create demo.example with its whole content; returns the domain.

    ``dkim_key`` (:func:`dkim_key_of` the previous demo.example) is given back to the
    new domain, so that its DNS record stays the same across resets. The files written
    outside demo.example's own folders (the quarantine's) are added to ``written``.
    """
    domain = _create_domain()
    if dkim_key:
        DkimKey.objects.filter(domain=domain).update(**dkim_key)
    accounts = {POSTMASTER: domain.accounts.get(local_part=POSTMASTER)}
    for name, (language, password) in ACCOUNTS.items():
        accounts[name] = _create_account(domain, name, password, language=language)
    accounts[CATCH_ALL] = _create_account(domain, CATCH_ALL, secrets.token_urlsafe(16),
                                          spam_filtering=False)
    _routing(domain, accounts, timezone.localdate(now))
    _spam_preferences(accounts)
    _mailboxes(domain, now)
    _team_list(domain, now)
    _caught_spam(domain, now)
    _quarantine(now, written if written is not None else [])
    _mail_counts(domain, now)
    return domain


def usernames() -> list[str]:
    """The logins every reset makes again, always under these names."""
    names = [POSTMASTER, *ACCOUNTS, CATCH_ALL, spam.spam_account_name()]
    return [f"{name}@{DEMO_DOMAIN}" for name in names]


# -- domain and accounts -------------------------------------------------------------

def dkim_key_of(domain: Domain) -> dict | None:
    """``domain``'s DKIM key as :func:`build` takes it back (None when it has none)."""
    return DkimKey.objects.filter(domain=domain).values(
        "selector", "private_key", "public_key", "created_at").first()


def _create_domain() -> Domain:
    """demo.example with its postmaster and spam account, as ``create_domain`` makes them."""
    try:
        domain = domains.create_domain(DEMO_DOMAIN, POSTMASTER_PASSWORD,
                                       default_quota_mb=QUOTA_MB)
    except ValidationError as error:
        if set(error.message_dict) != {"password"}:
            raise
        # A site with stricter password rules than the demo's published password:
        # the demo's password is set directly, the rules apply to visitors' changes.
        domain = domains.create_domain(DEMO_DOMAIN, _strong(), default_quota_mb=QUOTA_MB)
        _set_password(domain.accounts.get(local_part=POSTMASTER), POSTMASTER_PASSWORD)
    return domain


def _create_account(domain: Domain, name: str, password: str, **fields) -> Account:
    language = fields.pop("language", "")
    try:
        account = domains.create_account(domain, name, password, **fields)
    except ValidationError as error:
        if set(error.message_dict) != {"password"}:
            raise
        account = domains.create_account(domain, name, _strong(), **fields)
        _set_password(account, password)
    if language:
        account.language = language
        account.save(update_fields=["language"])
    return account


def _strong() -> str:
    return secrets.token_urlsafe(24)


def _set_password(account: Account, password: str) -> None:
    account.set_password(password)
    account.save(update_fields=["password", "password_changed_at"])


# -- routing and spam ----------------------------------------------------------------

def _address(name: str) -> str:
    return f"{name}@{DEMO_DOMAIN}"


def _routing(domain: Domain, accounts: dict, today) -> None:
    routing.create_forward(domain, "sales", [_address("jane")])
    routing.create_forward(domain, "info", [_address("jane"), _address("pierre")])
    routing.create_forward(domain, "webmaster", [_address("postmaster")])
    routing.create_autoresponder(
        domain, "support", "We have received your message",
        "Hello,\n\nthank you for writing to demo.example support. We have received your "
        "message and will answer within one working day.\n\nFor urgent matters, call us "
        "on +1 555 0100 (9:00-17:00).\n\nThe demo.example team",
        copy_to=_address("jane"))
    routing.update_routing(
        accounts["yuki"], vacation_enabled=True,
        vacation_subject="不在のお知らせ / Out of office",
        vacation_message="お問い合わせありがとうございます。\n"
                         "大阪出張のため、来週水曜日まで不在にしております。\n"
                         "急ぎのご用件は jane@demo.example までご連絡ください。\n\n"
                         "Thank you for your message. I am on a business trip to Osaka "
                         "until next Wednesday.\nFor anything urgent, please write to "
                         "jane@demo.example.\n\nYuki Tanaka",
        vacation_start=today - timedelta(days=1), vacation_end=today + timedelta(days=6))


def _spam_preferences(accounts: dict) -> None:
    spam.set_account_preferences(accounts["pierre"], languages=["fr", "en"])
    spam.set_account_preferences(accounts["jane"], threshold=4.5,
                                 whitelist=["example.de", "hotel-bellavista.example.it"],
                                 blacklist=["cheap-meds.example"])


# -- mail ----------------------------------------------------------------------------

_AGE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def _age(value: str) -> timedelta:
    found = _AGE.match(value.strip())
    if not found or not any(found.groups()):
        raise ValueError(f"not an age such as 2d3h: {value!r}")
    days, hours, minutes = (int(part or 0) for part in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def _load(path: Path, now: datetime) -> Sample:
    """A sample message: its headers and UTF-8 body, plus these instructions.

    ``X-Demo-Age: 2d3h`` (when it was sent, before the reset), ``X-Demo-Read: yes``
    (already read), ``X-Demo-External: host [ip]`` (came from outside: a Received
    line), ``X-Demo-Charset: base64`` (the body's encoding), ``X-Demo-Header:
    Name: value`` (one more header), ``X-Demo-Spam: 9.5 RULE,RULE`` (caught spam).
    """
    source = Parser(policy=default_policy).parsestr(path.read_text(encoding="utf-8"))
    sent = now - _age(source["X-Demo-Age"])
    message = EmailMessage(policy=default_policy)
    if source["X-Demo-External"]:
        host = source["X-Demo-External"]
        stamp = format_datetime(sent + timedelta(seconds=4))
        message["Received"] = (f"from {host.split()[0]} ({host}) by mx.{DEMO_DOMAIN} "
                               f"(hostpanel) with ESMTPS id {zlib.crc32(path.name.encode()):x}"
                               f"; {stamp}")
    for name in ("From", "To", "Cc", "Subject"):
        if source[name]:
            message[name] = str(source[name])
    message["Date"] = format_datetime(sent)
    sender = getaddresses([str(source["From"])])[0][1]
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    for extra in source.get_all("X-Demo-Header", []):
        name, _, value = str(extra).partition(":")
        message[name.strip()] = value.strip()
    spam_info = None
    if source["X-Demo-Spam"]:
        score, _, rules = str(source["X-Demo-Spam"]).partition(" ")
        spam_info = (float(score), rules.strip())
        message["X-Spam-Flag"] = "YES"
        message["X-Spam-Score"] = score
        message["X-Spam-Status"] = f"Yes, score={score} required=5.0 tests={rules.strip()}"
    cte = "base64" if source["X-Demo-Charset"] == "base64" else "quoted-printable"
    body = source.get_payload()
    if body.isascii():
        message.set_content(body)
    else:
        message.set_content(body, charset="utf-8", cte=cte)
    recipient = getaddresses([str(source["To"])])[0][1]
    return Sample(name=path.name, data=to_lf(message.as_bytes()), sender=sender,
                  recipient=recipient, subject=str(source["Subject"]), sent=sent,
                  read=str(source["X-Demo-Read"] or "").lower() == "yes", spam=spam_info)


def samples(mailbox: str, now: datetime) -> list[Sample]:
    """The sample messages of ``content/<mailbox>/``, in file name order."""
    return [_load(path, now) for path in sorted((CONTENT / mailbox).glob("*.eml"))]


_sequence = itertools.count(1)
_HOST = socket.gethostname().replace("/", "\\057").replace(":", "\\072")


def _deliver(maildir: Maildir, data: bytes, sent: datetime, read: bool, header: str = ""):
    """Store a sample as delivered at ``sent`` (file name and time), read or not; its uid.

    Written like :meth:`Maildir.deliver` (``tmp/``, then renamed in) but without its
    fsyncs: the demo is rebuilt anyway, and a reset should be quick. The name says when
    it arrived (the order a POP3 client sees) and its sizes, as the Maildir code expects;
    a new Maildir has no ``maildirsize`` yet, so its usage is counted on first use.
    """
    data = to_lf(header.encode()) + data
    stamp = sent.timestamp()
    crlf_size = len(data) + data.count(b"\n")
    uid = (f"{int(stamp)}.M{int(stamp % 1 * 1_000_000)}P{os.getpid()}Q{next(_sequence)}"
           f".{_HOST},S={len(data)},W={crlf_size}")
    maildir.ensure()
    tmp = maildir.path / "tmp" / uid
    tmp.write_bytes(data)
    os.utime(tmp, (stamp, stamp))
    tmp.rename(maildir.path / ("cur" if read else "new") / (uid + (":2,S" if read else "")))
    return uid


def _mailbox(local_part: str) -> Maildir:
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, DEMO_DOMAIN, local_part))


def _mailboxes(domain: Domain, now: datetime) -> None:
    for local_part in (POSTMASTER, *ACCOUNTS, CATCH_ALL):
        box = _mailbox(local_part)
        box.ensure()
        for sample in samples(local_part, now):
            trace = f"Delivered-To: {_address(local_part)}\n"
            if local_part == CATCH_ALL:
                trace += f"X-Original-To: {sample.recipient}\n"
            _deliver(box, sample.data, sample.sent, sample.read, trace)


def _team_list(domain: Domain, now: datetime) -> None:
    """team@: the whole team subscribed, postmaster moderating, a few posts archived."""
    from mailcore import directory

    team = lists.create_list(
        domain, TEAM, owner=_address(POSTMASTER), posting="subscribers_moderated",
        reply_to="list", archive_access="subscribers",
        trailer="--\nteam@demo.example: the whole demo.example team.")
    for member in TEAM_SUBSCRIBERS:
        lists.add_member(team, member if "@" in member else _address(member))
    lists.add_member(team, _address(POSTMASTER), Role.MODERATOR)
    jane = _mailbox("jane")
    for sample in samples(TEAM, now):
        data = (f"List-Id: <{TEAM}.{DEMO_DOMAIN}>\nPrecedence: list\n".encode() + sample.data)
        number = directory.number_post(team.pk, data, sender=sample.sender,
                                       subject=sample.subject)
        ArchivedPost.objects.filter(mailing_list=team, number=number).update(
            created_at=sample.sent)
        _deliver(jane, data, sample.sent, read=True, header=f"Delivered-To: {USER_LOGIN}\n")


def _caught_spam(domain: Domain, now: datetime) -> None:
    box = spam.spam_maildir(domain)
    box.ensure()
    for sample in samples("spam", now):
        header = (f"Delivered-To: {box.path.name}@{DEMO_DOMAIN}\n"
                  f"X-Original-To: {sample.recipient}\n")
        name = _deliver(box, sample.data, sample.sent, False, header)
        score, rules = sample.spam
        CaughtSpam.objects.create(
            domain=domain, recipient=sample.recipient, sender=sample.sender,
            subject=sample.subject, score=score, rules=rules, filename=name,
            size=len(sample.data) + len(header), created_at=sample.sent)


def _quarantine(now: datetime, written: list[Path]) -> None:
    """One message with the EICAR test virus, as the SMTP server quarantines one."""
    sent = now - timedelta(hours=5, minutes=12)
    message = EmailMessage(policy=default_policy)
    message["Received"] = (f"from unknown (unknown [203.0.113.66]) by mx.{DEMO_DOMAIN} "
                           f"(hostpanel) with ESMTP id 5f1e; {format_datetime(sent)}")
    message["From"] = "Accounts Payable <invoices@billing-center.example.com>"
    message["To"] = _address("carlos")
    message["Subject"] = "Overdue invoice #88213 - payment required"
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = make_msgid(domain="billing-center.example.com")
    message.set_content("Please find the overdue invoice attached. Open it to see the "
                        "amount due.\n")
    message.add_attachment(EICAR, maintype="application", subtype="octet-stream",
                           filename="invoice-88213.com")
    folder = Path(settings.HOSTPANEL_QUARANTINE)
    entry_id = quarantine.store(
        folder, message.as_bytes(policy=default_policy.clone(linesep="\r\n")),
        quarantine.Infected(sender="invoices@billing-center.example.com",
                            recipients=(_address("carlos"),), virus=EICAR_NAME,
                            client_ip="203.0.113.66", domains=(DEMO_DOMAIN,)),
        now=sent)
    written.extend(quarantine.entry_paths(folder, entry_id))


def _mail_counts(domain: Domain, now: datetime) -> None:
    """30 days of the dashboard's counters: a working week's rhythm, the same every reset."""
    today = timezone.localdate(now)
    rows = []
    for back in range(30):
        day = today - timedelta(days=back)
        weekend = day.weekday() >= 5
        wobble = zlib.crc32(day.isoformat().encode()) % 17
        received = (12 if weekend else 45) + wobble
        rows.append(DailyMailCount(domain=domain, day=day, received=received,
                                   spam=4 + wobble % 7, viruses=1 if wobble == 3 else 0))
    DailyMailCount.objects.bulk_create(rows)
