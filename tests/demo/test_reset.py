"""The live demo's reset: demo.example back to its fixture, nothing else touched."""

import email
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from hostpanel.api.models import ApiToken
from hostpanel.api.tokens import account_for_token, create_token
from hostpanel.demo import (
    CATCH_ALL_LOGIN,
    DEMO_DOMAIN,
    DEMO_LOGINS,
    POSTMASTER_PASSWORD,
    USER_LOGIN,
    USER_PASSWORD,
    fixture,
    services,
)
from hostpanel.domains import services as domains
from hostpanel.domains.models import Account, DeletedMailbox, Domain
from hostpanel.lists import services as lists
from hostpanel.outbound.models import OutboundMessage
from hostpanel.quarantine.models import QuarantinedMessage
from hostpanel.routing import services as routing
from hostpanel.spam import services as spam
from mailcore.filters.spam import store as spam_store
from mailcore.queue import spool
from tests.conftest import PASSWORD
from tests.demo.reset_support import (  # noqa: F401
    demo_fixture,
    demo_home_fixture,
    files_under,
    mailbox,
    snapshot,
)
from tests.panel.conftest import login


def _subjects(local_part: str) -> list[str]:
    return [str(email.message_from_bytes(message.path.read_bytes(), policy=default_policy)
                ["Subject"]) for message in mailbox(local_part).messages()]


def test_the_fixture_has_the_demo_accounts_with_their_passwords(demo):
    accounts = {account.username: account for account in demo.accounts.all()}
    assert sorted(accounts) == sorted(fixture.usernames())
    assert {"postmaster@demo.example", "jane@demo.example", "pierre@demo.example",
            "yuki@demo.example", "carlos@demo.example", CATCH_ALL_LOGIN,
            "spam@demo.example"} == set(accounts)
    assert accounts["postmaster@demo.example"].check_password(POSTMASTER_PASSWORD)
    assert accounts[USER_LOGIN].check_password(USER_PASSWORD)
    assert accounts["pierre@demo.example"].language == "fr"
    assert spam.is_spam_account(accounts["spam@demo.example"])


def test_the_fixture_has_forwards_an_autoresponder_a_vacation_and_spam_preferences(demo):
    forwards = {f.local_part: f.targets for f in demo.forwards.all()}
    assert forwards["sales"] == ["jane@demo.example"]
    assert forwards["info"] == ["jane@demo.example", "pierre@demo.example"]
    assert demo.autoresponders.get().local_part == "support"
    yuki = Account.objects.get(username="yuki@demo.example")
    assert routing.routing_for(yuki).vacation_enabled
    pierre = Account.objects.get(username="pierre@demo.example")
    assert spam.account_preferences(pierre)["languages"] == ["fr", "en"]


def test_the_fixture_has_a_team_list_with_subscribers_and_an_archive(demo):
    team = demo.mailing_lists.get(local_part="team")
    assert lists.is_member(team, "jane@demo.example")
    assert lists.is_member(team, "lucia.perez@example.org")
    posts = list(team.archive_posts.order_by("number"))
    assert [post.number for post in posts] == [1, 2, 3]
    assert "Lyon" in posts[1].subject
    assert all(Path(post.path).is_file() for post in posts)
    assert all(post.created_at < posts[-1].created_at + timedelta(seconds=1) for post in posts)


def test_the_fixture_has_mail_in_several_languages_dated_before_the_reset(demo):
    subjects = _subjects("jane")
    for expected in ("Angebot für die neue Webseite", "Réunion de jeudi : ordre du jour",
                     "来週の大阪出張について", "Fotos de la cena del viernes",
                     "Conferma della prenotazione n. 48213", "Welcome to your new mailbox"):
        assert expected in subjects
    assert "打ち合わせの日程変更のお願い" in _subjects("yuki")
    now = datetime.now(UTC)
    for message in mailbox("jane").messages():
        parsed = email.message_from_bytes(message.path.read_bytes(), policy=default_policy)
        sent = parsed["Date"].datetime
        assert now - timedelta(days=30) < sent < now
        assert parsed["Message-ID"]
        assert parsed.get_content().strip()
    assert _subjects("outbox") == ["Re: Angebot für die neue Webseite"]


def test_the_fixture_has_caught_spam_and_a_quarantined_test_virus(demo):
    caught = {row.recipient: row for row in demo.caught_spam.all()}
    assert set(caught) == {"jane@demo.example", "postmaster@demo.example",
                           "pierre@demo.example", "carlos@demo.example"}
    assert "LANGUAGE_NOT_ACCEPTED" in caught["pierre@demo.example"].rules
    files = {message.uid for message in mailbox("spam").messages()}
    assert {row.filename for row in caught.values()} == files
    entry = QuarantinedMessage.objects.get(domain=demo)
    assert entry.recipients == ["carlos@demo.example"]
    assert "EICAR" in entry.virus
    message = email.message_from_bytes(Path(entry.path).read_bytes(), policy=default_policy)
    attachment = next(message.iter_attachments())
    assert attachment.get_content() == fixture.EICAR
    assert Path(entry.path).with_suffix(".json").is_file()


