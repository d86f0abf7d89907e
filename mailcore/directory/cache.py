"""A per-process cache of the directory's read look-ups, dropped whenever their data changes.

Every message asks the directory the same questions (is the domain hosted, where does
the address go, how does its owner want spam filtered), and the answers change only
when someone edits a domain, an account, a forward, a list or a spam setting. A message
costs a dozen ORM queries without a cache; with it, one small query.

How a change is noticed: database triggers (installed after every ``migrate``) give
the one row of :class:`hostpanel.servers.models.DirectoryGeneration` a new random
value on every write to a table in :data:`WATCHED`, in the writing transaction. A
cached answer is used only while that value is the one it was computed under, so a
change made anywhere (the panel, the API, ``manage.py``, another server process, a
bulk update, plain SQL) applies to the very next look-up, as soon as it is committed.
The value is random rather than a counter, so a rolled-back change never brings an
earlier value (and the answers cached under it) back. Without the row (a database
nothing has been written to yet, or one just flushed) nothing is cached.

Only functions returning frozen data may be cached, and their arguments must be
hashable. ``tests/mailcore/test_directory_cache.py`` checks that every table a cached
function reads is watched.
"""

from __future__ import annotations

import functools
import logging

from django.apps import apps
from django.db import Error as DatabaseError
from django.db import close_old_connections, connection, connections

log = logging.getLogger("mailcore.directory")

WATCHED = (
    "domains.Domain",
    "domains.Account",
    "routing.Routing",
    "routing.Forward",
    "routing.Autoresponder",
    "lists.MailingList",
    "spam.Blocklist",
    "spam.DomainSpamSettings",
    "spam.AccountSpamSettings",
)
MAX_ENTRIES = 50_000  # then the cache starts over (bounds memory under address spraying)

_TABLE = "servers_directorygeneration"
_READ = f"SELECT value FROM {_TABLE} WHERE id = 1"  # noqa: S608 (a constant)
_entries: dict[tuple, tuple[int, object]] = {}


def watched_tables() -> list[str]:
    """The tables of :data:`WATCHED` models and of their many-to-many links."""
    tables = []
    for label in WATCHED:
        meta = apps.get_model(label)._meta
        tables.append(meta.db_table)
        tables += [field.remote_field.through._meta.db_table for field in meta.local_many_to_many]
    return tables


def generation() -> int | None:
    """The directory's current generation; None when there is none (then nothing is cached)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(_READ)
            row = cursor.fetchone()
    except DatabaseError:
        close_old_connections()  # a dropped connection: the look-up itself retries
        return None
    return row[0] if row else None


def cached(func):
    """Cache ``func``'s answers per arguments while the directory's generation holds."""

    @functools.wraps(func)
    def wrapper(*args):
        current = generation()
        if current is None:
            return func(*args)
        key = (func, args)
        hit = _entries.get(key)
        if hit is not None and hit[0] == current:
            return hit[1]
        value = func(*args)
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        # Stored with the generation read before computing it: an answer computed while
        # a change was committed is newer than its generation, and is dropped at the next
        # look-up, which sees the change's generation.
        _entries[key] = (current, value)
        return value

    wrapper.uncached = func
    return wrapper


def clear() -> None:
    _entries.clear()


# The trigger SQL, per database engine. SQLite's random() and PostgreSQL's sequence both
# give a value no earlier generation had.
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN
  INSERT INTO {generation} (id, value) VALUES (1, random())
  ON CONFLICT (id) DO UPDATE SET value = excluded.value;
END
"""
_POSTGRESQL_FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS hostpanel_directory_generation_seq;
CREATE OR REPLACE FUNCTION hostpanel_directory_changed() RETURNS trigger AS $$
BEGIN
  INSERT INTO {generation} (id, value)
  VALUES (1, nextval('hostpanel_directory_generation_seq'))
  ON CONFLICT (id) DO UPDATE SET value = excluded.value;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_POSTGRESQL_TRIGGER = """
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION hostpanel_directory_changed()
"""


def install_triggers(using: str = "default") -> None:
    """Create the triggers on every watched table (idempotent; run after each migrate)."""
    target = connections[using]
    with target.cursor() as cursor:
        if target.vendor == "sqlite":
            for table in watched_tables():
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(_SQLITE_TRIGGER.format(
                        name=f"{table}_directory_{event.lower()}", event=event, table=table,
                        generation=_TABLE))
        elif target.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_FUNCTION.format(generation=_TABLE))
            for table in watched_tables():
                cursor.execute(_POSTGRESQL_TRIGGER.format(
                    name=f"{table}_directory_changed", table=table))
        else:  # no triggers: the look-ups are not cached (generation() stays None)
            log.warning("no directory triggers for the %s database: look-ups are not cached",
                        target.vendor)
