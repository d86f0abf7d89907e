"""Each endpoint of /api/v1/domains/{domain}/accounts, with Basic and with Bearer."""

from hostpanel.domains.models import Account, DeletedMailbox
from mailcore.maildir import Maildir, maildir_path
from tests.conftest import PASSWORD

ACCOUNTS = "/domains/example.com/accounts"
STANDARD_ROUTING = {"mode": "standard", "forward_to": [], "save_copy": False,
                    "vacation": {"enabled": False, "subject": "", "message": "", "start": None,
                                 "end": None}}


def test_it_lists_the_accounts_of_the_domain(as_postmaster, jane, settings):
    message = b"Subject: x\n\nhello\n"
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")).deliver(message)
    response = as_postmaster.get(ACCOUNTS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["page"] == 1 and body["pages"] == 1
    assert [item["address"] for item in body["items"]] == [
        "jane@example.com", "postmaster@example.com", "spam@example.com"]
    assert body["items"][0] == {"name": "jane", "address": "jane@example.com", "quota_mb": 1024,
                                "spam_filtering": True, "usage_bytes": len(message),
                                "routing": STANDARD_ROUTING}


def test_the_list_is_searchable_and_paginated(as_postmaster, domain, account_factory,
                                              monkeypatch):
    from hostpanel.api import accounts

    monkeypatch.setattr(accounts, "PAGE_SIZE", 2)
    for name in ("ann", "anna", "annie", "bob"):
        account_factory(domain, name)
    page2 = as_postmaster.get(ACCOUNTS, search="ANN", page=2).json()
    assert [item["name"] for item in page2["items"]] == ["annie"]
    assert (page2["count"], page2["page"], page2["pages"]) == (3, 2, 2)
    assert as_postmaster.get(ACCOUNTS, page=9).json()["items"] == []


def test_it_creates_an_account(as_postmaster, domain):
    response = as_postmaster.post(ACCOUNTS, {"name": "Bob", "password": PASSWORD,
                                             "quota_mb": 0, "spam_filtering": False})
    assert response.status_code == 201
    assert response.json() == {"name": "bob", "address": "bob@example.com", "quota_mb": 0,
                               "spam_filtering": False, "usage_bytes": 0,
                               "routing": STANDARD_ROUTING}
    assert Account.objects.get(username="bob@example.com").check_password(PASSWORD)


def test_a_new_account_gets_the_domain_defaults(as_postmaster, domain):
    body = as_postmaster.post(ACCOUNTS, {"name": "bob", "password": PASSWORD}).json()
    assert body["quota_mb"] == domain.default_quota_mb and body["spam_filtering"] is True


def test_it_reads_one_account(as_postmaster, jane):
    response = as_postmaster.get(ACCOUNTS + "/JANE")
    assert response.status_code == 200
    assert response.json()["address"] == "jane@example.com"


def test_it_changes_an_account(as_postmaster, jane):
    response = as_postmaster.patch(ACCOUNTS + "/jane", {"quota_mb": 5, "spam_filtering": False})
    assert response.status_code == 200
    assert response.json()["quota_mb"] == 5 and response.json()["spam_filtering"] is False
    jane.refresh_from_db()
    assert (jane.quota_mb, jane.spam_filtering) == (5, False)
    assert jane.check_password(PASSWORD)  # not sent, not changed

    as_postmaster.patch(ACCOUNTS + "/jane", {"password": "fresh-secret-42"})
    jane.refresh_from_db()
    assert jane.check_password("fresh-secret-42") and jane.quota_mb == 5


def test_it_deletes_an_account_and_sets_its_mail_aside(as_postmaster, jane, settings):
    folder = maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")
    Maildir(folder).deliver(b"Subject: x\n\nhello\n")
    response = as_postmaster.delete(ACCOUNTS + "/jane")
    assert response.status_code == 204
    assert response.content == b""
    assert not Account.objects.filter(pk=jane.pk).exists()
    assert not folder.exists()
    assert DeletedMailbox.objects.filter(address="jane@example.com").exists()
    assert as_postmaster.get(ACCOUNTS + "/jane").status_code == 404


def test_the_postmaster_account_cannot_be_deleted(as_postmaster, postmaster):
    response = as_postmaster.delete(ACCOUNTS + "/postmaster")
    assert response.status_code == 400
    assert response.json() == {"errors": {"name": ["The postmaster account cannot be deleted."]}}
    assert Account.objects.filter(pk=postmaster.pk).exists()


def test_the_password_is_never_returned(as_postmaster, jane):
    responses = [
        as_postmaster.get(ACCOUNTS),
        as_postmaster.get(ACCOUNTS + "/jane"),
        as_postmaster.post(ACCOUNTS, {"name": "bob", "password": PASSWORD}),
        as_postmaster.patch(ACCOUNTS + "/jane", {"password": "fresh-secret-42"}),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        text = response.content.decode()
        assert "password" not in text and PASSWORD not in text and "argon2" not in text


def test_an_operator_reaches_every_domain(as_operator, jane, other_domain):
    assert as_operator.get(ACCOUNTS).json()["count"] == 3  # postmaster, spam and jane
    assert as_operator.get("/domains/other.org/accounts").json()["count"] == 2
    assert as_operator.post("/domains/other.org/accounts",
                            {"name": "eve", "password": PASSWORD}).status_code == 201
