"""/api/v1/domains/{domain}/spam[/caught] and /api/v1/domains/{domain}/accounts/{name}/spam."""

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from hostpanel.api.tokens import create_token
from hostpanel.spam import services
from hostpanel.spam.models import AccountSpamSettings, Blocklist, CaughtSpam
from tests.conftest import PASSWORD

DOMAIN_SPAM = "/domains/example.com/spam"
CAUGHT = DOMAIN_SPAM + "/caught"
JANE_SPAM = "/domains/example.com/accounts/jane/spam"
JOHN_SPAM = "/domains/example.com/accounts/john/spam"
DEFAULTS = {"enabled": True, "threshold": 5.0, "languages": [], "dnsbls": ["zen.example.net"],
            "default_dnsbls": True, "whitelist": [], "blacklist": []}
FULL = {"enabled": False, "threshold": 3.5, "languages": ["en", "fr"],
        "dnsbls": ["bl.example.org"], "whitelist": ["mum@example.net", "school.example"],
        "blacklist": ["spammer.example"]}
FULL_OUT = {**FULL, "default_dnsbls": False}


class Api:
    """The Django test client speaking JSON with one Authorization header."""

    def __init__(self, client, authorization: str | None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    def send(self, method: str, path: str, body=None, **params):
        kwargs = dict(self.headers)
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif params:
            kwargs["data"] = params
        return getattr(self.client, method)("/api/v1" + path, **kwargs)

    def get(self, path, **params):
        return self.send("get", path, **params)

    def put(self, path, body):
        return self.send("put", path, body)

    def patch(self, path, body):
        return self.send("patch", path, body)

    def delete(self, path):
        return self.send("delete", path)


def basic(account) -> str:
    return "Basic " + base64.b64encode(f"{account.username}:{PASSWORD}".encode()).decode()


@pytest.fixture(autouse=True)
def _setup(db):
    cache.clear()  # failed-login counters
    Blocklist.objects.create(zone="zen.example.net", score=3.5, default_on=True)
    Blocklist.objects.create(zone="bl.example.org", score=1.0, default_on=False)
    yield
    cache.clear()


@pytest.fixture
def john(domain, account_factory):
    return account_factory(domain, "john")


@pytest.fixture
def as_postmaster(client, postmaster):
    return Api(client, basic(postmaster))


@pytest.fixture
def as_jane(client, jane):
    _row, token = create_token(jane, "tests")
    return Api(client, f"Bearer {token}")


@pytest.fixture
def as_other_postmaster(client, domain_factory):
    return Api(client, basic(domain_factory("other.org").accounts.get(local_part="postmaster")))


@pytest.fixture
def as_operator(client, db):
    return Api(client, basic(get_user_model().objects.create_superuser("admin", PASSWORD)))


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"errors"}
    return body["errors"]


def test_get_put_patch_delete_round_trip(as_postmaster, domain, jane):
    response = as_postmaster.get(JANE_SPAM)
    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "own": False}

    response = as_postmaster.put(JANE_SPAM, FULL)
    assert response.status_code == 200
    assert response.json() == {**FULL_OUT, "own": True}
    jane.refresh_from_db()
    assert services.account_preferences(jane) == {**FULL_OUT, "own": True}

    response = as_postmaster.patch(JANE_SPAM, {"threshold": 7, "languages": ["DE"]})
    assert response.json() == {**FULL_OUT, "threshold": 7.0, "languages": ["de"], "own": True}
    assert as_postmaster.get(JANE_SPAM).json() == response.json()

    services.set_domain_preferences(domain, threshold=6)
    response = as_postmaster.delete(JANE_SPAM)
    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "threshold": 6.0, "enabled": False, "own": False}
    assert not AccountSpamSettings.objects.filter(account=jane).exists()


def test_put_needs_every_field(as_postmaster, jane):
    body = {key: value for key, value in FULL.items() if key not in ("enabled", "blacklist")}
    assert _errors(as_postmaster.put(JANE_SPAM, body)) == {
        "enabled": ["This field is required."], "blacklist": ["This field is required."]}
    assert not AccountSpamSettings.objects.exists()


