"""The outbound queue's client: one transaction per recipient, each with its own sender."""

from mailcore.queue import client
from mailcore.queue.mx import Destination

MESSAGE = b"From: team@example.com\r\nSubject: x\r\n\r\nhello\r\n"


def test_each_recipient_gets_its_own_transaction_in_one_session(sink):
    sink.answer_rcpt("gone@remote.test", "550 5.1.1 no such user")
    envelopes = [(f"team-return-1-{user}=remote.test@example.com", f"{user}@remote.test")
                 for user in ("a", "gone", "b")]
    outcomes = client.deliver_each([Destination("mx.remote.test", "127.0.0.1")], sink.port,
                                   envelopes, MESSAGE, helo="mx.test.example")
    assert [(o.recipient, o.state) for o in outcomes] == [
        ("a@remote.test", "delivered"), ("gone@remote.test", "failed"),
        ("b@remote.test", "delivered")]
    assert [(m.mail_from, m.rcpt_tos) for m in sink.messages] == [
        ("team-return-1-a=remote.test@example.com", ["a@remote.test"]),
        ("team-return-1-b=remote.test@example.com", ["b@remote.test"])]


def test_the_next_destination_takes_over_when_one_cannot_be_reached(sink):
    envelopes = [("x-1-a=r.test@example.com", "a@r.test"), ("x-1-b=r.test@example.com",
                                                             "b@r.test")]
    outcomes = client.deliver_each(
        [Destination("dead.test", "127.0.0.2"), Destination("mx.r.test", "127.0.0.1")],
        sink.port, envelopes, MESSAGE, helo="mx.test.example", timeout=5)
    assert [o.state for o in outcomes] == ["delivered", "delivered"]
    assert len(sink.messages) == 2


def test_nobody_reachable_defers_every_recipient():
    outcomes = client.deliver_each([Destination("dead.test", "127.0.0.2")], 9,
                                   [("s@example.com", "a@r.test")], MESSAGE,
                                   helo="mx.test.example", timeout=5)
    assert [(o.recipient, o.state) for o in outcomes] == [("a@r.test", "deferred")]
