"""The postmaster's quarantine page, its download and delete, the menu and the banner."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hostpanel.quarantine.models import QuarantinedMessage
from mailcore.filters import quarantine
from tests.conftest import PASSWORD

RAW = b"Subject: Invoice\r\n\r\nEICAR inside\r\n"
BANNER = "No virus scanner is configured"


def put(folder, domains=("example.com",), virus="Eicar-Test-Signature.UNOFFICIAL",
        sender="bob@remote.test", age=timedelta(0)):
    infected = quarantine.Infected(sender=sender, recipients=("jane@example.com",),
                                   virus=virus, client_ip="192.0.2.7", domains=domains)
    entry = quarantine.store(folder, RAW, infected, now=timezone.now() - age)
    return list(QuarantinedMessage.objects.filter(entry_id=entry).order_by("domain__name"))


@pytest.fixture
def as_postmaster(client, postmaster):
    client.force_login(postmaster)
    return client


@pytest.fixture
def other_postmaster(domain_factory):
    return domain_factory("other.org").accounts.get(local_part="postmaster")


def test_the_postmaster_sees_the_domains_quarantine(as_postmaster, quarantine_dir,
                                                    domain_factory):
    put(quarantine_dir)
    domain_factory("other.org")
    put(quarantine_dir, domains=("other.org",), virus="Other.Virus", sender="x@y.test")
    page = as_postmaster.get("/domains/example.com/quarantine/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Eicar-Test-Signature.UNOFFICIAL" in text
    assert "bob@remote.test" in text and "jane@example.com" in text
    assert "Other.Virus" not in text and "x@y.test" not in text
    assert "1 message in quarantine" in text
    assert "deleted after 4 days" in text


def test_the_quarantine_is_in_the_domain_menu(as_postmaster):
    page = as_postmaster.get("/domains/example.com/queue/")
    assert 'href="/domains/example.com/quarantine/">Virus quarantine</a>' in page.content.decode()


def test_the_list_is_paged(as_postmaster, quarantine_dir):
    for number in range(27):
        put(quarantine_dir, virus=f"Virus.{number:02d}", age=timedelta(minutes=number))
    first = as_postmaster.get("/domains/example.com/quarantine/").content.decode()
    second = as_postmaster.get("/domains/example.com/quarantine/?page=2").content.decode()
    assert "Virus.00" in first and "Virus.24" in first and "Virus.25" not in first
    assert "Virus.25" in second and "Virus.26" in second and "Virus.00" not in second
    assert "Page 1 of 2" in first


def test_the_postmaster_downloads_the_raw_message(as_postmaster, quarantine_dir):
    [entry] = put(quarantine_dir)
    response = as_postmaster.get(f"/domains/example.com/quarantine/{entry.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == (
        f'attachment; filename="quarantine-{entry.pk}.eml"')
    assert response.content == RAW


def test_deleting_asks_for_confirmation_then_deletes(as_postmaster, quarantine_dir):
    [entry] = put(quarantine_dir)
    url = f"/domains/example.com/quarantine/{entry.pk}/delete/"
    confirm = as_postmaster.get(url)
    assert "Delete the message" in confirm.content.decode()
    assert QuarantinedMessage.objects.count() == 1
    done = as_postmaster.post(url, follow=True)
    assert "The quarantined message was deleted." in done.content.decode()
    assert QuarantinedMessage.objects.count() == 0
    assert list((quarantine_dir / "messages").iterdir()) == []


def test_another_domains_postmaster_and_mail_users_get_404(client, other_postmaster, jane,
                                                           quarantine_dir):
    [entry] = put(quarantine_dir)
    urls = ["/domains/example.com/quarantine/",
            f"/domains/example.com/quarantine/{entry.pk}/download/",
            f"/domains/example.com/quarantine/{entry.pk}/delete/",
            f"/domains/other.org/quarantine/{entry.pk}/download/"]
    for account in (other_postmaster, jane):
        client.force_login(account)
        for url in urls[:3]:
            assert client.get(url).status_code == 404, (account, url)
        assert client.post(urls[2]).status_code == 404
    client.force_login(other_postmaster)
    assert client.get(urls[3]).status_code == 404
    assert client.post(f"/domains/other.org/quarantine/{entry.pk}/delete/").status_code == 404
    assert QuarantinedMessage.objects.count() == 1


def test_the_operator_reaches_every_domains_quarantine(client, db, domain, quarantine_dir):
    put(quarantine_dir)
    client.force_login(get_user_model().objects.create_superuser("admin", PASSWORD))
    assert "bob@remote.test" in client.get("/domains/example.com/quarantine/").content.decode()


def test_without_a_scanner_every_page_shows_a_red_banner(as_postmaster, settings):
    settings.HOSTPANEL_CLAMD = ""
    for url in ("/domains/example.com/accounts/", "/domains/example.com/quarantine/", "/me/"):
        text = as_postmaster.get(url).content.decode()
        assert 'class="banner banner--danger" role="alert"' in text, url
        assert BANNER in text
        assert "HOSTPANEL_CLAMD" not in text  # the setting's name is for the operator


def test_the_operator_is_told_which_setting_to_set(client, settings, db):
    settings.HOSTPANEL_CLAMD = ""
    client.force_login(get_user_model().objects.create_superuser("admin", PASSWORD))
    assert "Set HOSTPANEL_CLAMD." in client.get("/").content.decode()


def test_with_a_scanner_there_is_no_banner(as_postmaster, settings):
    settings.HOSTPANEL_CLAMD = "127.0.0.1:3310"
    text = as_postmaster.get("/domains/example.com/accounts/").content.decode()
    assert BANNER not in text
