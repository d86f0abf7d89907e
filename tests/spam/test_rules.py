"""Heuristic rules and the offline score, on small hand-written messages."""

import re
from email.utils import formatdate

import pytest

from mailcore.filters.spam import rules
from mailcore.filters.spam.classify import DEFAULT_THRESHOLD, bayes_hit, offline_score
from mailcore.filters.spam.message import parse

NOW = formatdate().encode()
HEADERS = (b"From: Bob Example <bob@remote.test>\r\nTo: jane@example.com\r\n"
           b"Date: " + NOW + b"\r\nMessage-ID: <1@remote.test>\r\n")

PERSONAL = HEADERS + (
    b"Subject: Lunch on Friday?\r\n\r\n"
    b"Hi Jane,\r\n\r\nare you free for lunch on Friday? The new place near the station\r\n"
    b"has a nice terrace. I can book a table for half past twelve.\r\n\r\nBob\r\n")

SPAM = (b"From: Deals <deals@offers.test>\r\nTo: undisclosed-recipients:;\r\n"
        b"Date: " + NOW + b"\r\nMessage-ID: <x@offers.test>\r\n"
        b"Subject: AMAZING OFFER JUST FOR YOU!!!\r\n"
        b"Content-Type: text/html; charset=us-ascii\r\n\r\n"
        b"<html><body><p>Order now and get a special offer!!! Act now!!!</p>"
        b"<div style=\"display:none\">grandmother recipe garden weather</div>"
        b"<font color=\"#ffffff\">lunch meeting report</font>"
        b"<a href=\"http://192.0.2.7/buy\">Click here</a>"
        b"<p>To be removed from our mailing list reply with REMOVE!!!</p></body></html>")


def names(hits):
    return {hit.name for hit in hits}


def test_gtube_scores_at_least_1000():
    raw = HEADERS + b"Subject: test\r\n\r\n" + rules.GTUBE.encode() + b"\r\n"
    score, hits = offline_score(parse(raw), None)
    assert score >= 1000
    assert "GTUBE" in names(hits)


def test_a_personal_message_scores_below_the_threshold():
    score, hits = offline_score(parse(PERSONAL), None)
    assert score < DEFAULT_THRESHOLD
    assert hits == []


def test_typical_spam_goes_over_the_threshold_on_rules_alone():
    score, hits = offline_score(parse(SPAM), None)
    assert score > DEFAULT_THRESHOLD
    assert {"MIME_HTML_ONLY", "HTML_HIDDEN_TEXT", "HTML_TEXT_INVISIBLE", "URL_IP_HOST",
            "SUBJ_ALL_CAPS", "SUBJ_EXCLAIM", "TO_UNDISCLOSED", "REMOVE_INSTRUCTIONS",
            "MARKETING_PHRASES"} <= names(hits)


def test_missing_and_forged_headers():
    raw = (b"From: \"support@bank.test\" <x@elsewhere.test>\r\n"
           b"Received: from a by b; Tue, 03 Sep 2024 10:00:00 +0000\r\n"
           b"Date: Fri, 06 Sep 2024 10:00:00 +0000\r\nSubject: hello\r\n\r\nhello\r\n")
    hit_names = names(rules.evaluate(parse(raw)))
    assert {"MISSING_MID", "MISSING_TO", "FROM_DISPLAY_MISMATCH", "DATE_IN_FUTURE"} <= hit_names
    assert "MISSING_DATE" not in hit_names


def test_link_text_naming_another_domain():
    raw = HEADERS + (b"Subject: account\r\nContent-Type: text/html\r\n\r\n"
                     b"<p>Log in at <a href=\"http://evil.test/login\">www.bank.test</a></p>")
    assert "HTML_LINK_MISMATCH" in names(rules.evaluate(parse(raw)))


def test_broken_mime_is_noticed():
    raw = HEADERS + (b"Subject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
                     b"--zz\r\nContent-Type: text/plain\r\n\r\nno closing boundary\r\n")
    assert "MIME_BAD_BOUNDARY" in names(rules.evaluate(parse(raw)))


def test_rules_are_named_scored_and_described():
    table = [*rules.RULES, *rules.PHRASE_RULES]
    assert len({rule.name for rule in table}) == len(table)
    for rule in table:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", rule.name)
        assert rule.description and rule.score != 0


