"""The postmaster's mail queue page and the DKIM record on the domain settings page."""

import re
from datetime import timedelta

from django.utils import timezone

from hostpanel.outbound.models import DkimKey, OutboundMessage, OutboundRecipient

QUEUE = "/domains/example.com/queue/"
SETTINGS = "/domains/example.com/settings/"


def _text(response) -> str:
    return response.content.decode()


def _queued(domain, queue_id, recipients, *, sender="jane@example.com", done=False,
            attempts=0, origin=OutboundMessage.SUBMISSION, minutes=0):
    now = timezone.now()
    message = OutboundMessage.objects.create(
        queue_id=queue_id, domain=domain, origin=origin, sender=sender, size=2048,
        created_at=now - timedelta(minutes=30), next_attempt_at=now + timedelta(minutes=minutes),
        attempts=attempts, expires_at=now + timedelta(days=5), done=done)
    for address, state, error in recipients:
        OutboundRecipient.objects.create(message=message, address=address, state=state,
                                         last_error=error)
    return message


def test_the_queue_shows_waiting_messages_with_recipients_state_and_last_error(
        as_postmaster, domain, domain_factory):
    _queued(domain, "q-deferred", [
        ("bob@remote.example", OutboundRecipient.DEFERRED,
         "451 4.7.1 Greylisted, try again later"),
        ("carol@remote.example", OutboundRecipient.DELIVERED, ""),
    ], attempts=2, minutes=10)
    _queued(domain, "q-pending", [("dan@remote.example", OutboundRecipient.PENDING, "")],
            sender="", origin=OutboundMessage.BOUNCE)
    _queued(domain, "q-done", [("eve@remote.example", OutboundRecipient.DELIVERED, "")],
            done=True)
    _queued(domain_factory("other.org"), "q-other",
            [("spy@remote.example", OutboundRecipient.PENDING, "")], sender="x@other.org")

    page = _text(as_postmaster.get(QUEUE))
    assert "Mail queue of example.com" in page and "2 messages waiting" in page
    assert re.search(r'<span class="state state--deferred">deferred</span> bob@remote\.example',
                     page)
    assert re.search(r'<span class="state state--pending">pending</span> dan@remote\.example',
                     page)
    assert "Last error: 451 4.7.1 Greylisted, try again later" in page
    assert "(no sender: a delivery notice)" in page
    assert "eve@remote.example" not in page  # delivered and finished
    assert "spy@remote.example" not in page  # another domain's
    # the next to be tried comes first
    assert page.index("dan@remote.example") < page.index("bob@remote.example")
    assert re.search(r"<td>2</td>", page)  # attempts


def test_an_empty_queue_says_so(as_postmaster, domain):
    assert "The queue is empty" in _text(as_postmaster.get(QUEUE))


def test_the_queue_is_paged(as_postmaster, domain, monkeypatch):
    from hostpanel.routing import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for number in range(3):
        _queued(domain, f"q{number}", [(f"r{number}@remote.example", "pending", "")],
                minutes=number)
    page = _text(as_postmaster.get(QUEUE, {"page": 2}))
    assert "r2@remote.example" in page and "r0@remote.example" not in page
    assert "Page 2 of 2" in page


def test_the_settings_page_shows_the_dkim_record_to_publish(as_postmaster, domain):
    public = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "A" * 350 + "IDAQAB"
    DkimKey.objects.update_or_create(domain=domain, defaults={
        "selector": "hp203001", "private_key": "-----BEGIN PRIVATE KEY-----secret",
        "public_key": public})
    page = _text(as_postmaster.get(SETTINGS))
    assert "Settings of example.com" in page and "DKIM signature" in page
    assert '<code class="token" id="dkim-name">hp203001._domainkey.example.com</code>' in page
    assert f'id="dkim-value">v=DKIM1; k=rsa; p={public}</code>' in page
    zone = re.search(r'id="dkim-zone">([^<]+)</code>', page).group(1)
    strings = re.findall(r"&quot;([^&]*)&quot;", zone)
    assert zone.startswith("hp203001._domainkey.example.com. IN TXT (")
    assert "".join(strings) == f"v=DKIM1; k=rsa; p={public}"
    assert max(len(string) for string in strings) == 255
    assert "secret" not in page and "PRIVATE" not in page


def test_a_domain_without_a_key_gets_a_clear_note_and_can_create_one(as_postmaster, domain):
    DkimKey.objects.filter(domain=domain).delete()
    page = _text(as_postmaster.get(SETTINGS))
    assert "This domain has no DKIM key yet, so its mail is sent unsigned." in page
    assert 'id="dkim-value"' not in page

    response = as_postmaster.post("/domains/example.com/settings/dkim/")
    assert response.status_code == 302
    key = DkimKey.objects.get(domain=domain)
    page = _text(as_postmaster.get(SETTINGS))
    assert "A DKIM key was created: publish its DNS record below." in page
    assert f"v=DKIM1; k=rsa; p={key.public_key}" in page


def test_an_existing_key_is_never_replaced_from_the_panel(as_postmaster, domain):
    DkimKey.objects.update_or_create(domain=domain, defaults={
        "selector": "hp203001", "private_key": "pem", "public_key": "KEEP"})
    assert as_postmaster.post("/domains/example.com/settings/dkim/").status_code == 302
    assert DkimKey.objects.get(domain=domain).public_key == "KEEP"
    assert as_postmaster.get("/domains/example.com/settings/dkim/").status_code == 405


def test_the_settings_page_tells_the_catch_all_state(as_postmaster, domain):
    page = _text(as_postmaster.get(SETTINGS))
    assert "Off: mail for addresses that do not exist is refused." in page
    assert 'href="/domains/example.com/forwards/#catch-all"' in page


def test_the_queue_is_searched_by_sender_or_recipient(as_postmaster, domain):
    _queued(domain, "Q1", [("ann@example.net", "pending", "")])
    _queued(domain, "Q2", [("bob@example.org", "deferred", "451 later"),
                           ("cat@example.org", "pending", "")], sender="boss@example.com")
    page = _text(as_postmaster.get("/domains/example.com/queue/"))
    assert "2 messages waiting" in page and "Search by sender or recipient" in page
    found = _text(as_postmaster.get("/domains/example.com/queue/?q=EXAMPLE.ORG"))
    assert "1 message waiting" in found and "bob@example.org" in found
    assert "ann@example.net" not in found
    found = _text(as_postmaster.get("/domains/example.com/queue/?q=boss"))
    assert "1 message waiting" in found and "cat@example.org" in found
