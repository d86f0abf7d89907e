"""The help pages: one per topic of the old support page, readable before signing in."""

import re

import pytest
from django.utils import translation

from tests.help.conftest import TOPICS, main_text

pytestmark = pytest.mark.django_db

# What a reader comes looking for on each page (its title, and one sentence).
LOOKED_FOR = {
    "accounts": ("Email accounts", "Account: the word postmaster."),
    "mail-settings": ("Mail settings", "This server requires authentication."),
    "anti-virus": ("Anti-virus filtering",
                   "A copy of every infected message is kept in the quarantine for 4 days, "
                   "then deleted automatically."),
    "spam": ("Spam filtering and spam preferences",
             "where it is deleted after 10 days."),
    "forwards": ("Forwards and aliases", "Each of them gets a copy: that is how one address "
                 "reaches several people."),
    "vacation": ("Vacation messages and routing",
                 "tick Send a vacation message and type its Subject and Message."),
    "autoresponders": ("Autoresponders", "Send a copy of each message to: optional;"),
    "lists": ("Mailing lists", "team-subscribe@example.com or team-unsubscribe@example.com "
              "to join or leave;"),
    "self-service": ("Self-service for mail users",
                     "Change password, and Routing and vacation, to forward your mail or set "
                     "a vacation message;"),
    "languages": ("Languages", "The panel speaks 20 languages."),
    "resellers": ("Notes for resellers", "show your brand and host names, never ours."),
}


