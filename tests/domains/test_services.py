from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hostpanel.domains import services
from hostpanel.domains.models import Account, DeletedMailbox
from mailcore.maildir import Maildir, maildir_path
from tests.conftest import PASSWORD


def test_it_creates_a_domain_with_its_postmaster(domain):
    postmaster = Account.objects.get(username="postmaster@example.com")
    assert postmaster.is_postmaster
    assert postmaster.check_password(PASSWORD)
    assert postmaster.can_manage(domain)


def test_it_normalizes_domain_names(db):
    domain = services.create_domain("Example.ORG.", PASSWORD)
    assert domain.name == "example.org"


@pytest.mark.parametrize("name", ["", "localhost", "exa mple.com", "-bad.com", "a..b", "1.2.3.4"])
def test_it_rejects_invalid_domain_names(db, name):
    with pytest.raises(ValidationError) as error:
        services.create_domain(name, PASSWORD)
    assert "name" in error.value.message_dict


def test_it_rejects_a_duplicate_account(domain, jane):
    with pytest.raises(ValidationError) as error:
        services.create_account(domain, "JANE", PASSWORD)
    assert "already exists" in error.value.message_dict["name"][0]


@pytest.mark.parametrize("name", ["", ".jane", "jane.", "ja..ne", "ja ne", "jane@x", "../etc",
                                  "j" * 65, "jane%x"])
def test_it_rejects_unsafe_account_names(domain, name):
    with pytest.raises(ValidationError) as error:
        services.create_account(domain, name, PASSWORD)
    assert "name" in error.value.message_dict
    assert not Account.objects.filter(domain=domain).exclude(
        local_part__in=["postmaster", "spam"]).exists()


@pytest.mark.parametrize("quota", [-1, "10", 1.5, True, 10**9])
def test_it_rejects_bad_quotas(domain, quota):
    with pytest.raises(ValidationError) as error:
        services.create_account(domain, "jane", PASSWORD, quota_mb=quota)
    assert "quota_mb" in error.value.message_dict


def test_it_rejects_a_weak_password(domain):
    with pytest.raises(ValidationError) as error:
        services.create_account(domain, "jane", "short")
    assert "password" in error.value.message_dict


def test_the_postmaster_cannot_be_deleted(postmaster):
    with pytest.raises(ValidationError):
        services.delete_account(postmaster)


def test_deleted_mail_is_kept_until_the_grace_period_ends(jane, settings):
    folder = maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")
    Maildir(folder).deliver(b"Subject: keep me\n\nhello\n")

    record = services.delete_account(jane)

    assert not folder.exists()
    aside = settings.HOSTPANEL_MAIL_ROOT / record.path
    assert len(list((aside / "new").iterdir())) == 1
    assert services.purge_deleted_mailboxes(now=timezone.now()) == 0
    assert aside.exists()

    later = timezone.now() + timedelta(days=settings.HOSTPANEL_DELETE_GRACE_DAYS, seconds=1)
    assert services.purge_deleted_mailboxes(now=later) == 1
    assert not aside.exists()
    assert not DeletedMailbox.objects.exists()


def test_a_new_account_does_not_inherit_old_mail(domain, jane, settings):
    services.delete_account(jane)
    folder = maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")
    Maildir(folder).deliver(b"Subject: late\n\narrived during the deletion\n")

    services.create_account(domain, "jane", PASSWORD)

    assert Maildir(folder).messages() == []
    assert DeletedMailbox.objects.count() == 2


def test_it_reports_every_invalid_field_at_once(domain):
    with pytest.raises(ValidationError) as error:
        services.create_account(domain, "../x", "short", quota_mb=-1, spam_filtering="yes")
    assert set(error.value.message_dict) == {"name", "password", "quota_mb", "spam_filtering"}
    assert not Account.objects.filter(domain=domain).exclude(
        local_part__in=["postmaster", "spam"]).exists()
