"""Running manage.py on another HOSTPANEL_HOME, and building an instance worth backing up."""

import io
import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

from tests.support import PYTHON, REPO, fresh_environment


def manage(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` as a child process on ``home`` (its own SQLite database)."""
    return subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=fresh_environment(home),
                          capture_output=True, text=True, timeout=timeout)


def state_of(home: Path) -> dict:
    """tests.backup.state.describe() of the instance at ``home``, read by a child process."""
    result = subprocess.run(
        [PYTHON, "-m", "tests.backup.state"], cwd=REPO, capture_output=True, text=True,
        env=fresh_environment(home, DJANGO_SETTINGS_MODULE="hostpanel.settings"), timeout=60)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("STATE ")]
    return json.loads(line.removeprefix("STATE "))


def start_pop3d(home: Path) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [PYTHON, "manage.py", "pop3d", "--host", "127.0.0.1", "--port", "0"], cwd=REPO,
        env=fresh_environment(home, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line = process.stdout.readline()
    match = re.fullmatch(r"pop3d listening on 127\.0\.0\.1:(\d+)\n", first_line)
    if not match:
        process.kill()
        raise AssertionError(first_line + process.stderr.read())
    return process, int(match.group(1))


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {member.name: tar.extractfile(member).read() for member in tar}


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` with its members passed through ``change(list of (info, data))``."""
    with tarfile.open(archive, "r:gz") as tar:
        items = [(member, tar.extractfile(member).read()) for member in tar]
    with tarfile.open(target, "w:gz") as tar:
        for info, data in change(items):
            if info.isreg():
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return target


def tree_snapshot(*roots: Path) -> dict[str, bytes]:
    """Every file (and folder) under ``roots``' parents: proof that nothing was written."""
    found = {}
    for root in {root.parent for root in roots}:
        for folder, _dirs, names in os.walk(root):
            found[folder] = b"<dir>"
            for name in names:
                path = Path(folder) / name
                found[str(path)] = path.read_bytes()
    return found
