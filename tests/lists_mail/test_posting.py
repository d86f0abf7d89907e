"""Posting modes, the subscribers' copies and their headers, over real SMTP and the queue."""

import pytest

from hostpanel.lists import services as list_services
from hostpanel.lists.models import ArchivedPost, PendingPost
from tests.lists_mail.helpers import deliver, mail, parse, sent_to, service_address, text
from tests.routing.helpers import inbox
from tests.smtp.helpers import DELIVERED
from tests.submission.helpers import logged_in

SUBSCRIBER = "sub@remote.test"
MODERATOR = "mod@remote.test"
STRANGER = "stranger@remote.test"
READER = "reader@remote.test"  # a subscriber who does not post

SENT, REFUSED, HELD = "sent", "refused", "held"


@pytest.mark.parametrize("posting, sender, outcome", [
    ("anyone", SUBSCRIBER, SENT), ("anyone", STRANGER, SENT), ("anyone", MODERATOR, SENT),
    ("subscribers", SUBSCRIBER, SENT), ("subscribers", STRANGER, REFUSED),
    ("subscribers", MODERATOR, SENT),
    ("subscribers_moderated", SUBSCRIBER, SENT), ("subscribers_moderated", STRANGER, HELD),
    ("subscribers_moderated", MODERATOR, SENT),
    ("moderators", SUBSCRIBER, REFUSED), ("moderators", STRANGER, REFUSED),
    ("moderators", MODERATOR, SENT),
    ("moderated", SUBSCRIBER, HELD), ("moderated", STRANGER, HELD), ("moderated", MODERATOR, HELD),
])
def test_each_posting_mode(mx, list_factory, remote, posting, sender, outcome):
    list_factory(posting=posting, subscribers=[SUBSCRIBER, READER], moderators=[MODERATOR])
    assert deliver(mx, sender=sender, subject="Plans")[-1] == DELIVERED

    copies = sent_to(remote, READER)
    to_moderator = [m for m in sent_to(remote, MODERATOR) if "Moderate" in m["Subject"]]
    to_sender = [m for m in sent_to(remote, sender) if m["List-Id"] and
                 m["Subject"].startswith("Not done")]
    assert [bool(copies), bool(to_moderator), bool(to_sender)] == [
        outcome == SENT, outcome == HELD, outcome == REFUSED]
    assert PendingPost.objects.count() == (outcome == HELD)
    if outcome == SENT:
        assert copies[0]["Subject"] == "[team] Plans"
    if outcome == REFUSED:
        assert "may post to the list team@example.com" in text(to_sender[0])


