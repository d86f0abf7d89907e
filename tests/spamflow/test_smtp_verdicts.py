"""Spam verdicts over real SMTP: what lands in the inbox, what in the domain's spam account."""

import base64
import os
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from hostpanel.celery import app
from hostpanel.domains.models import Account
from hostpanel.domains.services import update_account
from hostpanel.spam import services
from hostpanel.spam.models import Blocklist, CaughtSpam
from mailcore.filters.spam import store
from mailcore.maildir import Maildir, maildir_path
from tests.conftest import PASSWORD
from tests.routing.helpers import inbox
from tests.smtp.helpers import DELIVERED, send
from tests.submission.helpers import submission_client

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

ENGLISH = (
    "Hello Jane, thank you for the notes from yesterday's meeting. I have gone through the "
    "budget figures again and I think we can keep the schedule if the supplier delivers the "
    "parts by the end of the month. Could you ask the team whether Thursday afternoon works "
    "for a short call? I would also like to hear what the customer said about the new design."
)
FRENCH = (
    "Bonjour Jane, merci pour les notes de la réunion d'hier. J'ai revu les chiffres du "
    "budget et je pense que nous pouvons tenir le calendrier si le fournisseur livre les "
    "pièces avant la fin du mois. Pourrais-tu demander à l'équipe si jeudi après-midi convient "
    "pour un court appel ? J'aimerais aussi savoir ce que le client a dit du nouveau modèle."
)


def mail(body: str, subject="Meeting notes", sender="bob@remote.test", to="jane@example.com"):
    return (f"From: Bob <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
            f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{time.time_ns()}@remote.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
            f"\r\n{body}\r\n").encode()


def spam_box():
    return inbox("spam@example.com")


def headers(stored: bytes):
    return message_from_bytes(stored, policy=policy.default)


def delivered(replies) -> bool:
    return replies[-1] == DELIVERED


@pytest.fixture
def server(start_smtp, jane):
    return start_smtp()


def test_gtube_goes_to_the_spam_account_with_its_original_recipient(server, jane):
    assert delivered(send(server, mail(GTUBE)))
    assert inbox("jane@example.com") == []
    [stored] = spam_box()
    message = headers(stored)
    assert message["X-Original-To"] == "jane@example.com"
    assert message["X-Spam-Flag"] == "YES"
    assert message["X-Spam-Status"].startswith("Yes, score=")
    assert "GTUBE" in message["X-Spam-Status"]
    assert float(message["X-Spam-Score"]) >= 1000
    [caught] = CaughtSpam.objects.all()
    assert (caught.recipient, caught.sender, caught.subject) == (
        "jane@example.com", "bob@remote.test", "Meeting notes")
    assert "GTUBE" in caught.rules and caught.score >= 1000


def test_clean_mail_reaches_the_inbox_with_the_score_and_authentication_results(server):
    assert delivered(send(server, mail(ENGLISH)))
    [stored] = inbox("jane@example.com")
    message = headers(stored)
    assert message["X-Spam-Status"].startswith("No, score=")
    assert "required=5.0" in message["X-Spam-Status"]
    assert float(message["X-Spam-Score"]) < 5
    assert message["X-Spam-Flag"] is None
    assert message["Authentication-Results"].startswith("mx.test.example;")
    assert "spf=" in message["Authentication-Results"]
    assert spam_box() == []


def test_a_whitelisted_sender_is_never_spam(server, jane):
    services.set_account_preferences(jane, whitelist=["remote.test"], threshold=-10)
    assert delivered(send(server, mail(GTUBE)))
    [stored] = inbox("jane@example.com")
    assert "USER_IN_WHITELIST" in headers(stored)["X-Spam-Status"]
    assert spam_box() == []


def test_a_blacklisted_sender_always_is(server, jane):
    services.set_account_preferences(jane, blacklist=["bob@remote.test"], threshold=100)
    assert delivered(send(server, mail(ENGLISH)))
    assert inbox("jane@example.com") == []
    [stored] = spam_box()
    assert "USER_IN_BLACKLIST" in headers(stored)["X-Spam-Status"]


def test_an_address_in_the_whitelist_beats_its_domain_in_the_blacklist(server, jane):
    services.set_account_preferences(jane, whitelist=["bob@remote.test"],
                                     blacklist=["remote.test"])
    assert delivered(send(server, mail(ENGLISH)))
    assert len(inbox("jane@example.com")) == 1


def test_french_mail_to_a_user_who_accepts_only_english_goes_to_the_spam_account(server, jane):
    services.set_account_preferences(jane, languages=["en"])
    assert delivered(send(server, mail(FRENCH, subject="Notes de réunion")))
    assert inbox("jane@example.com") == []
    [stored] = spam_box()
    assert "LANGUAGE_NOT_ACCEPTED" in headers(stored)["X-Spam-Status"]
    assert delivered(send(server, mail(ENGLISH)))
    assert len(inbox("jane@example.com")) == 1


