"""The mailing list pages: options, members (with CSV), moderation queue, archive."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hostpanel.lists import services, storage
from hostpanel.lists.models import ArchivedPost, MailingList, PendingPost, Role
from hostpanel.outbound.models import OutboundRecipient
from mailcore import directory
from tests.conftest import PASSWORD

LISTS = "/domains/example.com/lists/"
NEW = LISTS + "new/"
TEAM = LISTS + "team/"
MODEL_DEFAULTS = {"owner": "", "prefix": "[team]", "posting": "subscribers",
                  "reply_to": "sender", "reply_to_address": "", "trailer": "", "digest": False,
                  "request_address": True, "remote_admin": False, "private": False,
                  "remote_view_subscribers": False, "remote_edit_texts": False,
                  "subscribe_confirm": True, "subscribe_moderated": False,
                  "unsubscribe_confirm": True, "archive": True, "archive_access": "moderators",
                  "language": "en", "max_message_kb": 0, "welcome_text": "", "help_text": "",
                  "goodbye_text": ""}


@pytest.fixture(autouse=True)
def _lists_folder(settings, tmp_path):
    settings.HOSTPANEL_LISTS = tmp_path / "lists"


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


@pytest.fixture
def team(domain):
    return services.create_list(domain, "team")


def options_of(mailing_list: MailingList) -> dict:
    mailing_list.refresh_from_db()
    return {name: getattr(mailing_list, name) for name in MODEL_DEFAULTS}


class _FormReader(HTMLParser):
    """What a browser would send for the page's first POST form (not the header's forms:
    sign-out and the language menu)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self.in_form = self.done = False
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (tag == "form" and attrs.get("method") == "post" and not self.done
                and attrs.get("class") not in ("logout", "language")):
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.data[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data.removeprefix("\n")


def shown_form(page: str) -> dict:
    reader = _FormReader()
    reader.feed(page)
    return reader.data


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, field: str) -> str:
    """The error list shown under one field ('' when none)."""
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', text(response),
                      re.S)
    return found.group(1) if found else ""


# The list of lists ------------------------------------------------------------------------


def test_the_lists_page_shows_name_posting_mode_and_subscriber_count(as_postmaster, team):
    services.add_member(team, "a@example.net")
    services.add_member(team, "b@example.net")
    services.add_member(team, "mod@example.net", Role.MODERATOR)
    page = text(as_postmaster.get(LISTS))
    assert "Mailing lists of example.com" in page
    assert "team@example.com" in page
    assert "Only subscribers can post; others bounce" in page
    assert re.search(r">2<span class=\"visually-hidden\"> Subscribers", page)
    assert 'href="/domains/example.com/lists/new/"' in page and "New Mailing List" in page
    assert re.search(r"Mailing lists <span class=\"count-badge\">1</span>", page)


def test_the_lists_page_searches_and_pages(as_postmaster, domain):
    for number in range(30):
        services.create_list(domain, f"list{number:02d}")
    first = text(as_postmaster.get(LISTS))
    assert "30 mailing lists" in first and "list24@" in first and "list25@" not in first
    assert "list25@" in text(as_postmaster.get(LISTS, {"page": 2}))
    found = text(as_postmaster.get(LISTS, {"q": "T07"}))
    assert "1 mailing list" in found and "list07@example.com" in found
    assert "No mailing list name contains “nothing”." in text(
        as_postmaster.get(LISTS, {"q": "nothing"}))


# New and edit -----------------------------------------------------------------------------


def test_the_new_list_page_has_the_ezmlm_screen_in_fieldsets(as_postmaster, domain):
    page = text(as_postmaster.get(NEW))
    for legend in ("List", "Posting", "Options", "Remote administration", "Subscription",
                   "Archive", "Language and size", "Texts"):
        assert f"<legend>{legend}</legend>" in page
    assert page.count('name="posting"') == 5
    assert "Only moderators can post; every message goes to the moderators for approval" in page
    assert "Without confirmation anyone can be subscribed by forged mail." in page
    menu = page[page.index('id="id_language"'):]
    languages = re.findall(r'<option value="([^"]+)"', menu[:menu.index("</select>")])
    assert languages == list(services.LIST_LANGUAGES)
    assert "français (French)" in page and "日本語 (Japanese)" in page


