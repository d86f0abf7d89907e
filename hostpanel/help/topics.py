"""The help topics: one per section of the old support page, in its order.

Each topic's text is the template ``help/topics/<slug>.html``. ``panel_link(user)``
gives the panel page the topic is about, when the visitor may open it (a
postmaster's own domain pages, a mail user's own pages), or None: the help is
read without a login too, and then links nowhere it would be refused.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PanelLink:
    url: str
    label: str  # the menu label of that page


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    summary: str
    link: Callable[[object], PanelLink | None] = lambda user: None

    @property
    def template(self) -> str:
        return f"help/topics/{self.slug}.html"

    def panel_link(self, user) -> PanelLink | None:
        return self.link(user)


def _has_mailbox(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "domain_id", None))


def _is_postmaster(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_postmaster", False))


def _domain_page(view: str, label) -> Callable[[object], PanelLink | None]:
    """The page ``view`` of the postmaster's own domain."""
    def link(user):
        if _is_postmaster(user):
            return PanelLink(reverse(view, args=[user.domain.name]), label)
        return None
    return link


def _own_page(view: str, label) -> Callable[[object], PanelLink | None]:
    """A page of the signed-in mailbox itself."""
    def link(user):
        return PanelLink(reverse(view), label) if _has_mailbox(user) else None
    return link


def _spam_page(user) -> PanelLink | None:
    return (_domain_page("spam:domain", _("Spam preferences"))(user)
            or _own_page("spam:me", _("My spam preferences"))(user))


def _mail_settings_page(user) -> PanelLink | None:
    if user.is_authenticated:
        return PanelLink(reverse("mailsettings:page"), _("Mail settings"))
    return None


TOPICS = (
    Topic("accounts", _("Email accounts"),
          _("Signing in as postmaster; creating, changing and deleting mailboxes."),
          _domain_page("domains:accounts", _("Email accounts"))),
    Topic("mail-settings", _("Mail settings"),
          _("What to type into Outlook, Thunderbird, Eudora or your phone."),
          _mail_settings_page),
    Topic("anti-virus", _("Anti-virus filtering"),
          _("How infected mail is refused and what the quarantine keeps."),
          _domain_page("quarantine:list", _("Virus quarantine"))),
    Topic("spam", _("Spam filtering and spam preferences"),
          _("The spam score, your threshold, languages, blocklists, whitelist and blacklist, "
            "and the spam mailbox."),
          _spam_page),
    Topic("forwards", _("Forwards and aliases"),
          _("Addresses that pass mail on to one or more others, and the catch-all."),
          _domain_page("routing:forwards", _("Forwards"))),
    Topic("vacation", _("Vacation messages and routing"),
          _("Answering mail while you are away; forwarding or deleting an account's mail."),
          _own_page("me", _("My account"))),
    Topic("autoresponders", _("Autoresponders"),
          _("Addresses that answer every message with a fixed reply."),
          _domain_page("routing:autoresponders", _("Autoresponders"))),
    Topic("lists", _("Mailing lists"),
          _("Lists with subscribers, moderators, digests and an archive."),
          _domain_page("lists:lists", _("Mailing lists"))),
    Topic("self-service", _("Self-service for mail users"),
          _("What every user can change on their own: password, vacation, spam preferences."),
          _own_page("me", _("My account"))),
    Topic("languages", _("Languages"),
          _("The panel's languages and how to choose yours.")),
    Topic("resellers", _("Notes for resellers"),
          _("Offering this mail service under your own names.")),
)

BY_SLUG = {topic.slug: topic for topic in TOPICS}
