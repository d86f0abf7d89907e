"""The demo's outbox page: what visitors sent to other domains is visible in the demo."""

from django.conf import settings

from hostpanel.demo import CATCH_ALL_LOGIN, USER_LOGIN, USER_PASSWORD
from mailcore.maildir import Maildir, maildir_path
from tests.demo.safety import demo_mode_fixture, demo_site_fixture, sign_in  # noqa: F401

OUTBOX_PAGE = "/demo/outbox/"


def outbox() -> Maildir:
    local, _, domain = CATCH_ALL_LOGIN.partition("@")
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local))


def keep_in_outbox(subject: str, to: str) -> None:
    """A copy as the queue keeps it in demo mode (mailcore.queue.demo_outbox)."""
    outbox().deliver((f"X-Demo-Original-To: {to}\nX-Demo-Envelope-From: {USER_LOGIN}\n"
                 f"From: Jane <{USER_LOGIN}>\nTo: <{to}>\nSubject: {subject}\n"
                 "Date: Thu, 26 Nov 2026 12:00:00 +0000\n\nHello\n").encode())


def test_every_visitor_sees_what_was_sent_to_other_domains(client, demo_site):
    sign_in(client, USER_LOGIN, USER_PASSWORD)
    for stored in outbox().messages():  # the fixture's sample: start from an empty outbox
        stored.path.unlink()
    response = client.get(OUTBOX_PAGE)
    assert response.status_code == 200
    assert "Nothing has been sent to other domains since the last reset." in \
        response.content.decode()

    keep_in_outbox("Lunch on Friday?", "bob@remote.test")
    keep_in_outbox("Quote request", "sales@shop.test")
    page = client.get(OUTBOX_PAGE).content.decode()
    assert "Mail sent to other domains" in page
    assert page.index("Quote request") < page.index("Lunch on Friday?")  # newest first
    assert "bob@remote.test" in page and "sales@shop.test" in page
    assert "Jane &lt;jane@demo.example&gt;" in page

    home = client.get("/", follow=True).content.decode()
    assert f'href="{OUTBOX_PAGE}"' in home  # the banner links it


def test_the_outbox_page_needs_a_sign_in_and_the_demo(client, demo_site, settings):
    response = client.get(OUTBOX_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    sign_in(client, USER_LOGIN, USER_PASSWORD)
    settings.HOSTPANEL_DEMO = False
    assert client.get(OUTBOX_PAGE).status_code == 404
