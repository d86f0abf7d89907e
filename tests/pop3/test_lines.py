"""Reading command lines: bounded, and a too-long line is skipped as a whole."""

import asyncio

import pytest

from mailcore.pop3.server import MAX_DISCARD, MAX_LINE, LineTooLong, read_line


def read_lines(data: bytes, eof: bool = True) -> list:
    """What successive read_line calls give for ``data``: lines, LineTooLong or None."""

    async def run():
        reader = asyncio.StreamReader(limit=MAX_LINE)
        reader.feed_data(data)
        if eof:
            reader.feed_eof()
        results = []
        while not results or results[-1] is not None:
            try:
                results.append(await read_line(reader))
            except LineTooLong as error:
                results.append(error)
                if error.fatal:
                    break
        return results

    return asyncio.run(run())


def test_lines_are_read_one_by_one_until_the_end():
    assert read_lines(b"USER a\r\nPASS b\nQUIT\r\n") == [b"USER a\r\n", b"PASS b\n", b"QUIT\r\n",
                                                        None]


def test_a_line_at_the_limit_is_accepted():
    line = b"x" * MAX_LINE + b"\n"
    assert read_lines(line) == [line, None]


def test_a_too_long_line_is_skipped_and_the_next_line_read():
    first, second, third = read_lines(b"x" * 10_000 + b"\r\nNOOP\r\n")[:3]
    assert isinstance(first, LineTooLong) and not first.fatal
    assert (second, third) == (b"NOOP\r\n", None)


def test_an_endless_line_ends_the_session():
    *_, last = read_lines(b"x" * (MAX_DISCARD + 10 * MAX_LINE), eof=False)
    assert isinstance(last, LineTooLong) and last.fatal


@pytest.mark.parametrize("data", [b"USER half a line", b"x" * 10_000])
def test_an_unfinished_line_at_the_end_is_dropped(data):
    assert read_lines(data) == [None]