def test_the_domain_menu_counts_what_the_fixture_made(demo, client):
    response = login(client, "postmaster", DEMO_DOMAIN, password=POSTMASTER_PASSWORD)
    assert response.redirect_chain[-1][0] == f"/domains/{DEMO_DOMAIN}/"
    page = response.content.decode()
    assert f"Overview of {DEMO_DOMAIN}" in page
    assert "jane@demo.example" in page


def test_a_reset_undoes_what_visitors_did(demo, demo_home):
    before = snapshot()
    pierre = Account.objects.get(username="pierre@demo.example")
    domains.update_account(pierre, password="changed-by-a-visitor")
    bob = domains.create_account(demo, "bob", PASSWORD)
    mailbox("bob").deliver(b"Subject: hello bob\n\nhi\n")
    routing.delete_forward(demo.forwards.get(local_part="sales"))
    routing.create_forward(demo, "shop", ["someone@example.org"])
    team = demo.mailing_lists.get(local_part="team")
    lists.remove_member(team, "jane@demo.example")
    lists.create_list(demo, "visitors")
    spam.set_account_preferences(bob, languages=["de"])
    spam.reset_account_preferences(Account.objects.get(username="pierre@demo.example"))
    mailbox("jane").remove(mailbox("jane").messages()[:3])
    mailbox("pierre").deliver(b"Subject: from a visitor\n\nhi\n")
    carlos = Account.objects.get(username="carlos@demo.example")
    domains.delete_account(carlos)
    _token, secret = create_token(Account.objects.get(username=USER_LOGIN), "visitor's")
    spam.learn_message(demo, b"Subject: buy now\r\n\r\ncheap pills\r\n", is_spam=True)
    model = spam_store.domain_path(Path(settings.HOSTPANEL_SPAM_MODELS), DEMO_DOMAIN)
    assert model.is_file()
    assert snapshot() != before

    services.reset()

    assert snapshot() == before
    assert Account.objects.get(username="pierre@demo.example").check_password("demo-pierre")
    assert not Account.objects.filter(username="bob@demo.example").exists()
    assert not (Path(settings.HOSTPANEL_MAIL_ROOT) / DEMO_DOMAIN / "bob").exists()
    assert not DeletedMailbox.objects.filter(address__endswith="@demo.example").exists()
    assert not (Path(settings.HOSTPANEL_MAIL_ROOT) / ".deleted" / DEMO_DOMAIN).exists() \
        or not any((Path(settings.HOSTPANEL_MAIL_ROOT) / ".deleted" / DEMO_DOMAIN).iterdir())
    assert not (Path(settings.HOSTPANEL_LISTS) / DEMO_DOMAIN / "visitors").exists()
    assert not model.exists()
    assert account_for_token(secret) is None
    assert not ApiToken.objects.filter(account__domain__name=DEMO_DOMAIN).exists()


def test_a_reset_keeps_the_usernames_and_the_dkim_key(demo):
    before = dict(Account.objects.filter(domain=demo).values_list("username", "pk"))
    key = demo.dkim_key.public_key
    services.reset()
    after = dict(Account.objects.filter(domain__name=DEMO_DOMAIN).values_list("username", "pk"))
    assert sorted(after) == sorted(before)
    assert Domain.objects.get(name=DEMO_DOMAIN).dkim_key.public_key == key


def test_a_reset_leaves_other_domains_alone(demo_home, domain_factory, account_factory):
    other = domain_factory("example.com")
    jane = account_factory(other, "jane")
    mailbox("jane", "example.com").deliver(b"Subject: mine\n\nkeep me\n")
    routing.create_forward(other, "sales", ["jane@example.com"])
    team = lists.create_list(other, "team")
    lists.add_member(team, "jane@example.com")
    lists.add_member(team, "jane@demo.example")  # another domain's row naming the demo
    queued = spool.enqueue(Path(settings.HOSTPANEL_SPOOL), b"Subject: out\r\n\r\nx\r\n",
                           "jane@example.com", ["bob@example.net"], origin="submission",
                           domain="example.com")
    mail_before = files_under(settings.HOSTPANEL_MAIL_ROOT)

    services.reset()
    services.reset()

    assert Domain.objects.filter(name="example.com").count() == 1
    assert jane.check_password(PASSWORD)
    assert Account.objects.filter(domain=other).count() == 3  # postmaster, spam, jane
    assert other.forwards.get().targets == ["jane@example.com"]
    assert sorted(team.members.values_list("address", flat=True)) == [
        "jane@demo.example", "jane@example.com"]
    assert {path for path in files_under(settings.HOSTPANEL_MAIL_ROOT)
            if not path.startswith(DEMO_DOMAIN + "/")} == \
        {path for path in mail_before if not path.startswith(DEMO_DOMAIN + "/")}
    assert OutboundMessage.objects.filter(queue_id=queued).exists()
    assert spool.message_path(Path(settings.HOSTPANEL_SPOOL), queued).is_file()


