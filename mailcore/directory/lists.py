"""Mailing lists as the mail side sees them: options, members, archive, moderation queue.

Plain frozen data in and out; the list's files (archived and held posts) are
written here too, next to the rows that name them, so a number or a token is
never handed out without its message on disk.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hostpanel.domains.models import Domain
from hostpanel.lists import services, storage
from hostpanel.lists.models import ArchivedPost, MailingList, Member, PendingPost, Role
from mailcore.directory._base import _database
from mailcore.queue import spool  # (a module: spool imports this package too)

# Service addresses that need an argument (a cookie, a VERP return) and those that take one
# optionally ("team-get-12", "team-subscribe-jane=example.org"); the others take none.
ARGUMENT_REQUIRED = frozenset({"confirm", "accept", "reject", "return", "edit"})
ARGUMENT_OPTIONAL = frozenset({"get", "subscribe", "unsubscribe", "digest-subscribe",
                               "digest-unsubscribe"})
# Reserved by the list's name space but not offered by mail (ezmlm's allow and mod lists).
NOT_OFFERED = frozenset({"allow", "mod"})
# Mail a list sends to one address (confirmations, answers to commands, refusals) and in
# all, per hour: forged requests cannot make a list bomb anybody's mailbox.
NOTICES_PER_ADDRESS = 3
NOTICES_PER_LIST = 100
NOTICE_WINDOW = 3600


@dataclass(frozen=True)
class ListAddress:
    """Which list an address belongs to, and which of its addresses it is."""

    list_id: int
    list_address: str  # team@example.com
    service: str  # '' for the list's own address, else a SERVICE_SUFFIXES entry
    argument: str = ""  # what follows the service: a cookie, "12-jane=example.org"...


@dataclass(frozen=True)
class ListInfo:
    """A list and every option the mail side acts on."""

    id: int
    address: str
    local_part: str
    domain: str
    owner: str
    prefix: str
    posting: str
    reply_to: str
    reply_to_address: str
    trailer: str
    digest: bool
    request_address: bool
    remote_admin: bool
    remote_view_subscribers: bool
    remote_edit_texts: bool
    private: bool
    subscribe_confirm: bool
    subscribe_moderated: bool
    unsubscribe_confirm: bool
    archive: bool
    archive_access: str
    language: str
    max_message_kb: int
    welcome_text: str
    help_text: str
    goodbye_text: str

    def service_address(self, service: str, argument: str = "") -> str:
        """``team-<service>[-<argument>]@domain``."""
        local = f"{self.local_part}-{service}" + (f"-{argument}" if argument else "")
        return f"{local}@{self.domain}"


@dataclass(frozen=True)
class HeldPost:
    token: str
    sender: str
    subject: str
    message: bytes


@dataclass(frozen=True)
class ListPeriods:
    confirm_days: int  # a confirmation cookie's life
    moderation_days: int  # how long a held post waits for a moderator


def list_periods() -> ListPeriods:
    return ListPeriods(settings.HOSTPANEL_LIST_CONFIRM_DAYS,
                       settings.HOSTPANEL_LIST_MODERATION_DAYS)


def _count(key: str, limit: int) -> bool:
    window = int(timezone.now().timestamp()) // NOTICE_WINDOW
    key = f"hostpanel:list-notices:{key}:{window}"
    cache.add(key, 0, NOTICE_WINDOW * 2)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, NOTICE_WINDOW * 2)
        return True


def claim_list_notice(list_id: int, address: str) -> bool:
    """Whether the list may send ``address`` one more notice this hour; True counts it.

    Counted in Django's cache: per process with the local-memory cache, for
    every server with Redis (REDIS_URL).
    """
    if not _count(f"{list_id}", NOTICES_PER_LIST):
        return False
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    return _count(f"{list_id}:{digest}", NOTICES_PER_ADDRESS)


def _info(row: MailingList) -> ListInfo:
    return ListInfo(
        id=row.pk, address=row.address, local_part=row.local_part, domain=row.domain.name,
        owner=row.owner, prefix=row.prefix, posting=row.posting, reply_to=row.reply_to,
        reply_to_address=row.reply_to_address, trailer=row.trailer, digest=row.digest,
        request_address=row.request_address, remote_admin=row.remote_admin,
        remote_view_subscribers=row.remote_view_subscribers,
        remote_edit_texts=row.remote_edit_texts,
        private=row.private, subscribe_confirm=row.subscribe_confirm,
        subscribe_moderated=row.subscribe_moderated,
        unsubscribe_confirm=row.unsubscribe_confirm, archive=row.archive,
        archive_access=row.archive_access, language=row.language,
        max_message_kb=row.max_message_kb, welcome_text=row.welcome_text,
        help_text=row.help_text, goodbye_text=row.goodbye_text)


def _offered(row: MailingList, service: str, argument: str) -> bool:
    """Whether mail to this service address of ``row`` is taken at all."""
    if service in NOT_OFFERED:
        return False
    if service in ARGUMENT_REQUIRED:
        return bool(argument)
    if argument and service not in ARGUMENT_OPTIONAL:
        return False
    if service == "request" and not row.request_address:
        return False
    return not (service.startswith("digest") and not row.digest)


def list_address(domain: Domain, local_part: str) -> ListAddress | None | bool:
    """The list address ``local_part@domain`` is; False when a list reserves it unused.

    None: no list's. False: a list's name space holds it, but it takes no mail
    (an unknown argument, a service that is off): no catch-all may have it.
    """
    row = services.list_taking(domain, local_part)
    if row is None:
        return None
    service, argument = services.service_of(local_part, row.local_part)
    if not service:
        return ListAddress(row.pk, row.address, "")
    if not _offered(row, service, argument):
        return False
    return ListAddress(row.pk, row.address, service, argument)


@_database
def list_info(list_id: int) -> ListInfo | None:
    row = MailingList.objects.select_related("domain").filter(
        pk=list_id, domain__is_active=True).first()
    return _info(row) if row else None


@_database
def list_members(list_id: int, role: str = Role.SUBSCRIBER) -> tuple[str, ...]:
    return tuple(Member.objects.filter(mailing_list_id=list_id, role=role)
                 .order_by("address").values_list("address", flat=True))


@_database
def member_roles(list_id: int, addresses) -> frozenset[str]:
    """The roles any of ``addresses`` has on the list (case-insensitive)."""
    wanted = {address.strip().lower() for address in addresses if address}
    return frozenset(Member.objects.filter(mailing_list_id=list_id, address__in=wanted)
                     .values_list("role", flat=True))


@_database
def add_list_member(list_id: int, address: str, role: str = Role.SUBSCRIBER) -> bool:
    """Add ``address``; False when it was there already (or is no address)."""
    row = MailingList.objects.select_related("domain").get(pk=list_id)
    if services.is_member(row, address, role):
        return False
    try:
        services.add_member(row, address, role)
    except ValidationError:
        return False
    return True


@_database
def remove_list_member(list_id: int, address: str, role: str = Role.SUBSCRIBER) -> bool:
    row = MailingList.objects.get(pk=list_id)
    return services.remove_member(row, address, role)


@_database
def number_post(list_id: int, message: bytes, *, sender: str, subject: str) -> int:
    """The post's number (taken atomically), and its archive copy when the list keeps one."""
    with transaction.atomic():
        # The UPDATE first: it locks the row (PostgreSQL) or the database (SQLite) until
        # the commit, so two posts never read the same number.
        MailingList.objects.filter(pk=list_id).update(next_number=F("next_number") + 1)
        row = MailingList.objects.select_related("domain").get(pk=list_id)
        number = row.next_number - 1
        if row.archive:
            path = storage.list_folder(row) / "archive" / str(number)
            spool.write_durably(path, message)
            ArchivedPost.objects.create(mailing_list=row, number=number, sender=sender[:320],
                                        subject=subject[:500], path=str(path),
                                        size=len(message))
    return number


