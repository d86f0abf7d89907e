"""The operator manages resellers, their logins and their domains in the Django admin."""

from django.contrib.auth import get_user_model

from hostpanel.resellers.models import Reseller
from tests.conftest import PASSWORD

ADD = "/admin/resellers/reseller/add/"


def _form(**fields) -> dict:
    data = {"name": "Bluebird Mail", "panel_host": "panel.bluebird.test",
            "pop3_host": "pop.bluebird.test", "smtp_host": "smtp.bluebird.test",
            "support_address": "",
            "logins-TOTAL_FORMS": "1", "logins-INITIAL_FORMS": "0",
            "logins-MIN_NUM_FORMS": "0", "logins-MAX_NUM_FORMS": "1000",
            "logins-0-account": "",
            "domain_links-TOTAL_FORMS": "1", "domain_links-INITIAL_FORMS": "0",
            "domain_links-MIN_NUM_FORMS": "0", "domain_links-MAX_NUM_FORMS": "1000",
            "domain_links-0-domain": ""}
    data.update(fields)
    return data


def test_the_operator_adds_a_reseller_with_a_login_and_a_domain(client, operator, domain):
    login = get_user_model().objects.create_user("bluebird", PASSWORD)
    client.force_login(operator)
    response = client.post(ADD, _form(**{"logins-0-account": str(login.pk),
                                         "domain_links-0-domain": str(domain.pk)}), follow=True)
    assert response.status_code == 200
    reseller = Reseller.objects.get()
    assert reseller.panel_host == "panel.bluebird.test"
    assert [link.account for link in reseller.logins.all()] == [login]
    assert [link.domain for link in reseller.domain_links.all()] == [domain]


def test_the_admin_shows_the_services_errors_and_saves_nothing(client, operator):
    client.force_login(operator)
    response = client.post(ADD, _form(panel_host="https://panel.bluebird.test/",
                                      smtp_host="smtp.bluebird.test:587"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Enter the host name alone, without https://" in text
    assert "Enter the host name without a port." in text
    assert not Reseller.objects.exists()


def test_the_admin_refuses_a_mailbox_as_a_login(client, operator, jane):
    client.force_login(operator)
    response = client.post(ADD, _form(**{"logins-0-account": str(jane.pk)}))
    assert response.status_code == 200
    assert not Reseller.objects.exists()


def test_the_admin_warns_when_the_panel_host_is_not_accepted_yet(client, operator, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client.force_login(operator)
    response = client.post(ADD, _form(), follow=True)
    assert ("The panel host panel.bluebird.test is not in HOSTPANEL_ALLOWED_HOSTS"
            in response.content.decode())
    assert Reseller.objects.count() == 1


def test_deleting_a_reseller_in_the_admin_deletes_its_logins(client, operator, reseller,
                                                             reseller_user, shop):
    client.force_login(operator)
    response = client.post(f"/admin/resellers/reseller/{reseller.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Reseller.objects.exists()
    assert not get_user_model().objects.filter(username="bluebird").exists()
    assert shop.accounts.filter(local_part="postmaster").exists()