def test_the_new_list_form_as_shown_creates_a_list_with_qmailadmins_defaults(as_postmaster,
                                                                             domain):
    data = shown_form(as_postmaster.get(NEW).content.decode())
    response = as_postmaster.post(NEW, {**data, "name": "team"})
    assert response.status_code == 302
    assert response["Location"] == LISTS
    assert options_of(MailingList.objects.get(local_part="team")) == MODEL_DEFAULTS
    assert "The mailing list team@example.com was created." in text(as_postmaster.get(LISTS))


def test_the_postmaster_creates_a_list_with_every_option_chosen(as_postmaster, domain):
    chosen = {"owner": "Boss@Example.net", "prefix": "(T)", "posting": "moderated",
              "reply_to": "address", "reply_to_address": "replies@example.net",
              "trailer": "-- \nLeave: team-unsubscribe@example.com", "digest": "on",
              "remote_admin": "on", "private": "on", "remote_view_subscribers": "on",
              "remote_edit_texts": "on", "subscribe_moderated": "on",
              "archive_access": "subscribers", "language": "fr", "max_message_kb": "512",
              "welcome_text": "Bienvenue", "help_text": "Aide", "goodbye_text": "Au revoir"}
    response = as_postmaster.post(NEW, {"name": "Team", **chosen})
    assert response.status_code == 302
    assert options_of(MailingList.objects.get(local_part="team")) == {
        **MODEL_DEFAULTS, **chosen, "owner": "boss@example.net", "digest": True,
        "request_address": False, "remote_admin": True, "private": True,
        "remote_view_subscribers": True, "remote_edit_texts": True,
        "subscribe_confirm": False, "subscribe_moderated": True,
        "unsubscribe_confirm": False, "archive": False, "max_message_kb": 512}


def test_the_edit_page_shows_the_stored_options_and_saves_changes(as_postmaster, team):
    services.update_list(team, posting="anyone", language="de", trailer="Bye")
    page = as_postmaster.get(TEAM + "edit/").content.decode()
    data = shown_form(page)
    assert "name" not in data
    assert data["posting"] == "anyone" and data["language"] == "de"
    assert data["trailer"] == "Bye" and data["prefix"] == "[team]"
    response = as_postmaster.post(TEAM + "edit/", {**data, "prefix": "", "archive_access":
                                                   "anyone", "private": "on"})
    assert response.status_code == 302
    assert options_of(team) == {**MODEL_DEFAULTS, "posting": "anyone", "language": "de",
                                "trailer": "Bye", "prefix": "", "archive_access": "anyone",
                                "private": True}
    assert "The mailing list team@example.com was changed." in text(as_postmaster.get(LISTS))