def test_a_user_with_filtering_off_gets_everything(server, jane):
    services.set_account_preferences(jane, enabled=False, languages=["en"])
    assert delivered(send(server, mail(GTUBE)))
    assert delivered(send(server, mail(FRENCH)))
    stored = inbox("jane@example.com")
    assert len(stored) == 2
    assert all(headers(m)["X-Spam-Status"] == "No, filtering off" for m in stored)
    assert spam_box() == []


def test_two_recipients_with_different_thresholds_get_different_verdicts(server, jane,
                                                                         account_factory,
                                                                         domain):
    john = account_factory(domain, "john")
    # French mail scores 6 points for both: spam for john at 5, not for jane at 9.
    services.set_account_preferences(jane, languages=["en"], threshold=9)
    services.set_account_preferences(john, languages=["en"], threshold=5)
    assert delivered(send(server, mail(FRENCH), to=("jane@example.com", "john@example.com")))
    [jane_copy] = inbox("jane@example.com")
    assert headers(jane_copy)["X-Spam-Status"].startswith("No,")
    assert "required=9.0" in headers(jane_copy)["X-Spam-Status"]
    assert inbox("john@example.com") == []
    [caught] = spam_box()
    assert headers(caught)["X-Original-To"] == "john@example.com"


def test_a_blocklisted_client_scores_what_the_operator_set(test_dns, server, jane,
                                                          account_factory, domain):
    Blocklist.objects.create(zone="bl.test", score=7.0)
    Blocklist.objects.create(zone="quiet.test", score=9.0, default_on=False)
    test_dns.add("1.0.0.127.bl.test", "A", "127.0.0.2")
    test_dns.add("1.0.0.127.quiet.test", "A", "127.0.0.2")
    john = account_factory(domain, "john")
    services.set_account_preferences(john, dnsbls=[])  # consults no blocklist
    assert delivered(send(server, mail(ENGLISH), to=("jane@example.com", "john@example.com")))
    assert inbox("jane@example.com") == []
    [caught] = spam_box()
    assert "RCVD_IN_BL_TEST" in headers(caught)["X-Spam-Status"]
    assert "QUIET" not in headers(caught)["X-Spam-Status"]
    [johns] = inbox("john@example.com")
    assert "RCVD_IN" not in headers(johns)["X-Spam-Status"]


def test_the_spam_account_reads_its_mail_over_pop3(server, domain, jane, pop3_factory):
    spam_account = Account.objects.get(username="spam@example.com")
    update_account(spam_account, password="Spam-box-password-1")
    assert delivered(send(server, mail(GTUBE)))
    client = pop3_factory().client()
    client.user("spam@example.com")
    client.pass_("Spam-box-password-1")
    count, _size = client.stat()
    assert count == 1
    assert b"X-Original-To: jane@example.com" in b"\n".join(client.retr(1)[1])
    client.quit()


def test_the_purge_deletes_exactly_the_caught_spam_older_than_the_retention(server, jane,
                                                                            settings):
    settings.HOSTPANEL_SPAM_DAYS = 10
    assert delivered(send(server, mail(GTUBE, subject="old")))
    assert delivered(send(server, mail(GTUBE, subject="new")))
    old, new = sorted(spam_box_paths(), key=lambda p: b"Subject: old" not in p.read_bytes())
    eleven_days_ago = time.time() - 11 * 86400
    os.utime(old, (eleven_days_ago, eleven_days_ago))
    nine_days_ago = time.time() - 9 * 86400
    os.utime(new, (nine_days_ago, nine_days_ago))
    CaughtSpam.objects.filter(subject="old").update(
        created_at=timezone.now() - timedelta(days=11))
    assert services.purge_caught_spam() == 1
    assert not old.exists() and new.exists()
    assert list(CaughtSpam.objects.values_list("subject", flat=True)) == ["new"]
    assert services.purge_caught_spam() == 0


@pytest.fixture
def as_postmaster(client, domain):
    client.force_login(domain.accounts.get(local_part="postmaster"))
    return client


def spam_box_paths():
    box = Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "spam"))
    return [m.path for m in box.messages()]


def test_not_spam_delivers_to_the_original_recipient_whitelists_and_learns(server, jane,
                                                                           settings):
    assert delivered(send(server, mail(GTUBE)))
    [caught] = CaughtSpam.objects.all()
    services.not_spam(caught)
    [stored] = inbox("jane@example.com")
    message = headers(stored)
    assert message["Subject"] == "Meeting notes" and message["X-Spam-Flag"] is None
    assert message["X-Original-To"] is None
    assert spam_box() == [] and not CaughtSpam.objects.exists()
    assert services.account_preferences(jane)["whitelist"] == ["bob@remote.test"]
    assert store.domain_path(settings.HOSTPANEL_SPAM_MODELS, "example.com").exists()
    with pytest.raises(ValidationError, match="no longer in the spam account"):
        services.not_spam(caught)


