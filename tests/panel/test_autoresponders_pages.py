"""The postmaster's autoresponder pages: list, new, modify, delete."""

import re

from hostpanel.routing import services
from hostpanel.routing.models import Autoresponder

BASE = "/domains/example.com/autoresponders/"
NEW = {"name": "sales", "copy_to": "jane@example.com", "subject": "Thank you",
       "message": "We answer within a day.\r\n\r\nThe sales team"}


def _text(response) -> str:
    return response.content.decode()


def test_a_postmaster_creates_an_autoresponder_with_a_copy(as_postmaster, jane):
    response = as_postmaster.post(BASE + "new/", NEW)
    assert response.status_code == 302 and response.url == BASE
    responder = Autoresponder.objects.get(local_part="sales")
    assert (responder.copy_to, responder.subject, responder.message) == (
        "jane@example.com", "Thank you", "We answer within a day.\n\nThe sales team")
    page = _text(as_postmaster.get(BASE))
    assert "The autoresponder sales@example.com was created." in page
    assert re.findall(r'<th scope="row">([^<]+)</th>', page) == ["sales@example.com"]
    assert "Thank you" in page and "jane@example.com" in page


def test_the_list_is_searchable_and_paged(as_postmaster, domain, monkeypatch):
    from hostpanel.routing import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    for name in ("info", "sales", "support"):
        services.create_autoresponder(domain, name, f"About {name}", "Hello")
    page = _text(as_postmaster.get(BASE, {"q": "s", "page": 2}))
    assert re.findall(r'<th scope="row">([^<]+)</th>', page) == ["support@example.com"]
    assert "2 autoresponders" in page and "Page 2 of 2" in page
    assert "No autoresponder yet." not in page


def test_a_refused_autoresponder_keeps_what_was_typed(as_postmaster, jane):
    typed = {"name": "jane", "copy_to": "jane@", "subject": "Hi\r\nBcc: victim@example.org",
             "message": "m" * 10_001}
    response = as_postmaster.post(BASE + "new/", typed)
    page = _text(response)
    assert response.status_code == 200
    assert "The account jane@example.com already exists." in page
    assert "“jane@” is not a valid email address" in page
    assert "The message has at most 10000 characters (it has 10001)." in page
    assert 'value="jane@"' in page
    assert not Autoresponder.objects.exists()


def test_a_subject_with_a_line_break_is_refused(as_postmaster, domain):
    # A browser cannot type a line break in a one-line field, but a crafted POST can.
    response = as_postmaster.post(BASE + "new/", {**NEW, "copy_to": "",
                                                  "subject": "Hi\nBcc: victim@example.org"})
    assert "The subject is one line: no line breaks or control characters." in _text(response)
    assert not Autoresponder.objects.exists()


def test_modify_changes_subject_message_and_copy(as_postmaster, domain, jane):
    services.create_autoresponder(domain, "sales", "Thank you", "Hello",
                                  copy_to="jane@example.com")
    page = _text(as_postmaster.get(BASE + "sales/edit/"))
    assert "Modify sales@example.com" in page and 'value="Thank you"' in page
    response = as_postmaster.post(BASE + "sales/edit/", {"copy_to": "", "subject": "Closed",
                                                         "message": "Back on Monday."})
    assert response.status_code == 302
    responder = Autoresponder.objects.get(local_part="sales")
    assert (responder.copy_to, responder.subject, responder.message) == (
        "", "Closed", "Back on Monday.")
    assert "The autoresponder sales@example.com was changed." in _text(as_postmaster.get(BASE))


def test_a_refused_modify_changes_nothing(as_postmaster, domain):
    services.create_autoresponder(domain, "sales", "Thank you", "Hello")
    page = _text(as_postmaster.post(BASE + "sales/edit/", {
        "copy_to": "sales@example.com", "subject": "s" * 201, "message": "Hi"}))
    assert "The copy cannot go to the autoresponder itself (sales@example.com)." in page
    assert "The subject has at most 200 characters (it has 201)." in page
    responder = Autoresponder.objects.get(local_part="sales")
    assert (responder.copy_to, responder.subject) == ("", "Thank you")


def test_delete_asks_first_then_deletes_on_post(as_postmaster, domain):
    services.create_autoresponder(domain, "sales", "Thank you", "Hello")
    page = _text(as_postmaster.get(BASE + "sales/delete/"))
    assert "Delete sales@example.com" in page and "stops answering" in page
    assert Autoresponder.objects.exists()
    response = as_postmaster.post(BASE + "sales/delete/")
    assert response.status_code == 302
    assert not Autoresponder.objects.exists()
    assert "The autoresponder sales@example.com was deleted." in _text(as_postmaster.get(BASE))


def test_an_autoresponder_that_does_not_exist_is_404(as_postmaster, domain):
    assert as_postmaster.get(BASE + "nobody/edit/").status_code == 404
    assert as_postmaster.get(BASE + "nobody/delete/").status_code == 404