NEW_LIST_ERRORS = [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "no way"}, "name", "An account name has letters, digits, dots, hyphens"),
    ({"name": "x" * 41}, "name", "Ensure this value has at most 40 characters"),
    ({"name": "jane"}, "name", "The account jane@example.com already exists."),
    ({"name": "team-request"}, "name",
     "team-request@example.com belongs to the mailing list team@example.com."),
    ({"name": "team"}, "name", "team@example.com belongs to the mailing list team@example.com."),
    ({"owner": "nobody"}, "owner", "Enter a valid email address, such as jane@example.com."),
    ({"prefix": "p" * 65}, "prefix", "Ensure this value has at most 64 characters"),
    ({"posting": "everybody"}, "posting", "Select a valid choice."),
    ({"reply_to": "address", "reply_to_address": ""}, "reply_to_address",
     "Give the address replies go to, or choose another reply setting."),
    ({"reply_to_address": "a@b@c"}, "reply_to_address",
     "Enter a valid email address, such as jane@example.com."),
    ({"trailer": "t" * 20_001}, "trailer", "Enter a text of at most 20000 characters."),
    ({"archive_access": "world"}, "archive_access", "Select a valid choice."),
    ({"language": "xx"}, "language", "Select a valid choice."),
    ({"max_message_kb": "-1"}, "max_message_kb",
     "Ensure this value is greater than or equal to 0."),
    ({"max_message_kb": "lots"}, "max_message_kb", "Enter a whole number."),
    ({"welcome_text": "w" * 20_001}, "welcome_text", "Enter a text of at most 20000 characters."),
    ({"help_text": "h" * 20_001}, "help_text", "Enter a text of at most 20000 characters."),
    ({"goodbye_text": "g" * 20_001}, "goodbye_text",
     "Enter a text of at most 20000 characters."),
]


@pytest.mark.parametrize(("changes", "field", "message"), NEW_LIST_ERRORS)
def test_a_refused_new_list_shows_the_error_on_its_field_and_writes_nothing(
        as_postmaster, team, jane, changes, field, message):
    data = {**shown_form(as_postmaster.get(NEW).content.decode()), "name": "news", **changes}
    response = as_postmaster.post(NEW, data)
    assert response.status_code == 200
    assert "Please correct the errors below." in text(response)
    assert message in field_errors(response, field)
    assert list(MailingList.objects.values_list("local_part", flat=True)) == ["team"]


@pytest.mark.parametrize(("changes", "field", "message"),
                         [case for case in NEW_LIST_ERRORS if case[1] != "name"])
def test_a_refused_change_shows_the_error_and_changes_nothing(as_postmaster, team, changes,
                                                              field, message):
    data = {**shown_form(as_postmaster.get(TEAM + "edit/").content.decode()),
            "posting": "anyone", **changes}
    response = as_postmaster.post(TEAM + "edit/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert options_of(team) == MODEL_DEFAULTS


def test_the_service_reports_every_field_error_at_once(as_postmaster, domain):
    data = {**shown_form(as_postmaster.get(NEW).content.decode()), "name": "news",
            "owner": "nobody", "reply_to": "address", "prefix": "", "trailer": "t" * 20_001}
    response = as_postmaster.post(NEW, data)
    assert "Enter a valid email address, such as jane@example.com." in field_errors(response,
                                                                                    "owner")
    assert "Give the address replies go to, or choose another reply setting." in field_errors(
        response, "reply_to_address")
    assert "Enter a text of at most 20000 characters." in field_errors(response, "trailer")
    assert not MailingList.objects.exists()


# Delete -----------------------------------------------------------------------------------


def test_deleting_asks_first_then_removes_the_list_and_its_files(as_postmaster, team):
    services.add_member(team, "a@example.net")
    services.add_member(team, "b@example.net")
    services.add_member(team, "b@example.net", Role.DIGEST)
    folder = storage.list_folder(team)
    (folder / "archive").mkdir(parents=True)
    (folder / "archive" / "1").write_text("Subject: hi\n\nhello\n")
    page = text(as_postmaster.get(TEAM + "delete/"))
    assert "Delete team@example.com" in page and "2 subscribers" in page
    assert "1 digest subscriber" in page and "0 moderators" in page
    assert MailingList.objects.filter(pk=team.pk).exists()
    response = as_postmaster.post(TEAM + "delete/")
    assert response.status_code == 302 and response["Location"] == LISTS
    assert not MailingList.objects.exists()
    assert not folder.exists()
    assert "The mailing list team@example.com was deleted." in text(as_postmaster.get(LISTS))


# Members ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "role", "title"), [
    ("subscribers", Role.SUBSCRIBER, "Subscribers of team@example.com"),
    ("moderators", Role.MODERATOR, "Moderators of team@example.com"),
    ("digest-subscribers", Role.DIGEST, "Digest subscribers of team@example.com"),
])
def test_members_are_added_listed_and_removed_per_role(as_postmaster, team, kind, role, title):
    url = f"{TEAM}{kind}/"
    response = as_postmaster.post(url + "add/", {"address": " Ann@Example.NET "})
    assert response.status_code == 302 and response["Location"] == url
    assert list(services.members(team, role).values_list("address", flat=True)) == [
        "ann@example.net"]
    assert not services.members(team, next(r for r in Role.values if r != role)).exists()
    page = text(as_postmaster.get(url))
    assert title in page and "ann@example.net was added." in page and "1 address" in page
    asked = text(as_postmaster.post(url + "remove/", {"address": "ann@example.net"}))
    assert "ann@example.net is removed from team@example.com as soon as you confirm." in asked
    assert services.members(team, role).exists()  # nothing happened yet
    response = as_postmaster.post(url + "remove/", {"address": "ann@example.net",
                                                    "confirmed": "yes"})
    assert response.status_code == 302
    assert not services.members(team, role).exists()
    assert "ann@example.net was removed." in text(as_postmaster.get(url))
    as_postmaster.post(url + "remove/", {"address": "ann@example.net", "confirmed": "yes"})
    assert "ann@example.net is not on the list." in text(as_postmaster.get(url))


