"""Isolation: nobody reaches another tenant's objects through any URL the panel has.

Every URL pattern (walked from Django's resolver, the API's included) whose
parameters name something of a tenant is filled with the OTHER domain's real
objects, and asked for with every method, as the first domain's postmaster
(its session, and its API token for the API) and as a reseller against
another reseller's domain. Where a pattern has a domain, it is also tried with
the caller's own domain and the other's objects (an id from elsewhere must not
be found through one's own domain). Every answer must be a 404 (a 405 for a
method the URL does not take; the admin sends non-staff to its login page),
and afterwards no row and no file has changed anywhere.

A new URL pattern with a parameter this file does not know fails the test:
teach ``fill`` what the parameter names before anything else.
"""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from hostpanel.api.tokens import create_token
from hostpanel.domains import services as domain_services
from hostpanel.lists import services as list_services
from hostpanel.lists import storage
from hostpanel.lists.models import ArchivedPost, PendingPost
from hostpanel.quarantine.models import QuarantinedMessage
from hostpanel.resellers import services as reseller_services
from hostpanel.routing import services as routing_services
from hostpanel.spam.models import CaughtSpam
from mailcore.directory import lists as list_directory
from mailcore.filters import quarantine
from mailcore.lists import cookies
from mailcore.maildir import Maildir, maildir_path
from tests.conftest import PASSWORD

# Parameters that name nothing of a tenant: the help pages.
PUBLIC = {"slug"}
# The admin's parameters: non-staff accounts only ever see the admin's login page.
ADMIN = {"app_label", "object_id", "id", "url", "content_type_id"}
# Parameters filled from the other tenant's objects (see ``fill``).
TENANT = {"domain_name", "domain", "name", "kind", "entry_id", "post_id", "number",
          "list_id", "cookie", "key", "index", "prefix", "pk", "address"}
API_METHODS = ["get", "post", "put", "patch", "delete"]
PAGE_METHODS = ["get", "post"]
VOLATILE_FIELDS = {"last_seen", "last_seen_at", "last_used_at", "last_login"}
ATTACKER_BODY = {"name": "intruder", "password": "taken-over-123",
                 "password2": "taken-over-123", "targets": "evil@remote.test",
                 "address": "evil@remote.test", "subject": "x", "message": "x",
                 "quota_mb": "1", "enabled": "", "confirmed": "yes"}


SPAM_PUT = {"enabled": False, "threshold": 50, "languages": [], "dnsbls": None,
            "whitelist": ["evil@remote.test"], "blacklist": []}
# Valid API bodies, so that a refusal comes from the permission check, not from validation:
# by the route's last word, for creating (POST) and changing (PUT/PATCH).
API_BODIES = {
    ("accounts", "post"): {"name": "intruder", "password": "taken-over-123"},
    ("<name>", "accounts"): {"password": "taken-over-123", "quota_mb": 1},
    ("forwards", "post"): {"name": "intruder", "targets": ["evil@remote.test"]},
    ("<name>", "forwards"): {"targets": ["evil@remote.test"]},
    ("autoresponders", "post"): {"name": "intruder", "subject": "x", "message": "x"},
    ("<name>", "autoresponders"): {"subject": "taken over"},
    ("lists", "post"): {"name": "intruder"},
    ("<name>", "lists"): {"owner": "evil@remote.test"},
    ("spam", "put"): SPAM_PUT,
    ("spam", "patch"): {"threshold": 50},
    ("members", "post"): {"address": "evil@remote.test"},
}


def api_body(route: str, method: str) -> dict:
    words = route.rstrip("/").split("/")
    last = words[-1]
    if last in ("subscribers", "moderators", "digest-subscribers"):
        last = "members"
    if last == "<name>" and method in ("put", "patch"):
        return API_BODIES.get((last, words[-2]), {})
    return API_BODIES.get((last, method), {})


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _panel_url(settings):
    settings.HOSTPANEL_PANEL_URL = "https://panel.test"


# What a tenant has ------------------------------------------------------------------------


def message(subject: str, to: str) -> bytes:
    return (f"From: Bob <bob@remote.test>\nTo: <{to}>\nSubject: {subject}\n"
            f"Message-ID: <{subject.replace(' ', '.')}@remote.test>\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
            f"{subject} body\n--b\nContent-Type: application/octet-stream\n"
            "Content-Disposition: attachment; filename=a.bin\n\nsecret\n--b--\n").encode()


def mailbox(address: str) -> Maildir:
    local, _, domain = address.partition("@")
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local))


