"""The postmaster's email control panel: list, create, modify, delete."""

import re

import pytest
from django.test import Client

from hostpanel.domains import views
from hostpanel.domains.models import Account, DeletedMailbox
from mailcore.maildir import Maildir, maildir_path
from tests.conftest import PASSWORD

ACCOUNTS = "/domains/example.com/accounts/"
NEW_PASSWORD = "another-long-secret"


def _listed(page: str) -> list[str]:
    """The addresses in the accounts table, in order."""
    return re.findall(r'<th scope="row">([^<]+)</th>', page)


def _new(client, **fields):
    data = {"name": "bob", "password": PASSWORD, "password2": PASSWORD, "quota_mb": "100",
            "spam_filtering": "on", **fields}
    return client.post(ACCOUNTS + "new/", {k: v for k, v in data.items() if v is not None})


def test_the_list_shows_each_account_with_quota_usage_and_spam_filtering(
        as_postmaster, domain, account_factory, settings):
    account_factory(domain, "bob", quota_mb=0, spam_filtering=False)
    jane = account_factory(domain, "jane", quota_mb=250)
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")).deliver(
        b"Subject: hi\n\n" + b"x" * 4096 + b"\n")
    page = as_postmaster.get(ACCOUNTS).content.decode()

    jane_row = page[page.index(jane.address):].split("</tr>")[0]
    assert "250 MB" in jane_row and "4.0\xa0KB" in jane_row and "On" in jane_row
    bob_row = page[page.index("bob@example.com"):].split("</tr>")[0]
    assert "No limit" in bob_row and "0\xa0bytes" in bob_row and "Off" in bob_row
    assert "4 accounts" in page  # with postmaster and the spam account


def test_a_postmaster_creates_an_account(as_postmaster, domain):
    response = _new(as_postmaster, spam_filtering=None)
    assert response.status_code == 302 and response.url == ACCOUNTS
    bob = Account.objects.get(username="bob@example.com")
    assert (bob.quota_mb, bob.spam_filtering, bob.domain) == (100, False, domain)
    assert bob.check_password(PASSWORD)
    page = as_postmaster.get(ACCOUNTS).content.decode()
    assert "The account bob@example.com was created." in page
    assert "bob@example.com" in page


def test_the_new_account_form_offers_the_domain_default_quota(as_postmaster, domain):
    page = as_postmaster.get(ACCOUNTS + "new/").content.decode()
    assert f'name="quota_mb" value="{domain.default_quota_mb}"' in page
    assert 'name="spam_filtering" id="id_spam_filtering" checked' in page.replace(
        'type="checkbox" ', "")


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": "bad name!"}, "An account name has letters"),
    ({"name": "jane"}, "The account jane@example.com already exists."),
    ({"password": "short", "password2": "short"}, "This password is too short."),
    ({"password2": "something-else-entirely"}, "The two passwords are not the same."),
    ({"quota_mb": "-5"}, "Ensure this value is greater than or equal to 0."),
    ({"quota_mb": "lots"}, "Enter a whole number."),
])
def test_a_refused_account_shows_why_and_keeps_what_was_typed(as_postmaster, jane, fields,
                                                              message):
    response = _new(as_postmaster, **fields)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    name = fields.get("name", "bob")
    assert f'value="{name}"' in page.replace("&#x27;", "'")
    assert f'name="quota_mb" value="{fields.get("quota_mb", "100")}"' in page
    assert Account.objects.filter(domain=jane.domain).count() == 3  # postmaster, spam, jane


