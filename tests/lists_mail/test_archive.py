"""index and get by mail, for each archive access level."""

import pytest

from tests.lists_mail.helpers import deliver, sent_to, text

SUBSCRIBER, MODERATOR, STRANGER = "sub@remote.test", "mod@remote.test", "x@remote.test"


@pytest.mark.parametrize("access, allowed", [
    ("anyone", {SUBSCRIBER, MODERATOR, STRANGER}),
    ("subscribers", {SUBSCRIBER, MODERATOR}),
    ("moderators", {MODERATOR}),
])
def test_get_and_index_follow_the_archive_access(mx, list_factory, remote, access, allowed):
    list_factory(archive_access=access, subscribers=[SUBSCRIBER], moderators=[MODERATOR])
    deliver(mx, sender=SUBSCRIBER, subject="First")
    for who in (SUBSCRIBER, MODERATOR, STRANGER):
        deliver(mx, "team-get-1@example.com", who)
        deliver(mx, "team-request@example.com", who, "index")
        answers = sent_to(remote, who)
        got, index = answers[-2:]
        if who in allowed:
            post = got.get_payload()[1].get_payload()[0]
            assert post["Subject"] == "[team] First"
            assert "1\tFirst\t<sub@remote.test>" in text(index)
        else:
            assert "not open to you" in text(got) and "not open to you" in text(index)


def test_an_unknown_post_number_is_answered(mx, list_factory, remote):
    list_factory(archive_access="anyone")
    deliver(mx, "team-get-99@example.com", STRANGER)
    assert "no message with that number" in text(sent_to(remote, STRANGER)[-1])


def test_a_private_lists_index_is_for_its_moderators(mx, list_factory, remote):
    list_factory(private=True, archive_access="anyone", subscribers=[SUBSCRIBER],
                 moderators=[MODERATOR])
    deliver(mx, sender=SUBSCRIBER, subject="First")
    deliver(mx, "team-index@example.com", SUBSCRIBER)
    deliver(mx, "team-index@example.com", MODERATOR)
    assert "not open to you" in text(sent_to(remote, SUBSCRIBER)[-1])
    assert "1\tFirst" in text(sent_to(remote, MODERATOR)[-1])
