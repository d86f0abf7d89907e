"""The database part of a backup: Django's portable JSON, as ``dumpdata``/``loaddata`` do it.

Natural keys for content types and permissions (which are left out: ``migrate``
makes them), every row with its primary key, times to the microsecond. Written from one read
transaction (a consistent snapshot) and loaded in one transaction.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

# Made by migrate (content types, permissions), meaningless elsewhere (sessions and
# the session list built on them) or kept by triggers (the directory's generation):
# not in a backup.
EXCLUDED_APPS = {"contenttypes", "sessions", "usersessions"}
EXCLUDED_MODELS = {"auth.permission", "servers.directorygeneration"}

# Rows that hold the absolute path of a file in one of the trees: rewritten on restore
# when the trees live somewhere else than where the backup was taken.
PATH_FIELDS = {
    "lists.archivedpost": ("path", "lists"),
    "lists.pendingpost": ("path", "lists"),
    "quarantine.quarantinedmessage": ("path", "quarantine"),
}


class _ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder without its rounding of times to milliseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def backed_up_models() -> list:
    """The models a backup holds, in an order that loads (natural-key dependencies first)."""
    app_list = []
    for app_config in apps.get_app_configs():
        if app_config.label in EXCLUDED_APPS:
            continue
        models = [
            model for model in app_config.get_models()
            if not model._meta.proxy and model._meta.managed
            and model._meta.label_lower not in EXCLUDED_MODELS
            and router.allow_migrate_model(DEFAULT_DB_ALIAS, model)
        ]
        if models:
            app_list.append((app_config, models))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


@contextmanager
def snapshot(using: str = DEFAULT_DB_ALIAS):
    """One read transaction: every query inside sees the database as it was at its start.

    PostgreSQL: REPEATABLE READ, READ ONLY. SQLite: a plain (deferred) BEGIN, which
    takes a WAL read snapshot without the write lock the configured ``BEGIN IMMEDIATE``
    would take, so the mail servers keep writing meanwhile.
    """
    connection = connections[using]
    if connection.in_atomic_block:  # already inside a transaction (tests): that is the snapshot
        yield
        return
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        mode = connection.transaction_mode
        connection.transaction_mode = None
        try:
            with transaction.atomic(using=using):
                yield
        finally:
            connection.transaction_mode = mode
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def dump(stream: IO[str], using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Write every backed-up row as JSON to ``stream``; rows per model (``app.model``).

    Call inside :func:`snapshot`.
    """
    counts: Counter = Counter()

    def rows() -> Iterator:
        for model in backed_up_models():
            label = model._meta.label_lower
            counts[label] += 0
            queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
            for row in queryset.iterator(chunk_size=2000):
                counts[label] += 1
                yield row

    # Natural foreign keys (content types, permissions, accounts by user name), but every
    # row keeps its primary key: a one-to-one primary key (an account's Routing) is
    # written as the raw id, so accounts must keep theirs.
    serializers.serialize("json", rows(), stream=stream, indent=None, cls=_ExactEncoder,
                          use_natural_foreign_keys=True, use_natural_primary_keys=False)
    return dict(counts)


def unknown_migrations(applied: dict[str, list[str]], using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations the backup's database had that this code does not know (a newer version)."""
    known = set(MigrationLoader(connections[using], ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, names in applied.items() for name in names
            if (app, name) not in known]


def count_rows(objects: list) -> dict[str, int]:
    return dict(Counter(item["model"].lower() for item in objects))


def rewrite_paths(objects: list, old_roots: dict[str, str], new_roots: dict[str, str]) -> int:
    """Point file paths stored in rows at the trees' new places; how many were changed."""
    changed = 0
    for item in objects:
        field, tree = PATH_FIELDS.get(item["model"].lower(), (None, None))
        if field is None:
            continue
        old, new = old_roots.get(tree), new_roots.get(tree)
        value = item["fields"].get(field)
        if old and new and old != new and isinstance(value, str) and value.startswith(old + "/"):
            item["fields"][field] = new + value[len(old):]
            changed += 1
    return changed


def replace_all(objects: list, using: str = DEFAULT_DB_ALIAS) -> None:
    """Empty every table and load ``objects`` (as loaddata would). Call inside atomic().

    ``flush`` runs migrate's post-migrate step again, so content types and
    permissions are there for the rows' natural keys.
    """
    connection = connections[using]
    call_command("flush", interactive=False, verbosity=0, database=using)
    models = set()
    deferred = []
    with connection.constraint_checks_disabled():
        for obj in serializers.deserialize("python", objects, using=using,
                                           handle_forward_references=True):
            models.add(type(obj.object))
            obj.save(using=using)
            if obj.deferred_fields:
                deferred.append(obj)
        for obj in deferred:
            obj.save_deferred_fields(using=using)
    connection.check_constraints(table_names=[model._meta.db_table for model in models])
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
