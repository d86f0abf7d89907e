"""The directory's look-up cache (mailcore.directory.cache): a change applies to the next
message however it was made, and every table a cached look-up reads is watched."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hostpanel.lists import services as list_services
from hostpanel.routing import services as routing
from hostpanel.routing.models import Forward
from mailcore import directory
from mailcore.directory import cache
from tests.smtp.helpers import DELIVERED, UNKNOWN_USER, message, send

_TABLE_RE = re.compile(r'(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


def cached_lookups() -> dict[str, object]:
    """Every cached function the directory offers, by name."""
    return {name: getattr(directory, name) for name in directory.__all__
            if hasattr(getattr(directory, name), "uncached")} | \
        {"spam_policy": directory.spam.spam_policy}


def sample_calls(jane_route, forward_route, list_route):
    return {
        "find_route": [("jane@example.com",), ("team@example.com",), ("fwd@example.com",),
                       ("auto@example.com",), ("nobody@example.com",)],
        "find_mailbox": [("jane@example.com",)],
        "is_local_domain": [("example.com",)],
        "postmaster_address": [("mx.example.com",), ("elsewhere.test",)],
        "mail_language": [("jane@example.com",)],
        "sender_addresses": [("jane@example.com",)],
        "spam_policy": [(jane_route,), (forward_route,), (list_route,)],
    }


@pytest.fixture
def hosted(domain, jane):
    routing.create_forward(domain, "fwd", ["jane@example.com"])
    routing.create_autoresponder(domain, "auto", "Away", "I am away.")
    list_services.create_list(domain, "team")
    return domain


def test_every_table_a_cached_lookup_reads_is_watched(hosted):
    routes = {address: directory.find_route(address)
              for address in ("jane@example.com", "fwd@example.com", "team@example.com")}
    calls = sample_calls(*routes.values())
    lookups = cached_lookups()
    assert set(lookups) == set(calls), "a cached look-up without a sample call here"
    watched = set(cache.watched_tables()) | {"servers_directorygeneration"}
    for name, function in lookups.items():
        for args in calls[name]:
            with CaptureQueriesContext(connection) as queries:
                function.uncached(*args)
            read = {table for query in queries for table in _TABLE_RE.findall(query["sql"])}
            assert read <= watched, f"{name}{args} reads unwatched {read - watched}"


def test_an_answer_is_cached_until_a_watched_table_changes(hosted, django_assert_num_queries):
    cache.clear()
    directory.find_route("fwd@example.com")
    with django_assert_num_queries(1):  # the generation only
        assert directory.find_route("fwd@example.com").forward_to == ("jane@example.com",)
    Forward.objects.filter(local_part="fwd").update(targets=["john@example.org"])  # no signal
    assert directory.find_route("fwd@example.com").forward_to == ("john@example.org",)


def test_a_change_made_with_plain_sql_applies_to_the_next_lookup(hosted):
    assert directory.find_mailbox("jane@example.com") is not None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE domains_account SET is_active = %s WHERE local_part = %s",
                       [False, "jane"])
    assert directory.find_mailbox("jane@example.com") is None


def test_a_rolled_back_change_never_brings_its_answers_back(hosted):
    with pytest.raises(RuntimeError), transaction.atomic():
        routing.create_forward(hosted, "temp", ["first@example.org"])
        assert directory.find_route("temp@example.com").forward_to == ("first@example.org",)
        raise RuntimeError("roll back")
    assert directory.find_route("temp@example.com") is None
    routing.create_forward(hosted, "temp", ["second@example.org"])
    assert directory.find_route("temp@example.com").forward_to == ("second@example.org",)


def test_a_new_or_removed_account_takes_effect_for_the_next_message(smtp_server, domain,
                                                                    account_factory):
    assert send(smtp_server, message(), to=("john@example.com",))[1] == UNKNOWN_USER
    john = account_factory(domain, "john")
    assert send(smtp_server, message(), to=("john@example.com",))[-1] == DELIVERED
    john.delete()
    assert send(smtp_server, message(), to=("john@example.com",))[1] == UNKNOWN_USER
    with connection.cursor() as cursor:  # a domain switched off behind the panel's back
        cursor.execute("UPDATE domains_domain SET is_active = %s", [False])
    replies = send(smtp_server, message(), to=("jane@example.com",))
    assert replies[1][0] == 550


def test_without_a_generation_nothing_is_cached(hosted):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM servers_directorygeneration")
    assert cache.generation() is None
    directory.find_route("fwd@example.com")
    with CaptureQueriesContext(connection) as queries:
        directory.find_route("fwd@example.com")
    assert len(queries) > 1  # looked up again
