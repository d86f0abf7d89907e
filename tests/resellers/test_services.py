"""Resellers' rules: valid host names, one panel host per reseller, logins, domains."""

import pytest
from django.core.exceptions import ValidationError

from hostpanel.domains.models import Account, Domain
from hostpanel.resellers import services
from hostpanel.resellers.checks import check_panel_hosts
from hostpanel.resellers.models import Reseller, ResellerDomain, ResellerLogin
from tests.conftest import PASSWORD
from tests.resellers.conftest import OUR_HOSTNAME, OUR_MAIL_HOST, PANEL_HOST

VALID = {"name": "Bluebird Mail", "panel_host": "panel.bluebird.test",
         "pop3_host": "pop.bluebird.test", "smtp_host": "smtp.bluebird.test"}


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_it_creates_a_reseller_with_its_host_names_in_idna_form(db):
    reseller = services.create_reseller(
        name="  Bücher   Mail ", panel_host="Panel.Bücher.test.", pop3_host="POP.bücher.test",
        smtp_host="smtp.bücher.test", support_address="hilfe@bucher.test")
    reseller.refresh_from_db()
    assert reseller.name == "Bücher Mail"
    assert reseller.panel_host == "panel.xn--bcher-kva.test"
    assert reseller.pop3_host == "pop.xn--bcher-kva.test"
    assert reseller.smtp_host == "smtp.xn--bcher-kva.test"
    assert reseller.support_address == "hilfe@bucher.test"


@pytest.mark.parametrize(("value", "message"), [
    ("https://panel.bluebird.test", "without https://"),
    ("panel.bluebird.test/login", "without https://"),
    ("panel.bluebird.test:8443", "without a port"),
    ("192.0.2.7", "not an IP address"),
    ("[2001:db8::1]", "not an IP address"),
    ("panel bluebird.test", "Enter a valid host name"),
    ("localhost", "Enter a valid host name"),
    ("", "A host name is required."),
])
def test_it_refuses_what_is_not_a_host_name(db, value, message):
    with pytest.raises(ValidationError) as excinfo:
        services.create_reseller(**{**VALID, "panel_host": value})
    assert message in " ".join(_errors(excinfo)["panel_host"])
    assert not Reseller.objects.exists()


def test_it_reports_every_invalid_field_at_once_and_writes_nothing(db):
    with pytest.raises(ValidationError) as excinfo:
        services.create_reseller(name=" ", panel_host="http://x.test", pop3_host="pop:110",
                                 smtp_host="", support_address="not an address")
    assert set(_errors(excinfo)) == {"name", "panel_host", "pop3_host", "smtp_host",
                                     "support_address"}
    assert not Reseller.objects.exists()


def test_two_resellers_cannot_share_a_panel_host(reseller):
    with pytest.raises(ValidationError) as excinfo:
        services.create_reseller(**{**VALID, "name": "Copycat",
                                    "panel_host": PANEL_HOST.upper() + "."})
    assert _errors(excinfo)["panel_host"] == [
        f"Another reseller's panel has the host name {PANEL_HOST}."]
    assert Reseller.objects.count() == 1


def test_a_reseller_keeps_its_own_panel_host_when_it_changes_other_fields(reseller):
    services.update_reseller(reseller, name="Bluebird", panel_host=PANEL_HOST)
    reseller.refresh_from_db()
    assert (reseller.name, reseller.panel_host) == ("Bluebird", PANEL_HOST)


@pytest.mark.parametrize("host", [OUR_HOSTNAME, OUR_MAIL_HOST, f"panel.{OUR_HOSTNAME}"])
def test_a_reseller_cannot_take_the_operators_own_host_names_for_its_panel(db, host):
    with pytest.raises(ValidationError) as excinfo:
        services.create_reseller(**{**VALID, "panel_host": host})
    assert _errors(excinfo)["panel_host"] == [f"{host} is the operator's own host name."]


def test_a_failed_change_leaves_the_reseller_as_it_was(reseller):
    with pytest.raises(ValidationError):
        services.update_reseller(reseller, name="New name", smtp_host="smtp://x")
    reseller.refresh_from_db()
    assert (reseller.name, reseller.smtp_host) == ("Bluebird Mail", "smtp.bluebird.test")


