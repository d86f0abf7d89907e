"""What a demo visitor may not do, enforced where every path meets: the model's ``pre_save``.

A page, the API and allauth all end in ``Model.save()``, so one ``pre_save`` handler
sees every write, whichever view made it:

- the demo sign-ins (:data:`hostpanel.demo.DEMO_LOGINS`) keep their passwords and are not
  deleted; the outbox (``CATCH_ALL_LOGIN``, where mail to other domains goes) gets no
  password anyone knows, and its address no new account (:class:`DemoRefusal`, a
  ``ValidationError``: forms and the API show it on the field);
- a visitor's address creates things in at most HOSTPANEL_DEMO_CREATES_PER_MINUTE
  requests a minute (:class:`TooManyCreations`: the middleware answers 429);
- the demo domain holds at most HOSTPANEL_DEMO_MAX_OBJECTS of each kind of thing
  (accounts, forwards, lists, ...: :class:`DemoRefusal`);
- a mailbox's quota (and the domain's default) stays at most MAX_QUOTA_MB.

All of it applies to web requests only: :class:`hostpanel.demo.middleware.DemoMiddleware`
puts the request's :class:`Visit` in a context variable, which mail servers, tasks,
commands and the reset never set. Counters live in Django's cache (Redis, or memory per process).
"""

import contextvars
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models.signals import pre_delete, pre_save
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hostpanel.demo import CATCH_ALL_LOGIN, DEMO_DOMAIN, DEMO_LOGINS

RATE_WINDOW = 60  # seconds
# The largest quota a visitor may give a mailbox (or the domain's default), in MB: 0
# ("no limit") too is refused, so that mail sent to the demo cannot fill the disk.
MAX_QUOTA_MB = 25
# The quota fields a visitor may set, by model.
_QUOTA_FIELDS = {"domains.account": "quota_mb", "domains.domain": "default_quota_mb"}
# Accounts a visitor can neither delete nor give another password.
PROTECTED = frozenset({*DEMO_LOGINS, CATCH_ALL_LOGIN})
# Rows a request writes as bookkeeping, not as something the visitor made.
_BOOKKEEPING_APPS = frozenset({"sessions", "usersessions", "admin", "contenttypes", "auth",
                               "account", "operator", "dashboard"})
_BOOKKEEPING_MODELS = frozenset({
    "domains.deletedmailbox", "routing.routing", "routing.autoreplysent",
    "spam.accountspamsettings", "spam.domainspamsettings", "quarantine.scannerstatus",
})
# The kinds of things the demo domain holds at most HOSTPANEL_DEMO_MAX_OBJECTS of,
# and the way from each to its domain's name.
CAPPED = {
    "domains.account": "domain__name",
    "routing.forward": "domain__name",
    "routing.autoresponder": "domain__name",
    "lists.mailinglist": "domain__name",
    "lists.member": "mailing_list__domain__name",
    "api.apitoken": "account__domain__name",
}


class DemoRefusal(ValidationError):
    """Something the demo does not allow; the message says what and why."""


class TooManyCreations(Exception):
    """This visitor's address created things in too many requests this minute."""

    def __init__(self):
        super().__init__(creation_limit_text())


def creation_limit_text() -> str:
    count = settings.HOSTPANEL_DEMO_CREATES_PER_MINUTE
    return ngettext("You can create at most %(count)d thing a minute in the demo; "
                    "try again in a minute.",
                    "You can create at most %(count)d things a minute in the demo; "
                    "try again in a minute.", count) % {"count": count}


@dataclass
class Visit:
    """One web request of the demo, as the write guard needs it."""

    ip: str
    counted: bool = False  # this request already counts as one that creates something
    refusal: Exception | None = None  # what the guard refused in this request, if anything


current_visit: contextvars.ContextVar[Visit | None] = contextvars.ContextVar(
    "hostpanel_demo_visit", default=None)


def _label(model) -> str:
    return model._meta.label_lower


def _is_bookkeeping(model) -> bool:
    return model._meta.app_label in _BOOKKEEPING_APPS or _label(model) in _BOOKKEEPING_MODELS