@pytest.mark.parametrize(("address", "message"), [
    ("", "This field is required."),
    ("not an address", "Enter a valid email address, such as jane@example.com."),
    ("old@example.net", "old@example.net is already on the list."),
])
def test_a_refused_member_shows_the_error_and_adds_nothing(as_postmaster, team, address,
                                                           message):
    services.add_member(team, "old@example.net")
    response = as_postmaster.post(TEAM + "subscribers/add/", {"address": address})
    assert response.status_code == 200
    assert message in field_errors(response, "address")
    assert services.members(team).count() == 1


def test_the_member_pages_search_and_page(as_postmaster, team):
    for number in range(30):
        services.add_member(team, f"user{number:02d}@example.net")
    page = text(as_postmaster.get(TEAM + "subscribers/"))
    assert "30 addresses" in page and "user24@" in page and "user25@" not in page
    assert "user29@" in text(as_postmaster.get(TEAM + "subscribers/", {"page": 2}))
    found = text(as_postmaster.get(TEAM + "subscribers/", {"q": "R1"}))
    assert "10 addresses" in found and "user10@" in found and "user20@" not in found


def test_a_csv_import_adds_the_addresses_reports_bad_lines_and_exports_back(as_postmaster,
                                                                            team):
    services.add_member(team, "old@example.net")
    upload = SimpleUploadedFile("people.csv", (
        "\ufeffemail,name\nNew@Example.net,New\nold@example.net,Old\nbroken@,Broken\n"
        "\nsecond@example.org\nnot an address\n").encode(), content_type="text/csv")
    response = as_postmaster.post(TEAM + "subscribers/import/", {"file": upload})
    assert response.status_code == 302
    page = text(as_postmaster.get(TEAM + "subscribers/"))
    assert "2 addresses were added." in page
    assert "2 lines are not addresses and were skipped: broken@, not an address" in page
    exported = as_postmaster.get(TEAM + "subscribers/export/")
    assert exported["Content-Type"].startswith("text/csv")
    assert exported["Content-Disposition"] == 'attachment; filename="team-subscribers.csv"'
    rows = exported.content.decode().splitlines()
    assert rows[0] == "address,added"
    assert [row.split(",")[0] for row in rows[1:]] == [
        "new@example.net", "old@example.net", "second@example.org"]

    other = services.create_list(team.domain, "copy")
    upload = SimpleUploadedFile("team.csv", exported.content, content_type="text/csv")
    as_postmaster.post("/domains/example.com/lists/copy/moderators/import/", {"file": upload})
    assert list(services.members(other, Role.MODERATOR).values_list("address", flat=True)) == [
        "new@example.net", "old@example.net", "second@example.org"]
    assert not services.members(other).exists()


