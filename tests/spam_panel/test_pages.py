"""The spam pages: a domain's defaults, one account's preferences, /me/spam/, the spam mailbox."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hostpanel.spam import services
from hostpanel.spam.models import AccountSpamSettings, Blocklist, CaughtSpam, DomainSpamSettings
from tests.conftest import PASSWORD

DOMAIN_PAGE = "/domains/example.com/spam/"
CAUGHT_PAGE = "/domains/example.com/spam/caught/"
JANE_PAGE = "/domains/example.com/accounts/jane/spam/"
JANE_RESET = JANE_PAGE + "reset/"
SYSTEM_DEFAULTS = {"enabled": True, "threshold": 5.0, "languages": [],
                   "dnsbls": ["zen.example.net"], "default_dnsbls": True, "whitelist": [],
                   "blacklist": []}


@pytest.fixture(autouse=True)
def blocklists(db):
    return [Blocklist.objects.create(zone="zen.example.net", score=3.5, default_on=True,
                                     description="Known spam sources"),
            Blocklist.objects.create(zone="bl.example.org", score=1.0, default_on=False),
            Blocklist.objects.create(zone="retired.example.com", is_active=False)]


@pytest.fixture
def as_postmaster(client, postmaster):
    client.force_login(postmaster)
    return client


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("admin", PASSWORD)


@pytest.fixture
def other_postmaster(domain_factory):
    return domain_factory("other.org").accounts.get(local_part="postmaster")


def form_data(**changes) -> dict:
    """What the browser sends for the system defaults, with ``changes``."""
    data = {"enabled": "on", "threshold": "5", "blocklist_mode": "default", "whitelist": "",
            "blacklist": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_domain_page_shows_the_defaults_and_explains_the_threshold(as_postmaster, domain):
    page = as_postmaster.get(DOMAIN_PAGE).content.decode()
    assert "Spam preferences of example.com" in page
    assert "A lower threshold is more sensitive: it catches more spam" in page
    assert 'name="threshold" value="5"' in page
    panel, others = page.split("Other languages")
    assert "English" in panel and "Japanese" in panel and "Korean" in others
    assert 'value="zen.example.net"' in page and "3.5 points" in page
    assert "Known spam sources" in page
    assert "retired.example.com" not in page
    assert "None: every account uses these defaults." in page


def test_the_postmaster_saves_the_domain_defaults(as_postmaster, domain):
    response = as_postmaster.post(DOMAIN_PAGE, form_data(
        enabled=None, threshold="4,5", languages=["en", "fr"], blocklist_mode="choose",
        dnsbls=["bl.example.org"], whitelist="friend@example.net\n*@partner.example",
        blacklist="spammer.example"))
    assert response.status_code == 302
    assert services.domain_preferences(domain) == {
        "enabled": False, "threshold": 4.5, "languages": ["en", "fr"],
        "dnsbls": ["bl.example.org"], "default_dnsbls": False,
        "whitelist": ["friend@example.net", "partner.example"], "blacklist": ["spammer.example"]}
    page = as_postmaster.get(DOMAIN_PAGE).content.decode()
    assert "The spam preferences of example.com were saved." in page
    assert "friend@example.net\npartner.example</textarea>" in page


def test_the_domain_goes_back_to_the_operators_blocklists(as_postmaster, domain):
    services.set_domain_preferences(domain, dnsbls=["bl.example.org"])
    assert as_postmaster.post(DOMAIN_PAGE, form_data(dnsbls=["bl.example.org"])
                              ).status_code == 302
    assert services.domain_preferences(domain)["dnsbls"] == ["zen.example.net"]
    assert not DomainSpamSettings.objects.get(domain=domain).choose_blocklists


@pytest.mark.parametrize(("changes", "message"), [
    ({"threshold": "very"}, "The threshold is a number, such as 5 or 4.5."),
    ({"threshold": "500"}, "The threshold must be between -10 and 100."),
    ({"threshold": ""}, "This field is required."),
    ({"whitelist": "friend@example.net\nnot an address!"},
     "Not an address or a domain: not an address!."),
    ({"languages": ["xx"]}, "Select a valid choice. xx is not one of the available choices."),
    ({"blocklist_mode": "choose", "dnsbls": ["retired.example.com"]},
     "Select a valid choice. retired.example.com is not one of the available choices."),
])
def test_bad_input_shows_the_error_and_writes_nothing(as_postmaster, domain, changes, message):
    sent = {"enabled": None, "languages": ["de"], "blacklist": "spammer.example", **changes}
    response = as_postmaster.post(DOMAIN_PAGE, form_data(**sent))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the errors below." in page
    assert message in page
    assert services.domain_preferences(domain) == SYSTEM_DEFAULTS


def test_the_account_page_gives_the_account_its_own_preferences(as_postmaster, jane):
    page = as_postmaster.get(JANE_PAGE).content.decode()
    assert "This account uses the domain's default preferences." in page
    assert "Use the domain's defaults" not in page

    assert as_postmaster.post(JANE_PAGE, form_data(
        threshold="3", languages=["en"], blacklist="spammer.example")).status_code == 302
    assert services.account_preferences(jane) == {
        **SYSTEM_DEFAULTS, "threshold": 3.0, "languages": ["en"],
        "blacklist": ["spammer.example"], "own": True}
    domain_page = as_postmaster.get(DOMAIN_PAGE).content.decode()
    assert re.search(r"<th scope=\"row\">jane@example.com</th>\s*<td>On</td>\s*<td>3</td>",
                     domain_page)


def test_saving_an_account_unchanged_keeps_it_on_the_domain_defaults(as_postmaster, jane):
    assert as_postmaster.post(JANE_PAGE, form_data()).status_code == 302
    assert not AccountSpamSettings.objects.filter(account=jane).exists()

    assert as_postmaster.post(JANE_PAGE, form_data(enabled=None)).status_code == 302
    jane.refresh_from_db()
    assert services.account_preferences(jane)["enabled"] is False
    assert not AccountSpamSettings.objects.filter(account=jane).exists()


def test_use_the_domains_defaults_resets_the_account(as_postmaster, domain, jane):
    services.set_account_preferences(jane, threshold=2, enabled=False)
    services.set_domain_preferences(domain, threshold=7)
    page = as_postmaster.get(JANE_PAGE).content.decode()
    assert "Use the domain's defaults" in page and f'action="{JANE_RESET}"' in page

    assert as_postmaster.get(JANE_RESET).status_code == 405  # POST only
    asked = html.unescape(as_postmaster.post(JANE_RESET).content.decode())
    assert "The own spam preferences of jane@example.com, its whitelist and blacklist " \
        "included, are deleted as soon as you confirm." in asked
    assert services.account_preferences(jane)["own"]  # asked, not done
    response = as_postmaster.post(JANE_RESET, {"confirmed": "yes"}, follow=True)
    assert "jane@example.com now uses the domain's default spam preferences." in (
        html.unescape(response.content.decode()))
    jane.refresh_from_db()
    assert services.account_preferences(jane) == {
        **SYSTEM_DEFAULTS, "threshold": 7.0, "enabled": False, "own": False}


def test_an_account_can_use_the_operators_blocklists_when_its_domain_chose_others(
        as_postmaster, domain, jane):
    services.set_domain_preferences(domain, dnsbls=["bl.example.org"])
    assert as_postmaster.post(JANE_PAGE, form_data()).status_code == 302
    assert services.account_preferences(jane)["dnsbls"] == ["zen.example.net"]
    assert services.domain_preferences(domain)["dnsbls"] == ["bl.example.org"]


def test_the_spam_mailbox_has_no_preferences_form(as_postmaster, domain):
    page = as_postmaster.get("/domains/example.com/accounts/spam/spam/").content.decode()
    assert "This is the domain's spam mailbox" in page
    assert 'name="threshold"' not in page


def test_the_spam_mailbox_page_lists_searches_and_pages(as_postmaster, domain, monkeypatch):
    from hostpanel.spam import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for number, sender in enumerate(["a@spam.example", "b@spam.example", "c@other.example"]):
        CaughtSpam.objects.create(domain=domain, recipient="jane@example.com", sender=sender,
                                  subject=f"Offer {number}", score=12.5 + number,
                                  rules="GTUBE,HTML_ONLY", filename=f"{number}.eml")
    page = as_postmaster.get(CAUGHT_PAGE).content.decode()
    assert "3 messages" in page and "Page 1 of 2" in page
    assert "c@other.example" in page and "14.5" in page and "GTUBE, HTML_ONLY" in page
    assert "spam@example.com" in page and "deleted after 10 days" in page

    found = as_postmaster.get(CAUGHT_PAGE, {"q": "SPAM.example"}).content.decode()
    assert "2 messages" in found and "c@other.example" not in found
    nothing = as_postmaster.get(CAUGHT_PAGE, {"q": "nobody"}).content.decode()
    assert "No caught message has “nobody” in its recipient or sender." in nothing


def test_the_spam_mailbox_password_is_shown_once_to_the_postmaster(client, operator, domain,
                                                                   postmaster):
    password = DomainSpamSettings.objects.get(domain=domain).initial_password
    assert len(password) >= 12
    client.force_login(operator)
    assert password not in client.get(DOMAIN_PAGE).content.decode()  # not used up by others

    client.force_login(postmaster)
    first = client.get(CAUGHT_PAGE).content.decode()
    assert "The spam mailbox spam@example.com was created with the password" in first
    assert password in first and "Note it now: it will not be shown again." in first
    assert 'href="/domains/example.com/accounts/spam/edit/"' in first
    for url in (DOMAIN_PAGE, CAUGHT_PAGE, JANE_PAGE):
        assert password not in client.get(url).content.decode()


ALL_PAGES = [DOMAIN_PAGE, CAUGHT_PAGE, CAUGHT_PAGE + "?q=jane&page=2", JANE_PAGE,
             "/domains/example.com/accounts/spam/spam/"]


@pytest.mark.parametrize("url", ALL_PAGES)
def test_a_postmaster_of_another_domain_gets_404_on_every_page(client, jane, other_postmaster,
                                                               url):
    client.force_login(other_postmaster)
    assert client.get(url).status_code == 404


def test_a_postmaster_of_another_domain_changes_nothing_by_post(client, domain, jane,
                                                                other_postmaster):
    services.set_account_preferences(jane, threshold=2)
    client.force_login(other_postmaster)
    assert client.post(DOMAIN_PAGE, form_data(threshold="9")).status_code == 404
    assert client.post(JANE_PAGE, form_data(threshold="9")).status_code == 404
    assert client.post(JANE_RESET).status_code == 404
    assert services.domain_preferences(domain)["threshold"] == 5.0
    assert services.account_preferences(jane)["threshold"] == 2.0
    assert DomainSpamSettings.objects.get(domain=domain).initial_password  # still unseen


def test_an_operator_opens_any_domains_pages(client, operator, jane):
    client.force_login(operator)
    for url in ALL_PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("method", "url"), [
    ("get", DOMAIN_PAGE), ("post", DOMAIN_PAGE), ("get", CAUGHT_PAGE), ("get", JANE_PAGE),
    ("post", JANE_PAGE), ("post", JANE_RESET)])
def test_a_mail_user_gets_404_on_the_domain_pages_even_their_own(client, jane, method, url):
    services.set_account_preferences(jane, threshold=2)
    client.force_login(jane)
    assert getattr(client, method)(url, form_data(threshold="1")).status_code == 404
    assert services.account_preferences(jane)["threshold"] == 2.0
    assert services.domain_preferences(jane.domain)["threshold"] == 5.0


def test_a_user_sets_and_resets_their_own_preferences(client, jane, account_factory, domain):
    john = account_factory(domain, "john")
    client.force_login(jane)
    page = client.get("/me/spam/").content.decode()
    assert "My spam preferences" in page and "/domains/" not in page

    response = client.post("/me/spam/", form_data(threshold="8", whitelist="mum@example.net"),
                           follow=True)
    assert "Your spam preferences were saved." in response.content.decode()
    assert services.account_preferences(jane)["whitelist"] == ["mum@example.net"]
    assert services.account_preferences(john) == {**SYSTEM_DEFAULTS, "own": False}

    assert "are deleted as soon as you confirm." in html.unescape(
        client.post("/me/spam/reset/").content.decode())
    assert services.account_preferences(jane)["whitelist"] == ["mum@example.net"]
    client.post("/me/spam/reset/", {"confirmed": "yes"})
    assert services.account_preferences(jane) == {**SYSTEM_DEFAULTS, "own": False}


def test_an_operator_without_a_mailbox_has_no_spam_preferences(client, operator):
    client.force_login(operator)
    assert client.get("/me/spam/").status_code == 404


def test_forms_need_a_csrf_token(postmaster, jane):
    client = Client(enforce_csrf_checks=True)
    client.force_login(postmaster)
    assert client.post(DOMAIN_PAGE, form_data(threshold="9")).status_code == 403
    services.set_account_preferences(jane, threshold=2)
    assert client.post(JANE_RESET).status_code == 403
    assert services.domain_preferences(domain=postmaster.domain)["threshold"] == 5.0
    assert services.account_preferences(jane)["own"] is True

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                      client.get(DOMAIN_PAGE).content.decode()).group(1)
    saved = client.post(DOMAIN_PAGE, {**form_data(threshold="9"), "csrfmiddlewaretoken": token})
    assert saved.status_code == 302
    assert services.domain_preferences(postmaster.domain)["threshold"] == 9.0


def test_without_blocklists_the_page_says_so_and_still_saves(as_postmaster, domain, blocklists):
    Blocklist.objects.all().delete()
    page = as_postmaster.get(DOMAIN_PAGE).content.decode()
    assert "No blocklist is offered on this server." in page
    assert '<input type="hidden" name="blocklist_mode" value="default">' in page
    assert as_postmaster.post(DOMAIN_PAGE, form_data(threshold="6")).status_code == 302
    assert services.domain_preferences(domain)["threshold"] == 6.0


def test_the_operators_default_may_be_no_blocklist_at_all(as_postmaster, domain, blocklists):
    Blocklist.objects.update(default_on=False)
    page = as_postmaster.get(DOMAIN_PAGE).content.decode()
    assert '<p class="helptext">None at present.</p>' in page


def test_the_operator_adds_a_blocklist_with_a_valid_zone_only(client, django_user_model):
    operator = django_user_model.objects.create_superuser("op", "Operator-password-1")
    client.force_login(operator)
    url = "/admin/spam/blocklist/add/"
    fields = {"score": "3", "is_active": "on", "default_on": "on", "description": ""}
    page = client.post(url, {**fields, "zone": "not a zone!"}).content.decode()
    assert "Enter a DNS zone, such as zen.spamhaus.org." in page
    page = client.post(url, {**fields, "zone": "bl.example", "score": "1000"}).content.decode()
    assert "The score must be between -100 and 100." in page
    assert client.post(url, {**fields, "zone": "BL.Example."}).status_code == 302
    assert Blocklist.objects.filter(zone="bl.example").exists()
    assert not Blocklist.objects.filter(zone__in=["not a zone!", "BL.Example."]).exists()


def test_the_accounts_with_own_preferences_are_searched_and_paged(as_postmaster, domain,
                                                                   account_factory,
                                                                   monkeypatch):
    from hostpanel.spam import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for name in ("alice", "albert", "bob"):
        AccountSpamSettings.objects.create(account=account_factory(domain, name))
    page = as_postmaster.get(DOMAIN_PAGE).content.decode()
    assert "3 accounts" in page and "Page 1 of 2" in page and 'name="q"' in page
    assert "Page 2 of 2" in as_postmaster.get(DOMAIN_PAGE, {"page": 2}).content.decode()
    found = as_postmaster.get(DOMAIN_PAGE, {"q": "AL"}).content.decode()
    bob = '<th scope="row">bob@example.com</th>'
    assert "2 accounts" in found and bob not in found
    found = as_postmaster.get(DOMAIN_PAGE, {"q": "bob@example.com"}).content.decode()
    assert "1 account" in found and bob in found