def test_the_postmaster_releases_caught_mail_from_the_panel_and_the_api(server, jane,
                                                                        as_postmaster):
    assert delivered(send(server, mail(GTUBE, subject="first")))
    assert delivered(send(server, mail(GTUBE, subject="second")))
    first, second = CaughtSpam.objects.order_by("pk")
    page = as_postmaster.get("/domains/example.com/spam/caught/").content.decode()
    assert f"/domains/example.com/spam/caught/{first.pk}/not-spam/" in page
    response = as_postmaster.post(f"/domains/example.com/spam/caught/{first.pk}/not-spam/")
    assert response.status_code == 302
    assert [headers(m)["Subject"] for m in inbox("jane@example.com")] == ["first"]
    api = f"/api/v1/domains/example.com/spam/caught/{second.pk}/not-spam"
    basic = "Basic " + base64.b64encode(f"postmaster@example.com:{PASSWORD}".encode()).decode()
    assert as_postmaster.post(api, HTTP_AUTHORIZATION=basic).status_code == 204
    assert len(inbox("jane@example.com")) == 2
    assert as_postmaster.post(api, HTTP_AUTHORIZATION=basic).status_code == 404


def test_another_domains_postmaster_cannot_release(server, jane, domain_factory, client):
    assert delivered(send(server, mail(GTUBE)))
    [caught] = CaughtSpam.objects.all()
    other = domain_factory("other.org")
    client.force_login(other.accounts.get(local_part="postmaster"))
    assert client.post(f"/domains/example.com/spam/caught/{caught.pk}/not-spam/").status_code \
        == 404
    assert client.post(f"/domains/other.org/spam/caught/{caught.pk}/not-spam/").status_code \
        == 404
    assert CaughtSpam.objects.count() == 1 and inbox("jane@example.com") == []


def test_mail_from_an_authenticated_user_is_scored_as_trusted(start_smtp, jane,
                                                              account_factory, domain):
    account_factory(domain, "john")
    server = start_smtp(auth_plaintext_loopback=True)
    client = submission_client(server)
    client.login("jane@example.com", PASSWORD)
    client.sendmail("jane@example.com", ["john@example.com"],
                    mail(ENGLISH, sender="jane@example.com", to="john@example.com"))
    client.sendmail("jane@example.com", ["john@example.com"],
                    mail(GTUBE, subject="test", sender="jane@example.com", to="john@example.com"))
    client.quit()
    [stored] = inbox("john@example.com")
    message = headers(stored)
    assert "ALL_TRUSTED" in message["X-Spam-Status"]
    assert message["Authentication-Results"] == \
        "mx.test.example; auth=pass smtp.auth=jane@example.com"
    [caught] = spam_box()  # the test string is spam whoever sends it
    assert headers(caught)["X-Original-To"] == "john@example.com"


def test_the_beat_schedule_purges_caught_spam_every_hour():
    [entry] = [e for e in app.conf.beat_schedule.values()
               if e["task"] == "hostpanel.spam.tasks.purge_caught_spam"]
    assert entry["schedule"].hour == set(range(24)) and len(entry["schedule"].minute) == 1


def test_what_the_domains_users_marked_teaches_the_classifier_used_at_smtp_time(server, domain):
    for n in range(8):
        services.learn_message(domain, mail(f"cheap pills casino prize winner {n}",
                                            subject=f"WIN {n}"), is_spam=True)
        services.learn_message(domain, mail(f"{ENGLISH} {n}", subject=f"notes {n}"),
                               is_spam=False)
    assert delivered(send(server, mail("cheap pills casino prize winner", subject="WIN")))
    assert delivered(send(server, mail(ENGLISH)))
    stored = {headers(m)["Subject"]: headers(m)["X-Spam-Status"]
              for m in inbox("jane@example.com") + spam_box()}
    assert "BAYES_99" in stored["WIN"] or "BAYES_999" in stored["WIN"]
    assert "BAYES_00" in stored["Meeting notes"]


def test_a_forged_whitelisted_sender_is_not_let_through(test_dns, server, jane):
    # remote.test allows only 192.0.2.1 to send its mail: from 127.0.0.1 it is forged.
    test_dns.add("remote.test", "TXT", "v=spf1 ip4:192.0.2.1 -all")
    services.set_account_preferences(jane, whitelist=["remote.test"])
    assert delivered(send(server, mail(GTUBE)))
    assert inbox("jane@example.com") == []
    [caught] = spam_box()
    assert "SPF_FAIL" in headers(caught)["X-Spam-Status"]
    assert "spf=fail" in headers(caught)["Authentication-Results"]