@pytest.mark.parametrize(("changes", "errors"), [
    ({"threshold": "5"}, {"threshold": ["The threshold is a number, such as 5 or 4.5."]}),
    ({"threshold": True}, {"threshold": ["The threshold is a number, such as 5 or 4.5."]}),
    ({"threshold": None}, {"threshold": ["The threshold is a number, such as 5 or 4.5."]}),
    ({"threshold": 101}, {"threshold": ["The threshold must be between -10 and 100."]}),
    ({"enabled": "yes"}, {"enabled": ["Enter true or false."]}),
    ({"languages": ["en", "xx"]}, {"languages": ["Unknown language code: xx."]}),
    ({"languages": "en"}, {"languages": ["Enter a list."]}),
    ({"dnsbls": ["nope.example"]}, {"dnsbls": ["Not a blocklist offered here: nope.example."]}),
    ({"whitelist": ["bob@example.com", "not an address"]},
     {"whitelist": ["Not an address or a domain: not an address."]}),
    ({"blacklist": [5]}, {"blacklist": ["Enter a text."]}),
    ({"blacklist": ["x.example"] * 1001}, {"blacklist": ["At most 1000 entries."]}),
    ({"own": False}, {"own": ["Unknown field."]}),
])
def test_bad_values_get_400_with_field_errors_and_change_nothing(as_postmaster, jane, changes,
                                                                 errors):
    sent = {"threshold": 2, "blacklist": ["spammer.example"], **changes}
    assert _errors(as_postmaster.patch(JANE_SPAM, sent)) == errors
    assert _errors(as_postmaster.put(JANE_SPAM, {**FULL, **changes})) == errors
    assert as_postmaster.get(JANE_SPAM).json() == {**DEFAULTS, "own": False}


def test_the_domain_defaults_are_read_and_changed(as_postmaster, domain, jane):
    assert as_postmaster.get(DOMAIN_SPAM).json() == {**DEFAULTS,
                                                     "spam_account": "spam@example.com"}
    response = as_postmaster.patch(DOMAIN_SPAM, {"threshold": 4, "blacklist": ["bad.example"]})
    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "threshold": 4.0, "blacklist": ["bad.example"],
                               "spam_account": "spam@example.com"}
    assert as_postmaster.get(JANE_SPAM).json()["threshold"] == 4.0  # no preferences of its own
    assert _errors(as_postmaster.patch(DOMAIN_SPAM, {"threshold": -11})) == {
        "threshold": ["The threshold must be between -10 and 100."]}
    assert as_postmaster.put(DOMAIN_SPAM, {**FULL}).status_code == 405


def test_the_spam_mailbox_has_no_preferences_to_change(as_postmaster, domain):
    url = "/domains/example.com/accounts/spam/spam"
    assert as_postmaster.get(url).json()["enabled"] is False
    message = ["The domain's spam mailbox is never filtered: it has no spam preferences to "
               "change."]
    assert _errors(as_postmaster.patch(url, {"enabled": True})) == {"__all__": message}
    assert _errors(as_postmaster.put(url, FULL)) == {"__all__": message}
    assert not AccountSpamSettings.objects.exists()


