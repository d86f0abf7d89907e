"""One-click unsubscribe (RFC 8058): each remote subscriber's copy links to its own page.

A GET (a link checker, a preview, the reader) only asks; the POST a mail
provider's unsubscribe button sends (``List-Unsubscribe=One-Click``) removes the
address, and only the address the link was made for.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from hostpanel.lists.models import ArchivedPost, Member
from hostpanel.lists.tasks import send_digests
from tests.lists_mail.helpers import deliver, sent_to

READER = "reader@remote.test"
OTHER = "other@remote.test"
ONE_CLICK = {"data": "List-Unsubscribe=One-Click",
             "content_type": "application/x-www-form-urlencoded"}


@pytest.fixture(autouse=True)
def _https_panel(settings):
    settings.HOSTPANEL_PANEL_URL = "https://panel.example.com"


def members(role="subscriber"):
    return sorted(Member.objects.filter(role=role).values_list("address", flat=True))


def link_of(message) -> str:
    """The https link of a copy's List-Unsubscribe, as a path for the test client."""
    first = message["List-Unsubscribe"].split(",")[0].strip()
    assert first.startswith("<https://panel.example.com/")
    return first[1:-1].removeprefix("https://panel.example.com")


def test_a_get_asks_and_the_one_click_post_unsubscribes(mx, list_factory, remote, client):
    list_factory(posting="anyone", subscribers=[READER, OTHER])
    deliver(mx, subject="Plans")
    [copy] = sent_to(remote, READER)
    assert copy["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = link_of(copy)

    page = client.get(link)
    assert page.status_code == 200
    assert "Stop sending mail from the list team@example.com to reader@remote.test?" in \
        page.content.decode()
    assert members() == [OTHER, READER]  # a GET changes nothing

    done = client.post(link, **ONE_CLICK)  # no CSRF token, no login: as a provider sends it
    assert done.status_code == 200
    assert "reader@remote.test no longer gets mail from the list team@example.com." in \
        done.content.decode()
    assert members() == [OTHER]
    assert client.post(link, **ONE_CLICK).status_code == 200  # again: harmless


def test_a_link_unsubscribes_only_its_own_address(mx, list_factory, remote, client):
    team = list_factory(posting="anyone", subscribers=[READER, OTHER])
    list_factory("other", posting="anyone", subscribers=[READER])
    deliver(mx, subject="Plans")
    link = link_of(sent_to(remote, READER)[0])
    here = f"/unsubscribe/{team.pk}/"
    assert here in link
    for forged in (link.replace("reader%3D", "other%3D"),  # another address, same MAC
                   link.replace("/out-", "/dout-"),  # the digest instead
                   link.replace(here, f"/unsubscribe/{team.pk + 1}/"),  # another list
                   f"/lists{here}out-zzzz-00000000000000000000-other%3Dremote.test/"):
        assert forged != link
        response = client.post(forged, **ONE_CLICK)
        assert response.status_code == 404
        assert "not valid" in response.content.decode()
    assert members() == [OTHER, READER, READER]


def test_the_digest_link_ends_the_digest_only(mx, list_factory, remote, client):
    team = list_factory(posting="anyone", digest=True, subscribers=[READER])
    Member.objects.create(mailing_list=team, address=READER, role="digest")
    deliver(mx, subject="One")
    ArchivedPost.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert send_digests() == 1
    copies = sent_to(remote, READER)
    digest = next(m for m in copies if "digest" in m["Subject"])
    assert "team-digest-unsubscribe@example.com" in digest["List-Unsubscribe"]
    page = client.get(link_of(digest))
    assert "Stop sending the digest of the list team@example.com" in page.content.decode()
    client.post(link_of(digest), **ONE_CLICK)
    assert (members(), members("digest")) == ([READER], [])


def test_without_an_https_panel_address_the_copy_keeps_the_mailto_alone(
        mx, list_factory, remote, settings):
    settings.HOSTPANEL_PANEL_URL = "http://localhost:8000"
    list_factory(posting="anyone", subscribers=[READER])
    deliver(mx, subject="Plans")
    [copy] = sent_to(remote, READER)
    assert copy["List-Unsubscribe"] == "<mailto:team-unsubscribe@example.com>"
    assert copy["List-Unsubscribe-Post"] is None