def _count_creation(visit: Visit) -> None:
    """Count this request once; refuse it when the address is past its limit.

    The minute starts at the address's first creation (the counter's lifetime).
    """
    if visit.counted:
        return
    key = f"hostpanel:demo-creates:{visit.ip}"
    cache.add(key, 0, timeout=RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW)
        count = 1
    if count > settings.HOSTPANEL_DEMO_CREATES_PER_MINUTE:
        raise TooManyCreations
    visit.counted = True


def _check_cap(model) -> None:
    path = CAPPED.get(_label(model))
    if path is None:
        return
    limit = settings.HOSTPANEL_DEMO_MAX_OBJECTS
    if model._default_manager.filter(**{path: DEMO_DOMAIN}).count() >= limit:
        raise DemoRefusal(
            _("The demo holds at most %(count)d %(things)s; delete one first.")
            % {"count": limit, "things": model._meta.verbose_name_plural})


def _check_demo_password(instance, update_fields) -> None:
    """A demo sign-in keeps its password: a new hash must still be the demo password's.

    A hash of the same password (a reset, a hasher upgrade at login) passes. The outbox's
    password nobody knows, and nobody sets: it would show other visitors' mail.
    """
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    stored = (type(instance)._default_manager.filter(pk=instance.pk)
              .values_list("username", "password").first())
    if stored is None or stored[0] not in PROTECTED or stored[1] == instance.password:
        return
    if stored[0] in DEMO_LOGINS:
        if check_password(DEMO_LOGINS[stored[0]], instance.password):
            return
        message = _("The password of %(login)s cannot be changed in the demo: every visitor "
                    "signs in with it.") % {"login": stored[0]}
    else:
        message = _("The password of the demo's outbox cannot be set: it holds what every "
                    "visitor sends to other domains.")
    raise DemoRefusal({"password": message})


def _check_outbox_name(instance) -> None:
    """A visitor cannot make an account of the outbox's address (it would get everyone's mail)."""
    if instance._state.adding and instance.get_username() == CATCH_ALL_LOGIN:
        raise DemoRefusal({"name": _(
            "The address %(address)s is kept for the demo's outbox.")
            % {"address": CATCH_ALL_LOGIN}})


def _check_quota(model, instance) -> None:
    """A quota a visitor sets stays between 1 and MAX_QUOTA_MB (an unchanged one passes)."""
    field = _QUOTA_FIELDS.get(_label(model))
    if field is None:
        return
    value = getattr(instance, field)
    if 0 < value <= MAX_QUOTA_MB:
        return
    if not instance._state.adding and instance.pk is not None and \
            model._default_manager.filter(pk=instance.pk, **{field: value}).exists():
        return
    raise DemoRefusal({field: _("In the demo a mailbox holds at most %(size)d MB.")
                       % {"size": MAX_QUOTA_MB}})


def guard(sender, instance, raw=False, update_fields=None, **kwargs):
    """``pre_save`` of every model, in demo mode: refuse what the demo does not allow."""
    if raw or not settings.HOSTPANEL_DEMO:
        return
    visit = current_visit.get()
    if visit is None:  # a reset, a task, a mail server, a command: not a visitor
        return
    try:
        if _label(sender) == settings.AUTH_USER_MODEL.lower():
            _check_demo_password(instance, update_fields)
            _check_outbox_name(instance)
        _check_quota(sender, instance)
        if not instance._state.adding or _is_bookkeeping(sender):
            return
        _count_creation(visit)
        _check_cap(sender)
    except (DemoRefusal, TooManyCreations) as refusal:
        visit.refusal = refusal
        raise


def keep_sign_ins(sender, instance, **kwargs):
    """``pre_delete`` of accounts, in a demo request: the sign-ins and the outbox stay."""
    visit = current_visit.get()
    if not settings.HOSTPANEL_DEMO or visit is None:
        return
    if _label(sender) != settings.AUTH_USER_MODEL.lower() or \
            instance.get_username() not in PROTECTED:
        return
    refusal = DemoRefusal({"name": _(
        "%(login)s cannot be deleted in the demo: the next visitor needs it.")
        % {"login": instance.get_username()}})
    visit.refusal = refusal
    raise refusal


pre_save.connect(guard, dispatch_uid="hostpanel.demo.limits.guard")
pre_delete.connect(keep_sign_ins, dispatch_uid="hostpanel.demo.limits.keep_sign_ins")
