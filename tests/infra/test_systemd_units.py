"""deploy/: the systemd units of a plain host, and the example /etc/hostpanel/hostpanel.env."""

import configparser
import re
import shlex
import shutil
import subprocess
import sys

import pytest
from django.core.management import get_commands, load_command_class

from tests.support import REPO

DEPLOY = REPO / "deploy"
PROCESSES = ["web", "smtpd", "pop3d", "worker", "beat"]
PYTHON = "/opt/hostpanel/.venv/bin/python"
HARDENING = {"NoNewPrivileges": "true", "ProtectSystem": "strict",
             "ReadWritePaths": "/var/lib/hostpanel", "PrivateTmp": "true"}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(), source=name)
    return parser


def manage_py_command(exec_start: str) -> list[str]:
    """The manage.py arguments of an ExecStart line (after the interpreter and manage.py)."""
    argv = shlex.split(exec_start)
    assert argv[:2] == [PYTHON, "manage.py"], exec_start
    return argv[2:]


def test_there_is_a_unit_for_every_process_and_a_target_that_starts_them_all():
    services = {path.name for path in DEPLOY.glob("hostpanel-*.service")}
    assert {f"hostpanel-{name}.service" for name in PROCESSES} <= services
    wanted = unit("hostpanel.target")["Unit"]["Wants"].split()
    assert sorted(wanted) == sorted(f"hostpanel-{name}.service" for name in PROCESSES)
    assert unit("hostpanel.target")["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("name", PROCESSES)
def test_each_process_runs_its_manage_py_command_as_the_hostpanel_user(name):
    service = unit(f"hostpanel-{name}.service")["Service"]
    assert service["User"] == "hostpanel"
    assert service["EnvironmentFile"] == "/etc/hostpanel/hostpanel.env"
    assert service["WorkingDirectory"] == "/opt/hostpanel"
    assert service["Restart"] == "on-failure"
    command, *options = manage_py_command(service["ExecStart"])
    assert command == name
    assert command in get_commands()
    # The options given there are ones the command accepts.
    parser = load_command_class(get_commands()[command], command).create_parser("manage.py",
                                                                                 command)
    parser.parse_args(options)


@pytest.mark.parametrize("name", PROCESSES)
def test_each_process_is_confined(name):
    parsed = unit(f"hostpanel-{name}.service")
    service = parsed["Service"]
    for key, value in HARDENING.items():
        assert service[key] == value, (name, key)
    after = parsed["Unit"]["After"].split()
    assert "network-online.target" in after and "postgresql.service" in after
    assert {"redis.service", "redis-server.service"} & set(after)
    assert parsed["Unit"]["PartOf"] == "hostpanel.target"
    # Only the mail servers bind ports below 1024, and get just that capability.
    if name in {"smtpd", "pop3d"}:
        assert service["AmbientCapabilities"] == "CAP_NET_BIND_SERVICE"
        assert service["CapabilityBoundingSet"] == "CAP_NET_BIND_SERVICE"
    else:
        assert "AmbientCapabilities" not in service
        assert service["CapabilityBoundingSet"] == ""


def test_the_web_panel_listens_on_loopback_for_the_tls_proxy():
    service = unit("hostpanel-web.service")["Service"]
    assert manage_py_command(service["ExecStart"]) == ["web", "--bind", "127.0.0.1:8000"]


def test_the_optional_backup_timer_runs_manage_py_backup_nightly():
    timer = unit("hostpanel-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 03:30:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = unit("hostpanel-backup.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == "hostpanel"
    assert manage_py_command(service["ExecStart"]) == ["backup"]
    assert "backup" in get_commands()
    assert service["ReadWritePaths"] == "/var/lib/hostpanel"  # backups go to HOSTPANEL_HOME


def example_environment() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "hostpanel.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, separator, value = line.partition("=")
            assert separator and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), line
            assert name not in values, f"{name} twice"
            values[name] = value
    return values


def test_the_example_environment_names_only_settings_that_exist():
    settings_source = (REPO / "hostpanel" / "settings.py").read_text()
    for name in example_environment():
        assert f'"{name.removesuffix("_FILE")}"' in settings_source, name


def test_the_example_environment_is_a_production_one_with_secrets_in_files():
    values = example_environment()
    assert values["HOSTPANEL_PRODUCTION"] == "true"
    assert values["HOSTPANEL_HOME"] == HARDENING["ReadWritePaths"]
    assert values["HOSTPANEL_SECRET_KEY_FILE"].startswith("/etc/hostpanel/")
    assert "HOSTPANEL_SECRET_KEY" not in values and "HOSTPANEL_DEBUG" not in values
    assert values["HOSTPANEL_TLS_CERT"] and values["HOSTPANEL_TLS_KEY"]
    assert {values["HOSTPANEL_SMTP_PORT"], values["HOSTPANEL_SUBMISSION_PORT"],
            values["HOSTPANEL_SUBMISSIONS_PORT"]} == {"25", "587", "465"}
    assert {values["HOSTPANEL_POP3_PORT"], values["HOSTPANEL_POP3S_PORT"]} == {"110", "995"}


def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify, on copies whose interpreter is this one (it checks the path)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: install the systemd package"
    copies = []
    for path in sorted(DEPLOY.iterdir()):
        if path.suffix in {".service", ".target", ".timer"}:
            copy = tmp_path / path.name
            copy.write_text(path.read_text().replace(PYTHON, sys.executable))
            copies.append(str(copy))
    done = subprocess.run([analyze, "verify", "--man=no", "--generators=no", *copies],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    # Unknown keys and bad values are only warnings to systemd: none are allowed here.
    assert done.stdout + done.stderr == ""
