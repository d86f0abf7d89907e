"""/api/v1/domains/{domain}/lists[/{name}] and their subscribers, moderators, digest subscribers."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from hostpanel.lists import services
from hostpanel.lists.models import MailingList, Role
from tests.api.conftest import Api, authorization_for, basic
from tests.conftest import PASSWORD

LISTS = "/domains/example.com/lists"
TEAM = LISTS + "/team"
DEFAULTS = {"name": "team", "address": "team@example.com", "owner": "", "prefix": "[team]",
            "posting": "subscribers", "reply_to": "sender", "reply_to_address": "",
            "trailer": "", "digest": False, "request_address": True, "remote_admin": False,
            "private": False, "remote_view_subscribers": False, "remote_edit_texts": False,
            "subscribe_confirm": True, "subscribe_moderated": False,
            "unsubscribe_confirm": True, "archive": True, "archive_access": "moderators",
            "language": "en", "max_message_kb": 0, "welcome_text": "", "help_text": "",
            "goodbye_text": ""}
EVERY_OPTION = {"owner": "boss@example.net", "prefix": "", "posting": "subscribers_moderated",
                "reply_to": "address", "reply_to_address": "replies@example.net",
                "trailer": "Bye", "digest": True, "request_address": False,
                "remote_admin": True, "private": True, "remote_view_subscribers": True,
                "remote_edit_texts": True, "subscribe_confirm": False,
                "subscribe_moderated": True, "unsubscribe_confirm": False, "archive": False,
                "archive_access": "anyone", "language": "zh-hans", "max_message_kb": 2048,
                "welcome_text": "Hi", "help_text": "Help", "goodbye_text": "Bye bye"}
KINDS = [("subscribers", Role.SUBSCRIBER), ("moderators", Role.MODERATOR),
         ("digest-subscribers", Role.DIGEST)]


@pytest.fixture(autouse=True)
def _lists_folder(settings, tmp_path):
    settings.HOSTPANEL_LISTS = tmp_path / "lists"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Failed-login counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=["basic", "bearer"])
def as_postmaster(request, client, postmaster):
    return Api(client, authorization_for(postmaster, request.param))


@pytest.fixture
def as_operator(client, db):
    operator = get_user_model().objects.create_superuser("admin", PASSWORD)
    return Api(client, basic(operator.username))


@pytest.fixture
def as_other_postmaster(client, domain_factory):
    other = domain_factory("other.org").accounts.get(local_part="postmaster")
    return Api(client, basic(other.username))


@pytest.fixture
def as_jane(client, jane):
    return Api(client, basic(jane.username))


@pytest.fixture
def team(domain):
    return services.create_list(domain, "team")


def test_a_list_made_with_only_its_name_gets_qmailadmins_defaults(as_postmaster, domain):
    response = as_postmaster.post(LISTS, {"name": "Team"})
    assert response.status_code == 201
    assert response.json() == DEFAULTS
    assert as_postmaster.get(TEAM).json() == DEFAULTS
    assert MailingList.objects.get().local_part == "team"


def test_every_option_round_trips(as_postmaster, domain):
    response = as_postmaster.post(LISTS, {"name": "team", **EVERY_OPTION})
    assert response.status_code == 201
    assert response.json() == {**DEFAULTS, **EVERY_OPTION}
    stored = MailingList.objects.get()
    assert {name: getattr(stored, name) for name in EVERY_OPTION} == EVERY_OPTION


def test_patch_changes_only_what_is_sent_and_delete_removes_the_list(as_postmaster, team):
    response = as_postmaster.patch(TEAM, {"posting": "anyone", "language": "ja"})
    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "posting": "anyone", "language": "ja"}
    team.refresh_from_db()
    assert (team.posting, team.language, team.prefix) == ("anyone", "ja", "[team]")
    assert as_postmaster.delete(TEAM).status_code == 204
    assert not MailingList.objects.exists()
    assert as_postmaster.get(TEAM).status_code == 404
    assert as_postmaster.delete(TEAM).status_code == 404


def test_the_lists_are_paged_and_searched(as_postmaster, domain):
    for number in range(55):
        services.create_list(domain, f"list{number:02d}")
    first = as_postmaster.get(LISTS).json()
    assert (first["count"], first["pages"], len(first["items"])) == (55, 2, 50)
    assert first["items"][0]["name"] == "list00"
    assert [item["name"] for item in as_postmaster.get(LISTS, page=2).json()["items"]] == [
        "list50", "list51", "list52", "list53", "list54"]
    found = as_postmaster.get(LISTS, search="T1").json()
    assert [item["name"] for item in found["items"]] == [f"list1{n}" for n in range(10)]


@pytest.mark.parametrize(("body", "errors"), [
    ({}, {"name": ["This field is required."]}),
    ({"name": "jane"}, {"name": ["The account jane@example.com already exists."]}),
    ({"name": "team"}, {"name": ["team@example.com belongs to the mailing list "
                                 "team@example.com."]}),
    ({"name": "team-request"}, {"name": ["team-request@example.com belongs to the mailing "
                                         "list team@example.com."]}),
    ({"name": "new list"}, {"name": ["An account name has letters, digits, dots, hyphens and "
                                     "underscores, starts and ends with a letter or digit, "
                                     "and is at most 64 characters long."]}),
    ({"name": "news", "posting": "all"}, {"posting": [
        "Choose one of: 'anyone', 'subscribers', 'subscribers_moderated', 'moderators' or "
        "'moderated'."]}),
    ({"name": "news", "digest": "yes"}, {"digest": ["Enter true or false."]}),
    ({"name": "news", "max_message_kb": "10"}, {"max_message_kb": ["Enter a whole number."]}),
    ({"name": "news", "max_message_kb": -1}, {"max_message_kb": [
        "Enter a whole number of KB from 0 to 1048576."]}),
    ({"name": "news", "owner": "nobody"}, {"owner": [
        "Enter a valid email address, such as jane@example.com."]}),
    ({"name": "news", "reply_to": "address"}, {"reply_to_address": [
        "Give the address replies go to, or choose another reply setting."]}),
    ({"name": "news", "prefix": "a\nb"}, {"prefix": [
        "A prefix is one line of at most 64 characters."]}),
    ({"name": "news", "trailer": "t" * 20_001}, {"trailer": [
        "Enter a text of at most 20000 characters."]}),
    ({"name": "news", "colour": "red"}, {"colour": ["Unknown field."]}),
    ({"name": "news", "owner": None}, {"owner": ["Enter a text."]}),
])
def test_refused_lists_get_400_with_field_errors_and_nothing_is_made(as_postmaster, team, jane,
                                                                     body, errors):
    response = as_postmaster.post(LISTS, body)
    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    assert list(MailingList.objects.values_list("local_part", flat=True)) == ["team"]


def test_a_refused_change_gets_400_and_changes_nothing(as_postmaster, team):
    response = as_postmaster.patch(TEAM, {"language": "xx", "owner": "bad", "posting": "anyone"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"language"}
    response = as_postmaster.patch(TEAM, {"owner": "bad", "reply_to": "address",
                                          "posting": "anyone"})
    assert response.json() == {"errors": {
        "owner": ["Enter a valid email address, such as jane@example.com."],
        "reply_to_address": ["Give the address replies go to, or choose another reply "
                             "setting."]}}
    assert as_postmaster.get(TEAM).json() == DEFAULTS
    assert as_postmaster.patch(TEAM, {"name": "other"}).json() == {
        "errors": {"name": ["Unknown field."]}}


@pytest.mark.parametrize(("kind", "role"), KINDS)
def test_members_are_added_listed_searched_and_removed(as_postmaster, team, kind, role):
    url = f"{TEAM}/{kind}"
    response = as_postmaster.post(url, {"address": "Ann@Example.NET"})
    assert response.status_code == 201
    assert response.json()["address"] == "ann@example.net"
    assert response.json()["bounces"] == 0
    as_postmaster.post(url, {"address": "bob@example.org"})
    assert services.is_member(team, "ann@example.net", role)
    assert [r for r in Role.values if r != role and services.members(team, r).exists()] == []
    listed = as_postmaster.get(url).json()
    assert [item["address"] for item in listed["items"]] == ["ann@example.net",
                                                             "bob@example.org"]
    assert (listed["count"], listed["page"], listed["pages"]) == (2, 1, 1)
    assert [item["address"] for item in as_postmaster.get(url, search="ORG").json()["items"]] \
        == ["bob@example.org"]
    assert as_postmaster.delete(url + "/ann@example.net").status_code == 204
    assert not services.is_member(team, "ann@example.net", role)
    assert as_postmaster.delete(url + "/ann@example.net").status_code == 404


@pytest.mark.parametrize(("body", "errors"), [
    ({}, {"address": ["This field is required."]}),
    ({"address": "nobody"}, {"address": ["Enter a valid email address, such as "
                                         "jane@example.com."]}),
    ({"address": "old@example.net"}, {"address": ["old@example.net is already on the list."]}),
    ({"address": 5}, {"address": ["Enter a text."]}),
    ({"address": "a@example.net", "role": "moderator"}, {"role": ["Unknown field."]}),
])
def test_a_refused_member_gets_400(as_postmaster, team, body, errors):
    services.add_member(team, "old@example.net")
    response = as_postmaster.post(TEAM + "/subscribers", body)
    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    assert services.members(team).count() == 1


def test_an_operator_manages_the_lists_of_every_domain(as_operator, team):
    assert as_operator.get(TEAM).json() == DEFAULTS
    assert as_operator.post(TEAM + "/moderators", {"address": "m@example.net"}).status_code \
        == 201


def every_endpoint(name="team") -> list[tuple[str, str, dict | None]]:
    base = f"{LISTS}/{name}"
    endpoints = [("get", LISTS, None), ("post", LISTS, {"name": "news"}), ("get", base, None),
                 ("patch", base, {"posting": "anyone"}), ("delete", base, None)]
    for kind, _role in KINDS:
        endpoints += [("get", f"{base}/{kind}", None),
                      ("post", f"{base}/{kind}", {"address": "x@example.net"}),
                      ("delete", f"{base}/{kind}/a@example.net", None)]
    return endpoints


@pytest.mark.parametrize(("method", "path", "body"), every_endpoint())
@pytest.mark.parametrize("caller", ["as_other_postmaster", "as_jane"])
def test_anyone_but_the_domains_managers_gets_404_everywhere(request, team, caller, method,
                                                             path, body):
    api = request.getfixturevalue(caller)
    for _kind, role in KINDS:
        services.add_member(team, "a@example.net", role)
    response = getattr(api, method)(path, body) if body else getattr(api, method)(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert MailingList.objects.get().posting == "subscribers"
    assert team.members.count() == 3


@pytest.mark.parametrize(("method", "path", "body"), every_endpoint("nosuch")[2:])
def test_an_unknown_list_is_404(as_postmaster, team, method, path, body):
    response = getattr(as_postmaster, method)(path, body) if body else getattr(
        as_postmaster, method)(path)
    assert response.status_code == 404


def test_the_document_describes_the_list_endpoints(client, db):
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert set(paths["/api/v1/domains/{domain}/lists"]) == {"get", "post"}
    assert set(paths["/api/v1/domains/{domain}/lists/{name}"]) == {"get", "patch", "delete"}
    for kind, _role in KINDS:
        assert set(paths[f"/api/v1/domains/{{domain}}/lists/{{name}}/{kind}"]) == {"get",
                                                                                   "post"}
        assert set(paths[f"/api/v1/domains/{{domain}}/lists/{{name}}/{kind}/{{address}}"]) \
            == {"delete"}
    create = document["components"]["schemas"]["ListCreate"]
    assert create["required"] == ["name"]
    assert set(create["properties"]) == {"name", *services.OPTIONS}
    assert create["properties"]["language"]["enum"] == list(services.LIST_LANGUAGES)