class Tenant:
    """A domain with one of everything, each named after ``tag`` (unique per domain)."""

    def __init__(self, domain, tag: str):
        self.domain = domain
        self.postmaster = domain.accounts.get(local_part="postmaster")
        self.user = domain_services.create_account(domain, f"{tag}user", PASSWORD)
        routing_services.update_routing(self.user, vacation_enabled=True,
                                        vacation_subject="Away", vacation_message="Back soon")
        self.forward = routing_services.create_forward(domain, f"{tag}fwd", ["x@remote.test"])
        self.responder = routing_services.create_autoresponder(domain, f"{tag}away", "Hi",
                                                               "Thanks")
        self.mailing_list = list_services.create_list(domain, f"{tag}list", posting="moderated")
        self.member = f"{tag}member@remote.test"
        for role in ("subscriber", "moderator", "digest"):
            list_services.add_member(self.mailing_list, self.member, role)
        self.archived = self._archive(f"{tag} archived")
        token = list_directory.hold_post(self.mailing_list.pk, message(f"{tag} held", "x"),
                                         sender="bob@remote.test", subject=f"{tag} held",
                                         days=14)
        self.pending = PendingPost.objects.get(token=token)
        self.quarantined = self._quarantine(tag)
        self.stored = mailbox(self.user.address).deliver(message(f"{tag} mail", "u"))
        spam_account = domain.spam.spam_account
        self.caught_stored = mailbox(spam_account.address).deliver(
            b"Delivered-To: " + spam_account.address.encode()
            + b"\nX-Original-To: " + self.user.address.encode() + b"\n"
            + message(f"{tag} pills", self.user.address))
        self.caught = CaughtSpam.objects.create(
            domain=domain, recipient=self.user.address, sender="pusher@spam.test",
            subject=f"{tag} pills", score=9.5, rules="BAYES_99",
            filename=self.caught_stored.uid, size=self.caught_stored.size)
        self.token_row, self.token = create_token(self.postmaster, "isolation")
        self.session = Client(REMOTE_ADDR="192.0.2.99")
        self.session.force_login(self.postmaster)
        self.session.get("/")  # the session's record (its own page) is made on a request
        from allauth.usersessions.models import UserSession

        self.user_session = UserSession.objects.filter(user=self.postmaster).latest("pk")

    def _archive(self, subject: str) -> ArchivedPost:
        path = storage.list_folder(self.mailing_list) / "archive" / "1"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = message(subject, str(self.mailing_list))
        path.write_bytes(data)
        return ArchivedPost.objects.create(mailing_list=self.mailing_list, number=1,
                                           sender="ann@remote.test", subject=subject,
                                           path=str(path), size=len(data))

    def _quarantine(self, tag: str) -> QuarantinedMessage:
        infected = quarantine.Infected(sender="bob@remote.test", recipients=(self.user.address,),
                                       virus=f"{tag}.Virus", client_ip="192.0.2.7",
                                       domains=(self.domain.name,))
        entry = quarantine.store(Path(settings.HOSTPANEL_QUARANTINE),
                                 message(f"{tag} virus", "u"), infected, now=timezone.now())
        return QuarantinedMessage.objects.get(entry_id=entry, domain=self.domain)


