"""API tokens: created, found and revoked here; views, commands and the API call these.

A token reads ``hp_<prefix>_<secret>``. The prefix finds the row cheaply, the
SHA-256 of the whole token is compared in constant time. A token is long and
random, so one round of SHA-256 is enough (no slow password hash needed).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from hostpanel.api.models import ApiToken
from hostpanel.domains.models import Account

TOKEN_MARK = "hp"  # noqa: S105 (a marker that tokens start with, not a secret)
NAME_MAX_LENGTH = 100
LAST_USED_PRECISION = timedelta(minutes=1)  # saves a write on every request


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(account: Account, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``account``: the row, and the token to show once."""
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("A token name is at most %(max)d characters long.")
             % {"max": NAME_MAX_LENGTH}}
        )
    if not account.is_active:
        raise ValidationError({"account": _("This account is disabled.")})
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    token = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(account=account, name=name, prefix=prefix, digest=_digest(token))
    return row, token


def account_for_token(token: str) -> Account | None:
    """The active account a token belongs to, or None; notes when it was used."""
    mark, _sep, rest = (token or "").strip().partition("_")
    prefix, _sep, secret = rest.partition("_")
    if mark != TOKEN_MARK or len(prefix) != 8 or not secret:
        return None
    row = ApiToken.objects.select_related("account").filter(prefix=prefix).first()
    if row is None or not hmac.compare_digest(row.digest, _digest(token.strip())):
        return None
    if not row.account.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.account


def revoke_token(prefix: str, account: Account | None = None) -> bool:
    """Delete the token with ``prefix`` (of ``account`` if given); whether one was."""
    tokens = ApiToken.objects.filter(prefix=(prefix or "").strip().lower())
    if account is not None:
        tokens = tokens.filter(account=account)
    deleted, _details = tokens.delete()
    return deleted > 0
