"""Forwards, autoresponders, queue and settings pages: another domain's postmaster and mail
users get 404 on every page and change nothing by POST; the operator reaches every domain."""


import pytest

from hostpanel.outbound.models import DkimKey
from hostpanel.routing import services
from hostpanel.routing.models import Autoresponder, Forward, Routing
from tests.panel.conftest import page_as_seen

PAGES = [
    "/domains/example.com/forwards/",
    "/domains/example.com/forwards/?q=info&page=1",
    "/domains/example.com/forwards/new/",
    "/domains/example.com/forwards/info/edit/",
    "/domains/example.com/forwards/info/delete/",
    "/domains/example.com/forwards/nobody/edit/",
    "/domains/example.com/autoresponders/",
    "/domains/example.com/autoresponders/new/",
    "/domains/example.com/autoresponders/sales/edit/",
    "/domains/example.com/autoresponders/sales/delete/",
    "/domains/example.com/queue/",
    "/domains/example.com/settings/",
]
POSTS = [
    ("/domains/example.com/forwards/new/", {"name": "intruder", "targets": "x@evil.example"}),
    ("/domains/example.com/forwards/info/edit/", {"add": "x@evil.example",
                                                  "remove": ["jane@example.com"]}),
    ("/domains/example.com/forwards/info/delete/", {}),
    ("/domains/example.com/forwards/catch-all/", {"catch_all": "x@evil.example"}),
    ("/domains/example.com/autoresponders/new/", {"name": "intruder", "subject": "s",
                                                  "message": "m"}),
    ("/domains/example.com/autoresponders/sales/edit/", {"subject": "Hacked",
                                                         "message": "m", "copy_to": ""}),
    ("/domains/example.com/autoresponders/sales/delete/", {}),
    ("/domains/example.com/settings/dkim/", {}),
    ("/domains/example.com/accounts/jane/edit/", {"quota_mb": "1", "mode": "forward",
                                             "forward_to": "x@evil.example"}),
]


@pytest.fixture
def addresses(domain, jane):
    services.create_forward(domain, "info", ["jane@example.com"])
    services.create_autoresponder(domain, "sales", "Thanks", "Hello")


def _nothing_changed(domain, jane):
    assert list(Forward.objects.values_list("local_part", "targets")) == [
        ("info", ["jane@example.com"])]
    assert list(Autoresponder.objects.values_list("local_part", "subject")) == [
        ("sales", "Thanks")]
    domain.refresh_from_db()
    assert domain.catch_all == ""
    assert not Routing.objects.exists()
    jane.refresh_from_db()
    assert jane.quota_mb == 1024


@pytest.mark.parametrize("url", PAGES)
def test_a_postmaster_of_another_domain_gets_404_on_every_page(client, addresses,
                                                               other_postmaster, url):
    client.force_login(other_postmaster)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_a_mail_user_gets_404_on_every_domain_page(client, addresses, jane, url):
    client.force_login(jane)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_another_postmaster_changes_nothing_by_post(client, domain, jane, addresses,
                                                    other_postmaster, url, data):
    keys_before = list(DkimKey.objects.filter(domain=domain).values_list("public_key",
                                                                         flat=True))
    client.force_login(other_postmaster)
    assert client.post(url, data).status_code == 404
    _nothing_changed(domain, jane)
    assert list(DkimKey.objects.filter(domain=domain).values_list("public_key",
                                                                  flat=True)) == keys_before


@pytest.mark.parametrize(("url", "data"), POSTS[:-1])
def test_a_mail_user_changes_nothing_by_post(client, domain, jane, addresses, url, data):
    client.force_login(jane)
    assert client.post(url, data).status_code == 404
    _nothing_changed(domain, jane)


def test_visitors_who_are_not_logged_in_are_sent_to_the_login_page(client, addresses):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_the_operator_manages_every_domain(client, operator, addresses, domain):
    client.force_login(operator)
    for url in PAGES[:5] + PAGES[6:]:
        assert client.get(url).status_code == 200, url
    page = client.get("/domains/example.com/forwards/").content.decode()
    assert 'href="/domains/example.com/autoresponders/"' in page  # the domain's menu
    assert client.post("/domains/example.com/forwards/info/delete/").status_code == 302
    assert not Forward.objects.exists()


def test_the_menu_of_another_postmaster_shows_only_their_domain(client, addresses,
                                                                other_postmaster):
    client.force_login(other_postmaster)
    page = client.get("/domains/other.org/forwards/").content.decode()
    assert "/domains/example.com/" not in page
    assert "No forward yet." in page


@pytest.mark.parametrize("page", ["forwards/", "autoresponders/", "queue/", "settings/"])
def test_another_domain_looks_exactly_like_a_domain_that_does_not_exist(client, domain,
                                                                        other_postmaster, page):
    client.force_login(other_postmaster)
    hosted = client.get(f"/domains/example.com/{page}")
    missing = client.get(f"/domains/no-such-domain.net/{page}")
    assert hosted.status_code == missing.status_code == 404
    assert page_as_seen(hosted) == page_as_seen(missing)
