"""Every domain has a spam account: made with it, its first password shown once, kept."""

import pytest
from django.core.exceptions import ValidationError

from hostpanel.domains import services as domain_services
from hostpanel.domains.models import Account
from hostpanel.spam import services
from hostpanel.spam.models import DomainSpamSettings
from tests.conftest import PASSWORD


def test_a_new_domain_gets_a_spam_account_with_a_random_password_shown_once(db):
    domain = domain_services.create_domain("new.example", PASSWORD)
    account = Account.objects.get(username="spam@new.example")
    assert account.spam_filtering is False and account.quota_mb == 0
    address, password = services.take_initial_password(domain)
    assert address == "spam@new.example" and len(password) >= 16
    assert account.check_password(password)
    assert services.take_initial_password(domain) is None


def test_the_spam_account_cannot_be_deleted(domain):
    account = Account.objects.get(username="spam@example.com")
    with pytest.raises(ValidationError, match="spam account cannot be deleted"):
        domain_services.delete_account(account)
    assert Account.objects.filter(username="spam@example.com").exists()


def test_domains_from_before_get_one_at_setup_even_when_the_name_is_taken(domain,
                                                                           account_factory):
    DomainSpamSettings.objects.filter(domain=domain).update(spam_account=None)
    Account.objects.filter(username="spam@example.com").update(username="x", local_part="x")
    account_factory(domain, "spam")  # a user took the name in the meantime
    assert services.provide_spam_accounts() == 1
    assert DomainSpamSettings.objects.get(domain=domain).spam_account.username == \
        "spam-2@example.com"
    assert services.provide_spam_accounts() == 0