def test_hostile_html_is_scanned_quickly_enough_to_finish():
    raw = HEADERS + b"Subject: x\r\nContent-Type: text/html\r\n\r\n" + (
        b"<font color=" * 20_000 + b"<body bgcolor=" * 20_000 + b"$" * 50_000)
    hits = rules.evaluate(parse(raw))
    assert "MIME_HTML_ONLY" in names(hits)


def test_bayes_points_rise_with_probability():
    assert bayes_hit(0.0).name == "BAYES_00" and bayes_hit(0.0).score < 0
    assert bayes_hit(0.5).name == "BAYES_50"
    top = bayes_hit(0.9995)
    assert top.name == "BAYES_999" and top.score >= DEFAULT_THRESHOLD
    assert bayes_hit(0.9).score < DEFAULT_THRESHOLD


def message(headers: bytes = b"", body: bytes = b"Hello there,\r\nsee you soon.\r\n",
            subject: bytes = b"Lunch on Friday?") -> bytes:
    """PERSONAL's headers with ``headers`` replacing or adding some, then ``body``."""
    lines = [line for line in HEADERS.split(b"\r\n") if line]
    names_given = {line.partition(b":")[0].lower() for line in headers.split(b"\r\n") if line}
    kept = [line for line in lines if line.partition(b":")[0].lower() not in names_given]
    return b"\r\n".join([*kept, *filter(None, headers.split(b"\r\n")),
                         b"Subject: " + subject]) + b"\r\n\r\n" + body


