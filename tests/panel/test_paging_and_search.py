"""Every list page is paged and searchable: the pages that got their search box last
(virus quarantine, moderation queue, the operator's domain list)."""

import pytest
from django.utils import timezone

from hostpanel.lists import services as lists
from hostpanel.lists.models import PendingPost
from hostpanel.quarantine.models import QuarantinedMessage


@pytest.fixture
def as_postmaster(client, postmaster):
    client.force_login(postmaster)
    return client


def test_the_quarantine_is_searched_by_sender_or_virus_and_paged(as_postmaster, domain):
    for n in range(30):
        QuarantinedMessage.objects.create(domain=domain, entry_id=f"e{n}",
                                          sender=f"bad{n}@example.net", virus="Eicar",
                                          path=f"q/e{n}")
    QuarantinedMessage.objects.create(domain=domain, entry_id="w", sender="x@worm.test",
                                      virus="Win.Worm.Mydoom", path="q/w")
    page = as_postmaster.get("/domains/example.com/quarantine/").content.decode()
    assert 'name="q"' in page and "31 messages in quarantine" in page and "Page 1 of 2" in page
    assert "Page 2 of 2" in as_postmaster.get(
        "/domains/example.com/quarantine/?page=2").content.decode()
    found = as_postmaster.get("/domains/example.com/quarantine/?q=mydoom").content.decode()
    assert "1 message in quarantine" in found and "x@worm.test" in found
    assert "bad1@example.net" not in found
    found = as_postmaster.get("/domains/example.com/quarantine/?q=bad2").content.decode()
    assert "11 messages in quarantine" in found  # bad2 and bad20 to bad29


def test_the_moderation_queue_is_searched_by_sender_or_subject_and_paged(as_postmaster,
                                                                          domain):
    team = lists.create_list(domain, "team")
    expires = timezone.now() + timezone.timedelta(days=14)
    for n in range(27):
        PendingPost.objects.create(mailing_list=team, token=f"t{n}", sender=f"p{n}@example.net",
                                   subject=f"Post number {n}", path=f"pending/t{n}",
                                   expires_at=expires)
    PendingPost.objects.create(mailing_list=team, token="odd", sender="ann@example.org",
                               subject="Party on Friday", path="pending/odd", expires_at=expires)
    url = "/domains/example.com/lists/team/moderation/"
    page = as_postmaster.get(url).content.decode()
    assert 'name="q"' in page and "28 posts waiting" in page and "Page 1 of 2" in page
    assert "Page 2 of 2" in as_postmaster.get(url + "?page=2").content.decode()
    found = as_postmaster.get(url + "?q=party").content.decode()
    assert "1 post waiting" in found and "Party on Friday" in found
    assert "Post number 1" not in found
    assert "1 post waiting" in as_postmaster.get(url + "?q=ANN@example").content.decode()


def test_the_domain_list_is_searched_by_name_and_paged(client, operator, domain_factory):
    for n in range(101):
        domain_factory(f"d{n:03}.test")
    domain_factory("shop.example")
    client.force_login(operator)
    page = client.get("/").content.decode()
    assert 'name="q"' in page and "Page 1 of 2" in page
    assert "Page 2 of 2" in client.get("/?page=2").content.decode()
    found = client.get("/?q=SHOP").content.decode()
    assert "shop.example" in found and "d001.test" not in found
    assert "No domain name contains “nowhere”." in client.get("/?q=nowhere").content.decode()