def test_an_import_that_is_not_utf8_is_refused_on_the_page(as_postmaster, team):
    upload = SimpleUploadedFile("people.csv", "jörg@example.net\n".encode("latin-1"))
    response = as_postmaster.post(TEAM + "subscribers/import/", {"file": upload})
    assert response.status_code == 200
    assert "The file is not UTF-8 text" in field_errors(response, "file")
    assert not services.members(team).exists()
    response = as_postmaster.post(TEAM + "subscribers/import/", {})
    assert "This field is required." in field_errors(response, "file")


# Moderation queue -------------------------------------------------------------------------


def test_the_moderation_queue_shows_the_waiting_posts(as_postmaster, team):
    now = timezone.now()
    PendingPost.objects.create(mailing_list=team, token="t1", sender="ann@example.net",
                               subject="<b>Hello</b>", path="pending/t1",
                               expires_at=now + timezone.timedelta(days=14))
    page = as_postmaster.get(TEAM + "moderation/").content.decode()
    assert "Moderation queue of team@example.com" in page
    assert "1 post waiting" in page and "ann@example.net" in page
    assert "&lt;b&gt;Hello&lt;/b&gt;" in page and "<b>Hello" not in page


def held_post(mailing_list, subject: str, sender="bob@remote.test") -> PendingPost:
    """A post held for the moderators, as the mail side holds it."""
    message = (f"From: <{sender}>\r\nTo: <team@example.com>\r\nSubject: {subject}\r\n"
               f"Message-ID: <{subject}@remote.test>\r\n\r\nPlease send this.\r\n").encode()
    token = directory.hold_post(mailing_list.pk, message, sender=sender, subject=subject,
                                days=14)
    return PendingPost.objects.get(token=token)


def test_the_postmaster_accepts_and_rejects_held_posts(as_postmaster, test_dns, team):
    test_dns.add_mail_domain("remote.test")
    services.update_list(team, posting="moderated")
    services.add_member(team, "ann@remote.test")
    accepted, rejected = held_post(team, "Welcome"), held_post(team, "Spam")
    page = as_postmaster.get(TEAM + "moderation/").content.decode()
    assert "2 posts waiting" in page
    assert f'action="{TEAM}moderation/{accepted.pk}/accept/"' in page
    assert f'action="{TEAM}moderation/{rejected.pk}/reject/"' in page

    response = as_postmaster.post(f"{TEAM}moderation/{accepted.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == TEAM + "moderation/"
    assert list(team.archive_posts.values_list("number", "subject")) == [(1, "Welcome")]
    assert not Path(accepted.path).exists()
    assert OutboundRecipient.objects.filter(address="ann@remote.test").count() == 1
    assert "The post from bob@remote.test was sent to the list." in text(
        as_postmaster.get(TEAM + "moderation/"))

    as_postmaster.post(f"{TEAM}moderation/{rejected.pk}/reject/")
    assert team.archive_posts.count() == 1
    assert not PendingPost.objects.exists() and not Path(rejected.path).exists()
    assert OutboundRecipient.objects.filter(address="ann@remote.test").count() == 1
    assert OutboundRecipient.objects.filter(address="bob@remote.test").count() == 1
    page = text(as_postmaster.get(TEAM + "moderation/"))
    assert "The post from bob@remote.test was rejected." in page and "0 posts waiting" in page
    assert as_postmaster.post(f"{TEAM}moderation/{rejected.pk}/accept/").status_code == 404


# Archive ----------------------------------------------------------------------------------


def archive_post(mailing_list, number, source: bytes, subject="Hello"):
    """An archived post as the mail side keeps it: a file and a row with its full path."""
    path = storage.list_folder(mailing_list) / "archive" / str(number)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source)
    return ArchivedPost.objects.create(mailing_list=mailing_list, number=number,
                                       sender="ann@example.net", subject=subject,
                                       path=str(path), size=len(source))