@_database
def archived_post(list_id: int, number: int) -> bytes | None:
    post = ArchivedPost.objects.filter(mailing_list_id=list_id, number=number).first()
    try:
        return Path(post.path).read_bytes() if post else None
    except OSError:
        return None


@_database
def archive_index(list_id: int, limit: int = 100) -> tuple[tuple[int, str, str], ...]:
    """The latest ``limit`` posts, oldest first: (number, sender, subject)."""
    posts = (ArchivedPost.objects.filter(mailing_list_id=list_id).order_by("-number")
             .values_list("number", "sender", "subject")[:limit])
    return tuple(reversed(list(posts)))


@_database
def hold_post(list_id: int, message: bytes, *, sender: str, subject: str,
              days: int) -> str:
    """Keep a post for the moderators; its token."""
    token = secrets.token_hex(16)
    row = MailingList.objects.select_related("domain").get(pk=list_id)
    path = storage.list_folder(row) / "pending" / token
    spool.write_durably(path, message)
    PendingPost.objects.create(mailing_list=row, token=token, sender=sender[:320],
                               subject=subject[:500], path=str(path), size=len(message),
                               expires_at=timezone.now() + timedelta(days=days))
    return token


@_database
def take_pending(list_id: int, token: str) -> HeldPost | None:
    """Remove a held post and return it; None when it is gone (decided, expired)."""
    with transaction.atomic():
        post = (PendingPost.objects.select_for_update()
                .filter(mailing_list_id=list_id, token=token,
                        expires_at__gt=timezone.now()).first())
        if post is None:
            return None
        post.delete()
    path = Path(post.path)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return HeldPost(post.token, post.sender, post.subject, data)


