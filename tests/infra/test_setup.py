"""``manage.py setup`` (the first step of ``make run``) and ``manage.py seed``.

setup runs as a child process on an empty HOSTPANEL_HOME, as on a fresh clone:
SQLite database, folders, seed and development certificate all come from it.
"""

import sqlite3
import ssl
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.management import call_command

from hostpanel.domains import services
from hostpanel.domains.models import Account
from tests.support import PYTHON, REPO, fresh_environment

SEEDED = ["jane@example.com", "john@example.com", "postmaster@example.com", "spam@example.com"]
DEMO_LOGINS = [name for name in SEEDED if name != "spam@example.com"]  # spam: random password


def run_setup(home: Path, **extra: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", "setup"],
        cwd=REPO, env=fresh_environment(home, **extra),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def accounts(home: Path) -> dict[str, str]:
    """username -> password hash, read straight from the SQLite file setup made."""
    with sqlite3.connect(home / "db.sqlite3") as db:
        return dict(db.execute("SELECT username, password FROM domains_account"))


@pytest.mark.timeout(120)
def test_setup_on_an_empty_home_makes_everything_a_first_start_needs(tmp_path):
    home = tmp_path / "home"
    output = run_setup(home)

    hashes = accounts(home)
    assert sorted(hashes) == SEEDED
    assert all(check_password("demo", hashes[name]) for name in DEMO_LOGINS)
    assert not check_password("demo", hashes["spam@example.com"])
    for folder in ("mail", "spool", "quarantine", "broker", "spam"):
        assert (home / folder).is_dir()

    cert_path, key_path = home / "tls" / "cert.pem", home / "tls" / "key.pem"
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert key_path.stat().st_mode & 0o077 == 0
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_path, key_path)

    assert "http://127.0.0.1:8000/" in output
    assert "127.0.0.1:2525" in output and "127.0.0.1:2587" in output
    assert "127.0.0.1:2110" in output
    assert "jane@example.com (or jane%example.com for Eudora)" in output
    assert "postmaster  example.com  demo" in output
    assert str(cert_path) in output


@pytest.mark.timeout(120)
def test_setup_again_changes_nothing_and_keeps_passwords_changed_since(tmp_path):
    home = tmp_path / "home"
    run_setup(home)
    with sqlite3.connect(home / "db.sqlite3") as db:
        db.execute("UPDATE domains_account SET password = ? WHERE username = ?",
                   (make_password("jane-chose-this-one"), "jane@example.com"))
    before = accounts(home)
    certificate = (home / "tls" / "cert.pem").read_bytes()

    output = run_setup(home)

    assert accounts(home) == before
    assert check_password("jane-chose-this-one", before["jane@example.com"])
    assert (home / "tls" / "cert.pem").read_bytes() == certificate
    assert "nothing seeded" in output


@pytest.mark.timeout(120)
def test_setup_uses_the_configured_certificate_and_makes_none(tmp_path):
    home = tmp_path / "home"
    output = run_setup(home, HOSTPANEL_TLS_CERT="/etc/ssl/mail.pem",
                       HOSTPANEL_TLS_KEY="/etc/ssl/mail.key")
    assert not (home / "tls").exists()
    assert "/etc/ssl/mail.pem (configured)" in output


@pytest.mark.timeout(120)
def test_setup_does_not_seed_a_database_that_has_domains(tmp_path):
    home = tmp_path / "home"
    run_setup(home)
    with sqlite3.connect(home / "db.sqlite3") as db:
        db.execute("DELETE FROM domains_account WHERE username = 'john@example.com'")
    run_setup(home)
    assert "john@example.com" not in accounts(home)


def test_seed_creates_the_demo_domain_once(db):
    call_command("seed")
    call_command("seed")
    seeded = Account.objects.filter(domain__name="example.com").order_by("username")
    assert [account.username for account in seeded] == SEEDED
    assert all(account.check_password("demo") for account in seeded
               if account.username in DEMO_LOGINS)
    assert seeded.get(local_part="postmaster").is_postmaster


def test_seed_fills_in_a_missing_demo_account_and_leaves_the_others(db):
    call_command("seed")
    postmaster = Account.objects.get(username="postmaster@example.com")
    services.update_account(postmaster, password="a-better-master-password")
    Account.objects.filter(username="john@example.com").delete()

    call_command("seed")

    assert Account.objects.get(username="john@example.com").check_password("demo")
    postmaster.refresh_from_db()
    assert postmaster.check_password("a-better-master-password")


def test_the_demo_password_is_still_refused_for_real_accounts(db):
    call_command("seed")
    domain = Account.objects.get(username="jane@example.com").domain
    with pytest.raises(ValidationError) as refused:
        services.create_account(domain, "bob", "demo")
    assert "password" in refused.value.message_dict
