"""Brute force: wrong passwords from one address are slowed, then refused, on every channel.

POP3, SMTP AUTH on the submission port, the panel's sign-in form and the API
(Basic and bearer) each run for real: the guesser at 127.0.0.1 gets a growing
wait for each wrong password, then a refusal even with the right password,
while a client from another address (127.0.0.2, a connection from another
loopback address; for the web, another REMOTE_ADDR) still logs in, into the
same account and into another one.

The waits are seen through the recorder the servers sleep with (mailcore.auth's
``sleep``, hostpanel.lib.slowdown's ``sleep``), not by timing.
"""

import asyncio
import base64
import poplib
import smtplib

import pytest
from django.core.cache import cache
from django.test import Client

from hostpanel.api.tokens import create_token
from hostpanel.lib import slowdown
from mailcore import auth
from mailcore.smtp import server as smtp_server
from tests.conftest import PASSWORD
from tests.pop3.conftest import ServerThread as Pop3Thread
from tests.smtp.conftest import start_smtp  # noqa: F401 (a fixture)
from tests.smtp.helpers import CLIENT_NAME, reply_code

LIMIT = 3
GUESSER, OTHER = "127.0.0.1", "127.0.0.2"
AUTH_OK = (235, "2.7.0")
AUTH_INVALID = (535, "5.7.8")
AUTH_THROTTLED = (454, "4.7.0")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The web counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def accounts(domain_factory, account_factory):
    """jane@example.com (attacked) and john@other.org, both with PASSWORD."""
    jane = account_factory(domain_factory("example.com"), "jane")
    john = account_factory(domain_factory("other.org"), "john")
    return jane, john


@pytest.fixture
def mail_waits(monkeypatch):
    """The waits the mail servers' authenticator makes before answering a failure."""
    waits = []

    async def record(delay):
        waits.append(delay)
        await asyncio.sleep(0)

    class RecordingAuthenticator(auth.Authenticator):
        def __init__(self, config, **options):
            options.setdefault("sleep", record)
            super().__init__(config, **options)

    monkeypatch.setattr(smtp_server, "Authenticator", RecordingAuthenticator)
    record.authenticator = RecordingAuthenticator
    record.waits = waits
    return record


@pytest.fixture
def web_waits(monkeypatch):
    waits = []
    monkeypatch.setattr(slowdown, "sleep", waits.append)
    return waits


def growing(waits: list[float]) -> bool:
    return len(waits) >= 2 and all(0 < a < b for a, b in zip(waits, waits[1:], strict=False))


# POP3


@pytest.fixture
def pop3(transactional_db, settings, mail_waits, accounts):
    settings.HOSTPANEL_AUTH_MAX_FAILURES = LIMIT
    server = Pop3Thread({"sleep": mail_waits, "failure_delay": 0.01}).start()
    yield server
    server.stop()


def pop3_login(server, source: str, login: str, password: str) -> bytes:
    """A new connection from ``source``: USER and PASS; the answer to PASS."""
    client = server.client(source)
    try:
        client.user(login)
        try:
            return client.pass_(password)
        except poplib.error_proto as error:
            return error.args[0]
    finally:
        client.close()


def test_pop3_slows_then_refuses_the_guesser_only(pop3, mail_waits):
    for _attempt in range(LIMIT):
        reply = pop3_login(pop3, GUESSER, "jane@example.com", "wrong password")
        assert reply == b"-ERR [AUTH] invalid login or password"
    assert growing(mail_waits.waits) and len(mail_waits.waits) == LIMIT

    refused = pop3_login(pop3, GUESSER, "jane@example.com", PASSWORD)
    assert refused == b"-ERR [SYS/TEMP] too many failed logins, try later"
    assert pop3_login(pop3, GUESSER, "john@other.org", PASSWORD).startswith(b"-ERR [SYS/TEMP]")

    assert pop3_login(pop3, OTHER, "jane@example.com", PASSWORD).startswith(b"+OK")
    assert pop3_login(pop3, OTHER, "john@other.org", PASSWORD).startswith(b"+OK")


# SMTP AUTH on the submission port


@pytest.fixture
def submission(start_smtp, mail_waits, accounts):  # noqa: F811 (the fixture imported above)
    return start_smtp(auth_max_failures=LIMIT, auth_plaintext_loopback=True)


def smtp_auth(server, source: str, login: str, password: str) -> tuple[int, str]:
    """A new connection from ``source``: EHLO, AUTH PLAIN; the answer."""
    client = smtplib.SMTP(server.host, server.submission_port, local_hostname=CLIENT_NAME,
                          timeout=10, source_address=(source, 0))
    with client:
        client.ehlo()
        data = base64.b64encode(f"\0{login}\0{password}".encode()).decode()
        return reply_code(client.docmd("AUTH", "PLAIN " + data))