MESSAGE = (b"From: Ann <ann@example.net>\r\nSubject: Hello\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nHi <script>alert(1)</script> all\r\n"
           b"--b\r\nContent-Type: text/html\r\n\r\n<p>HTML part</p>\r\n--b--\r\n")


def test_the_archive_index_and_a_message_as_plain_text(as_postmaster, team):
    archive_post(team, 1, MESSAGE)
    archive_post(team, 2, b"Subject: Second\r\n\r\nSecond body\r\n", subject="Second")
    index = text(as_postmaster.get(TEAM + "archive/"))
    assert "Archive of team@example.com" in index and "2 messages" in index
    assert index.index("Second") < index.index("Hello")
    page = as_postmaster.get(TEAM + "archive/1/").content.decode()
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt; all" in page
    assert "<script>" not in page and "HTML part" not in page
    assert "Second body" in text(as_postmaster.get(TEAM + "archive/2/"))
    assert as_postmaster.get(TEAM + "archive/3/").status_code == 404
    found = text(as_postmaster.get(TEAM + "archive/", {"q": "second"}))
    assert "1 message" in found and "Hello" not in found


def test_a_message_in_an_unknown_charset_is_shown_as_its_source(as_postmaster, team):
    archive_post(team, 1, b"Subject: Odd\r\nContent-Type: text/plain; charset=x-martian\r\n"
                          b"\r\nGreetings <earthlings>\r\n")
    page = as_postmaster.get(TEAM + "archive/1/").content.decode()
    assert "charset=x-martian" in page and "Greetings &lt;earthlings&gt;" in page


def test_a_very_large_message_shows_its_beginning(as_postmaster, team):
    archive_post(team, 1, b"Subject: Big\r\n\r\n" + b"x" * (2 * 1024 * 1024) + b"THE END")
    page = text(as_postmaster.get(TEAM + "archive/1/"))
    assert "too large to show whole" in page and "THE END" not in page
    assert "x" * 80 in page


