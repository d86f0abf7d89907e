"""Mailing lists and their members: the business rules the panel, the API and mail share."""

import pytest
from django.core.exceptions import ValidationError

from hostpanel.domains import services as domain_services
from hostpanel.lists import services
from hostpanel.lists.models import MailingList, Member, Role
from tests.conftest import PASSWORD


def test_a_list_made_with_only_a_name_gets_qmailadmins_defaults(domain):
    team = services.create_list(domain, "Team")
    assert (team.local_part, team.address, team.prefix) == ("team", "team@example.com",
                                                            "[team]")
    assert (team.posting, team.reply_to, team.archive, team.archive_access) == (
        "subscribers", "sender", True, "moderators")
    assert (team.private, team.request_address, team.subscribe_confirm,
            team.unsubscribe_confirm, team.digest) == (False, True, True, True, False)


def test_a_list_takes_its_service_addresses_in_the_domains_address_space(domain):
    services.create_list(domain, "team")
    with pytest.raises(ValidationError, match="belongs to the mailing list team@example.com"):
        domain_services.create_account(domain, "team-request", PASSWORD)
    with pytest.raises(ValidationError, match="belongs to the mailing list"):
        domain_services.create_account(domain, "team-confirm-abc", PASSWORD)
    # Names that only start like a list's are free.
    domain_services.create_account(domain, "teamwork", PASSWORD)
    domain_services.create_account(domain, "team-lunch", PASSWORD)


@pytest.mark.parametrize("name", ["jane", "team-subscribe", "postmaster"])
def test_a_list_cannot_take_a_used_address(domain, account_factory, name):
    account_factory(domain, "jane")
    services.create_list(domain, "team")
    with pytest.raises(ValidationError) as error:
        services.create_list(domain, name)
    assert "name" in error.value.message_dict
    assert MailingList.objects.count() == 1


def test_a_list_whose_service_address_is_taken_is_refused(domain, account_factory):
    account_factory(domain, "news-owner")
    with pytest.raises(ValidationError, match="The account news-owner@example.com"):
        services.create_list(domain, "news")


def test_every_bad_option_is_reported_at_once_and_nothing_is_written(domain):
    with pytest.raises(ValidationError) as error:
        services.create_list(domain, "../x", posting="everyone", archive="yes",
                             owner="not an address", language="xx", max_message_kb=-1,
                             prefix="a\r\nBcc: x", reply_to="address")
    assert set(error.value.message_dict) == {
        "name", "posting", "archive", "owner", "language", "max_message_kb", "prefix",
        "reply_to_address"}
    assert not MailingList.objects.exists()


def test_update_changes_only_what_is_given(domain):
    team = services.create_list(domain, "team")
    services.update_list(team, posting="moderated", trailer="-- \r\nThe team list")
    team.refresh_from_db()
    assert (team.posting, team.trailer, team.archive) == ("moderated", "-- \nThe team list",
                                                         True)
    with pytest.raises(ValidationError, match="Give the address replies go to"):
        services.update_list(team, reply_to="address")


def test_members_are_added_listed_and_removed_per_role(domain):
    team = services.create_list(domain, "team")
    services.add_member(team, " Bob@Remote.TEST ")
    services.add_member(team, "bob@remote.test", Role.MODERATOR)
    with pytest.raises(ValidationError, match="already on the list"):
        services.add_member(team, "bob@remote.test")
    with pytest.raises(ValidationError, match="valid email address"):
        services.add_member(team, "bob@remote.test\r\nBcc: x@y")
    assert [m.address for m in services.members(team)] == ["bob@remote.test"]
    assert services.is_member(team, "BOB@remote.test", Role.MODERATOR)
    assert services.remove_member(team, "bob@remote.test") is True
    assert services.remove_member(team, "bob@remote.test") is False
    assert list(Member.objects.values_list("role", flat=True)) == ["moderator"]


def test_csv_import_adds_new_addresses_reports_bad_lines_and_exports(domain):
    team = services.create_list(domain, "team")
    services.add_member(team, "old@remote.test")
    added, bad = services.import_members(
        team, "address,added\nnew@remote.test,2026-01-01\nOLD@remote.test\nnot-an@@address\n"
              "\n  other@remote.test  \n")
    assert (added, bad) == (2, ["not-an@@address"])
    exported = services.export_members(team).splitlines()
    assert exported[0] == "address,added"
    assert [line.split(",")[0] for line in exported[1:]] == [
        "new@remote.test", "old@remote.test", "other@remote.test"]


def test_deleting_a_list_frees_its_addresses(domain):
    team = services.create_list(domain, "team")
    services.delete_list(team)
    domain_services.create_account(domain, "team-request", PASSWORD)
