"""Both login names the page shows work on the real POP3 and submission servers.

The servers accept ``jane%example.com`` in the one place credentials are looked up
(mailcore.directory.find_credentials, through mailcore.addresses.parse_login); these
tests take the names from the page itself and log in with poplib and smtplib.
"""

from tests.conftest import PASSWORD
from tests.mailsettings.helpers import facts
from tests.smtp.helpers import reply_code
from tests.submission.helpers import AUTH_OK, submission_client


def _login_names(client, account) -> list[str]:
    client.force_login(account)
    login = dict(facts(client.get("/mail-settings/").content.decode())["login"])
    return [login["User name"], login["User name without @"].split()[0]]


def test_both_login_names_open_the_mailbox_over_pop3(client, jane, pop3):
    names = _login_names(client, jane)
    assert names == ["jane@example.com", "jane%example.com"]
    for name in names:
        pop = pop3.client()
        pop.user(name)
        assert pop.pass_(PASSWORD).startswith(b"+OK")
        assert pop.stat() == (0, 0)
        pop.quit()


def test_both_login_names_authenticate_on_submission(client, jane, start_tls_server,
                                                     client_tls_context):
    server = start_tls_server()
    for name in _login_names(client, jane):
        with submission_client(server, client_tls_context) as smtp:
            assert reply_code(smtp.login(name, PASSWORD)) == AUTH_OK
