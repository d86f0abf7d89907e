from hostpanel.domains.models import Account
from mailcore.maildir import Maildir, maildir_path
from tests.conftest import PASSWORD
from tests.panel.conftest import login

NEW_PASSWORD = "a-brand-new-secret"


def _change(client, old=PASSWORD, new=NEW_PASSWORD, again=NEW_PASSWORD):
    return client.post("/me/", {"old_password": old, "password": new, "password2": again})


def test_the_page_shows_the_address_and_the_quota_use(client, jane, settings):
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")).deliver(
        b"Subject: x\n\n" + b"y" * 2048 + b"\n")
    client.force_login(jane)
    page = client.get("/me/").content.decode()
    assert "jane@example.com" in page
    assert "2.0\xa0KB of 1024 MB" in page


def test_a_user_changes_their_password_and_the_old_one_stops_working(client, jane):
    login(client, "jane", "example.com")
    response = _change(client)
    assert response.status_code == 302
    assert "Your password was changed." in client.get("/me/").content.decode()  # still logged in

    client.post("/accounts/logout/")
    refused = login(client, "jane", "example.com", password=PASSWORD)
    assert "The account, domain or password is not correct." in refused.content.decode()
    accepted = login(client, "jane", "example.com", password=NEW_PASSWORD)
    assert accepted.redirect_chain[-1][0] == "/me/"


def test_a_wrong_current_password_changes_nothing(client, jane):
    client.force_login(jane)
    page = _change(client, old="not-my-password").content.decode()
    assert "Your current password is not correct." in page
    jane.refresh_from_db()
    assert jane.check_password(PASSWORD)


def test_a_weak_or_mistyped_new_password_is_refused(client, jane):
    client.force_login(jane)
    assert "This password is too short." in _change(client, new="abc", again="abc").content.decode()
    assert "The two passwords are not the same." in _change(client, again="typo").content.decode()
    assert Account.objects.get(pk=jane.pk).check_password(PASSWORD)


def test_the_page_needs_no_domain_rights_and_shows_no_domain_pages(client, jane):
    client.force_login(jane)
    page = client.get("/me/").content.decode()
    assert "/domains/" not in page
    assert "/api-tokens/" not in page


def test_an_operator_has_a_self_service_page_without_mailbox(client, operator):
    client.force_login(operator)
    page = client.get("/me/").content.decode()
    assert "admin" in page and "Change password" in page
    assert "Mail stored" not in page
