import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.panel.conftest import login


def test_the_login_page_asks_for_account_domain_and_password(client, db):
    page = client.get("/accounts/login/").content.decode()
    for name in ("account", "domain", "password"):
        assert f'name="{name}"' in page
    assert 'name="login"' not in page
    assert ">Account" in page and ">Domain" in page and ">Password" in page
    assert '<html lang="en"' in page


def test_anonymous_visitors_of_home_are_sent_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"


def test_a_postmaster_lands_on_the_main_menu_of_the_domain(client, postmaster, jane):
    response = login(client, "postmaster", "example.com")
    assert response.redirect_chain[-1][0] == "/domains/example.com/"
    page = response.content.decode()
    assert "Overview of example.com" in page
    assert 'href="/domains/example.com/accounts/"' in page
    assert "jane@example.com" in page  # in the quota chart
    assert "postmaster@example.com" in page  # the header says who is logged in


def test_a_user_lands_on_the_self_service_page(client, jane):
    response = login(client, "jane", "example.com")
    assert response.redirect_chain[-1][0] == "/me/"
    page = response.content.decode()
    assert "jane@example.com" in page
    assert "Change password" in page
    assert "Email accounts" not in page


@pytest.mark.parametrize("account", ["jane@example.com", "JANE@Example.COM", "jane%example.com"])
def test_a_full_address_in_the_account_field_needs_no_domain(client, jane, account):
    response = login(client, account, "")
    assert response.redirect_chain[-1][0] == "/me/"


def test_the_domain_may_be_typed_in_capitals(client, jane):
    response = login(client, "Jane", " Example.COM ")
    assert response.redirect_chain[-1][0] == "/me/"


def test_a_wrong_password_shows_an_error_and_keeps_what_was_typed(client, postmaster):
    response = login(client, "postmaster", "example.com", password="wrong-password")
    page = response.content.decode()
    assert response.status_code == 200
    assert "The account, domain or password is not correct." in page
    assert 'value="postmaster"' in page
    assert 'value="example.com"' in page
    assert "wrong-password" not in page
    assert "_auth_user_id" not in client.session


def test_an_account_of_another_domain_does_not_log_in(client, jane, domain_factory):
    domain_factory("other.org")
    response = login(client, "jane", "other.org")
    assert "The account, domain or password is not correct." in response.content.decode()


def test_an_empty_account_is_a_field_error_not_a_crash(client, db):
    response = login(client, "", "example.com")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_an_operator_logs_in_without_a_domain_and_sees_every_domain(client, operator, domain,
                                                                     domain_factory):
    domain_factory("other.org")
    response = login(client, "admin", "")
    assert response.redirect_chain[-1][0] == "/"
    page = response.content.decode()
    assert 'href="/domains/example.com/accounts/"' in page
    assert 'href="/domains/other.org/accounts/"' in page
    assert 'href="/admin/"' in page


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, postmaster):
    for _attempt in range(5):
        login(client, "postmaster", "example.com", password="wrong-password")
    response = login(client, "postmaster", "example.com")
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_out_takes_a_post(client, jane):
    client.force_login(jane)
    assert client.get("/accounts/logout/").status_code == 200
    assert client.get("/me/").status_code == 200  # a GET did not log out
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/me/").status_code == 302


def test_the_logout_button_is_a_form_with_a_csrf_token(client, jane):
    client.force_login(jane)
    page = client.get("/me/").content.decode()
    assert 'action="/accounts/logout/"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_login_needs_a_csrf_token(jane):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"account": "jane", "domain": "example.com",
                                                "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_sign_up_and_password_reset_by_email_are_not_offered(client, db):
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/accounts/password/reset/").status_code == 404


def test_errors_allauth_puts_on_its_login_field_show_above_the_form(rf, db):
    from hostpanel.signin.forms import LoginForm

    form = LoginForm(data={"account": "x", "domain": "", "password": "y"}, request=rf.post("/"))
    form.is_valid()
    form.add_error("login", "Something about the login.")
    assert "Something about the login." in form.non_field_errors()


@pytest.mark.parametrize(("account", "domain", "username"), [
    ("jane", "example.com", "jane@example.com"),
    (" Jane ", "EXAMPLE.com.", "jane@example.com"),
    ("jane@example.com", "", "jane@example.com"),
    ("jane@example.com", "example.com", "jane@example.com"),
    ("jane%example.com", "", "jane@example.com"),
    ("admin", "", "admin"),
])
def test_the_login_name_is_composed_from_account_and_domain(account, domain, username):
    from hostpanel.signin.forms import compose_username

    assert compose_username(account, domain) == username
