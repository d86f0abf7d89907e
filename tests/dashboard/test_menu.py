"""The main menu: a tile per part of the panel, with its count, for the domain's managers."""

import re

import pytest
from django.utils import translation

from hostpanel.lists import services as list_services
from hostpanel.quarantine.models import QuarantinedMessage
from hostpanel.routing import services as routing_services
from hostpanel.spam.models import CaughtSpam
from tests.panel.conftest import page_as_seen

URL = "/domains/example.com/"


def tiles(page: str) -> dict[str, tuple[str, str, str]]:
    """``{icon: (href, label, count text)}`` of the main menu."""
    found = {}
    for href, icon, inner in re.findall(
            r'<a class="menu-tile" href="([^"]+)" data-menu="([^"]+)">(.*?)</a>', page, re.S):
        label = re.search(r'<span class="menu-label">(.*?)</span>', inner).group(1)
        count = re.search(r'<span class="menu-count">(.*?)</span>', inner)
        assert "<svg" in inner  # every tile has its icon, drawn inline
        found[icon] = (href, label, count.group(1) if count else "")
    return found


def catch(domain, n):
    for i in range(n):
        CaughtSpam.objects.create(domain=domain, recipient="jane@example.com", score=9.0,
                                  filename=f"spam-{i}")


def quarantine(domain, n):
    for i in range(n):
        QuarantinedMessage.objects.create(domain=domain, entry_id=f"q{i}", virus="Eicar",
                                          path=f"/nowhere/q{i}.eml")


def test_the_menu_links_every_part_of_the_panel_with_its_count(as_postmaster, domain, jane,
                                                               account_factory, other_domain):
    account_factory(domain, "john")
    routing_services.create_forward(domain, "info", ["jane@example.com"])
    routing_services.create_forward(domain, "sales", ["jane@example.com"])
    routing_services.create_autoresponder(domain, "away", "Away", "Back on Monday.")
    list_services.create_list(domain, "team")
    catch(domain, 3)
    quarantine(domain, 1)
    # Another domain's things are not counted.
    routing_services.create_forward(other_domain, "info", ["x@example.net"])
    catch(other_domain, 5)
    quarantine(other_domain, 2)

    page = as_postmaster.get(URL).content.decode()

    assert tiles(page) == {
        # postmaster, spam, jane, john
        "accounts": ("/domains/example.com/accounts/", "Email accounts", "4 accounts"),
        "forwards": ("/domains/example.com/forwards/", "Forwards", "2 forwards"),
        "autoresponders": ("/domains/example.com/autoresponders/", "Autoresponders",
                           "1 autoresponder"),
        "lists": ("/domains/example.com/lists/", "Mailing lists", "1 list"),
        "spam_preferences": ("/domains/example.com/spam/", "Spam preferences", ""),
        "spam_mailbox": ("/domains/example.com/spam/caught/", "Spam mailbox",
                         "3 messages caught"),
        "quarantine": ("/domains/example.com/quarantine/", "Virus quarantine",
                       "1 message quarantined"),
        "mail_settings": ("/mail-settings/", "Mail settings", ""),
        "help": ("/help/", "Help", ""),
    }


def test_the_counts_say_zero_when_there_is_nothing(as_postmaster, domain):
    found = tiles(as_postmaster.get(URL).content.decode())
    assert found["forwards"][2] == "0 forwards"
    assert found["lists"][2] == "0 lists"
    assert found["spam_mailbox"][2] == "0 messages caught"


def test_every_menu_link_opens_a_page(as_postmaster, domain):
    for icon, (href, _label, _count) in tiles(as_postmaster.get(URL).content.decode()).items():
        if icon == "help":
            continue  # the help pages are another feature's
        assert as_postmaster.get(href).status_code == 200, href


def test_the_menu_is_translated(as_postmaster, domain):
    page = as_postmaster.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr"' in page
    assert tiles(page)["mail_settings"][1] != "Mail settings"


def test_the_domain_navigation_links_the_overview(as_postmaster, domain):
    page = as_postmaster.get("/domains/example.com/accounts/").content.decode()
    assert 'href="/domains/example.com/"' in page


def test_home_sends_a_postmaster_to_the_menu(as_postmaster, domain):
    response = as_postmaster.get("/")
    assert response.status_code == 302 and response.url == URL


def test_a_postmaster_never_sees_another_domain(as_postmaster, other_domain):
    missing = as_postmaster.get("/domains/nowhere.example/")
    other = as_postmaster.get("/domains/other.org/")
    assert missing.status_code == other.status_code == 404
    assert page_as_seen(other) == page_as_seen(missing)


@pytest.mark.parametrize("who", ["jane", "anonymous"])
def test_users_and_visitors_do_not_get_the_menu(client, jane, who):
    if who == "jane":
        client.force_login(jane)
        assert client.get(URL).status_code == 404
    else:
        response = client.get(URL)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_operator_sees_any_domains_menu(client, operator, domain, other_domain):
    client.force_login(operator)
    catch(other_domain, 2)
    page = client.get("/domains/other.org/").content.decode()
    assert "Overview of other.org" in page
    assert tiles(page)["spam_mailbox"] == ("/domains/other.org/spam/caught/", "Spam mailbox",
                                           "2 messages caught")
    assert client.get("/domains/nowhere.example/").status_code == 404


def test_the_page_takes_no_post(as_postmaster, domain):
    assert as_postmaster.post(URL).status_code == 405


def test_the_counts_come_in_the_visitors_language(as_postmaster, domain, jane):
    page = as_postmaster.get(URL, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    count = domain.accounts.count()
    with translation.override("de"):
        expected = translation.ngettext("%(count)s account", "%(count)s accounts", count) % {
            "count": count}
    assert expected != f"{count} accounts"  # the catalogue has it
    assert tiles(page)["accounts"][2] == expected
