"""``/api/v1/domains/{domain}/quarantine``: list, read, download, delete; 404 across domains."""

import pytest

from hostpanel.quarantine.models import QuarantinedMessage
from tests.api.conftest import (  # noqa: F401 (fixtures)
    Api,
    _fresh_cache,
    as_operator,
    as_other_postmaster,
    as_postmaster,
    auth_kind,
    authorization_for,
    other_domain,
)
from tests.filters.test_quarantine_pages import RAW, put

BASE = "/domains/example.com/quarantine"


def test_the_postmaster_lists_and_reads_the_quarantine(as_postmaster, quarantine_dir):  # noqa: F811
    [entry] = put(quarantine_dir)
    listed = as_postmaster.get(BASE)
    assert listed.status_code == 200
    body = listed.json()
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    [item] = body["items"]
    assert item["id"] == entry.pk
    assert (item["sender"], item["recipients"], item["virus"], item["client_ip"],
            item["size"]) == ("bob@remote.test", ["jane@example.com"],
                              "Eicar-Test-Signature.UNOFFICIAL", "192.0.2.7", len(RAW))
    assert as_postmaster.get(f"{BASE}/{entry.pk}").json() == item


def test_the_postmaster_downloads_the_raw_message(as_postmaster, quarantine_dir):  # noqa: F811
    [entry] = put(quarantine_dir)
    response = as_postmaster.get(f"{BASE}/{entry.pk}/raw")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert "attachment" in response["Content-Disposition"]
    assert response.content == RAW


def test_the_postmaster_deletes_an_entry(as_postmaster, quarantine_dir):  # noqa: F811
    [entry] = put(quarantine_dir)
    assert as_postmaster.delete(f"{BASE}/{entry.pk}").status_code == 204
    assert QuarantinedMessage.objects.count() == 0
    assert as_postmaster.get(f"{BASE}/{entry.pk}").status_code == 404


def test_another_domains_postmaster_gets_404_everywhere(as_other_postmaster,  # noqa: F811
                                                        quarantine_dir):
    [entry] = put(quarantine_dir)
    assert as_other_postmaster.get(BASE).status_code == 404
    assert as_other_postmaster.get(f"{BASE}/{entry.pk}").status_code == 404
    assert as_other_postmaster.get(f"{BASE}/{entry.pk}/raw").status_code == 404
    assert as_other_postmaster.delete(f"{BASE}/{entry.pk}").status_code == 404
    # Its own domain does not reach the entry either.
    assert as_other_postmaster.get(f"/domains/other.org/quarantine/{entry.pk}").status_code == 404
    assert as_other_postmaster.delete(
        f"/domains/other.org/quarantine/{entry.pk}").status_code == 404
    assert QuarantinedMessage.objects.count() == 1


def test_a_mail_user_gets_404(client, jane, auth_kind, quarantine_dir):  # noqa: F811
    [entry] = put(quarantine_dir)
    as_jane = Api(client, authorization_for(jane, auth_kind))
    assert as_jane.get(BASE).status_code == 404
    assert as_jane.get(f"{BASE}/{entry.pk}/raw").status_code == 404


def test_the_operator_reaches_every_domain(as_operator, quarantine_dir, domain):  # noqa: F811
    put(quarantine_dir)
    assert as_operator.get(BASE).json()["count"] == 1


@pytest.mark.parametrize("path", [BASE, f"{BASE}/1", f"{BASE}/1/raw"])
def test_no_credentials_no_quarantine(client, db, path):
    assert Api(client, None).get(path).status_code == 401
