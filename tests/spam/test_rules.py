"""Heuristic rules and the offline score, on small hand-written messages."""

import re
from email.utils import formatdate

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
