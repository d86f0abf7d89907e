"""The operator's Django admin: domains are created by the service, mailboxes are read-mostly."""

from hostpanel.domains.models import Account, Domain
from tests.conftest import PASSWORD

ADD = "/admin/domains/domain/add/"


def _add(client, **fields):
    data = {"name": "shop.example", "default_quota_mb": "300", "password1": PASSWORD,
            "password2": PASSWORD, **fields}
    return client.post(ADD, data)


def test_the_operator_adds_a_domain_with_its_postmaster(client, operator):
    client.force_login(operator)
    page = client.get(ADD).content.decode()
    assert 'name="password1"' in page and 'name="password2"' in page

    response = _add(client, name="Shop.Example")

    assert response.status_code == 302
    domain = Domain.objects.get(name="shop.example")
    assert domain.default_quota_mb == 300
    postmaster = Account.objects.get(username="postmaster@shop.example")
    assert postmaster.check_password(PASSWORD) and postmaster.quota_mb == 300


def test_the_add_form_shows_the_services_errors_and_creates_nothing(client, operator, domain):
    client.force_login(operator)
    cases = [({"name": "not a domain"}, "Enter a valid domain name"),
             ({"name": "example.com"}, "The domain example.com already exists."),
             ({"password1": "short", "password2": "short"}, "This password is too short"),
             ({"password2": "different-one"}, "The two passwords are not the same.")]
    for fields, message in cases:
        response = _add(client, **fields)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert list(Domain.objects.values_list("name", flat=True)) == ["example.com"]


def test_a_domain_cannot_be_renamed(client, operator, domain):
    client.force_login(operator)
    page = client.get(f"/admin/domains/domain/{domain.pk}/change/").content.decode()
    assert 'name="name"' not in page
    assert "example.com" in page


def test_mailboxes_are_read_mostly_and_cannot_be_deleted_in_the_admin(client, operator, jane):
    client.force_login(operator)
    page = client.get(f"/admin/domains/account/{jane.pk}/change/").content.decode()
    assert 'name="quota_mb"' not in page and 'name="local_part"' not in page
    assert 'name="is_active"' in page
    assert client.get(f"/admin/domains/account/{jane.pk}/delete/").status_code == 403
    assert Account.objects.filter(pk=jane.pk).exists()


def test_a_postmaster_cannot_use_the_admin(client, postmaster):
    client.force_login(postmaster)
    assert client.get(ADD).status_code == 302
