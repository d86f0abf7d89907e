"""A reseller's login manages its own domains as the operator does, and sees no other."""

import pytest
from django.urls import URLResolver, get_resolver

from hostpanel.domains.models import Domain
from hostpanel.resellers.models import ResellerDomain
from tests.api.conftest import basic
from tests.conftest import PASSWORD
from tests.panel.conftest import page_as_seen


def _domain_pages():
    """Every panel page of a domain: (path with {domain}, True when it needs nothing else)."""
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    pages = []
    for route in walk(get_resolver().url_patterns):
        if "<str:domain_name>" not in route:
            continue
        path = route.replace("<str:domain_name>", "{domain}")
        only_domain = "<" not in path
        for converter, value in (("<str:name>", "jane"), ("<int:entry_id>", "1"),
                                 ("<int:post_id>", "1"), ("<int:number>", "1"),
                                 ("<str:key>", "x"), ("<int:index>", "1"),
                                 ("<member_kind:kind>", "subscribers")):
            path = path.replace(converter, value)
        assert "<" not in path, f"unknown converter in {route}"
        pages.append(("/" + path, only_domain))
    assert len(pages) > 30  # the walk found the panel
    return pages


PAGES = _domain_pages()
PLAIN_PAGES = [path for path, only_domain in PAGES if only_domain]


def test_the_reseller_starts_on_the_list_of_its_own_domains(as_reseller, shop, domain,
                                                             other_reseller):
    response = as_reseller.get("/")
    assert response.status_code == 200
    assert [d.name for d in response.context["page"].object_list] == ["shop.example"]
    text = response.content.decode()
    assert 'href="/domains/shop.example/accounts/"' in text
    assert "example.com" not in text.replace("shop.example", "") and "rival" not in text
    assert 'href="/reseller/domains/new/"' in text  # not the admin's page
    assert "/admin/" not in text


@pytest.mark.parametrize("path", PLAIN_PAGES)
def test_the_reseller_opens_every_page_of_its_domain_as_the_operator_does(
        client, reseller_user, operator, shop, path):
    url = path.format(domain="shop.example")
    client.force_login(operator)
    as_operator = client.get(url)
    client.force_login(reseller_user)
    as_reseller = client.get(url)
    assert as_operator.status_code != 404
    assert as_reseller.status_code == as_operator.status_code


@pytest.mark.parametrize(("path", "only_domain"), PAGES)
def test_the_reseller_gets_404_on_every_page_of_other_domains(
        as_reseller, shop, jane, other_reseller, path, only_domain):
    def answers(name):
        url = path.format(domain=name)
        return as_reseller.get(url).status_code, as_reseller.post(url).status_code

    missing = answers("missing.example")
    # 404, or 405 for the method a page never takes (said before it looks at the domain).
    assert 404 in missing and set(missing) <= {404, 405}
    for name in ("example.com", "rival.example"):
        assert answers(name) == missing


def test_another_resellers_domain_looks_exactly_like_a_missing_one(as_reseller,
                                                                  other_reseller, domain):
    rival = as_reseller.get("/domains/rival.example/accounts/")
    ours = as_reseller.get("/domains/example.com/accounts/")
    missing = as_reseller.get("/domains/no-such-domain.example/accounts/")
    assert rival.status_code == ours.status_code == missing.status_code == 404
    assert page_as_seen(rival) == page_as_seen(missing) == page_as_seen(ours)


def test_the_reseller_manages_accounts_of_its_domain(as_reseller, shop):
    response = as_reseller.post("/domains/shop.example/accounts/new/", {
        "name": "bob", "password": PASSWORD, "password2": PASSWORD, "quota_mb": "100"},
        follow=True)
    assert response.status_code == 200
    assert shop.accounts.filter(local_part="bob").exists()
    assert "bob@shop.example" in response.content.decode()


def test_the_reseller_creates_a_domain_that_then_belongs_to_it(as_reseller, reseller):
    response = as_reseller.post("/reseller/domains/new/", {
        "name": "new-shop.example", "default_quota_mb": "500",
        "password1": PASSWORD, "password2": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/domains/new-shop.example/accounts/"
    assert "The domain new-shop.example was created." in response.content.decode()
    domain = Domain.objects.get(name="new-shop.example")
    assert (domain.reseller_link.reseller, domain.default_quota_mb) == (reseller, 500)


def test_the_new_domain_form_shows_errors_and_creates_nothing(as_reseller, domain):
    response = as_reseller.post("/reseller/domains/new/", {
        "name": "example.com", "default_quota_mb": "500",
        "password1": PASSWORD, "password2": "something-else"})
    assert response.status_code == 200
    assert "The two passwords are not the same." in response.content.decode()
    response = as_reseller.post("/reseller/domains/new/", {
        "name": "example.com", "default_quota_mb": "500",
        "password1": PASSWORD, "password2": PASSWORD})
    assert "The domain example.com already exists." in response.content.decode()
    assert not ResellerDomain.objects.exists()


@pytest.mark.parametrize("who", ["postmaster", "jane", "anonymous"])
def test_nobody_else_creates_domains_on_the_resellers_page(client, who, jane, postmaster):
    if who != "anonymous":
        client.force_login(jane if who == "jane" else postmaster)
        assert client.get("/reseller/domains/new/").status_code == 404
    else:
        assert client.get("/reseller/domains/new/").status_code == 302


def test_a_reseller_cannot_reach_the_admin_or_the_operator_status_page(as_reseller, shop):
    assert as_reseller.get("/admin/").status_code == 302  # the admin's own login page
    assert as_reseller.get("/admin/resellers/reseller/").status_code == 302
    assert as_reseller.get("/status/").status_code == 404
    text = as_reseller.get("/domains/shop.example/accounts/").content.decode()
    assert "/admin/" not in text and 'href="/status/"' not in text


def test_a_removed_login_or_a_released_domain_ends_the_access(client, reseller_user, shop):
    from hostpanel.resellers import services

    client.force_login(reseller_user)
    services.release_domain(shop)
    assert client.get("/domains/shop.example/accounts/").status_code == 404
    services.assign_domain(reseller_user.reseller_login.reseller, shop)
    assert client.get("/domains/shop.example/accounts/").status_code == 200
    reseller_user.reseller_login.delete()
    assert client.get("/domains/shop.example/accounts/").status_code == 404
    assert client.get("/").status_code == 302  # an account of nothing: its own page


def test_the_api_lets_a_reseller_manage_its_domains_only(client, reseller_user, shop,
                                                         other_reseller, jane):
    auth = {"HTTP_AUTHORIZATION": basic("bluebird")}
    mine = client.get("/api/v1/domains/shop.example/accounts", **auth)
    assert mine.status_code == 200
    assert {item["name"] for item in mine.json()["items"]} >= {"ann", "postmaster"}
    for name in ("example.com", "rival.example", "missing.example"):
        assert client.get(f"/api/v1/domains/{name}/accounts", **auth).status_code == 404
        assert client.get(f"/api/v1/domains/{name}/accounts/jane", **auth).status_code == 404
