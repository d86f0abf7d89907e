"""Stored messages as POP3 sends them."""

import pytest

from mailcore.pop3.wire import multiline, top, wire_message

MESSAGE = b"Subject: x\nTo: y\n\nbody 1\nbody 2\nbody 3\n"


def test_lines_become_crlf_and_a_dot_ends_the_text():
    assert multiline(b"a\nb\n") == b"a\r\nb\r\n.\r\n"


def test_lines_starting_with_a_dot_are_stuffed():
    assert multiline(b".\n..x\nno.dot\n.end") == b"..\r\n...x\r\nno.dot\r\n..end\r\n.\r\n"


def test_crlf_input_is_not_doubled_and_an_empty_text_is_just_the_dot():
    assert multiline(b"a\r\nb\n") == b"a\r\nb\r\n.\r\n"
    assert multiline(b"") == b".\r\n"


@pytest.mark.parametrize("lines, expected", [
    (0, b"Subject: x\nTo: y\n\n"),
    (2, b"Subject: x\nTo: y\n\nbody 1\nbody 2\n"),
    (3, MESSAGE),
    (50, MESSAGE),
])
def test_top_keeps_the_header_and_the_first_body_lines(lines, expected):
    assert top(MESSAGE, lines) == expected


def test_top_of_a_message_without_a_body_or_a_header():
    assert top(b"Subject: only\n", 5) == b"Subject: only\n"
    assert top(b"\nbody 1\nbody 2\n", 1) == b"\nbody 1\n"


def test_wire_message_sends_top_from_crlf_storage_too():
    assert wire_message(MESSAGE.replace(b"\n", b"\r\n"), 1) == (
        b"Subject: x\r\nTo: y\r\n\r\nbody 1\r\n.\r\n")


def test_a_dot_after_a_lone_cr_is_not_at_a_line_start():
    assert multiline(b"a\r.b\n.c\r\n") == b"a\r.b\r\n..c\r\n.\r\n"
    assert wire_message(b".\r\n.\n") == b"..\r\n..\r\n.\r\n"
