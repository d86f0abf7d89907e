"""What ``smtpd`` and ``pop3d`` do before they listen, kept small for their memory: the
system checks but the URL configuration's (importing every view of the panel costs 15 MB),
and no NumPy in pop3d (only the language model needs it, loaded by smtpd)."""

import subprocess

import pytest

from tests.support import PYTHON, REPO, fresh_environment

COMMANDS = [["smtpd", "--port", "0", "--submission-port", "0"], ["pop3d", "--port", "0"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_mail_server_refuses_an_unsafe_production_configuration(command, tmp_path):
    env = fresh_environment(tmp_path / "home", HOSTPANEL_PRODUCTION="true",
                            HOSTPANEL_DEBUG="true")
    done = subprocess.run([PYTHON, "manage.py", *command, "--host", "127.0.0.1"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert "listening" not in done.stdout
    assert "servers.E001" in done.stderr and "HOSTPANEL_DEBUG" in done.stderr
    assert "servers.E002" in done.stderr


def test_pop3d_does_not_load_numpy(tmp_path):
    code = ("import sys, django; django.setup(); "
            "from django.core.management import load_command_class; "
            "load_command_class('hostpanel.servers', 'pop3d'); "
            "import mailcore.directory, mailcore.pop3.server; "
            "print('numpy' in sys.modules, 'py3langid' in sys.modules)")
    env = fresh_environment(tmp_path / "home", DJANGO_SETTINGS_MODULE="hostpanel.settings")
    done = subprocess.run([PYTHON, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "False"]
