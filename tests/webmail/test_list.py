"""The message list: paging, sorting, unread and seen, attachments, fast on big mailboxes."""

import io
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hostpanel.webmail.store import HEADER_LIMIT, read_header
from tests.webmail.conftest import deliver, mailbox_of, make_message

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _subjects(response) -> list[str]:
    return re.findall(r'<a href="/webmail/m/[^"]+/">([^<]*)</a>', response.content.decode())


def test_it_lists_25_messages_a_page_newest_first(as_jane, jane):
    for number in range(30):
        deliver(jane.address, make_message(subject=f"Message {number:02d}",
                                           date=START + timedelta(hours=number)))
    first = as_jane.get("/webmail/")
    assert first.status_code == 200
    assert _subjects(first)[:2] == ["Message 29", "Message 28"]
    assert len(_subjects(first)) == 25
    assert "30 messages" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    second = as_jane.get("/webmail/?sort=date&order=desc&page=2")
    assert _subjects(second) == [f"Message {n:02d}" for n in range(4, -1, -1)]


def test_it_sorts_by_subject_sender_and_size_both_ways(as_jane, jane):
    deliver(jane.address, make_message(subject="banana", sender="Carol <carol@example.net>",
                                       body="x" * 3000, date=START))
    deliver(jane.address, make_message(subject="Apple", sender="alice@example.net",
                                       body="x" * 10, date=START + timedelta(days=1)))
    deliver(jane.address, make_message(subject="cherry", sender="Bob <bob@example.net>",
                                       body="x" * 800, date=START + timedelta(days=2)))
    assert _subjects(as_jane.get("/webmail/?sort=subject&order=asc")) == [
        "Apple", "banana", "cherry"]
    assert _subjects(as_jane.get("/webmail/?sort=subject&order=desc")) == [
        "cherry", "banana", "Apple"]
    assert _subjects(as_jane.get("/webmail/?sort=from&order=asc")) == [
        "Apple", "cherry", "banana"]
    assert _subjects(as_jane.get("/webmail/?sort=size&order=desc")) == [
        "banana", "cherry", "Apple"]
    assert _subjects(as_jane.get("/webmail/?sort=size&order=asc")) == [
        "Apple", "cherry", "banana"]
    assert _subjects(as_jane.get("/webmail/?sort=date&order=asc")) == [
        "banana", "Apple", "cherry"]


def test_a_bad_sort_or_order_falls_back_to_newest_first(as_jane, jane):
    deliver(jane.address, make_message(subject="old", date=START))
    deliver(jane.address, make_message(subject="new", date=START + timedelta(days=1)))
    for query in ("sort=path&order=asc", "sort=date&order=sideways",
                  "sort=__class__", "page=-1&sort=<script>"):
        response = as_jane.get("/webmail/?" + query)
        assert response.status_code == 200
        assert _subjects(response)[0] in ("new", "old")
    assert _subjects(as_jane.get("/webmail/?sort=nonsense")) == ["new", "old"]


def test_the_list_shows_sender_date_size_and_the_attachment_mark(as_jane, jane, settings):
    settings.LANGUAGE_CODE = "en"
    deliver(jane.address, make_message(
        subject="Report", sender="Bob Smith <bob@example.net>", date=START,
        attachments=[(b"%PDF-1.4", "application", "pdf", "report.pdf", {})]))
    page = as_jane.get("/webmail/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bob Smith" in page
    assert 'datetime="2026-03-01T09:00:00+00:00"' in page
    assert "Has attachments" in page
    assert re.search(r"\d+(\.\d)?\xa0(bytes|KB)", page)


def test_the_date_is_localised(as_jane, jane):
    deliver(jane.address, make_message(subject="Datum", date=START))
    page = as_jane.get("/webmail/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "01.03.2026" in page


def test_new_mail_is_unread_until_read_then_seen_in_cur(as_jane, jane):
    stored = deliver(jane.address, make_message(subject="Fresh"))
    page = as_jane.get("/webmail/").content.decode()
    assert '<tr class="unread">' in page and "Unread:" in page
    assert as_jane.get(f"/webmail/m/{stored.uid}/").status_code == 200
    [message] = mailbox_of(jane.address).messages()
    assert message.path.parent.name == "cur" and message.path.name.endswith(":2,S")
    page = as_jane.get("/webmail/").content.decode()
    assert '<tr class="seen">' in page and "Unread:" not in page


def test_a_message_in_cur_without_the_seen_flag_is_unread(as_jane, jane):
    box = mailbox_of(jane.address)
    deliver(jane.address, make_message(subject="Fetched by POP3 but not read"))
    box.claim_new()  # new/ -> cur/ with ":2," and no flags
    assert '<tr class="unread">' in as_jane.get("/webmail/").content.decode()


def test_reading_the_header_stops_at_the_blank_line():
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.read_bytes += len(data)
            return data

    stream = Counting(b"Subject: big\nFrom: a@b.c\n\n" + b"x" * 5_000_000)
    assert read_header(stream) == b"Subject: big\nFrom: a@b.c\n\n"
    assert Counting.read_bytes <= 8192
    endless = Counting(b"X-Long: " + b"y" * 1_000_000)
    assert len(read_header(endless)) == HEADER_LIMIT


def test_five_thousand_messages_list_quickly(as_jane, jane):
    box = mailbox_of(jane.address)
    box.ensure()
    body = "line of text\n" * 400
    for number in range(5000):  # written directly: fsync per file would take most of the test
        date = format_datetime(START + timedelta(minutes=number))
        data = (f"From: Bob <bob@example.net>\nTo: jane@example.com\nSubject: Bulk {number}\n"
                f"Date: {date}\nMessage-ID: <{number}@example.net>\n\n{body}").encode()
        name = f"{1772355600 + number}.M{number}P1Q1.test,S={len(data)},W={len(data) + 400}"
        (box.path / "new" / name).write_bytes(data)
    started = time.monotonic()
    response = as_jane.get("/webmail/?sort=subject&order=asc")
    first = time.monotonic() - started
    assert response.status_code == 200 and "5000 messages" in response.content.decode()
    started = time.monotonic()
    response = as_jane.get("/webmail/?sort=date&order=desc&page=200")
    again = time.monotonic() - started
    assert _subjects(response)[0] == "Bulk 24"
    print(f"first listing {first:.2f}s, again {again:.2f}s")
    assert first < 10 and again < 3, (first, again)


def test_a_search_narrows_the_list_by_subject_or_sender_and_pages_keep_it(as_jane, jane):
    for number in range(27):
        deliver(jane.address, make_message(subject=f"Invoice {number:02d}",
                                           date=START + timedelta(hours=number)))
    deliver(jane.address, make_message(subject="Lunch?", sender="Carol <carol@example.net>",
                                       date=START))
    page = as_jane.get("/webmail/").content.decode()
    assert 'name="q"' in page and "28 messages" in page
    found = as_jane.get("/webmail/", {"q": "INVOICE"})
    assert "27 messages" in found.content.decode() and "Page 1 of 2" in found.content.decode()
    assert "Lunch?" not in _subjects(found)
    assert "q=INVOICE&amp;page=2" in found.content.decode()  # the next page keeps the search
    second = as_jane.get("/webmail/", {"q": "invoice", "page": 2})
    assert _subjects(second) == ["Invoice 01", "Invoice 00"]
    by_sender = as_jane.get("/webmail/", {"q": "carol@"})
    assert _subjects(by_sender) == ["Lunch?"]
