"""Subscribing and unsubscribing by mail, with confirmation by reply, over real SMTP."""

from hostpanel.lists.models import Member
from mailcore.lists import cookies
from tests.lists_mail.helpers import deliver, mail, sent_to, service_address, text
from tests.smtp.helpers import DELIVERED, RELAYING_DENIED, send

BOB = "bob@remote.test"


def members(role="subscriber"):
    return sorted(Member.objects.filter(role=role).values_list("address", flat=True))


def test_subscribing_takes_a_reply_to_the_confirmation_request(mx, list_factory, remote):
    list_factory()
    assert deliver(mx, "team-subscribe@example.com", BOB)[-1] == DELIVERED
    assert members() == []  # nobody is subscribed before the reply

    [request] = sent_to(remote, BOB)
    confirm = service_address(request)
    assert confirm.startswith("team-confirm-sub-") and confirm.endswith("@example.com")
    assert request["Auto-Submitted"] == "auto-replied"
    assert request["List-Id"] == "<team.example.com>"
    assert confirm in text(request)
    assert remote.received_by(BOB)[0].mail_from == ""  # a null envelope sender

    # Bob's mail client replies to the Reply-To address.
    assert deliver(mx, confirm, BOB, "Re: " + request["Subject"])[-1] == DELIVERED
    assert members() == [BOB]
    welcome = sent_to(remote, BOB)[-1]
    assert welcome["Subject"] == "Welcome to team@example.com"
    assert "bob@remote.test is now subscribed" in text(welcome)


def test_a_subscribe_in_the_request_body_works_like_one_to_the_subscribe_address(
        mx, list_factory, remote):
    list_factory(subscribe_confirm=False)
    assert deliver(mx, "team-request@example.com", BOB, "",
                   body="subscribe\r\nthanks\r\n")[-1] == DELIVERED
    assert members() == [BOB]
    assert sent_to(remote, BOB)[-1]["Subject"] == "Welcome to team@example.com"


def test_a_forged_subscribe_sends_the_request_to_the_subscribed_address_only(
        mx, list_factory, remote):
    list_factory()
    # Mallory sends as herself, naming Bob in From: Bob gets the request, she nothing.
    deliver(mx, "team-subscribe@example.com", "mallory@remote.test", from_=BOB)
    [request] = sent_to(remote, BOB)
    assert sent_to(remote, "mallory@remote.test") == []
    assert members() == []
    cookie = service_address(request).split("@")[0].removeprefix("team-confirm-")

    # Made-up, altered or borrowed cookies do nothing.
    action, expiry, mac, payload = cookie.split("-", 3)
    for forged in ["", "sub-abc-def-mallory=remote.test",
                   f"sub-{expiry}-{mac}-mallory=remote.test",  # Bob's cookie for Mallory
                   f"unsub-{expiry}-{mac}-{payload}",  # for another action
                   f"sub-{expiry}-{'0' * 20}-{payload}"]:
        to = f"team-confirm-{forged}@example.com" if forged else "team-confirm@example.com"
        deliver(mx, to, "mallory@remote.test")
    assert members() == []


def test_a_cookie_is_bound_to_its_list_and_expires():
    secret = b"secret"
    cookie = cookies.make(secret, 1, "sub", "bob@remote.test", valid_days=7, now=1000)
    assert cookies.check(secret, 1, cookie, now=1000) == cookies.Cookie(
        "sub", "bob=remote.test", 1000 + 7 * 86400)
    assert cookies.check(secret, 1, cookie.upper(), now=1000) is not None  # case-insensitive
    assert cookies.check(secret, 2, cookie, now=1000) is None  # another list
    assert cookies.check(b"other", 1, cookie, now=1000) is None
    assert cookies.check(secret, 1, cookie, now=1000 + 8 * 86400) is None  # expired


def test_a_private_list_refuses_a_strangers_subscribe(mx, list_factory, remote):
    list_factory(private=True)
    deliver(mx, "team-subscribe@example.com", BOB)
    [answer] = sent_to(remote, BOB)
    assert "private" in text(answer)
    assert "team-confirm-" not in str(answer["Reply-To"] or "")
    assert members() == []


