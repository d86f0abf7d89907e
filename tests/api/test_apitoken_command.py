import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hostpanel.api.models import ApiToken
from tests.api.conftest import Api


def test_create_prints_the_token_once_and_stores_only_its_hash(postmaster, capsys, client):
    call_command("apitoken", "create", "postmaster@example.com", "--name", "billing")
    out, err = capsys.readouterr()
    token = out.strip()
    row = ApiToken.objects.get()
    assert row.account == postmaster and row.name == "billing"
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.digest and token.split("_")[1] == row.prefix
    assert "shown only this once" in err
    response = Api(client, f"Bearer {token}").get("/domains/example.com/accounts")
    assert response.status_code == 200


def test_create_accepts_the_percent_form_of_the_address(postmaster, capsys):
    call_command("apitoken", "create", "postmaster%example.com")
    assert ApiToken.objects.get().account == postmaster


def test_list_shows_prefixes_and_names_but_no_token(postmaster, capsys):
    call_command("apitoken", "create", "postmaster@example.com", "--name", "billing")
    token = capsys.readouterr().out.strip()
    call_command("apitoken", "list", "postmaster@example.com")
    listing = capsys.readouterr().out
    assert ApiToken.objects.get().prefix in listing and "billing" in listing
    assert token not in listing


def test_revoke_deletes_the_token(postmaster, capsys):
    call_command("apitoken", "create", "postmaster@example.com")
    prefix = ApiToken.objects.get().prefix
    call_command("apitoken", "revoke", prefix)
    assert not ApiToken.objects.exists()
    with pytest.raises(CommandError, match="No token"):
        call_command("apitoken", "revoke", prefix)


def test_an_unknown_address_is_an_error(db):
    with pytest.raises(CommandError, match="No account"):
        call_command("apitoken", "create", "nobody@example.com")
    assert not ApiToken.objects.exists()


def test_a_too_long_name_is_an_error(postmaster):
    with pytest.raises(CommandError, match="at most 100"):
        call_command("apitoken", "create", "postmaster@example.com", "--name", "x" * 101)
    assert not ApiToken.objects.exists()