def _text(client, path, **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200
    return re.sub(r" ([,.:;])", r"\1", main_text(response))


def test_there_is_a_page_for_every_section_of_the_old_support_page():
    assert set(LOOKED_FOR) == set(TOPICS)


@pytest.mark.parametrize("slug", TOPICS)
def test_each_topic_answers_without_a_login_with_its_title_and_what_people_look_for(
        client, slug):
    response = client.get(f"/help/{slug}/")
    assert response.status_code == 200
    title, sentence = LOOKED_FOR[slug]
    assert re.search(rf"<h1[^>]*>{re.escape(title)}</h1>", response.content.decode())
    assert sentence in _text(client, f"/help/{slug}/")


def test_the_index_links_every_topic(client):
    response = client.get("/help/")
    assert response.status_code == 200
    links = re.findall(r'href="/help/([a-z-]+)/"', response.content.decode())
    assert sorted(set(links)) == sorted(TOPICS)
    assert "Anti-virus filtering How infected mail is refused" in main_text(response)


def test_an_unknown_topic_is_not_found(client):
    assert client.get("/help/viruses/").status_code == 404
    assert client.get("/help/accounts/extra/").status_code == 404


def test_the_help_only_reads(client):
    assert client.post("/help/spam/").status_code == 405


def test_the_anti_virus_page_says_infected_mail_is_refused_and_kept_as_configured(
        client, settings):
    settings.HOSTPANEL_QUARANTINE_DAYS = 6
    text = _text(client, "/help/anti-virus/")
    assert "When the scanner finds a virus, the message is refused: nobody here receives it" \
        in text
    assert "kept in the quarantine for 6 days" in text
    assert "virus definitions are updated every hour" in text


def test_the_spam_page_explains_threshold_languages_blocklists_and_the_lists(client):
    text = _text(client, "/help/spam/")
    for looked_for in (
        "Sensitivity (spam threshold): 5 suits most people. A lower threshold is more "
        "sensitive",
        "Accepted languages: mail clearly written in a language you do not tick counts as spam.",
        "DNS blocklists: the ones the operator consults by default, or only those you tick.",
        "Whitelist and Blacklist: senders whose mail is never, or always, spam",
        "your domain's spam mailbox, spam@example.com, where it is deleted after 10 days.",
        "Not spam delivers it to its recipient, adds the sender to that recipient's whitelist",
        "by POP3, with the user name spam@example.com.",
    ):
        assert looked_for in text


def test_the_spam_page_names_the_visitors_own_spam_mailbox(client, jane, settings):
    settings.HOSTPANEL_SPAM_DAYS = 3
    client.force_login(jane)
    text = _text(client, "/help/spam/")
    assert "spam mailbox, spam@example.com, where it is deleted after 3 days." in text


def test_the_mail_settings_page_shows_the_servers_ports_and_both_login_forms(
        client, settings):
    settings.HOSTPANEL_MAIL_HOST = "mail.example.net"
    settings.HOSTPANEL_TLS_CERT = "/etc/hostpanel/cert.pem"
    settings.HOSTPANEL_POP3_PORT, settings.HOSTPANEL_POP3S_PORT = 110, 995
    settings.HOSTPANEL_SUBMISSION_PORT, settings.HOSTPANEL_SUBMISSIONS_PORT = 587, 465
    text = _text(client, "/help/mail-settings/")
    assert ("Incoming mail (POP3) Server mail.example.net Port and encryption "
            "Port 995 with SSL/TLS Port 110 with STARTTLS") in text
    assert ("Outgoing mail (SMTP) Server mail.example.net Port and encryption "
            "Port 465 with SSL/TLS Port 587 with STARTTLS "
            "Authentication This server requires authentication.") in text
    assert "Your full email address, such as jane@example.com." in text
    assert ("jane%example.com, for programs such as Eudora that do not accept an @ in a "
            "user name.") in text
    assert "Choose SSL/TLS or STARTTLS, never no encryption" in text


def test_the_mail_settings_page_says_so_when_there_is_no_encryption(client, settings):
    settings.HOSTPANEL_TLS_CERT = ""
    text = _text(client, "/help/mail-settings/")
    assert "without encryption" in text
    assert "This server has no encryption set up yet" in text


def test_a_signed_in_user_sees_their_own_address_in_the_examples(
        client, domain_factory, account_factory):
    bob = account_factory(domain_factory("other.org"), "bob")
    client.force_login(bob)
    text = _text(client, "/help/mail-settings/")
    assert "such as bob@other.org." in text and "bob%other.org, for programs" in text
    assert "team-subscribe@other.org" in _text(client, "/help/lists/")
    assert "jane" not in text


def test_the_languages_page_lists_the_twenty_languages(client, settings):
    html = client.get("/help/languages/").content.decode()
    listed = re.findall(r'<li lang="([a-z-]+)">', html)
    assert listed == [code for code, _name in settings.LANGUAGES]
    assert '<li lang="ja">日本語' in html and '<li lang="de">Deutsch' in html


def test_the_pages_use_the_numbers_the_servers_use(client, settings):
    settings.HOSTPANEL_VACATION_INTERVAL_DAYS = 3
    settings.HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS = 12
    settings.HOSTPANEL_DELETE_GRACE_DAYS = 30
    settings.HOSTPANEL_LIST_MODERATION_DAYS = 5
    settings.HOSTPANEL_MAX_FORWARD_TARGETS = 20
    assert "writes again within 3 days gets no second one" in _text(client, "/help/vacation/")
    assert "writes again within 12 hours gets no second reply" in _text(
        client, "/help/autoresponders/")
    assert "its mail stays on the server 30 more days" in _text(client, "/help/accounts/")
    assert "A held post waits 5 days for a moderator." in _text(client, "/help/lists/")
    assert "at most 20 addresses." in _text(client, "/help/forwards/")


def test_without_a_reply_interval_the_pages_say_every_message_is_answered(client, settings):
    settings.HOSTPANEL_VACATION_INTERVAL_DAYS = 0
    settings.HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS = 0
    vacation = _text(client, "/help/vacation/")
    assert "A reply goes out for every message that has your address in its To or Cc." \
        in vacation
    assert "within 0" not in vacation
    assert "Every message gets the reply, except from mailing lists" in _text(
        client, "/help/autoresponders/")


def test_the_sign_in_address_is_the_one_the_visitor_reached(client):
    text = _text(client, "/help/self-service/", HTTP_HOST="localhost")
    assert "Sign in at http://localhost/accounts/login/ with:" in text


# -- where the help is linked from, and where it links to ----------------------------

def test_the_login_page_links_the_help(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/help/"' in html and 'href="/help/mail-settings/"' in html


@pytest.mark.parametrize("who", ["postmaster", "jane", "operator"])
def test_the_menu_has_help_for_everyone(client, who, request):
    client.force_login(request.getfixturevalue(who))
    html = client.get("/help/spam/").content.decode()
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert re.search(r'<a href="/help/" aria-current="page">Help</a>', nav)


def test_a_postmaster_gets_a_link_to_their_own_domains_page(client, postmaster):
    client.force_login(postmaster)
    html = client.get("/help/accounts/").content.decode()
    assert 'href="/domains/example.com/accounts/">Open Email accounts</a>' in html
    html = client.get("/help/anti-virus/").content.decode()
    assert "Open Virus quarantine</a>" in html


def test_a_mail_user_gets_links_to_their_own_pages_only(client, jane):
    client.force_login(jane)
    assert 'href="/me/">Open My account</a>' in client.get("/help/self-service/").content.decode()
    assert "Open My spam preferences</a>" in client.get("/help/spam/").content.decode()
    assert "Open " not in main_text(client.get("/help/accounts/"))


def test_a_visitor_who_is_not_signed_in_gets_no_panel_links(client):
    for slug in TOPICS:
        assert "help-open" not in client.get(f"/help/{slug}/").content.decode()


# -- languages --------------------------------------------------------------------------

def test_the_page_comes_in_the_browsers_language(client):
    """The help's own sentences wait for the maintainer's catalogue update; the labels it
    borrows from the panel's menus are translated already, so the page must show them in
    German, exactly as the menus do."""
    response = client.get("/help/accounts/", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Content-Language"] == "de"
    with translation.override("de"):
        label = translation.gettext("New Email Account")
    assert label != "New Email Account"
    assert f"<strong>{label}</strong>" in response.content.decode()


# -- resellers ----------------------------------------------------------------------------

@pytest.fixture
def bluebird(settings):
    from hostpanel.resellers.models import Reseller

    settings.HOSTPANEL_MAIL_HOST = "mail.operator.test"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "panel.bluebird.test"]
    return Reseller.objects.create(name="Bluebird Mail", panel_host="panel.bluebird.test",
                                   pop3_host="pop.bluebird.test", smtp_host="smtp.bluebird.test")


def test_under_a_resellers_host_the_mail_settings_help_shows_the_resellers_names(
        client, bluebird):
    response = client.get("/help/mail-settings/", HTTP_HOST="panel.bluebird.test")
    text = main_text(response)
    assert "Incoming mail (POP3) Server pop.bluebird.test" in text
    assert "Outgoing mail (SMTP) Server smtp.bluebird.test" in text
    assert "mail.operator.test" not in response.content.decode()
    assert "Sign in at http://panel.bluebird.test/accounts/login/" in _text(
        client, "/help/self-service/", HTTP_HOST="panel.bluebird.test")


def test_a_user_of_a_resellers_domain_sees_the_resellers_names_anywhere(
        client, bluebird, domain_factory, account_factory):
    from hostpanel.resellers.models import ResellerDomain

    shop = domain_factory("shop.example")
    ResellerDomain.objects.create(reseller=bluebird, domain=shop)
    client.force_login(account_factory(shop, "ann"))
    text = _text(client, "/help/mail-settings/")
    assert "Server pop.bluebird.test" in text and "Server smtp.bluebird.test" in text
    assert "mail.operator.test" not in text
    client.logout()
    assert "Server mail.operator.test" in _text(client, "/help/mail-settings/")
