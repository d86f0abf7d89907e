"""Deleting messages, and nobody reaching a message of another mailbox by its key."""

import pytest

from tests.webmail.conftest import deliver, mailbox_of, make_message


def test_a_message_is_deleted_with_a_post(as_jane, jane):
    stored = deliver(jane.address, make_message(subject="Bye"))
    assert as_jane.get(f"/webmail/m/{stored.uid}/delete/").status_code == 405
    asked = as_jane.post(f"/webmail/m/{stored.uid}/delete/").content.decode()
    assert "The message is deleted for good as soon as you confirm." in asked
    assert 'name="confirmed" value="yes"' in asked and 'href="/webmail/"' in asked
    assert len(mailbox_of(jane.address).messages()) == 1  # nothing happened yet
    response = as_jane.post(f"/webmail/m/{stored.uid}/delete/", {"confirmed": "yes"},
                            follow=True)
    assert "The message was deleted." in response.content.decode()
    assert mailbox_of(jane.address).messages() == []
    assert as_jane.get(f"/webmail/m/{stored.uid}/").status_code == 404


def test_deleting_needs_the_csrf_token(client, jane):
    from django.test import Client

    stored = deliver(jane.address, make_message())
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(jane)
    assert strict.post(f"/webmail/m/{stored.uid}/delete/").status_code == 403
    assert strict.post("/webmail/delete/", {"key": [stored.uid]}).status_code == 403
    assert len(mailbox_of(jane.address).messages()) == 1


def test_checked_messages_are_deleted_together(as_jane, jane):
    kept = deliver(jane.address, make_message(subject="Keep"))
    gone = [deliver(jane.address, make_message(subject=f"Junk {n}")) for n in range(3)]
    keys = [m.uid for m in gone]
    asked = as_jane.post("/webmail/delete/", {"key": keys,
                                              "back": "sort=subject&order=asc&page=1"})
    assert "3 messages are deleted for good as soon as you confirm." in asked.content.decode()
    assert len(mailbox_of(jane.address).messages()) == 4  # nothing happened yet
    for key in keys:  # the confirmation sends the checked messages again
        assert f'name="key" value="{key}"' in asked.content.decode()
    response = as_jane.post("/webmail/delete/", {"key": keys, "confirmed": "yes",
                                                 "back": "sort=subject&order=asc&page=1"})
    assert response.status_code == 302
    assert response["Location"] == "/webmail/?sort=subject&order=asc&page=1"
    assert [m.uid for m in mailbox_of(jane.address).messages()] == [kept.uid]
    assert "3 messages were deleted." in as_jane.get(response["Location"]).content.decode()


@pytest.fixture
def johns_message(john):
    return deliver(john.address, make_message(subject="John's secret", to=john.address))


def test_jane_cannot_read_download_or_delete_johns_messages(as_jane, jane, johns_message):
    key = johns_message.uid
    assert as_jane.get(f"/webmail/m/{key}/").status_code == 404
    assert as_jane.get(f"/webmail/m/{key}/parts/0/").status_code == 404
    assert as_jane.post(f"/webmail/m/{key}/delete/").status_code == 404
    assert as_jane.post(f"/webmail/m/{key}/spam/").status_code == 404
    assert as_jane.post("/webmail/delete/", {"key": [key]}).status_code == 404
    assert as_jane.get(f"/webmail/compose/?reply={key}").status_code == 404
    assert as_jane.post("/webmail/compose/", {"to": "x@example.com", "subject": "s",
                                              "body": "b", "reply": key}).status_code == 404
    assert len(mailbox_of("john@example.com").messages()) == 1


@pytest.mark.parametrize("template", [
    "../john/new/{key}", "../../example.com/john/new/{key}", "/{root}/example.com/john/new/{key}",
    "new/{key}", "cur/../../john/new/{key}", "..", ".", "{key}/..", "tmp",
    "..%2Fjohn%2Fnew%2F{key}", "{key}\x00", "",
])
def test_keys_that_are_paths_name_nothing(as_jane, jane, johns_message, settings, template):
    key = template.format(key=johns_message.uid, root=str(settings.HOSTPANEL_MAIL_ROOT).strip("/"))
    mine = deliver(jane.address, make_message(subject="Mine"))
    response = as_jane.post("/webmail/delete/", {"key": [key, mine.uid]})
    assert response.status_code == 404
    assert as_jane.get("/webmail/m/" + key + "/").status_code == 404
    assert len(mailbox_of("john@example.com").messages()) == 1
    assert len(mailbox_of(jane.address).messages()) == 1


def test_only_the_own_mailbox_is_ever_shown(as_jane, jane, johns_message):
    deliver(jane.address, make_message(subject="Jane's own"))
    page = as_jane.get("/webmail/").content.decode()
    assert "Jane&#x27;s own" in page and "John&#x27;s secret" not in page


def test_a_postmaster_of_another_domain_gets_404_on_the_spam_mailbox(
        client, domain, domain_factory, postmaster):
    other = domain_factory("other.org")
    client.force_login(other.accounts.get(local_part="postmaster"))
    assert client.get("/webmail/domains/other.org/spam/").status_code == 200
    assert client.get("/webmail/domains/example.com/spam/").status_code == 404
    assert client.get("/webmail/domains/nowhere.example/spam/").status_code == 404
    spam = domain.spam.spam_account
    caught = deliver(spam.address, make_message(subject="Caught", X_Original_To="jane@example.com"))
    for path in (f"/webmail/domains/example.com/spam/m/{caught.uid}/",
                 f"/webmail/domains/example.com/spam/m/{caught.uid}/parts/0/"):
        assert client.get(path).status_code == 404
    for path in (f"/webmail/domains/example.com/spam/m/{caught.uid}/not-spam/",
                 f"/webmail/domains/example.com/spam/m/{caught.uid}/delete/"):
        assert client.post(path).status_code == 404
    assert client.post("/webmail/domains/example.com/spam/delete/",
                       {"key": [caught.uid]}).status_code == 404
    assert len(mailbox_of(spam.address).messages()) == 1


def test_a_mail_user_cannot_open_the_spam_mailbox_review(as_jane, jane):
    assert as_jane.get("/webmail/domains/example.com/spam/").status_code == 404