def test_unsubscribing_takes_a_confirmation_too(mx, list_factory, remote):
    list_factory(subscribers=[BOB, "carol@remote.test"])
    deliver(mx, "team-unsubscribe@example.com", BOB)
    assert members() == [BOB, "carol@remote.test"]
    [request] = sent_to(remote, BOB)
    assert service_address(request).startswith("team-confirm-unsub-")
    deliver(mx, service_address(request), BOB)
    assert members() == ["carol@remote.test"]
    assert sent_to(remote, BOB)[-1]["Subject"] == "Goodbye from team@example.com"


def test_a_subscription_needing_approval_goes_to_the_moderators(mx, list_factory, remote):
    list_factory(subscribe_confirm=False, subscribe_moderated=True,
                 moderators=["mod@remote.test"])
    deliver(mx, "team-subscribe@example.com", BOB)
    [ask] = sent_to(remote, "mod@remote.test")
    assert BOB in text(ask)
    reject = next(word for word in text(ask).split() if word.startswith("team-reject-"))
    assert members() == []

    deliver(mx, reject, "mod@remote.test")
    assert members() == []
    assert "declined" in text(sent_to(remote, BOB)[-1])

    deliver(mx, service_address(ask), "mod@remote.test")  # the accept address: Reply-To
    assert members() == [BOB]


def test_confirmation_requests_are_limited_per_address(mx, list_factory, remote):
    list_factory()
    for _ in range(5):
        assert deliver(mx, "team-subscribe@example.com", "mallory@remote.test",
                       from_=BOB)[-1] == DELIVERED
    assert len(sent_to(remote, BOB)) == 3  # at most 3 an hour


def test_confirmation_requests_are_limited_per_list(mx, list_factory, remote, monkeypatch):
    from mailcore.directory import lists

    monkeypatch.setattr(lists, "NOTICES_PER_LIST", 4)
    list_factory()
    for number in range(6):
        deliver(mx, "team-subscribe@example.com", f"victim{number}@remote.test")
    assert len(sent_to(remote, "victim0@remote.test")) == 1
    assert sum(len(remote.received_by(f"victim{n}@remote.test")) for n in range(6)) == 4


def test_mail_from_the_null_sender_or_a_robot_gets_no_answer(mx, list_factory, remote):
    list_factory()
    deliver(mx, "team-subscribe@example.com", "", from_=BOB)
    deliver(mx, "team-help@example.com", "mailer-daemon@remote.test")
    deliver(mx, "team-help@example.com", BOB, "Out of office", "Auto-Submitted: auto-replied")
    assert sent_to(remote, BOB) == []
    assert sent_to(remote, "mailer-daemon@remote.test") == []


def test_help_and_owner_addresses(mx, list_factory, remote):
    list_factory(owner="boss@remote.test", help_text="Be nice.")
    deliver(mx, "team-help@example.com", BOB)
    assert text(sent_to(remote, BOB)[-1]).strip() == "Be nice."
    deliver(mx, "team-owner@example.com", BOB, "A question")
    [forwarded] = sent_to(remote, "boss@remote.test")
    assert forwarded["Subject"] == "A question"
    assert forwarded["Delivered-To"] == "team-owner@example.com"


def test_the_digest_has_its_own_subscribe_and_unsubscribe_addresses(mx, list_factory,
                                                                     remote):
    list_factory(digest=True, subscribe_confirm=False, unsubscribe_confirm=False)
    deliver(mx, "team-digest-subscribe@example.com", BOB)
    assert (members("digest"), members()) == ([BOB], [])
    deliver(mx, "team-digest-unsubscribe@example.com", BOB)
    assert members("digest") == []
    assert [m["Subject"] for m in sent_to(remote, BOB)] == [
        "Welcome to team@example.com", "Goodbye from team@example.com"]


def test_a_list_is_no_relay(mx, list_factory, remote):
    list_factory(subscribers=["reader@remote.test"])
    data = mail("spammer@remote.test", subject="Buy now")
    replies = send(mx, data, to=["team@example.com", "victim@elsewhere.test",
                                 "team-return-1-victim=elsewhere.test@example.com"],
                   sender="spammer@remote.test")
    assert replies[2] == RELAYING_DENIED  # the MX takes no remote recipient
    assert sent_to(remote, "victim@elsewhere.test") == []
    assert sent_to(remote, "reader@remote.test") == []  # a stranger's post is not sent