def test_a_login_is_an_account_without_a_domain(reseller):
    account = services.create_login(reseller, "Bluebird", PASSWORD)
    assert (account.username, account.domain_id, account.is_staff) == ("bluebird", None, False)
    assert account.check_password(PASSWORD)
    assert account.reseller_login.reseller == reseller


@pytest.mark.parametrize(("username", "password", "fields"), [
    ("ann@shop.example", PASSWORD, {"username"}),
    ("", PASSWORD, {"username"}),
    ("bluebird", "short", {"password"}),
    ("bluebird", "", {"password"}),
])
def test_it_refuses_a_bad_login_and_writes_nothing(reseller, username, password, fields):
    with pytest.raises(ValidationError) as excinfo:
        services.create_login(reseller, username, password)
    assert set(_errors(excinfo)) == fields
    assert not Account.objects.filter(domain__isnull=True).exists()


def test_it_refuses_a_login_name_that_exists(reseller, reseller_user):
    with pytest.raises(ValidationError) as excinfo:
        services.create_login(reseller, "bluebird", PASSWORD)
    assert _errors(excinfo)["username"] == ["The login bluebird already exists."]


def test_a_mailbox_an_operator_or_another_resellers_login_cannot_log_in_for_it(
        reseller, reseller_user, other_reseller, operator, jane):
    for account, message in [
        (jane, "jane@example.com is a mailbox"),
        (operator, "admin is an operator's account."),
        (reseller_user, "bluebird already logs in for Bluebird Mail."),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.add_login(other_reseller, account)
        assert message in _errors(excinfo)["account"][0]
    assert not ResellerLogin.objects.filter(reseller=other_reseller).exists()


def test_an_existing_account_without_a_domain_becomes_a_login(reseller):
    account = Account.objects.create_user("helpdesk", PASSWORD)
    services.add_login(reseller, account)
    assert list(reseller.logins.values_list("account__username", flat=True)) == ["helpdesk"]


def test_a_domain_created_by_a_reseller_belongs_to_it_with_its_postmaster(reseller):
    domain = services.create_domain(reseller, "Shop.Example", PASSWORD)
    assert domain.name == "shop.example"
    assert domain.reseller_link.reseller == reseller
    assert domain.accounts.get(local_part="postmaster").check_password(PASSWORD)


def test_an_invalid_domain_writes_neither_the_domain_nor_the_link(reseller, domain):
    with pytest.raises(ValidationError) as excinfo:
        services.create_domain(reseller, "example.com", "short")
    assert set(_errors(excinfo)) == {"name", "password"}
    assert not ResellerDomain.objects.exists()
    assert list(Domain.objects.values_list("name", flat=True)) == ["example.com"]


def test_a_domain_of_another_reseller_must_be_released_before_it_is_assigned(
        reseller, other_reseller):
    rival = Domain.objects.get(name="rival.example")
    with pytest.raises(ValidationError) as excinfo:
        services.assign_domain(reseller, rival)
    assert _errors(excinfo)["domain"] == ["rival.example belongs to the reseller Rival Hosting."]
    services.release_domain(rival)
    services.assign_domain(reseller, rival)
    assert ResellerDomain.objects.get(domain=rival).reseller == reseller


def test_deleting_a_reseller_deletes_its_logins_and_gives_its_domains_back(
        reseller, reseller_user, shop):
    services.delete_reseller(reseller)
    assert not Account.objects.filter(username="bluebird").exists()
    assert Domain.objects.filter(name="shop.example").exists()
    assert not ResellerDomain.objects.exists()


def test_the_system_check_warns_of_a_panel_host_that_django_would_refuse(reseller, settings):
    assert check_panel_hosts(databases=["default"]) == []
    settings.ALLOWED_HOSTS = ["localhost"]
    [warning] = check_panel_hosts(databases=["default"])
    assert warning.id == "resellers.W001"
    assert PANEL_HOST in warning.msg
