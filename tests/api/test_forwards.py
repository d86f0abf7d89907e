"""/api/v1/domains/{domain}/forwards[/{name}], with Basic and with Bearer."""

import pytest

from hostpanel.routing import services
from hostpanel.routing.models import Forward

FORWARDS = "/domains/example.com/forwards"


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"errors"}
    return body["errors"]


def test_it_creates_a_forward(as_postmaster, jane):
    response = as_postmaster.post(FORWARDS, {"name": "Info",
                                             "targets": ["jane@example.com", "boss@Example.NET"]})
    assert response.status_code == 201
    assert response.json() == {"name": "info", "address": "info@example.com",
                               "targets": ["jane@example.com", "boss@example.net"]}
    assert Forward.objects.get(local_part="info").targets == ["jane@example.com",
                                                               "boss@example.net"]


def test_it_lists_searches_and_pages_forwards(as_postmaster, domain, monkeypatch):
    from hostpanel.api import forwards

    monkeypatch.setattr(forwards, "PAGE_SIZE", 2)
    for name in ("ann", "anna", "annie", "bob"):
        services.create_forward(domain, name, ["boss@example.net"])
    body = as_postmaster.get(FORWARDS, search="ANN", page=2).json()
    assert body == {"items": [{"name": "annie", "address": "annie@example.com",
                               "targets": ["boss@example.net"]}],
                    "count": 3, "page": 2, "pages": 2}
    first = as_postmaster.get(FORWARDS).json()
    assert (len(first["items"]), first["count"], first["pages"]) == (2, 4, 2)
    assert as_postmaster.get(FORWARDS, page=9).json()["items"] == []


def test_it_reads_changes_and_deletes_a_forward(as_postmaster, domain, jane):
    services.create_forward(domain, "info", ["boss@example.net"])
    assert as_postmaster.get(FORWARDS + "/INFO").json()["targets"] == ["boss@example.net"]

    response = as_postmaster.patch(FORWARDS + "/info", {"targets": ["boss@example.net",
                                                                    "jane@example.com"]})
    assert response.status_code == 200
    assert response.json()["targets"] == ["boss@example.net", "jane@example.com"]
    assert Forward.objects.get(local_part="info").targets == ["boss@example.net",
                                                               "jane@example.com"]

    assert as_postmaster.delete(FORWARDS + "/info").status_code == 204
    assert not Forward.objects.exists()
    assert as_postmaster.get(FORWARDS + "/info").status_code == 404


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"name": "info", "targets": ["not-an-address"]}, "targets", "is not a valid email address"),
    ({"name": "info", "targets": ["info@example.com"]}, "targets", "cannot forward to itself"),
    ({"name": "info", "targets": [f"u{n}@example.net" for n in range(1000)]}, "targets",
     "At most 100 addresses are allowed (1000 given)."),
    ({"name": "info", "targets": []}, "targets", "Enter at least one address."),
    ({"name": "info", "targets": ["ghost@example.com"]}, "targets", "does not exist here"),
    ({"name": "info", "targets": ["a@example.net\r\nBcc: b@example.net"]}, "targets",
     "cannot contain line breaks"),
    ({"name": "info", "targets": ["a@example.net", "A@EXAMPLE.NET"]}, "targets",
     "is listed twice"),
    ({"name": "info", "targets": "boss@example.net"}, "targets", "Enter a list."),
    ({"name": "info", "targets": [7]}, "targets", "Enter a text."),
    ({"name": "info", "targets": None}, "targets", "Enter a list."),
    ({"name": "info"}, "targets", "This field is required."),
    ({"targets": ["boss@example.net"]}, "name", "This field is required."),
    ({"name": "bad name", "targets": ["boss@example.net"]}, "name", "An address has letters"),
    ({"name": "jane", "targets": ["boss@example.net"]}, "name",
     "The account jane@example.com already exists."),
    ({"name": "postmaster", "targets": ["boss@example.net"]}, "name", "already exists"),
    ({"name": "info", "targets": ["boss@example.net"], "copy_to": "x"}, "copy_to",
     "Unknown field."),
])
def test_a_refused_forward_gets_400_with_field_errors(as_postmaster, jane, body, field, message):
    errors = _errors(as_postmaster.post(FORWARDS, body))
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Forward.objects.exists()


def test_every_invalid_field_is_reported_at_once(as_postmaster, jane):
    errors = _errors(as_postmaster.post(FORWARDS, {"name": "jane", "targets": ["bad", "x@y"]}))
    assert set(errors) == {"name", "targets"} and len(errors["targets"]) == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"targets": []}, "targets"),
    ({"targets": ["info@example.com"]}, "targets"),
    ({"targets": None}, "targets"),
    ({}, "targets"),
    ({"targets": ["a@example.net"], "name": "renamed"}, "name"),
])
def test_a_refused_change_gets_400_and_changes_nothing(as_postmaster, domain, body, field):
    services.create_forward(domain, "info", ["boss@example.net"])
    assert list(_errors(as_postmaster.patch(FORWARDS + "/info", body))) == [field]
    assert Forward.objects.get(local_part="info").targets == ["boss@example.net"]


def test_another_domain_is_404_for_every_endpoint_and_nothing_changes(as_other_postmaster,
                                                                      domain):
    services.create_forward(domain, "info", ["boss@example.net"])
    assert as_other_postmaster.get(FORWARDS).status_code == 404
    assert as_other_postmaster.post(FORWARDS, {"name": "x", "targets": ["a@example.net"]}
                                    ).status_code == 404
    assert as_other_postmaster.get(FORWARDS + "/info").status_code == 404
    assert as_other_postmaster.patch(FORWARDS + "/info", {"targets": ["evil@example.net"]}
                                     ).status_code == 404
    assert as_other_postmaster.delete(FORWARDS + "/info").status_code == 404
    assert list(Forward.objects.values_list("local_part", "targets")) == [
        ("info", ["boss@example.net"])]
    missing = as_other_postmaster.get("/domains/nowhere.example/forwards")
    assert missing.json() == as_other_postmaster.get(FORWARDS).json()


def test_a_mail_user_cannot_manage_forwards(as_jane, domain):
    services.create_forward(domain, "info", ["boss@example.net"])
    assert as_jane.get(FORWARDS).status_code == 404
    assert as_jane.delete(FORWARDS + "/info").status_code == 404
    assert Forward.objects.exists()


def test_the_operator_reaches_every_domain(as_operator, domain, other_domain):
    response = as_operator.post("/domains/other.org/forwards",
                                {"name": "info", "targets": ["postmaster@other.org"]})
    assert response.status_code == 201


def test_anonymous_callers_get_401(anonymous, domain):
    assert anonymous.get(FORWARDS).status_code == 401
    assert anonymous.post(FORWARDS, {"name": "x", "targets": ["a@example.net"]}).status_code == 401