@_database
def expire_pending_posts() -> int:
    """Drop held posts past their time (and their files); how many."""
    expired = list(PendingPost.objects.filter(expires_at__lte=timezone.now()))
    for post in expired:
        Path(post.path).unlink(missing_ok=True)
    PendingPost.objects.filter(pk__in=[post.pk for post in expired]).delete()
    return len(expired)


@dataclass(frozen=True)
class BounceState:
    """A subscriber's bounces so far."""

    bounces: int
    first_bounce_at: datetime
    warned_at: datetime | None


BOUNCE_MEMORY = timedelta(days=30)  # bounces older than this are forgotten at the next one


@_database
def record_list_bounce(list_id: int, address: str) -> BounceState | None:
    """Count a bounce of ``address``'s copy; None when it is no (digest) subscriber."""
    address = address.strip().lower()
    now = timezone.now()
    with transaction.atomic():
        found = list(Member.objects.select_for_update().filter(
            mailing_list_id=list_id, address=address,
            role__in=(Role.SUBSCRIBER, Role.DIGEST)))
        for member in found:
            if member.first_bounce_at and now - member.first_bounce_at > BOUNCE_MEMORY:
                # An old, isolated run of bounces: the address has worked since.
                member.bounces, member.first_bounce_at, member.warned_at = 0, None, None
            member.bounces += 1
            member.first_bounce_at = member.first_bounce_at or now
            member.save(update_fields=["bounces", "first_bounce_at", "warned_at"])
    if not found:
        return None
    first = min(found, key=lambda member: member.first_bounce_at)
    return BounceState(max(member.bounces for member in found), first.first_bounce_at,
                       first.warned_at)


@_database
def mark_list_warned(list_id: int, address: str) -> None:
    Member.objects.filter(mailing_list_id=list_id, address=address.strip().lower(),
                          role__in=(Role.SUBSCRIBER, Role.DIGEST)).update(
        warned_at=timezone.now())


@_database
def remove_bouncing_member(list_id: int, address: str) -> bool:
    """Remove a warned subscriber whose warning bounced too; whether there was one."""
    deleted, _count = Member.objects.filter(
        mailing_list_id=list_id, address=address.strip().lower(),
        role__in=(Role.SUBSCRIBER, Role.DIGEST), warned_at__isnull=False).delete()
    return bool(deleted)


@dataclass(frozen=True)
class DigestBatch:
    """Archived posts a list's digest subscribers have not had yet, taken for one digest."""

    info: ListInfo
    first: int
    last: int
    posts: tuple[tuple[int, bytes], ...]  # (number, message as archived)
    subscribers: tuple[str, ...]


DIGEST_MAX_POSTS = 100  # posts in one digest; the rest go in the next


@_database
def claim_digests(max_age: timedelta, max_bytes: int) -> list[DigestBatch]:
    """The digests due now: posts waiting longer than ``max_age`` or of ``max_bytes`` in all.

    Each is claimed (the list's ``digest_sent_number`` moves past it with a
    conditional update) before it is returned: two beat runs never send the
    same digest, and one that fails to go out is not sent again.
    """
    now = timezone.now()
    batches = []
    for row in MailingList.objects.select_related("domain").filter(
            digest=True, archive=True, domain__is_active=True):
        posts = list(ArchivedPost.objects.filter(mailing_list=row,
                                                 number__gt=row.digest_sent_number)
                     .order_by("number")[:DIGEST_MAX_POSTS])
        if not posts or (posts[0].created_at > now - max_age
                         and sum(post.size for post in posts) < max_bytes):
            continue
        last = posts[-1].number
        if not MailingList.objects.filter(pk=row.pk, digest_sent_number=row.digest_sent_number
                                          ).update(digest_sent_number=last):
            continue
        texts = []
        for post in posts:
            try:
                texts.append((post.number, Path(post.path).read_bytes()))
            except OSError:
                continue
        subscribers = tuple(Member.objects.filter(mailing_list=row, role=Role.DIGEST)
                            .values_list("address", flat=True))
        if texts and subscribers:
            batches.append(DigestBatch(_info(row), posts[0].number, last, tuple(texts),
                                       subscribers))
    return batches


@_database
def search_list_members(list_id: int, role: str, text: str = "",
                        limit: int = 1000) -> tuple[tuple[str, ...], int]:
    """Up to ``limit`` addresses of ``role`` containing ``text``, and how many match in all."""
    row = MailingList.objects.get(pk=list_id)
    found = services.members(row, role, text).order_by("address")
    return tuple(found.values_list("address", flat=True)[:limit]), found.count()


@_database
def set_list_text(list_id: int, field: str, text: str) -> bool:
    """Replace one of the list's texts (trailer, welcome, help, goodbye); False when refused."""
    if field not in services.TEXT_OPTIONS:
        return False
    row = MailingList.objects.get(pk=list_id)
    try:
        services.update_list(row, **{field: text})
    except ValidationError:
        return False
    return True