# The URLs ---------------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def url_patterns(patterns=None, prefix=""):
    """Every route of the project as text, resolvers joined: ``domains/<str:domain_name>/``."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def parameters(route: str) -> list[str]:
    return [match["name"] or match["group"] for match in PARAMETER.finditer(route)]


def fill(route: str, name: str, other: Tenant, own: Tenant) -> str:
    """The value of parameter ``name`` in ``route``: something of ``other``."""
    found = re.search(rf"<(?:[^>:]+:)?{name}>|\(\?P<{name}>", route)
    before = route[:found.start()]
    if name in ("domain_name", "domain"):
        return other.domain.name
    if name == "name":
        segment = before.rstrip("/").rsplit("/", 1)[-1]
        return {"accounts": other.user.local_part, "forwards": other.forward.local_part,
                "autoresponders": other.responder.local_part,
                "lists": other.mailing_list.local_part}[segment]
    if name == "kind":
        return "subscribers"
    if name == "entry_id":
        return str(other.quarantined.pk if "quarantine" in before else other.caught.pk)
    if name == "post_id":
        return str(other.pending.pk)
    if name == "number":
        return str(other.archived.number)
    if name == "list_id":
        return str(other.mailing_list.pk)
    if name == "cookie":
        # The caller's own list's real unsubscribe cookie: bound to its list, no other.
        return cookies.make(settings.SECRET_KEY.encode(), own.mailing_list.pk, "out",
                            own.member, valid_days=400)
    if name == "key":
        if "/spam/m/" in before or before.startswith("webmail/caught/"):
            return other.caught_stored.uid
        return other.stored.uid
    if name == "index":
        return "1"
    if name == "prefix":
        return other.token_row.prefix
    if name == "pk":
        return str(other.user_session.pk)
    if name == "address":
        return other.member
    if name == "app_label":
        return "domains"
    if name == "content_type_id":
        from django.contrib.contenttypes.models import ContentType

        return str(ContentType.objects.get_for_model(other.domain).pk)
    if name in ("object_id", "id"):
        return str(other.postmaster.pk)
    if name == "url":
        return f"domains/domain/{other.domain.pk}/change/"
    raise AssertionError(f"no value for {name} in {route}")


def build(route: str, values: dict) -> str:
    def value(match):
        return values[match["name"] or match["group"]]

    return "/" + PARAMETER.sub(value, route).replace("^", "").replace("$", "")


def urls_against(other: Tenant, own: Tenant) -> list[tuple[str, str]]:
    """(url, route) for every route naming something of ``other``; with a domain also
    the caller's own domain and ``other``'s objects."""
    found = []
    for route in dict.fromkeys(url_patterns()):
        names = parameters(route)
        unknown = set(names) - PUBLIC - ADMIN - TENANT
        assert not unknown, f"{route}: teach tests/security/test_isolation.py {unknown}"
        if not names or set(names) & PUBLIC:
            continue
        values = {name: fill(route, name, other, own) for name in names}
        found.append((build(route, values), route))
        domain_key = {"domain_name", "domain"} & set(names)
        if domain_key and len(names) > 1 and set(names) != domain_key | {"kind"}:
            mixed = dict(values, **{key: own.domain.name for key in domain_key})
            found.append((build(route, mixed), route))
    return found


# What must not change ---------------------------------------------------------------------


def snapshot() -> tuple[dict, dict]:
    """Every row of every model (but sessions and last-used times), and every file."""
    from django.apps import apps
    from django.contrib.sessions.models import Session

    rows = {}
    for model in apps.get_models():
        if model is Session:
            continue
        values = [{key: value for key, value in row.items() if key not in VOLATILE_FIELDS}
                  for row in model.objects.order_by("pk").values()]
        rows[model._meta.label] = values
    files = {}
    for root in (settings.HOSTPANEL_MAIL_ROOT, settings.HOSTPANEL_QUARANTINE,
                 settings.HOSTPANEL_LISTS, settings.HOSTPANEL_SPAM_MODELS):
        for path in Path(root).rglob("*"):
            if path.is_file():
                files[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return rows, files


def refused(response, url: str) -> bool:
    if url.startswith("/admin/"):
        return response.status_code == 302 and response["Location"].startswith("/admin/login/")
    return response.status_code in (404, 405)


def attack(client: Client, targets, headers: dict, api_only: bool,
           methods: tuple[str, ...] = ()) -> list[str]:
    """Every target with every method; the answers that were not refusals."""
    wrong = []
    for url, route in targets:
        is_api = route.startswith("api/")
        if api_only != is_api:
            continue
        for method in methods or (API_METHODS if is_api else PAGE_METHODS):
            if is_api:
                response = getattr(client, method)(url, data=api_body(route, method),
                                                   content_type="application/json", **headers)
            elif method == "post":
                response = client.post(url, ATTACKER_BODY, **headers)
            else:
                response = client.get(url, **headers)
            if not refused(response, url):
                wrong.append(f"{method.upper()} {url} -> {response.status_code}")
    return wrong


@pytest.fixture
def tenants(domain_factory):
    own = Tenant(domain_factory("example.com"), "a")
    other = Tenant(domain_factory("other.org"), "b")
    return own, other


def test_every_url_pattern_is_tried(tenants):
    own, other = tenants
    routes = {route for _url, route in urls_against(other, own)}
    assert "domains/<str:domain_name>/quarantine/<int:entry_id>/download/" in routes
    assert "webmail/m/<str:key>/parts/<int:index>/" in routes
    assert "api/v1/domains/<domain>/quarantine/<entry_id>/raw" in routes
    assert len(routes) > 150


def test_an_unknown_parameter_fails_the_enumeration(monkeypatch):
    monkeypatch.setattr("tests.security.test_isolation.url_patterns",
                        lambda: iter(["domains/<str:domain_name>/widgets/<int:widget_id>/"]))
    with pytest.raises(AssertionError, match="widget_id"):
        urls_against(None, None)


def test_the_owner_reaches_the_objects_the_attack_uses(tenants):
    """The filled URLs are real: the other domain's postmaster gets its pages."""
    own, other = tenants
    client = Client()
    client.force_login(other.postmaster)
    name = other.mailing_list.local_part
    for url in (f"/domains/other.org/quarantine/{other.quarantined.pk}/download/",
                f"/domains/other.org/lists/{name}/archive/{other.archived.number}/",
                f"/domains/other.org/lists/{name}/moderation/",
                f"/domains/other.org/accounts/{other.user.local_part}/edit/",
                f"/webmail/domains/other.org/spam/m/{other.caught_stored.uid}/"):
        assert client.get(url).status_code == 200, url
    user = Client()
    user.force_login(other.user)
    assert user.get(f"/webmail/m/{other.stored.uid}/").status_code == 200
    assert user.get(f"/webmail/m/{other.stored.uid}/parts/1/").status_code == 200
    api = Client().get(f"/api/v1/domains/other.org/quarantine/{other.quarantined.pk}/raw",
                       HTTP_AUTHORIZATION=f"Bearer {other.token}")
    assert api.status_code == 200