def test_an_archived_message_outside_the_lists_folder_or_missing_is_not_read(
        as_postmaster, team, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    ArchivedPost.objects.create(mailing_list=team, number=1, sender="x@example.net",
                                path=str(secret))
    ArchivedPost.objects.create(mailing_list=team, number=2, sender="x@example.net",
                                path="../../../secret.txt")
    ArchivedPost.objects.create(mailing_list=team, number=3, sender="x@example.net",
                                path=str(storage.list_folder(team) / "archive" / "3"))
    for number in (1, 2, 3):
        page = text(as_postmaster.get(f"{TEAM}archive/{number}/"))
        assert "The message's file cannot be read." in page and "top secret" not in page


@pytest.mark.parametrize(("access", "role", "allowed"), [
    ("anyone", None, True),
    ("subscribers", None, False),
    ("subscribers", Role.SUBSCRIBER, True),
    ("subscribers", Role.DIGEST, True),
    ("subscribers", Role.MODERATOR, True),
    ("moderators", Role.SUBSCRIBER, False),
    ("moderators", Role.MODERATOR, True),
])
def test_a_mail_user_reads_the_archive_as_its_access_level_allows(client, team, jane, access,
                                                                  role, allowed):
    services.update_list(team, archive_access=access)
    if role:
        services.add_member(team, jane.address, role)
    archive_post(team, 1, MESSAGE)
    client.force_login(jane)
    expected = 200 if allowed else 404
    assert client.get(TEAM + "archive/").status_code == expected
    assert client.get(TEAM + "archive/1/").status_code == expected
    assert client.get(TEAM + "edit/").status_code == 404
    assert client.get(TEAM + "subscribers/").status_code == 404


def test_with_the_archive_off_only_the_domains_managers_read_it(client, team, jane, postmaster,
                                                                 operator):
    services.update_list(team, archive=False, archive_access="anyone")
    archive_post(team, 1, MESSAGE)
    client.force_login(jane)
    assert client.get(TEAM + "archive/1/").status_code == 404
    for manager in (postmaster, operator):
        client.force_login(manager)
        assert client.get(TEAM + "archive/1/").status_code == 200
        assert "The archive is off" in text(client.get(TEAM + "archive/"))


def test_a_mail_user_of_another_domain_never_reads_the_archive(client, team, domain_factory,
                                                               account_factory):
    services.update_list(team, archive_access="anyone")
    stranger = account_factory(domain_factory("other.org"), "ann")
    services.add_member(team, stranger.address, Role.MODERATOR)
    client.force_login(stranger)
    assert client.get(TEAM + "archive/").status_code == 404


# Access and CSRF --------------------------------------------------------------------------


def every_url(name="team") -> list[tuple[str, str]]:
    base = f"{LISTS}{name}/"
    urls = [("get", LISTS), ("get", NEW), ("post", NEW), ("get", base + "edit/"),
            ("post", base + "edit/"), ("get", base + "delete/"), ("post", base + "delete/"),
            ("get", base + "moderation/"), ("post", base + "moderation/1/accept/"),
            ("post", base + "moderation/1/reject/"), ("get", base + "archive/"),
            ("get", base + "archive/1/")]
    for kind in ("subscribers", "moderators", "digest-subscribers"):
        urls += [("get", f"{base}{kind}/"), ("post", f"{base}{kind}/add/"),
                 ("post", f"{base}{kind}/remove/"), ("post", f"{base}{kind}/import/"),
                 ("get", f"{base}{kind}/export/")]
    return urls


POST_DATA = {"name": "news", "address": "a@example.net", "posting": "anyone",
             "reply_to": "sender", "archive_access": "anyone", "language": "en",
             "max_message_kb": "0"}


@pytest.mark.parametrize(("method", "url"), every_url())
def test_another_domains_postmaster_gets_404_on_every_list_url(client, other_postmaster, team,
                                                               method, url):
    services.add_member(team, "a@example.net")
    archive_post(team, 1, MESSAGE)
    PendingPost.objects.create(pk=1, mailing_list=team, token="t1", sender="b@example.net",
                               path="/nonexistent", expires_at=timezone.now())
    client.force_login(other_postmaster)
    assert getattr(client, method)(url, POST_DATA).status_code == 404
    assert MailingList.objects.count() == 1 and services.members(team).count() == 1
    assert PendingPost.objects.count() == 1


@pytest.mark.parametrize(("method", "url"), every_url("nosuchlist")[3:])
def test_an_unknown_list_is_404(as_postmaster, team, method, url):
    assert getattr(as_postmaster, method)(url, POST_DATA).status_code == 404


def test_an_operator_manages_any_domains_lists(client, operator, team):
    client.force_login(operator)
    assert "team@example.com" in text(client.get(LISTS))
    assert client.post(TEAM + "subscribers/add/", {"address": "op@example.net"}).status_code \
        == 302
    assert services.is_member(team, "op@example.net")


def test_signed_out_visitors_are_sent_to_the_login_page(client, team):
    response = client.get(TEAM + "edit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("method", "url"),
                         [(method, url) for method, url in every_url() if method == "post"])
def test_every_form_needs_the_csrf_token(postmaster, team, method, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(postmaster)
    services.add_member(team, "a@example.net")
    assert client.post(url, POST_DATA).status_code == 403
    assert MailingList.objects.count() == 1 and services.members(team).count() == 1


def test_with_the_csrf_token_the_form_is_accepted(postmaster, team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(postmaster)
    page = client.get(TEAM + "subscribers/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(TEAM + "subscribers/add/",
                           {"address": "a@example.net", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert services.is_member(team, "a@example.net")
