"""/api/v1/domains/{domain}/autoresponders[/{name}], with Basic and with Bearer."""

import pytest

from hostpanel.routing import services
from hostpanel.routing.models import Autoresponder

RESPONDERS = "/domains/example.com/autoresponders"
NEW = {"name": "Sales", "copy_to": "jane@example.com", "subject": "Thank you",
       "message": "We answer within a day."}


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"errors"}
    return body["errors"]


def test_it_creates_an_autoresponder(as_postmaster, jane):
    response = as_postmaster.post(RESPONDERS, NEW)
    assert response.status_code == 201
    assert response.json() == {"name": "sales", "address": "sales@example.com",
                               "copy_to": "jane@example.com", "subject": "Thank you",
                               "message": "We answer within a day."}
    assert Autoresponder.objects.get(local_part="sales").copy_to == "jane@example.com"


def test_the_copy_may_be_left_out(as_postmaster, domain):
    body = {key: value for key, value in NEW.items() if key != "copy_to"}
    assert as_postmaster.post(RESPONDERS, body).json()["copy_to"] == ""


def test_it_lists_searches_and_pages(as_postmaster, domain, monkeypatch):
    from hostpanel.api import autoresponders

    monkeypatch.setattr(autoresponders, "PAGE_SIZE", 1)
    for name in ("info", "sales", "support"):
        services.create_autoresponder(domain, name, f"About {name}", "Hello")
    body = as_postmaster.get(RESPONDERS, search="S", page=2).json()
    assert [item["name"] for item in body["items"]] == ["support"]
    assert (body["count"], body["pages"]) == (2, 2)


def test_it_reads_changes_and_deletes_an_autoresponder(as_postmaster, domain, jane):
    services.create_autoresponder(domain, "sales", "Thank you", "Hello",
                                  copy_to="jane@example.com")
    assert as_postmaster.get(RESPONDERS + "/sales").json()["subject"] == "Thank you"

    response = as_postmaster.patch(RESPONDERS + "/sales", {"subject": "Closed", "copy_to": ""})
    assert response.status_code == 200
    assert (response.json()["subject"], response.json()["copy_to"],
            response.json()["message"]) == ("Closed", "", "Hello")

    assert as_postmaster.delete(RESPONDERS + "/sales").status_code == 204
    assert not Autoresponder.objects.exists()
    assert as_postmaster.get(RESPONDERS + "/sales").status_code == 404


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"subject": "Hi\r\nBcc: victim@example.org"}, "subject",
     "The subject is one line: no line breaks or control characters."),
    ({"subject": "Hi\nX-Injected: 1"}, "subject", "no line breaks"),
    ({"subject": "s" * 201}, "subject", "at most 200 characters"),
    ({"subject": ""}, "subject", "Enter a subject."),
    ({"message": ""}, "message", "Enter a message."),
    ({"message": "m" * 10_001}, "message", "at most 10000 characters"),
    ({"copy_to": "not-an-address"}, "copy_to", "is not a valid email address"),
    ({"copy_to": "sales@example.com"}, "copy_to", "The copy cannot go to the autoresponder"),
    ({"copy_to": "ghost@example.com"}, "copy_to", "does not exist here"),
    ({"copy_to": None}, "copy_to", "Enter a text."),
    ({"subject": 5}, "subject", "Enter a text."),
    ({"name": "jane"}, "name", "The account jane@example.com already exists."),
    ({"name": "bad name"}, "name", "An address has letters"),
    ({"reply_to": "x"}, "reply_to", "Unknown field."),
])
def test_a_refused_autoresponder_gets_400_with_field_errors(as_postmaster, jane, changes,
                                                            field, message):
    errors = _errors(as_postmaster.post(RESPONDERS, {**NEW, "name": "sales", **changes}))
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Autoresponder.objects.exists()


def test_missing_fields_are_all_reported(as_postmaster, domain):
    errors = _errors(as_postmaster.post(RESPONDERS, {}))
    assert set(errors) == {"name", "subject", "message"}


@pytest.mark.parametrize(("body", "field"), [
    ({"subject": "Hi\r\nBcc: x@example.org"}, "subject"),
    ({"message": "m" * 10_001}, "message"),
    ({"copy_to": "sales@example.com"}, "copy_to"),
    ({"subject": None}, "subject"),
    ({"name": "renamed"}, "name"),
])
def test_a_refused_change_gets_400_and_changes_nothing(as_postmaster, domain, body, field):
    services.create_autoresponder(domain, "sales", "Thank you", "Hello")
    assert list(_errors(as_postmaster.patch(RESPONDERS + "/sales", body))) == [field]
    responder = Autoresponder.objects.get(local_part="sales")
    assert (responder.subject, responder.message, responder.copy_to) == (
        "Thank you", "Hello", "")


def test_another_domain_is_404_for_every_endpoint_and_nothing_changes(as_other_postmaster,
                                                                      domain):
    services.create_autoresponder(domain, "sales", "Thank you", "Hello")
    assert as_other_postmaster.get(RESPONDERS).status_code == 404
    assert as_other_postmaster.post(RESPONDERS, NEW).status_code == 404
    assert as_other_postmaster.get(RESPONDERS + "/sales").status_code == 404
    assert as_other_postmaster.patch(RESPONDERS + "/sales", {"subject": "x"}).status_code == 404
    assert as_other_postmaster.delete(RESPONDERS + "/sales").status_code == 404
    assert list(Autoresponder.objects.values_list("local_part", "subject")) == [
        ("sales", "Thank you")]


def test_a_mail_user_cannot_manage_autoresponders(as_jane, domain):
    services.create_autoresponder(domain, "sales", "Thank you", "Hello")
    assert as_jane.get(RESPONDERS).status_code == 404
    assert as_jane.patch(RESPONDERS + "/sales", {"subject": "x"}).status_code == 404
    assert Autoresponder.objects.get().subject == "Thank you"
