"""Everything an instance holds, as plain data to compare two instances.

Run in the test process (the instance backed up) and in a child process on the
restored HOSTPANEL_HOME (``python -c``), so it reads the models and folders with
Django's serializer and os.walk, not with the backup code under test.
"""

import hashlib
import json
import os
from pathlib import Path

# Not in a backup: made by migrate, or sessions.
_LEFT_OUT = {"contenttypes", "sessions", "usersessions"}
# Rebuilt by the servers; lock files (*.lock) are made again too.
_NOT_STATE = {"maildirsize"}
# Rows that name a file by absolute path: compared as "<tree>/<path below it>".
_PATH_ROWS = {"lists.archivedpost": "lists", "lists.pendingpost": "lists",
              "quarantine.quarantinedmessage": "quarantine"}


def roots() -> dict[str, Path]:
    from django.conf import settings

    return {"mail": Path(settings.HOSTPANEL_MAIL_ROOT), "spool": Path(settings.HOSTPANEL_SPOOL),
            "quarantine": Path(settings.HOSTPANEL_QUARANTINE),
            "lists": Path(settings.HOSTPANEL_LISTS),
            "spam": Path(settings.HOSTPANEL_SPAM_MODELS)}


# Made by migrate, or the directory's generation (a new random value on every write).
_DERIVED = {"auth.permission", "servers.directorygeneration"}


def rows() -> dict[str, list]:
    from django.apps import apps
    from django.core import serializers

    found = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in _LEFT_OUT or label in _DERIVED:
            continue
        data = json.loads(serializers.serialize(
            "json", model._base_manager.order_by("pk"), use_natural_foreign_keys=True))
        for item in data:
            tree = _PATH_ROWS.get(label)
            if tree:
                path = Path(item["fields"]["path"])
                item["fields"]["path"] = f"{tree}/{path.relative_to(roots()[tree])}"
                item["fields"]["file"] = _digest(path.read_bytes())
        found[label] = data
    return found


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files() -> dict[str, str]:
    found = {}
    for name, root in roots().items():
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d != "tmp"]  # messages being written
            for file in names:
                if file in _NOT_STATE or file.endswith(".lock"):
                    continue
                path = Path(folder) / file
                found[f"{name}/{path.relative_to(root)}"] = _digest(path.read_bytes())
    return found


def describe() -> dict:
    return {"rows": rows(), "files": files()}


if __name__ == "__main__":
    import django

    django.setup()
    print("STATE " + json.dumps(describe()))