def changes(before: tuple[dict, dict], after: tuple[dict, dict]) -> list[str]:
    """The models whose rows, and the files whose contents, differ."""
    (rows_before, files_before), (rows_after, files_after) = before, after
    changed = [label for label in rows_before if rows_before[label] != rows_after.get(label)]
    changed += [path for path in set(files_before) | set(files_after)
                if files_before.get(path) != files_after.get(path)]
    return changed


def test_a_postmaster_reaches_nothing_of_another_domain(tenants):
    own, other = tenants
    targets = urls_against(other, own)
    client = Client()
    client.force_login(own.postmaster)
    client.get("/")  # the session's own record is made on its first request
    before = snapshot()
    wrong = attack(client, targets, {}, api_only=False)
    wrong += attack(Client(), targets, {"HTTP_AUTHORIZATION": f"Bearer {own.token}"},
                    api_only=True)
    assert wrong == [], "\n".join(wrong)
    assert changes(before, snapshot()) == []


def test_a_reseller_reaches_nothing_of_another_resellers_domain(db):
    first = reseller_services.create_reseller(name="First", panel_host="panel.first.test",
                                              pop3_host="pop.first.test",
                                              smtp_host="smtp.first.test")
    second = reseller_services.create_reseller(name="Second", panel_host="panel.second.test",
                                               pop3_host="pop.second.test",
                                               smtp_host="smtp.second.test")
    own = Tenant(reseller_services.create_domain(first, "first.example", PASSWORD), "a")
    other = Tenant(reseller_services.create_domain(second, "second.example", PASSWORD), "b")
    login = reseller_services.create_login(first, "firstadmin", PASSWORD)
    _row, token = create_token(login, "reseller")
    targets = urls_against(other, own)
    client = Client()
    client.force_login(login)
    client.get("/")
    # The reseller does reach its own domain, by session and by token.
    assert client.get("/domains/first.example/accounts/").status_code == 200
    assert Client().get("/api/v1/domains/first.example/accounts",
                        HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    before = snapshot()
    wrong = attack(client, targets, {}, api_only=False)
    wrong += attack(Client(), targets, {"HTTP_AUTHORIZATION": f"Bearer {token}"},
                    api_only=True)
    assert wrong == [], "\n".join(wrong)
    assert changes(before, snapshot()) == []


def test_the_attack_would_notice_a_hole(tenants):
    """The same requests for the caller's own objects are answered: a view that forgot
    its check would show up in the lists above."""
    own, _other = tenants
    targets = urls_against(own, own)
    client = Client()
    client.force_login(own.postmaster)
    answered = attack(client, targets, {}, api_only=False, methods=("get",))
    answered += attack(Client(), targets, {"HTTP_AUTHORIZATION": f"Bearer {own.token}"},
                       api_only=True, methods=("get",))
    name = own.mailing_list.local_part
    for expected in (f"GET /domains/example.com/quarantine/{own.quarantined.pk}/download/ -> 200",
                     f"GET /domains/example.com/lists/{name}/archive/1/ -> 200",
                     f"GET /webmail/domains/example.com/spam/m/{own.caught_stored.uid}/ -> 200",
                     f"GET /api/v1/domains/example.com/quarantine/{own.quarantined.pk}/raw -> 200",
                     f"GET /api/v1/domains/example.com/lists/{name}/subscribers -> 200"):
        assert expected in answered


@pytest.mark.parametrize("url", ["/webmail/delete/", "/webmail/caught/delete/",
                                 "/webmail/domains/example.com/spam/delete/"])
def test_bulk_deletes_with_keys_of_another_domain_delete_nothing(tenants, url):
    own, other = tenants
    client = Client()
    client.force_login(own.postmaster)
    client.get("/")
    before = snapshot()
    for key in (other.stored.uid, other.caught_stored.uid):
        response = client.post(url, {"key": [key], "confirmed": "yes"})
        assert response.status_code == 404
    assert changes(before, snapshot()) == []
