"""Mailing lists with ezmlm-idx's options, their members, archive and moderation queue.

A list ``team@example.com`` owns its address and the service addresses made from
it (``team-subscribe@``, ``team-request@``, ...: :data:`SERVICE_SUFFIXES`), in the
domain's one address space shared with accounts, forwards and autoresponders.
Messages (archive, posts awaiting a moderator) are files under
``HOSTPANEL_LISTS/<domain>/<list>/``; the rows say where.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Domain

# Addresses of a list besides its own, as ezmlm-idx has them. Confirmation and moderation
# replies go to "<list>-confirm-<cookie>@", "<list>-accept-<cookie>@", "<list>-reject-<cookie>@";
# bounces to "<list>-return-<number>-<user>=<host>@" (VERP).
SERVICE_SUFFIXES = ("subscribe", "unsubscribe", "request", "owner", "help", "index", "get",
                    "digest", "digest-subscribe", "digest-unsubscribe", "confirm", "accept",
                    "reject", "return", "edit", "allow", "mod")


class Posting(models.TextChoices):
    ANYONE = "anyone", _("Anyone can post")
    SUBSCRIBERS = "subscribers", _("Only subscribers can post; others bounce")
    SUBSCRIBERS_MODERATED = "subscribers_moderated", _(
        "Only subscribers can post; messages from others go to the moderators for approval")
    MODERATORS = "moderators", _("Only moderators can post; others bounce")
    MODERATED = "moderated", _(
        "Only moderators can post; every message goes to the moderators for approval")


class ReplyTo(models.TextChoices):
    SENDER = "sender", _("The sender")
    LIST = "list", _("The list")
    ADDRESS = "address", _("A given address")


class ArchiveAccess(models.TextChoices):
    ANYONE = "anyone", _("Anyone")
    SUBSCRIBERS = "subscribers", _("Subscribers only")
    MODERATORS = "moderators", _("Moderators only")


class MailingList(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="mailing_lists",
                               verbose_name=_("domain"))
    local_part = models.CharField(_("name"), max_length=64)
    owner = models.CharField(_("list owner"), max_length=320, blank=True,
                             help_text=_("Gets mail sent to the list's -owner address."))
    prefix = models.CharField(_("subject prefix"), max_length=64, blank=True,
                              help_text=_("Put in front of each subject, such as [team]. "
                                          "Empty: none."))
    posting = models.CharField(_("who can post"), max_length=32, choices=Posting.choices,
                               default=Posting.SUBSCRIBERS)
    reply_to = models.CharField(_("replies go to"), max_length=16, choices=ReplyTo.choices,
                                default=ReplyTo.SENDER)
    reply_to_address = models.CharField(_("reply-to address"), max_length=320, blank=True)
    trailer = models.TextField(_("trailer"), blank=True,
                               help_text=_("Text added to the end of each message."))
    digest = models.BooleanField(_("digest version"), default=False,
                                 help_text=_("Also offer the list as a digest at -digest."))
    request_address = models.BooleanField(_("service requests at -request"), default=True)
    remote_admin = models.BooleanField(_("moderators may administer by mail"), default=False)
    private = models.BooleanField(
        _("private list"), default=False,
        help_text=_("Only administrators can subscribe and unsubscribe people and see the "
                    "index."))
    remote_view_subscribers = models.BooleanField(
        _("remote administrators may view and search the subscriber list"), default=False)
    remote_edit_texts = models.BooleanField(
        _("remote administrators may edit the list's texts"), default=False)
    subscribe_confirm = models.BooleanField(
        _("subscribing needs confirmation by reply"), default=True,
        help_text=_("Without confirmation anyone can be subscribed by forged mail."))
    subscribe_moderated = models.BooleanField(_("subscribing needs a moderator's approval"),
                                              default=False)
    unsubscribe_confirm = models.BooleanField(
        _("unsubscribing needs confirmation by reply"), default=True,
        help_text=_("Without confirmation anyone can be unsubscribed by forged mail."))
    archive = models.BooleanField(_("archive"), default=True)
    archive_access = models.CharField(_("archive retrieval"), max_length=16,
                                      choices=ArchiveAccess.choices,
                                      default=ArchiveAccess.MODERATORS)
    language = models.CharField(_("language"), max_length=16, default="en",
                                help_text=_("Of the texts the list sends."))
    max_message_kb = models.PositiveIntegerField(
        _("largest post (KB)"), default=0, help_text=_("0: the server's limit."))
    welcome_text = models.TextField(_("welcome text"), blank=True,
                                    help_text=_("Sent to new subscribers. Empty: the default."))
    help_text = models.TextField(_("help text"), blank=True,
                                 help_text=_("Sent for -help and unknown commands. Empty: the "
                                             "default."))
    goodbye_text = models.TextField(_("goodbye text"), blank=True,
                                    help_text=_("Sent to those who leave. Empty: the default."))
    next_number = models.PositiveIntegerField(default=1, editable=False)  # archive numbering
    digest_sent_number = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["domain__name", "local_part"]
        verbose_name = _("mailing list")
        verbose_name_plural = _("mailing lists")
        constraints = [models.UniqueConstraint(fields=["domain", "local_part"],
                                               name="list_unique_name_per_domain")]

    def __str__(self):
        return f"{self.local_part}@{self.domain.name}"

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain.name}"


class Role(models.TextChoices):
    SUBSCRIBER = "subscriber", _("Subscriber")
    DIGEST = "digest", _("Digest subscriber")
    MODERATOR = "moderator", _("Moderator")


class Member(models.Model):
    """A subscriber, digest subscriber or moderator (an address can be several)."""

    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE,
                                     related_name="members", verbose_name=_("mailing list"))
    address = models.CharField(_("address"), max_length=320)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices,
                            default=Role.SUBSCRIBER)
    bounces = models.PositiveIntegerField(_("bounces"), default=0)
    first_bounce_at = models.DateTimeField(_("first bounce"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["address"]
        verbose_name = _("list member")
        verbose_name_plural = _("list members")
        constraints = [models.UniqueConstraint(fields=["mailing_list", "address", "role"],
                                               name="member_unique_per_role")]

    def __str__(self):
        return self.address


class ArchivedPost(models.Model):
    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE,
                                     related_name="archive_posts",
                                     verbose_name=_("mailing list"))
    number = models.PositiveIntegerField(_("number"))
    sender = models.CharField(_("sender"), max_length=320)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    path = models.CharField(_("message file"), max_length=500)
    size = models.PositiveIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("archived post")
        verbose_name_plural = _("archived posts")
        constraints = [models.UniqueConstraint(fields=["mailing_list", "number"],
                                               name="archive_unique_number")]

    def __str__(self):
        return f"#{self.number} {self.subject}"


class PendingPost(models.Model):
    """A post waiting for a moderator: accepted or rejected by mail or in the panel."""

    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE,
                                     related_name="pending_posts",
                                     verbose_name=_("mailing list"))
    token = models.CharField(max_length=64, unique=True, editable=False)
    sender = models.CharField(_("sender"), max_length=320)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    path = models.CharField(_("message file"), max_length=500)
    size = models.PositiveIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("post awaiting moderation")
        verbose_name_plural = _("posts awaiting moderation")

    def __str__(self):
        return f"{self.subject} from <{self.sender}>"