HTML = b"Content-Type: text/html; charset=us-ascii\r\n"
# (rule, a message that fires it, a similar message that does not)
RULE_CASES = [
    ("SUBJ_HAS_RECIPIENT", message(subject=b"jane, a gift for you"),
     message(subject=b"[jane] list digest: janet's talk")),
    ("SUBJ_HAS_RECIPIENT", message(subject=b"I visited WWW.EXAMPLE.COM today"),
     message(subject=b"I visited www.example.org today")),
    ("SUBJ_RANDOM_TAG", message(subject=b"See her new pictures -pkqolhil"),
     message(subject=b"Release notes - Version 2")),
    ("FREEMAIL_FROM", message(b"From: Bob <bob1966@hotmail.co.uk>"),
     message(b"From: Bob <bob@hotmail.example>")),
    ("HTML_TAG_BROKEN", message(HTML, b"<p>Dear Sir, <font face=\"Arial\" we offer</p>"),
     message(HTML, b"<p>Dear Sir, <font face=\"Arial\">we offer</font></p>")),
    ("MIME_HTML_AS_PLAIN", message(b"Content-Type: text/plain\r\n",
                                   b"<HTML><BODY><p>Cheap <b>offer</b></p></BODY></HTML>"),
     message(b"Content-Type: text/plain\r\n", b"Use <b> for bold in <html> pages.\r\n")),
    ("TEXT_SPACED_LETTERS", message(body=b"An I n f o r m a t i o n for you\r\n"),
     message(body=b"Plan A or B: a b c d e are fine\r\n")),
    ("MSGID_BULK_MAILER", message(b"Message-ID: <4122-2200285221641370@R2D2>"),
     message(b"Message-ID: <20020805155140.5409.qmail@web40020.mail.example>")),
    ("DATE_NO_TIMEZONE", message(b"Date: Thu, 18 Jul 2002 14:58:29"),
     message(b"Date: Thu, 18 Jul 2002 14:58:29 -0500 (CDT)")),
    ("DATE_NO_TIMEZONE", message(b"Date: Sat, 13 Apr 02 18:49:02 Arabian Standard Time"),
     message(b"Date: Sat, 13 Apr 2002 18:49:02 GMT")),
    ("MIME_8BIT_NO_CHARSET", message(b"Content-Type: text/plain\r\n", b"Gr\xfc\xdfe aus Wien\r\n"),
     message(b"Content-Type: text/plain; charset=iso-8859-1\r\n", b"Gr\xfc\xdfe aus Wien\r\n")),
    ("REMOVE_INSTRUCTIONS", message(body=b"Send an email with remove as subject to us.\r\n"),
     message(body=b"Please remove the old subject line from the draft.\r\n")),
    ("MONEY_AMOUNTS", message(body=b"The sum of 12,500,000.00 is waiting.\r\n"),
     message(body=b"The invoice is 12.50 euros.\r\n")),
    ("TO_UNDISCLOSED", message(b"To: undisclosed-recipients:;"),
     message().replace(b"To: jane@example.com\r\n", b"")),
    ("EMPTY_CC_OR_REPLY_TO", message(b"Cc: "), message(b"Cc: Ann <ann@example.com>")),
    ("EMPTY_CC_OR_REPLY_TO", message(b"Reply-To: "), message(b"Reply-To: <bob@remote.test>")),
    ("HEADER_8BIT", message(subject=b"Gr\xfc\xdfe aus Wien"),
     message(subject=b"=?iso-8859-1?q?Gr=FC=DFe_aus_Wien?=")),
    # Raw UTF-8 is internationalized mail (RFC 6532), not a bulk mailer's raw Latin-1.
    ("HEADER_8BIT", message(subject=b"Gr\xfc\xdfe aus Wien"),
     message(subject="Grüße aus Wien".encode())),
    ("RCVD_NUMERIC_HELO",
     message(b"Received: from 195.191.54.162 ([195.191.54.162]) by mx.example.com with SMTP"),
     message(b"Received: from [10.0.0.153] (pool-1.example.net [192.0.2.37]) by mx.example.com")),
    ("RCVD_NUMERIC_HELO",
     message(b"Received: from unknown (HELO 192.0.2.9) (192.0.2.9) by mx.example.com"),
     message(b"Received: from 192.0.2.9 (HELO mail.remote.test) by mx.example.com")),
    ("RCVD_FORGED_HELO",
     message(b"Received: from hotmail.com (unknown [200.230.55.6]) by mx.example.com"),
     message(b"Received: from hotmail.com (f12.law.hotmail.com [64.4.1.12]) by mx.example.com")),
    ("MSGID_RANDOM", message(b"Message-ID: <vsamtqguntrtb@remote.test>"),
     message(b"Message-ID: <20021201.abc@remote.test>")),
    ("MSGID_RANDOM", message(b"Message-ID: <QWERTZUIOPAS@remote.test>"),
     message(b"Message-ID: <063653437040507@remote.test>")),
    ("TEXT_RANDOM_LINE",
     message(body=b"See you.\r\n\r\ngcoakgwnibgafjecarccjbjiiqlluijseublait\r\n"),
     message(body=b"See you.\r\n\r\nsupercalifragilistic\r\n")),
    ("TEXT_ALL_CAPS", message(body=b"THIS OFFER IS EXTENDED TO ALL OUR VALUED CUSTOMERS. " * 6),
     message(body=b"This offer is extended to ALL our valued customers. " * 6)),
    ("MIME_BASE64_TEXT",
     message(b"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n",
             b"PGh0bWw+PGJvZHk+SGVsbG88L2JvZHk+PC9odG1sPg==\r\n"),
     message(b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
             b"R3LDvMOfZSBhdXMgV2llbg==\r\n")),
    ("ADVANCE_FEE", message(body=b"I need a trust worthy beneficiary for the fund.\r\n"),
     message(body=b"Trust me, the fund is fine.\r\n")),
]


@pytest.mark.parametrize(("name", "fires", "quiet"), RULE_CASES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(RULE_CASES)])
def test_a_rule_fires_on_its_evidence_and_not_on_a_similar_message(name, fires, quiet):
    assert name in names(rules.evaluate(parse(fires)))
    assert name not in names(rules.evaluate(parse(quiet)))


def test_phrase_rules_only_skip_texts_without_the_required_literal():
    assert rules._required_literal(r"(?:to|be) (?:be )?removed? from (?:our|this) list") \
        == "remove"
    assert rules._required_literal(r"\d{1,3}(?:,\d{3})+\.00\b") == ".00"
    assert rules._required_literal(r"s\.? ?1618\b") == "1618"
    assert rules._required_literal(r"risk[- ]free") == "risk"
    assert rules._required_literal(r"a|b") == ""
    raw = message(body=b"To be removed from this list, reply.\r\nS1618 applies.\r\n")
    assert {"REMOVE_INSTRUCTIONS", "BULK_LAW_COMPLIANCE"} <= names(rules.evaluate(parse(raw)))
