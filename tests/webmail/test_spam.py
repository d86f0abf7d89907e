"""'This is spam' from a mailbox, and 'Not spam' in the domain's spam mailbox."""

from pathlib import Path

from hostpanel.spam import services as spam
from hostpanel.spam.models import CaughtSpam
from mailcore.filters.spam.bayes import Bayes
from mailcore.filters.spam.store import domain_path
from tests.webmail.conftest import deliver, mailbox_of, make_message

PILLS = dict(subject="Cheap pills", sender="Pusher <pusher@spam.test>",
             body="Buy cheap pills now, best prices, click here.")


def _model(settings) -> Bayes:
    return Bayes.load(domain_path(Path(settings.HOSTPANEL_SPAM_MODELS), "example.com"))


def test_this_is_spam_moves_the_message_and_teaches_the_filter(as_jane, jane, domain,
                                                               settings):
    stored = deliver(jane.address, make_message(**PILLS))
    page = as_jane.get(f"/webmail/m/{stored.uid}/").content.decode()
    assert "This is spam" in page and "Not spam" not in page
    response = as_jane.post(f"/webmail/m/{stored.uid}/spam/", follow=True)
    assert "The message was moved to the spam mailbox" in response.content.decode()
    assert mailbox_of(jane.address).messages() == []
    spam_account = domain.spam.spam_account
    [moved] = mailbox_of(spam_account.address).messages()
    data = moved.path.read_bytes()
    assert data.startswith(b"Delivered-To: spam@example.com\nX-Original-To: jane@example.com\n")
    entry = CaughtSpam.objects.get()
    assert (entry.recipient, entry.sender, entry.subject, entry.filename) == (
        "jane@example.com", "pusher@spam.test", "Cheap pills", moved.uid)
    assert _model(settings).nspam == 1


def test_web_mail_links_the_users_own_caught_spam(as_jane, jane):
    assert 'href="/me/spam/"' in as_jane.get("/webmail/").content.decode()


def _caught_for_jane(domain):
    """A message for jane caught by the filter, as the SMTP server files it."""
    spam_account = domain.spam.spam_account
    raw = make_message(**PILLS)
    stored = deliver(spam_account.address, b"Delivered-To: spam@example.com\n"
                     b"X-Original-To: jane@example.com\n" + raw)
    CaughtSpam.objects.create(domain=domain, recipient="jane@example.com",
                              sender="pusher@spam.test", subject="Cheap pills", score=9.5,
                              rules="BAYES_99", filename=stored.uid, size=stored.size)
    return stored


def test_the_postmaster_reviews_the_spam_mailbox_and_says_not_spam(client, postmaster, jane,
                                                                   domain, settings):
    stored = _caught_for_jane(domain)
    client.force_login(postmaster)
    assert 'href="/webmail/domains/example.com/spam/"' in client.get("/webmail/").content.decode()
    listing = client.get("/webmail/domains/example.com/spam/").content.decode()
    assert "Cheap pills" in listing and "jane@example.com" in listing
    assert "Original recipient" in listing
    page = client.get(f"/webmail/domains/example.com/spam/m/{stored.uid}/").content.decode()
    assert '<dd class="original-to">jane@example.com</dd>' in page
    assert "Not spam" in page and "This is spam" not in page and "Reply" not in page
    response = client.post(f"/webmail/domains/example.com/spam/m/{stored.uid}/not-spam/",
                           follow=True)
    assert "The message was delivered to jane@example.com" in response.content.decode()
    [delivered] = mailbox_of(jane.address).messages()
    data = delivered.path.read_bytes()
    assert b"X-Original-To" not in data and b"Subject: Cheap pills" in data
    assert mailbox_of("spam@example.com").messages() == []
    assert not CaughtSpam.objects.exists()
    assert spam.account_preferences(jane)["whitelist"] == ["pusher@spam.test"]
    assert _model(settings).nham == 1


def test_the_spam_account_itself_reads_caught_spam_with_not_spam(client, jane, domain):
    stored = _caught_for_jane(domain)
    client.force_login(domain.spam.spam_account)
    listing = client.get("/webmail/").content.decode()
    assert "Original recipient" in listing and "jane@example.com" in listing
    page = client.get(f"/webmail/m/{stored.uid}/").content.decode()
    assert "Not spam" in page and "This is spam" not in page
    assert client.post(f"/webmail/m/{stored.uid}/spam/").status_code == 302
    assert len(mailbox_of("spam@example.com").messages()) == 1  # not reported to itself
    client.post(f"/webmail/m/{stored.uid}/not-spam/")
    assert len(mailbox_of(jane.address).messages()) == 1


def test_reported_spam_can_be_brought_back_with_not_spam(as_jane, client, jane, postmaster,
                                                        domain):
    stored = deliver(jane.address, make_message(**PILLS))
    as_jane.post(f"/webmail/m/{stored.uid}/spam/")
    [moved] = mailbox_of("spam@example.com").messages()
    client.force_login(postmaster)
    client.post(f"/webmail/domains/example.com/spam/m/{moved.uid}/not-spam/")
    [back] = mailbox_of(jane.address).messages()
    assert b"Subject: Cheap pills" in back.path.read_bytes()
    assert b"X-Original-To" not in back.path.read_bytes()


def test_a_user_sees_only_their_own_caught_spam_and_gets_it_back(as_jane, jane, john, domain):
    mine = _caught_for_jane(domain)
    spam_account = domain.spam.spam_account
    johns = deliver(spam_account.address, b"X-Original-To: john@example.com\n"
                    + make_message(subject="John's junk", to=john.address))
    CaughtSpam.objects.create(domain=domain, recipient="john@example.com", sender="x@spam.test",
                              subject="John's junk", score=8, filename=johns.uid,
                              size=johns.size)
    assert 'href="/webmail/caught/"' in as_jane.get("/webmail/").content.decode()
    listing = as_jane.get("/webmail/caught/").content.decode()
    assert "Cheap pills" in listing and "John&#x27;s junk" not in listing
    assert as_jane.get(f"/webmail/caught/m/{johns.uid}/").status_code == 404
    assert as_jane.post(f"/webmail/caught/m/{johns.uid}/not-spam/").status_code == 404
    assert as_jane.post(f"/webmail/caught/m/{johns.uid}/delete/").status_code == 404
    page = as_jane.get(f"/webmail/caught/m/{mine.uid}/").content.decode()
    assert "Not spam" in page and "This is spam" not in page and "Reply" not in page
    response = as_jane.post(f"/webmail/caught/m/{mine.uid}/not-spam/", follow=True)
    assert "The message was delivered to jane@example.com" in response.content.decode()
    [back] = mailbox_of(jane.address).messages()
    assert b"Subject: Cheap pills" in back.path.read_bytes()
    assert [m.uid for m in mailbox_of(spam_account.address).messages()] == [johns.uid]


def test_deleting_caught_spam_forgets_its_record(client, postmaster, jane, domain):
    stored = _caught_for_jane(domain)
    client.force_login(postmaster)
    client.post(f"/webmail/domains/example.com/spam/m/{stored.uid}/delete/",
                {"confirmed": "yes"})
    assert mailbox_of("spam@example.com").messages() == []
    assert not CaughtSpam.objects.exists()