def test_a_reset_removes_the_demos_queued_mail_and_quarantine_files(demo):
    spool_folder = Path(settings.HOSTPANEL_SPOOL)
    queued = spool.enqueue(spool_folder, b"Subject: out\r\n\r\nx\r\n", USER_LOGIN,
                           ["bob@example.net"], origin="submission", domain=DEMO_DOMAIN)
    old_entry = QuarantinedMessage.objects.get(domain=demo)
    services.reset()
    assert not OutboundMessage.objects.filter(queue_id=queued).exists()
    assert not spool.message_path(spool_folder, queued).exists()
    assert not Path(old_entry.path).exists()
    assert not Path(old_entry.path).with_suffix(".json").exists()
    new_entry = QuarantinedMessage.objects.get(domain__name=DEMO_DOMAIN)
    assert Path(new_entry.path).is_file()
    assert len(list((Path(settings.HOSTPANEL_QUARANTINE) / "messages").iterdir())) == 2


def test_a_failed_rebuild_leaves_the_demo_as_it_was(demo, settings, tmp_path):
    jane_mail = sorted(message.uid for message in mailbox("jane").messages())
    before = snapshot()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("the quarantine cannot be written below a file")
    settings.HOSTPANEL_QUARANTINE = blocker
    with pytest.raises(OSError):
        services.reset()
    assert snapshot() == before
    assert sorted(message.uid for message in mailbox("jane").messages()) == jane_mail
    assert not [path for path in Path(settings.HOSTPANEL_MAIL_ROOT).iterdir()
                if path.name.startswith(services.ASIDE_PREFIX)]


def test_the_demo_sign_ins_work_after_a_reset(demo, client):
    services.reset()
    response = login(client, "jane", DEMO_DOMAIN, password=USER_PASSWORD)
    assert response.redirect_chain[-1][0] == "/me/"
    page = client.get("/webmail/").content.decode()
    assert "Angebot für die neue Webseite" in page
    response = login(Client(), "postmaster", DEMO_DOMAIN, password=POSTMASTER_PASSWORD)
    assert response.redirect_chain[-1][0] == f"/domains/{DEMO_DOMAIN}/"


def test_a_reset_signs_out_accounts_visitors_made(demo):
    domains.create_account(demo, "bob", PASSWORD)
    visitor = Client()
    assert login(visitor, "bob", DEMO_DOMAIN).redirect_chain[-1][0] == "/me/"
    services.reset()
    response = visitor.get("/me/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_reset_records_when_it_ran(demo_home, db):
    assert services.last_reset() is None
    moment = datetime(2026, 5, 4, 10, 7, tzinfo=UTC)
    services.reset(now=moment)
    assert services.last_reset() == moment


@pytest.mark.parametrize(("now", "expected"), [
    ("10:07:30", "10:15:00"),
    ("10:15:00", "10:30:00"),
    ("10:14:59", "10:15:00"),
    ("10:59:01", "11:00:00"),
    ("23:50:00", "00:00:00"),
])
def test_the_next_reset_is_the_next_quarter_hour(settings, now, expected):
    settings.TIME_ZONE = "UTC"
    day = datetime(2026, 5, 4, tzinfo=UTC)
    hours, minutes, seconds = (int(part) for part in now.split(":"))
    moment = day + timedelta(hours=hours, minutes=minutes, seconds=seconds)
    tick = services.next_reset(moment)
    assert tick.strftime("%H:%M:%S") == expected
    assert tick > moment
    assert tick - moment <= timedelta(minutes=settings.HOSTPANEL_DEMO_RESET_MINUTES)


def test_the_next_reset_follows_the_local_quarter_hours(settings):
    settings.TIME_ZONE = "Asia/Kolkata"  # UTC+5:30: local quarters are UTC quarters too
    tick = services.next_reset(datetime(2026, 5, 4, 4, 40, tzinfo=UTC))  # 10:10 local
    assert (tick.hour, tick.minute) == (10, 15)
    assert tick.astimezone(UTC) == datetime(2026, 5, 4, 4, 45, tzinfo=UTC)


def test_the_demo_passwords_are_set_even_where_password_rules_are_stricter(demo_home, db,
                                                                            settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
         "OPTIONS": {"min_length": 16}}]  # the spam account gets 16 characters
    services.reset()
    for login_name, password in {**DEMO_LOGINS, "pierre@demo.example": "demo-pierre"}.items():
        assert Account.objects.get(username=login_name).check_password(password)
    with pytest.raises(ValidationError):  # the rules still apply to a new account
        domains.create_account(Domain.objects.get(name=DEMO_DOMAIN), "bob", "too-short")


def test_a_reset_removes_what_a_crashed_reset_left_aside(demo):
    stale = Path(settings.HOSTPANEL_MAIL_ROOT) / f"{services.ASIDE_PREFIX}dead"
    (stale / "jane" / "new").mkdir(parents=True)
    (stale / "jane" / "new" / "1.M1P1Q1.host").write_bytes(b"Subject: old\n\nx\n")
    services.reset()
    assert not stale.exists()
    assert len(mailbox("jane").messages()) == 10