def test_a_subscribers_copy_has_the_list_headers_and_a_verp_sender(mx, list_factory, remote,
                                                                   settings):
    settings.HOSTPANEL_PANEL_URL = "https://panel.example.com"
    list_factory(subscribers=[SUBSCRIBER, READER], reply_to="list", trailer="-- \nteam list")
    deliver(mx, sender=SUBSCRIBER, subject="Plans")
    [copy] = sent_to(remote, READER)
    [envelope] = remote.received_by(READER)
    assert envelope.rcpt_tos == [READER]
    assert envelope.mail_from == "team-return-1-reader=remote.test@example.com"
    assert copy["List-Id"] == "<team.example.com>"
    assert copy["List-Post"] == "<mailto:team@example.com>"
    assert copy["List-Help"] == "<mailto:team-help@example.com>"
    assert copy["List-Subscribe"] == "<mailto:team-subscribe@example.com>"
    # One-click unsubscribe (RFC 8058): the reader's own https link, then the mailto.
    link, mailto = (part.strip() for part in copy["List-Unsubscribe"].split(","))
    assert link.startswith("<https://panel.example.com/lists/unsubscribe/")
    assert "reader%3Dremote.test" in link
    assert mailto == "<mailto:team-unsubscribe@example.com>"
    assert copy["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert copy["Precedence"] == "list"
    assert copy["Reply-To"] == "team@example.com"
    assert copy["From"] == SUBSCRIBER
    signed = copy["DKIM-Signature"].replace(" ", "").lower()  # signed for example.com
    assert "list-unsubscribe:" in signed and "list-unsubscribe-post" in signed
    assert text(copy) == "Hi all!\n\n-- \nteam list\n"
    [archived] = ArchivedPost.objects.all()
    assert (archived.number, archived.sender, archived.subject) == (1, SUBSCRIBER, "Plans")


def test_the_prefix_is_not_repeated_on_replies(mx, list_factory, remote):
    list_factory(subscribers=[SUBSCRIBER, READER])
    deliver(mx, sender=SUBSCRIBER, subject="Re: [team] Plans")
    deliver(mx, sender=SUBSCRIBER, subject="Überraschung")
    subjects = [copy["Subject"] for copy in sent_to(remote, READER)]
    assert subjects == ["Re: [team] Plans", "[team] Überraschung"]


@pytest.mark.parametrize("reply_to, address, expected", [
    ("sender", "", None), ("list", "", "team@example.com"),
    ("address", "talk@remote.test", "talk@remote.test")])
def test_reply_to_follows_the_lists_option(mx, list_factory, remote, reply_to, address,
                                           expected):
    list_factory(subscribers=[SUBSCRIBER, READER], reply_to=reply_to,
                 reply_to_address=address)
    deliver(mx, sender=SUBSCRIBER)
    [copy] = sent_to(remote, READER)
    assert copy["Reply-To"] == expected


def test_a_post_from_a_strict_dmarc_domain_comes_from_the_list(mx, list_factory, remote):
    list_factory(posting="anyone", subscribers=[READER])
    deliver(mx, sender="jane@strict.test", subject="Hi", from_=None)
    [copy] = sent_to(remote, READER)
    assert copy["From"].addresses[0].addr_spec == "team@example.com"
    assert copy["From"].addresses[0].display_name == "jane@strict.test via team"
    assert copy["Reply-To"] == "jane@strict.test"


def test_hosted_subscribers_get_the_post_in_their_mailbox(mx, list_factory, remote):
    list_factory(subscribers=[SUBSCRIBER, "jane@example.com"])
    deliver(mx, sender=SUBSCRIBER, subject="Plans")
    [stored] = inbox("jane@example.com")
    copy = parse(stored)
    assert copy["Subject"] == "[team] Plans"
    assert copy.get_all("Delivered-To") == ["jane@example.com", "team@example.com"]


def test_a_post_coming_back_is_not_sent_again(mx, list_factory, remote):
    list_factory(posting="anyone", subscribers=[READER])
    deliver(mx, "team@example.com", STRANGER, "Loop", "List-Id: <team.example.com>")
    assert deliver(mx, "team@example.com", STRANGER, "Loop 2",
                   "Delivered-To: team@example.com")[-1] == (554, "5.4.6")
    assert sent_to(remote, READER) == []
    assert ArchivedPost.objects.count() == 0


def test_a_post_over_the_size_limit_is_refused(mx, list_factory, remote):
    list_factory(posting="anyone", subscribers=[READER], max_message_kb=1)
    deliver(mx, sender=STRANGER, body=("x" * 70 + "\r\n") * 30)
    assert sent_to(remote, READER) == []
    [notice] = sent_to(remote, STRANGER)
    assert "larger than the list" in text(notice)


def test_moderators_accept_a_held_post_by_replying(mx, list_factory, remote):
    list_factory(posting="moderated", subscribers=[READER], moderators=[MODERATOR])
    deliver(mx, sender=STRANGER, subject="Please")
    [request] = sent_to(remote, MODERATOR)
    assert sent_to(remote, READER) == []
    held = request.get_payload()[1].get_payload()[0]  # the post, attached as message/rfc822
    assert held["Subject"] == "Please"

    deliver(mx, service_address(request), MODERATOR, "Re: " + request["Subject"])
    [copy] = sent_to(remote, READER)
    assert copy["Subject"] == "[team] Please"
    assert PendingPost.objects.count() == 0
    deliver(mx, service_address(request), MODERATOR)  # a second accept: nothing left
    assert len(sent_to(remote, READER)) == 1


def test_moderators_reject_a_held_post_by_writing_to_the_reject_address(
        mx, list_factory, remote):
    list_factory(posting="moderated", subscribers=[READER], moderators=[MODERATOR])
    deliver(mx, sender=STRANGER, subject="Please")
    [request] = sent_to(remote, MODERATOR)
    reject = service_address(request).replace("team-accept-", "team-reject-")
    assert reject in text(request.get_payload()[0])

    deliver(mx, reject, MODERATOR)
    assert "did not accept" in text(sent_to(remote, STRANGER)[-1])
    deliver(mx, service_address(request), MODERATOR)  # too late to accept
    assert sent_to(remote, READER) == []
    assert PendingPost.objects.count() == 0


def test_a_hosted_subscriber_posts_through_submission(tls_mx, list_factory, remote,
                                                       client_tls_context):
    list_factory(subscribers=["jane@example.com", READER])
    with logged_in(tls_mx, client_tls_context) as client:
        client.sendmail("jane@example.com", ["team@example.com"],
                        mail("jane@example.com", subject="From Jane"))
    [copy] = sent_to(remote, READER)
    assert copy["Subject"] == "[team] From Jane"
    assert parse(inbox("jane@example.com")[0])["Subject"] == "[team] From Jane"


def test_a_held_post_is_accepted_or_rejected_from_the_panels_service(mx, list_factory,
                                                                     remote):
    list_factory(posting="moderated", subscribers=[READER], moderators=[MODERATOR])
    deliver(mx, sender=STRANGER, subject="First")
    deliver(mx, sender=STRANGER, subject="Second")
    first, second = PendingPost.objects.order_by("created_at", "pk")
    assert list_services.moderate(first, accept=True) is True
    assert [copy["Subject"] for copy in sent_to(remote, READER)] == ["[team] First"]
    assert list_services.moderate(second, accept=False) is True
    assert "did not accept" in text(sent_to(remote, STRANGER)[-1])
    assert list_services.moderate(first, accept=True) is False  # already decided
    assert len(sent_to(remote, READER)) == 1 and PendingPost.objects.count() == 0
