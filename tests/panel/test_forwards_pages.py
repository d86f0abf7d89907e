"""The postmaster's forwards pages: list, new, modify (add and remove copies), delete, catch-all."""

import re

from hostpanel.routing import services
from hostpanel.routing.models import Forward

BASE = "/domains/example.com/forwards/"


def _text(response) -> str:
    return response.content.decode()


def _rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', page)


def test_the_menu_shows_forwards_and_autoresponders_with_counts(as_postmaster, domain):
    services.create_forward(domain, "info", ["boss@example.net"])
    services.create_forward(domain, "sales", ["boss@example.net"])
    services.create_autoresponder(domain, "away", "Hi", "Hello")
    page = _text(as_postmaster.get("/domains/example.com/accounts/"))
    assert re.search(r'href="/domains/example.com/forwards/">Forwards <span[^>]*>2</span>', page)
    assert re.search(r'href="/domains/example.com/autoresponders/">Autoresponders '
                     r'<span[^>]*>1</span>', page)
    assert 'href="/domains/example.com/queue/"' in page
    assert 'href="/domains/example.com/settings/"' in page


def test_the_list_shows_each_forward_with_its_targets(as_postmaster, domain, jane):
    services.create_forward(domain, "info", ["jane@example.com", "boss@example.net"])
    page = _text(as_postmaster.get(BASE))
    assert "Forwards of example.com" in page
    assert _rows(page) == ["info@example.com"]
    assert "<li>jane@example.com</li><li>boss@example.net</li>" in page
    assert "1 forward" in page
    assert 'href="/domains/example.com/forwards/info/edit/"' in page
    assert 'href="/domains/example.com/forwards/info/delete/"' in page


def test_the_list_is_searchable_and_paged(as_postmaster, domain, monkeypatch):
    from hostpanel.routing import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for name in ("ann", "anna", "annie", "bob"):
        services.create_forward(domain, name, ["boss@example.net"])
    page = _text(as_postmaster.get(BASE, {"q": "ANN", "page": 2}))
    assert _rows(page) == ["annie@example.com"]
    assert "3 forwards" in page and "Page 2 of 2" in page
    assert 'href="?q=ANN&amp;page=1"' in page
    assert "No forward address contains “zed”." in _text(as_postmaster.get(BASE, {"q": "zed"}))


def test_an_empty_list_says_so(as_postmaster, domain):
    assert "No forward yet." in _text(as_postmaster.get(BASE))


def test_a_postmaster_creates_a_forward_to_several_addresses(as_postmaster, domain, jane):
    response = as_postmaster.post(BASE + "new/", {
        "name": "Info", "targets": "jane@example.com\r\nboss@example.net, other@example.org"})
    assert response.status_code == 302 and response.url == BASE
    assert Forward.objects.get(local_part="info").targets == [
        "jane@example.com", "boss@example.net", "other@example.org"]
    page = _text(as_postmaster.get(BASE))
    assert "The forward info@example.com was created." in page


def test_a_refused_forward_keeps_what_was_typed_and_says_what_is_wrong(as_postmaster, jane):
    typed = "jane@example.com\r\nnot-an-address\r\nghost@example.com"
    response = as_postmaster.post(BASE + "new/", {"name": "jane", "targets": typed})
    page = _text(response)
    assert response.status_code == 200
    assert "The account jane@example.com already exists." in page
    assert "“not-an-address” is not a valid email address" in page
    assert "ghost@example.com does not exist here" in page
    assert 'value="jane"' in page
    assert typed + "</textarea>" in page
    assert not Forward.objects.exists()


def test_a_forward_to_itself_and_a_thousand_targets_are_refused(as_postmaster, domain):
    page = _text(as_postmaster.post(BASE + "new/", {"name": "loop",
                                                    "targets": "loop@example.com"}))
    assert "loop@example.com cannot forward to itself." in page
    many = "\n".join(f"user{number}@example.net" for number in range(1000))
    page = _text(as_postmaster.post(BASE + "new/", {"name": "many", "targets": many}))
    assert "At most 100 addresses are allowed (1000 given)." in page
    assert not Forward.objects.exists()


def test_the_new_form_asks_for_a_name_and_targets(as_postmaster, domain):
    page = _text(as_postmaster.post(BASE + "new/", {"name": "", "targets": ""}))
    assert page.count("This field is required.") == 2