def test_smtp_auth_slows_then_refuses_the_guesser_only(submission, mail_waits):
    for _attempt in range(LIMIT):
        assert smtp_auth(submission, GUESSER, "jane@example.com", "nope") == AUTH_INVALID
    assert growing(mail_waits.waits) and len(mail_waits.waits) == LIMIT

    assert smtp_auth(submission, GUESSER, "jane@example.com", PASSWORD) == AUTH_THROTTLED
    assert smtp_auth(submission, GUESSER, "john@other.org", PASSWORD) == AUTH_THROTTLED

    assert smtp_auth(submission, OTHER, "jane@example.com", PASSWORD) == AUTH_OK
    assert smtp_auth(submission, OTHER, "john@other.org", PASSWORD) == AUTH_OK


def test_smtp_and_pop3_keep_separate_counts_per_server_process(submission, mail_waits):
    """Each server counts its own failures: guessing over SMTP does not refuse POP3 logins
    of that address, and the other way round (one Authenticator per process)."""
    for _attempt in range(LIMIT):
        smtp_auth(submission, GUESSER, "jane@example.com", "nope")
    server = Pop3Thread({"sleep": mail_waits, "failure_delay": 0.01}).start()
    try:
        assert pop3_login(server, GUESSER, "jane@example.com", PASSWORD).startswith(b"+OK")
    finally:
        server.stop()


# The panel's sign-in form


def panel_login(source: str, account: str, domain: str, password: str) -> Client:
    client = Client(REMOTE_ADDR=source)
    client.post("/accounts/login/", {"account": account, "domain": domain,
                                     "password": password}, follow=True)
    return client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


PANEL_LIMIT = 5  # ACCOUNT_RATE_LIMITS["login_failed"]: 5 per 5 minutes per address


def test_the_panel_slows_then_refuses_the_guesser_only(accounts, web_waits):
    for _attempt in range(PANEL_LIMIT):
        client = Client(REMOTE_ADDR=GUESSER)
        response = client.post("/accounts/login/", {"account": "jane", "domain": "example.com",
                                                    "password": "wrong password"})
        assert "The account, domain or password is not correct." in response.content.decode()
    assert growing(web_waits) and len(web_waits) == PANEL_LIMIT

    client = Client(REMOTE_ADDR=GUESSER)
    response = client.post("/accounts/login/", {"account": "jane", "domain": "example.com",
                                                "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)
    assert not signed_in(panel_login(GUESSER, "john", "other.org", PASSWORD))
    assert len(web_waits) == PANEL_LIMIT  # refused at once, no hash and no wait

    # The real Jane elsewhere is not locked out of her account, nor is anyone else.
    assert signed_in(panel_login(OTHER, "jane", "example.com", PASSWORD))
    assert signed_in(panel_login(OTHER, "john", "other.org", PASSWORD))


# The API: Basic and bearer


def api_get(source: str, authorization: str, account: str = "jane@example.com"):
    """GET the account's own record (which every account may read) from ``source``."""
    local_part, domain = account.split("@")
    return Client(REMOTE_ADDR=source).get(f"/api/v1/domains/{domain}/accounts/{local_part}",
                                          HTTP_AUTHORIZATION=authorization)


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@pytest.mark.parametrize("kind", ["basic", "bearer"])
def test_the_api_slows_then_refuses_the_guesser_only(accounts, web_waits, settings, kind):
    jane, john = accounts
    settings.HOSTPANEL_AUTH_MAX_FAILURES = LIMIT
    wrong = basic("jane@example.com", "wrong password") if kind == "basic" \
        else "Bearer hp_not-a-real-token"
    for _attempt in range(LIMIT):
        assert api_get(GUESSER, wrong).status_code == 401
    assert growing(web_waits) and len(web_waits) == LIMIT

    jane_right = basic("jane@example.com", PASSWORD) if kind == "basic" \
        else f"Bearer {create_token(jane, 'tests')[1]}"
    john_right = basic("john@other.org", PASSWORD) if kind == "basic" \
        else f"Bearer {create_token(john, 'tests')[1]}"
    refused = api_get(GUESSER, jane_right)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == settings.HOSTPANEL_AUTH_FAILURE_WINDOW
    assert api_get(GUESSER, john_right, "john@other.org").status_code == 429
    assert len(web_waits) == LIMIT

    assert api_get(OTHER, jane_right).status_code == 200
    assert api_get(OTHER, john_right, "john@other.org").status_code == 200


def test_panel_and_api_failures_wait_longer_each_time_up_to_a_cap(accounts, web_waits,
                                                                   settings):
    settings.HOSTPANEL_AUTH_FAILURE_DELAY_MS = 500
    settings.HOSTPANEL_AUTH_MAX_FAILURES = 100
    for _attempt in range(6):
        api_get(GUESSER, basic("jane@example.com", "wrong password"))
    assert web_waits == [0.5, 1.0, 2.0, 2.0, 2.0, 2.0]


def test_a_limit_of_zero_never_refuses_on_the_api_as_on_the_mail_servers(accounts, web_waits,
                                                                         settings):
    settings.HOSTPANEL_AUTH_MAX_FAILURES = 0
    assert api_get(GUESSER, basic("jane@example.com", PASSWORD)).status_code == 200
    for _attempt in range(3):
        assert api_get(GUESSER, basic("jane@example.com", "wrong password")).status_code == 401
    assert api_get(GUESSER, basic("jane@example.com", PASSWORD)).status_code == 200
    assert growing(web_waits)