def test_a_postmaster_modifies_quota_spam_filtering_and_password(as_postmaster, jane):
    response = as_postmaster.post(ACCOUNTS + "jane/edit/", {
        "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "quota_mb": "42"})
    assert response.status_code == 302
    jane.refresh_from_db()
    assert (jane.quota_mb, jane.spam_filtering) == (42, False)
    assert jane.check_password(NEW_PASSWORD)
    page = as_postmaster.get(ACCOUNTS).content.decode()
    assert "The account jane@example.com was changed." in page


def test_an_empty_password_on_modify_keeps_the_old_one(as_postmaster, jane):
    page = as_postmaster.get(ACCOUNTS + "jane/edit/").content.decode()
    assert 'name="quota_mb" value="1024"' in page
    as_postmaster.post(ACCOUNTS + "jane/edit/", {"password": "", "password2": "", "quota_mb": "7",
                                           "spam_filtering": "on"})
    jane.refresh_from_db()
    assert jane.quota_mb == 7 and jane.spam_filtering
    assert jane.check_password(PASSWORD)


def test_a_refused_change_keeps_what_was_typed_and_changes_nothing(as_postmaster, jane):
    response = as_postmaster.post(ACCOUNTS + "jane/edit/", {
        "password": "short", "password2": "short", "quota_mb": "55"})
    page = response.content.decode()
    assert "This password is too short." in page
    assert 'name="quota_mb" value="55"' in page
    jane.refresh_from_db()
    assert jane.quota_mb == 1024 and jane.check_password(PASSWORD)


def test_a_postmaster_who_changes_their_own_password_stays_logged_in(as_postmaster, postmaster):
    as_postmaster.post(ACCOUNTS + "postmaster/edit/", {
        "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "quota_mb": "0"})
    assert as_postmaster.get(ACCOUNTS).status_code == 200


def test_deleting_asks_first_and_tells_when_the_mail_goes(as_postmaster, jane, settings):
    settings.HOSTPANEL_DELETE_GRACE_DAYS = 9
    page = as_postmaster.get(ACCOUNTS + "jane/delete/").content.decode()
    assert "Delete jane@example.com" in page
    assert "Its mail is kept for 9 more days, then removed from disk" in page
    assert 'method="post"' in page
    assert Account.objects.filter(pk=jane.pk).exists()  # a GET deletes nothing


def test_a_postmaster_deletes_an_account_and_its_mail_is_moved_aside(as_postmaster, jane,
                                                                     settings):
    folder = maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")
    Maildir(folder).deliver(b"Subject: keep\n\nfor a while\n")

    response = as_postmaster.post(ACCOUNTS + "jane/delete/")

    assert response.status_code == 302 and response.url == ACCOUNTS
    assert not Account.objects.filter(pk=jane.pk).exists()
    assert not folder.exists()
    record = DeletedMailbox.objects.get(address="jane@example.com")
    assert len(list((settings.HOSTPANEL_MAIL_ROOT / record.path / "new").iterdir())) == 1
    page = as_postmaster.get(ACCOUNTS).content.decode()
    assert "The account jane@example.com was deleted." in page
    assert _listed(page) == ["postmaster@example.com", "spam@example.com"]


def test_the_postmaster_account_has_no_delete_button_and_cannot_be_deleted(as_postmaster,
                                                                         postmaster, jane):
    page = as_postmaster.get(ACCOUNTS).content.decode()
    assert ACCOUNTS + "jane/delete/" in page
    assert ACCOUNTS + "postmaster/delete/" not in page
    assert ACCOUNTS + "postmaster/delete/" not in as_postmaster.get(
        ACCOUNTS + "postmaster/edit/").content.decode()

    response = as_postmaster.post(ACCOUNTS + "postmaster/delete/", follow=True)

    assert "The postmaster account cannot be deleted." in response.content.decode()
    assert Account.objects.filter(pk=postmaster.pk).exists()


def test_the_list_is_searchable_by_name(as_postmaster, domain, account_factory):
    for name in ("alice", "alicia", "bob"):
        account_factory(domain, name)
    page = as_postmaster.get(ACCOUNTS, {"q": "ALI"}).content.decode()
    assert _listed(page) == ["alice@example.com", "alicia@example.com"]
    assert 'value="ALI"' in page
    assert "No account name contains" in as_postmaster.get(ACCOUNTS, {"q": "zed"}).content.decode()


def test_the_list_is_paginated_and_pages_keep_the_search(as_postmaster, domain, account_factory,
                                                         monkeypatch):
    monkeypatch.setattr(views, "ACCOUNTS_PER_PAGE", 2)
    for name in ("ann", "anna", "annie", "bob"):
        account_factory(domain, name)
    first = as_postmaster.get(ACCOUNTS).content.decode()
    assert _listed(first) == ["ann@example.com", "anna@example.com"]
    assert "Page 1 of 3" in first and 'href="?page=2"' in first

    searched = as_postmaster.get(ACCOUNTS, {"q": "ann", "page": "2"}).content.decode()
    assert _listed(searched) == ["annie@example.com"]
    assert "Page 2 of 2" in searched and 'href="?q=ann&amp;page=1"' in searched


def test_forms_need_a_csrf_token(postmaster, jane):
    client = Client(enforce_csrf_checks=True)
    client.force_login(postmaster)
    assert client.post(ACCOUNTS + "jane/delete/").status_code == 403
    assert client.post(ACCOUNTS + "new/", {"name": "bob", "password": PASSWORD,
                                           "password2": PASSWORD, "quota_mb": "1"}
                       ).status_code == 403
    assert Account.objects.filter(pk=jane.pk).exists()
    assert not Account.objects.filter(username="bob@example.com").exists()


def test_account_names_with_markup_are_escaped(as_postmaster, domain):
    page = _new(as_postmaster, name="<script>x</script>").content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_an_account_named_new_can_be_opened_and_modified(as_postmaster, domain, account_factory):
    account_factory(domain, "new")
    page = as_postmaster.get("/domains/example.com/accounts/new/edit/")
    assert page.status_code == 200
    assert "new@example.com" in page.content.decode()
