"""Fan-out to 1,000 subscribers, VERP bounces, the beat tasks (held posts expire, digest)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hostpanel.lists import services
from hostpanel.lists.models import ArchivedPost, Member, PendingPost
from hostpanel.lists.tasks import expire_pending, send_digests
from hostpanel.outbound.models import OutboundMessage
from mailcore import directory
from tests.lists_mail.helpers import deliver, parse
from tests.net import run_queue
from tests.smtp.helpers import DELIVERED


@pytest.mark.timeout(240)  # 1,000 SMTP transactions: the speed is bench material, not a test's
def test_a_post_reaches_a_thousand_subscribers_each_with_its_own_bounce_address(
        mx, list_factory, remote):
    team = list_factory(posting="anyone")
    Member.objects.bulk_create(Member(mailing_list=team, address=f"r{n}@remote.test")
                               for n in range(1000))
    assert deliver(mx, sender="bob@remote.test", subject="Big news")[-1] == DELIVERED

    [queued] = OutboundMessage.objects.all()  # one spooled message for them all
    assert (queued.origin, queued.sender, queued.recipients.count()) == (
        "list", "team-return-1-@example.com", 1000)
    run_queue()
    assert len(remote.messages) == 1000
    assert {tuple(m.rcpt_tos) for m in remote.messages} == {
        (f"r{n}@remote.test",) for n in range(1000)}
    for message in remote.messages:
        user = message.rcpt_tos[0].partition("@")[0]
        assert message.mail_from == f"team-return-1-{user}=remote.test@example.com"
    copy = parse(remote.messages[-1].data)
    assert (copy["Subject"], copy["List-Id"], copy["Precedence"]) == (
        "[team] Big news", "<team.example.com>", "list")
    assert set(queued.recipients.values_list("state", flat=True)) == {"delivered"}


def test_a_copy_refused_for_good_counts_as_a_bounce_of_that_subscriber(
        mx, list_factory, remote):
    list_factory(posting="anyone", subscribers=["dead@remote.test", "alive@remote.test"])
    remote.answer_rcpt("dead@remote.test", "550 5.1.1 no such user")
    deliver(mx, sender="bob@remote.test")
    run_queue()
    bounces = dict(Member.objects.values_list("address", "bounces"))
    assert bounces == {"dead@remote.test": 1, "alive@remote.test": 0}
    [queued] = OutboundMessage.objects.all()
    assert queued.done
    assert dict(queued.recipients.values_list("address", "state")) == {
        "dead@remote.test": "failed", "alive@remote.test": "delivered"}
    assert remote.received_by("bob@remote.test") == []  # the poster hears nothing of it


def test_a_bounce_from_elsewhere_to_the_verp_address_is_counted(mx, list_factory, remote):
    list_factory(subscribers=["dead@remote.test"])
    assert deliver(mx, "team-return-7-dead=remote.test@example.com", "")[-1] == DELIVERED
    assert deliver(mx, "team-return-8-nobody=remote.test@example.com", "")[-1] == DELIVERED
    member = Member.objects.get()
    assert member.bounces == 1 and member.first_bounce_at is not None


def test_the_beat_task_drops_posts_nobody_decided_on(mx, list_factory, remote, tmp_path):
    list_factory(posting="moderated", moderators=["mod@remote.test"])
    deliver(mx, sender="bob@remote.test")
    deliver(mx, sender="carol@remote.test")
    old, new = PendingPost.objects.order_by("pk")
    PendingPost.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(1))
    assert expire_pending() == 1
    assert list(PendingPost.objects.values_list("sender", flat=True)) == ["carol@remote.test"]
    assert not (tmp_path / "lists" / "example.com" / "team" / "pending" / old.token).exists()
    assert (tmp_path / "lists" / "example.com" / "team" / "pending" / new.token).exists()


def test_a_deferred_copy_is_retried_with_its_own_bounce_address(mx, list_factory, remote):
    list_factory(posting="anyone", subscribers=["slow@remote.test", "quick@remote.test"])
    remote.answer_rcpt("slow@remote.test", "451 4.2.0 try again later")
    deliver(mx, sender="bob@remote.test")
    run_queue()
    assert [m.rcpt_tos for m in remote.messages] == [["quick@remote.test"]]
    run_queue()  # the retry
    [retried] = remote.received_by("slow@remote.test")
    assert retried.mail_from == "team-return-1-slow=remote.test@example.com"


def test_a_dead_address_is_warned_and_removed_when_the_warning_bounces(
        mx, list_factory, remote):
    list_factory(posting="anyone", subscribers=["dead@remote.test", "alive@remote.test"])
    for number in (1, 2, 3):
        remote.answer_rcpt("dead@remote.test", "550 5.1.1 no such user")
        deliver(mx, sender="bob@remote.test", subject=f"Post {number}")
        run_queue()
        if number == 2:  # the bounces must span a day before anyone is warned
            assert remote.received_by("dead@remote.test") == []
            Member.objects.filter(address="dead@remote.test").update(
                first_bounce_at=timezone.now() - timedelta(days=2))
    # The third bounce, two days after the first, queued the warning.
    dead = Member.objects.get(address="dead@remote.test")
    assert dead.bounces == 3 and dead.warned_at is not None
    assert OutboundMessage.objects.filter(sender="team-return-0-@example.com").exists()


def test_a_bouncing_probe_removes_the_address(mx, list_factory, remote):
    list_factory(posting="anyone", subscribers=["dead@remote.test", "alive@remote.test"])
    Member.objects.filter(address="dead@remote.test").update(
        bounces=2, first_bounce_at=timezone.now() - timedelta(days=2))
    remote.answer_rcpt("dead@remote.test", "550 5.1.1 no such user",
                       "550 5.1.1 no such user")
    deliver(mx, sender="bob@remote.test")
    run_queue()  # the post bounces: third bounce, the warning is queued
    run_queue()  # the warning bounces: the address goes
    assert list(Member.objects.values_list("address", flat=True)) == ["alive@remote.test"]
    assert [m.rcpt_tos for m in remote.messages] == [["alive@remote.test"]]
    assert [attempt[0] for attempt in remote.rcpt_attempts].count("dead@remote.test") == 2
    probe = [entry for entry in remote.transactions if entry.startswith("team-return-0-")]
    assert probe == ["team-return-0-dead=remote.test@example.com"]


def test_the_beat_task_sends_a_mime_digest_to_digest_subscribers(mx, list_factory, remote):
    team = list_factory(posting="anyone", digest=True, subscribers=["reader@remote.test"])
    services.add_member(team, "digest@remote.test", "digest")
    deliver(mx, sender="bob@remote.test", subject="One")
    deliver(mx, sender="bob@remote.test", subject="Two")
    assert send_digests() == 0  # a day has not passed, and it is small
    ArchivedPost.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert send_digests() == 1
    assert send_digests() == 0  # sent once
    run_queue()
    assert len(remote.received_by("reader@remote.test")) == 2  # the posts themselves
    [sent] = remote.received_by("digest@remote.test")
    assert sent.mail_from == "team-return-2-digest=remote.test@example.com"
    digest = parse(sent.data)
    assert digest["Subject"] == "team@example.com digest, messages 1 to 2"
    assert digest["List-Id"] == "<team.example.com>"
    toc, posts = digest.get_payload()
    assert "1. [team] One\r\n2. [team] Two" in toc.get_content()
    assert posts.get_content_type() == "multipart/digest"
    assert [part.get_payload()[0]["Subject"] for part in posts.get_payload()] == [
        "[team] One", "[team] Two"]


def test_bounces_older_than_a_month_are_forgotten_at_the_next_one(list_factory):
    team = list_factory(subscribers=["old@remote.test"])
    Member.objects.filter(address="old@remote.test").update(
        bounces=2, first_bounce_at=timezone.now() - timedelta(days=40),
        warned_at=timezone.now() - timedelta(days=35))
    state = directory.record_list_bounce(team.pk, "old@remote.test")
    assert state.bounces == 1 and state.warned_at is None
    assert timezone.now() - state.first_bounce_at < timedelta(minutes=1)
    assert directory.record_list_bounce(team.pk, "old@remote.test").bounces == 2