def test_caught_spam_is_listed_searched_and_paged(as_postmaster, domain, monkeypatch):
    from hostpanel.api import spam

    monkeypatch.setattr(spam, "PAGE_SIZE", 2)
    for number, (recipient, sender) in enumerate([("jane@example.com", "a@spam.example"),
                                                   ("john@example.com", "b@spam.example"),
                                                   ("jane@example.com", "c@other.example")]):
        CaughtSpam.objects.create(domain=domain, recipient=recipient, sender=sender,
                                  subject=f"Offer {number}", score=10 + number,
                                  rules="GTUBE,BAYES_99", filename=f"{number}.eml", size=100)
    body = as_postmaster.get(CAUGHT).json()
    assert (body["count"], body["pages"], len(body["items"])) == (3, 2, 2)
    newest = body["items"][0]
    assert {key: value for key, value in newest.items() if key not in ("id", "created_at")} == {
        "recipient": "jane@example.com", "sender": "c@other.example", "subject": "Offer 2",
        "score": 12.0, "rules": ["GTUBE", "BAYES_99"], "size": 100}

    found = as_postmaster.get(CAUGHT, search="JANE").json()
    assert [item["subject"] for item in found["items"]] == ["Offer 2", "Offer 0"]
    found = as_postmaster.get(CAUGHT, search="spam.example", page=2).json()
    assert [item["subject"] for item in found["items"]] == []
    assert as_postmaster.get(CAUGHT, page=0).status_code == 400


ACCOUNT_CALLS = [("get", JANE_SPAM, None), ("put", JANE_SPAM, FULL),
                 ("patch", JANE_SPAM, {"threshold": 1}), ("delete", JANE_SPAM, None)]
DOMAIN_CALLS = [("get", DOMAIN_SPAM, None), ("patch", DOMAIN_SPAM, {"threshold": 1}),
                ("get", CAUGHT, None)]


def _call(api, method, url, body):
    return api.send(method, url, body)


@pytest.mark.parametrize(("method", "url", "body"), ACCOUNT_CALLS + DOMAIN_CALLS)
def test_a_postmaster_of_another_domain_gets_404_everywhere(as_other_postmaster, jane, method,
                                                            url, body):
    services.set_account_preferences(jane, threshold=2)
    response = _call(as_other_postmaster, method, url, body)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert services.account_preferences(jane)["threshold"] == 2.0
    assert services.domain_preferences(jane.domain)["threshold"] == 5.0


@pytest.mark.parametrize(("method", "url", "body"), ACCOUNT_CALLS)
def test_a_user_manages_their_own_preferences(as_jane, jane, method, url, body):
    assert _call(as_jane, method, url, body).status_code == 200


def test_a_user_reaches_nobody_elses_preferences(as_jane, jane, john):
    services.set_account_preferences(john, threshold=2)
    for method, url, body in ACCOUNT_CALLS:
        assert _call(as_jane, method, url.replace("jane", "john"), body).status_code == 404
    for method, url, body in DOMAIN_CALLS:
        assert _call(as_jane, method, url, body).status_code == 404
    assert services.account_preferences(john) == {**DEFAULTS, "threshold": 2.0, "own": True}
    assert services.domain_preferences(jane.domain) == DEFAULTS


def test_a_user_changes_their_own_preferences(as_jane, jane):
    assert as_jane.patch(JANE_SPAM, {"whitelist": ["Mum@Example.net"]}).json() == {
        **DEFAULTS, "whitelist": ["mum@example.net"], "own": True}
    assert as_jane.get("/domains/example.com/accounts/JANE/spam").json()["own"] is True


def test_an_operator_reaches_every_domain(as_operator, jane):
    for method, url, body in ACCOUNT_CALLS + DOMAIN_CALLS:
        assert _call(as_operator, method, url, body).status_code == 200, (method, url)


def test_a_missing_account_or_domain_is_404(as_postmaster, domain):
    assert as_postmaster.get("/domains/example.com/accounts/ghost/spam").status_code == 404
    assert as_postmaster.get("/domains/nowhere.example/spam").status_code == 404


def test_anonymous_callers_must_authenticate(client, jane):
    assert Api(client, None).get(JANE_SPAM).status_code == 401
    assert Api(client, None).patch(DOMAIN_SPAM, {"threshold": 1}).status_code == 401


def test_the_openapi_document_lists_the_spam_paths(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/domains/{domain}/accounts/{name}/spam"]) == {
        "get", "put", "patch", "delete"}
    assert set(paths["/api/v1/domains/{domain}/spam"]) == {"get", "patch"}
    assert set(paths["/api/v1/domains/{domain}/spam/caught"]) == {"get"}
