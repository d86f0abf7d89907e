"""The demo's sign-ins over real POP3 after a reset (a server in a thread, poplib)."""

import email
from email.policy import default as default_policy

import pytest

from hostpanel.demo import DEMO_DOMAIN, USER_LOGIN, USER_PASSWORD, services
from tests.demo.reset_support import demo_home_fixture, mailbox  # noqa: F401
from tests.pop3.conftest import ServerThread


@pytest.fixture
def demo_pop3(demo_home, transactional_db):
    services.reset()
    server = ServerThread({"failure_delay": 0.01}).start()
    yield server
    server.stop()


def _subjects(client) -> list[str]:
    count, _size = client.stat()
    subjects = []
    for number in range(1, count + 1):
        _reply, lines, _octets = client.retr(number)
        parsed = email.message_from_bytes(b"\r\n".join(lines), policy=default_policy)
        subjects.append(str(parsed["Subject"]))
    return subjects


def test_jane_downloads_the_demo_mail_over_pop3_after_each_reset(demo_pop3):
    client = demo_pop3.client()
    client.user(USER_LOGIN)
    assert client.pass_(USER_PASSWORD).startswith(b"+OK")
    first = _subjects(client)
    client.quit()
    assert len(first) == len(mailbox("jane").messages()) == 10
    assert "来週の大阪出張について" in first
    assert first[-1] == "Fotos de la cena del viernes"  # the newest arrived last

    services.reset()

    client = demo_pop3.client()
    client.user(f"jane@{DEMO_DOMAIN}")
    assert client.pass_(USER_PASSWORD).startswith(b"+OK")
    assert _subjects(client) == first
    client.quit()


def test_an_account_a_visitor_made_cannot_log_in_after_a_reset(demo_pop3):
    from hostpanel.domains import services as domains
    from hostpanel.domains.models import Domain

    domains.create_account(Domain.objects.get(name=DEMO_DOMAIN), "bob", "bobs-long-password")
    client = demo_pop3.client()
    client.user(f"bob@{DEMO_DOMAIN}")
    assert client.pass_("bobs-long-password").startswith(b"+OK")
    client.quit()

    services.reset()

    client = demo_pop3.client()
    client.user(f"bob@{DEMO_DOMAIN}")
    with pytest.raises(Exception, match="ERR"):
        client.pass_("bobs-long-password")
    client.close()
