import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hostpanel.domains.models import Account, Domain
from tests.conftest import PASSWORD


def test_it_creates_a_domain_and_its_postmaster(db, capsys):
    call_command("createdomain", "Example.NET", "--password", PASSWORD, "--quota", "250")
    domain = Domain.objects.get(name="example.net")
    assert domain.default_quota_mb == 250
    assert Account.objects.get(username="postmaster@example.net").check_password(PASSWORD)
    assert "Domain example.net created" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["not a domain", "--password", PASSWORD], "Enter a valid domain name"),
    (["example.net", "--password", "short"], "This password is too short"),
    (["example.net", "--password", PASSWORD, "--quota", "-1"], "The quota must be between"),
])
def test_invalid_input_is_an_error_and_creates_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createdomain", *args)
    assert not Domain.objects.exists()
    assert not Account.objects.exists()


def test_an_existing_domain_is_an_error(domain):
    with pytest.raises(CommandError, match="already exists"):
        call_command("createdomain", "example.com", "--password", PASSWORD)
    assert Domain.objects.count() == 1


def test_the_command_exits_non_zero_on_bad_input(tmp_path):
    # A throw-away SQLite home: the command must refuse before it writes anything.
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "createdomain", "bad name", "--password", PASSWORD],
        capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "HOSTPANEL_HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "Enter a valid domain name" in result.stderr
