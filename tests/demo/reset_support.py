"""Fixtures and helpers of the demo reset's tests.

Imported by each test module (``demo_home_fixture``, ...): the functions have other
names than the fixtures, so that a test's parameter does not shadow an import.
"""

from pathlib import Path

import pytest
from django.conf import settings

from hostpanel.demo import DEMO_DOMAIN
from mailcore.maildir import Maildir, maildir_path


@pytest.fixture(name="demo_home")
def demo_home_fixture(settings, tmp_path):
    """A home of its own (reset lock, last-reset record), in demo mode."""
    settings.HOSTPANEL_HOME = tmp_path / "home"
    settings.HOSTPANEL_HOME.mkdir()
    settings.HOSTPANEL_DEMO = True
    return settings.HOSTPANEL_HOME


@pytest.fixture(name="demo")
def demo_fixture(demo_home, db):
    """demo.example as a reset leaves it."""
    from hostpanel.demo import services
    from hostpanel.domains.models import Domain

    services.reset()
    return Domain.objects.get(name=DEMO_DOMAIN)


def mailbox(local_part: str, domain: str = DEMO_DOMAIN) -> Maildir:
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local_part))


def files_under(folder: Path) -> set[str]:
    """Every file below ``folder``, as paths relative to it."""
    return {str(path.relative_to(folder)) for path in Path(folder).rglob("*") if path.is_file()}


def snapshot() -> dict:
    """What a visitor can see of demo.example, minus what differs between two resets
    (ids, file names, times)."""
    from hostpanel.domains.models import Account, Domain
    from hostpanel.spam.models import AccountSpamSettings

    domain = Domain.objects.get(name=DEMO_DOMAIN)
    return {
        "accounts": sorted(Account.objects.filter(domain=domain)
                           .values_list("username", "quota_mb", "language", "spam_filtering")),
        "forwards": sorted((f.local_part, tuple(f.targets)) for f in domain.forwards.all()),
        "autoresponders": sorted(domain.autoresponders.values_list("local_part", "subject")),
        "lists": sorted((mailing_list.local_part,
                         tuple(sorted(mailing_list.members.values_list("address", "role"))),
                         tuple(sorted(mailing_list.archive_posts.values_list("number",
                                                                             "subject"))))
                        for mailing_list in domain.mailing_lists.all()),
        "spam preferences": sorted(AccountSpamSettings.objects.filter(account__domain=domain)
                                   .values_list("account__username", "languages", "whitelist")),
        "caught spam": sorted(domain.caught_spam.values_list("recipient", "subject")),
        "quarantine": sorted(domain.quarantined_messages.values_list("sender", "virus")),
        "mail": {account.local_part: sorted(
            message.path.read_bytes().split(b"\n\n", 1)[1]
            for message in mailbox(account.local_part).messages())
            for account in domain.accounts.all()},
        "list files": files_under(Path(settings.HOSTPANEL_LISTS) / DEMO_DOMAIN),
        "dkim": domain.dkim_key.public_key,
    }
