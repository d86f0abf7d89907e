"""Nobody but the domain's postmaster (and the operator) reaches its pages; others get 404."""

import pytest

from hostpanel.domains.models import Account
from tests.conftest import PASSWORD
from tests.panel.conftest import page_as_seen

PAGES = [
    "/domains/example.com/accounts/",
    "/domains/example.com/accounts/?q=jane&page=1",
    "/domains/example.com/accounts/new/",
    "/domains/example.com/accounts/jane/edit/",
    "/domains/example.com/accounts/postmaster/edit/",
    "/domains/example.com/accounts/jane/delete/",
    "/domains/example.com/accounts/nobody/edit/",
    "/domains/example.com/accounts/nobody/delete/",
]
NEW = {"name": "intruder", "password": PASSWORD, "password2": PASSWORD, "quota_mb": "1"}
CHANGE = {"password": "taken-over-123", "password2": "taken-over-123", "quota_mb": "1"}


@pytest.mark.parametrize("url", PAGES)
def test_a_postmaster_of_another_domain_gets_404_on_every_page(client, jane, other_postmaster,
                                                               url):
    client.force_login(other_postmaster)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_a_mail_user_gets_404_on_every_domain_page_even_their_own(client, jane, url):
    client.force_login(jane)
    assert client.get(url).status_code == 404


def test_another_postmaster_cannot_create_modify_or_delete_by_post(client, jane, postmaster,
                                                                   other_postmaster):
    client.force_login(other_postmaster)
    base = "/domains/example.com/accounts/"
    assert client.post(base + "new/", NEW).status_code == 404
    assert client.post(base + "jane/edit/", CHANGE).status_code == 404
    assert client.post(base + "postmaster/edit/", CHANGE).status_code == 404
    assert client.post(base + "jane/delete/").status_code == 404

    assert not Account.objects.filter(local_part="intruder").exists()
    jane.refresh_from_db()
    postmaster.refresh_from_db()
    assert jane.quota_mb == 1024 and jane.check_password(PASSWORD)
    assert postmaster.check_password(PASSWORD)


def test_another_domain_looks_exactly_like_a_domain_that_does_not_exist(client, domain,
                                                                        other_postmaster):
    client.force_login(other_postmaster)
    hosted = client.get("/domains/example.com/accounts/")
    missing = client.get("/domains/no-such-domain.net/accounts/")
    assert hosted.status_code == missing.status_code == 404
    assert page_as_seen(hosted) == page_as_seen(missing)


def test_visitors_who_are_not_logged_in_are_sent_to_the_login_page(client, jane):
    for url in PAGES + ["/me/", "/api-tokens/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url


def test_the_operator_manages_every_domain(client, operator, jane, other_postmaster):
    client.force_login(operator)
    for url in PAGES[:6]:
        assert client.get(url).status_code == 200, url
    assert client.get("/domains/other.org/accounts/").status_code == 200
    assert client.post("/domains/example.com/accounts/jane/delete/").status_code == 302
    assert not Account.objects.filter(pk=jane.pk).exists()


def test_a_disabled_postmaster_is_logged_out(client, postmaster, jane):
    client.force_login(postmaster)
    postmaster.is_active = False
    postmaster.save()
    assert client.get("/domains/example.com/accounts/").status_code == 302
