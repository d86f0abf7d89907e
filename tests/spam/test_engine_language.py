"""The language is looked for only when a recipient accepts only some languages: nothing
else reads it, and it is the dearest test of a message."""

import asyncio

from mailcore.filters.spam import engine
from tests.spam.test_language import FRENCH

MESSAGE = ("From: marie@example.org\r\nTo: jane@example.com\r\nSubject: Réunion\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + FRENCH + "\r\n").encode()
CONTEXT = engine.Context(client_ip="192.0.2.1", helo="mail.example.org",
                         mail_from="marie@example.org", hostname="mx.example.com",
                         authenticated="jane@example.com")


def policy(languages=()):
    return engine.Policy(domain="example.com", enabled=True, threshold=5.0,
                         languages=frozenset(languages), dnsbls=(), whitelist=frozenset(),
                         blacklist=frozenset())


def test_a_recipient_limiting_languages_gets_the_language_found_and_scored():
    wanted = policy(["en"])
    analysis = asyncio.run(engine.analyse(MESSAGE, CONTEXT, [policy(), wanted], None))
    assert analysis.language[0] == "fr"
    assert "LANGUAGE_NOT_ACCEPTED" in engine.decide(analysis, wanted).rules


def test_without_such_a_recipient_the_language_is_not_looked_for():
    analysis = asyncio.run(engine.analyse(MESSAGE, CONTEXT, [policy(), policy()], None))
    assert analysis.language is None
    assert "LANGUAGE_NOT_ACCEPTED" not in engine.decide(analysis, policy()).rules