def test_modify_shows_the_list_and_adds_more_copies(as_postmaster, domain, jane):
    services.create_forward(domain, "info", ["boss@example.net"])
    page = _text(as_postmaster.get(BASE + "info/edit/"))
    assert "Modify info@example.com" in page
    assert 'value="boss@example.net"' in page and "Remove boss@example.net" in page

    response = as_postmaster.post(BASE + "info/edit/", {"add": "jane@example.com\nx@example.org"})
    assert response.status_code == 302
    assert Forward.objects.get(local_part="info").targets == [
        "boss@example.net", "jane@example.com", "x@example.org"]
    assert "The forward info@example.com was changed." in _text(as_postmaster.get(BASE))


def test_modify_removes_the_ticked_addresses(as_postmaster, domain):
    services.create_forward(domain, "info", ["a@example.net", "b@example.net", "c@example.net"])
    response = as_postmaster.post(BASE + "info/edit/",
                                  {"remove": ["a@example.net", "c@example.net"]})
    assert response.status_code == 302
    assert Forward.objects.get(local_part="info").targets == ["b@example.net"]


def test_modify_refuses_removing_every_address_or_adding_bad_ones(as_postmaster, domain):
    services.create_forward(domain, "info", ["a@example.net"])
    page = _text(as_postmaster.post(BASE + "info/edit/", {"remove": ["a@example.net"]}))
    assert "Enter at least one address." in page
    page = _text(as_postmaster.post(BASE + "info/edit/",
                                    {"add": "a@example.net\nbad address\ninfo@example.com"}))
    assert "a@example.net is listed twice." in page
    assert "“bad” is not a valid email address" in page
    assert "info@example.com cannot forward to itself." in page
    assert "a@example.net\nbad address\ninfo@example.com</textarea>" in page  # kept as typed
    assert Forward.objects.get(local_part="info").targets == ["a@example.net"]


def test_modify_of_a_forward_that_does_not_exist_is_404(as_postmaster, domain):
    assert as_postmaster.get(BASE + "nobody/edit/").status_code == 404
    assert as_postmaster.post(BASE + "nobody/delete/").status_code == 404


def test_delete_asks_first_then_deletes_on_post(as_postmaster, domain):
    services.create_forward(domain, "info", ["boss@example.net"])
    page = _text(as_postmaster.get(BASE + "info/delete/"))
    assert "Delete info@example.com" in page and "boss@example.net" in page
    assert "It is refused instead." in page
    assert Forward.objects.exists()

    response = as_postmaster.post(BASE + "info/delete/")
    assert response.status_code == 302 and response.url == BASE
    assert not Forward.objects.exists()
    assert "The forward info@example.com was deleted." in _text(as_postmaster.get(BASE))


def test_forms_need_the_csrf_token(client, postmaster, domain):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(postmaster)
    page = _text(strict.get(BASE + "new/"))
    assert 'name="csrfmiddlewaretoken"' in page
    response = strict.post(BASE + "new/", {"name": "info", "targets": "boss@example.net"})
    assert response.status_code == 403
    assert not Forward.objects.exists()


def test_the_catch_all_is_off_by_default_and_set_on_the_forwards_page(as_postmaster, domain,
                                                                       jane):
    page = _text(as_postmaster.get(BASE))
    assert "Off: mail for addresses that do not exist is refused." in page

    response = as_postmaster.post(BASE + "catch-all/", {"catch_all": "jane@example.com"})
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.catch_all == "jane@example.com"
    page = _text(as_postmaster.get(BASE))
    assert "Mail for unknown addresses of example.com now goes to jane@example.com." in page
    assert "Mail for addresses that do not exist goes to jane@example.com." in page

    as_postmaster.post(BASE + "catch-all/", {"catch_all": ""})
    domain.refresh_from_db()
    assert domain.catch_all == ""


def test_a_bad_catch_all_is_refused_and_kept_in_the_field(as_postmaster, domain):
    response = as_postmaster.post(BASE + "catch-all/", {"catch_all": "ghost@example.com"})
    page = _text(response)
    assert response.status_code == 200
    assert "ghost@example.com does not exist here" in page
    assert 'value="ghost@example.com"' in page
    assert "Off: mail for addresses that do not exist is refused." in page
    domain.refresh_from_db()
    assert domain.catch_all == ""
    assert as_postmaster.get(BASE + "catch-all/").status_code == 405
