"""Production settings: an unsafe configuration stops every process, a safe one passes
``check --deploy``, and ``manage.py web`` serves the panel the way production does.

Whole environments run manage.py (or gunicorn, or Celery) as a child process, as systemd or
Docker would start it; each unsafe setting on its own is then checked in this process
(a child process costs seconds).
"""

import datetime
import http.client
import secrets
import subprocess
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import load_command_class

from hostpanel.lib import env as envlib
from hostpanel.lib.devtls import make_certificate
from hostpanel.servers.checks import check_production_settings
from tests.infra.test_systemd_units import example_environment
from tests.support import CELERY, PYTHON, REPO, free_ports, fresh_environment, stop, wait_until

MANAGE = [PYTHON, "manage.py"]
PANEL_HOST = "panel.example.net"


def run(argv: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """A production environment that passes every check: a strong key in a file, the
    panel's host name, the mail ports on every address with a certificate that loads,
    static files collected."""
    folder = tmp_path_factory.mktemp("production")
    now = datetime.datetime.now(datetime.UTC)
    for name in ("tls", "other"):
        cert, key = make_certificate("mail.example.net", now)
        (folder / name).mkdir()
        (folder / name / "cert.pem").write_bytes(cert)
        (folder / name / "key.pem").write_bytes(key)
    (folder / "secret_key").write_text(secrets.token_urlsafe(50) + "\n")
    env = fresh_environment(
        folder / "home",
        HOSTPANEL_PRODUCTION="true",
        HOSTPANEL_SECRET_KEY_FILE=str(folder / "secret_key"),
        HOSTPANEL_ALLOWED_HOSTS=PANEL_HOST,
        HOSTPANEL_BEHIND_PROXY="true",
        HOSTPANEL_SMTP_HOST="0.0.0.0",
        HOSTPANEL_POP3_HOST="0.0.0.0",
        HOSTPANEL_TLS_CERT=str(folder / "tls" / "cert.pem"),
        HOSTPANEL_TLS_KEY=str(folder / "tls" / "key.pem"),
    )
    collected = run([*MANAGE, "collectstatic", "--noinput", "--verbosity", "0"], env)
    assert collected.returncode == 0, collected.stderr
    return folder, env


def test_a_safe_production_configuration_passes_the_deployment_checks(production):
    _folder, env = production
    done = run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_example_settings_in_deploy_pass_the_deployment_checks(production):
    """deploy/hostpanel.env with its files (key, certificate, state folder) made here."""
    folder, env = production
    values = example_environment()
    values.update(
        HOSTPANEL_HOME=env["HOSTPANEL_HOME"],
        HOSTPANEL_SECRET_KEY_FILE=env["HOSTPANEL_SECRET_KEY_FILE"],
        HOSTPANEL_TLS_CERT=env["HOSTPANEL_TLS_CERT"],
        HOSTPANEL_TLS_KEY=env["HOSTPANEL_TLS_KEY"],
        DATABASE_URL=f"sqlite:///{folder}/example.sqlite3",
    )
    done = run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
               fresh_environment(Path(env["HOSTPANEL_HOME"]), **values))
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_an_unsafe_production_environment_stops_manage_py_naming_each_variable(
        production, tmp_path):
    """No key, no host names, DEBUG on, no certificate: production takes no development
    default for any of them (nor generates a key), and says what to set."""
    _folder, env = production
    env = dict(env, HOSTPANEL_HOME=str(tmp_path / "home"), HOSTPANEL_DEBUG="true")
    for name in ("HOSTPANEL_SECRET_KEY_FILE", "HOSTPANEL_ALLOWED_HOSTS",
                 "HOSTPANEL_TLS_CERT", "HOSTPANEL_TLS_KEY"):
        del env[name]
    done = run([*MANAGE, "check"], env)
    assert done.returncode == 1
    for check_id, variable in (("servers.E001", "HOSTPANEL_DEBUG=false"),
                               ("servers.E002", "HOSTPANEL_SECRET_KEY_FILE"),
                               ("servers.E003", "HOSTPANEL_TLS_CERT"),
                               ("servers.E006", "HOSTPANEL_ALLOWED_HOSTS"),
                               ("servers.E007", "collectstatic")):
        assert check_id in done.stderr and variable in done.stderr, (check_id, done.stderr)
    assert not (tmp_path / "home" / "secret_key").exists()


def test_the_mail_servers_and_migrate_refuse_to_start_too(production):
    _folder, env = production
    env = dict(env, HOSTPANEL_ALLOWED_HOSTS="*")
    commands = (["smtpd", "--port", "0", "--submission-port", "0"], ["migrate", "--noinput"])
    processes = [subprocess.Popen([*MANAGE, *command], cwd=REPO, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for command in commands]
    for command, process in zip(commands, processes, strict=True):
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 1, (command, stdout, stderr)
        assert "servers.E006" in stderr and "HOSTPANEL_ALLOWED_HOSTS" in stderr, command


def test_gunicorn_started_without_manage_py_refuses_and_its_master_stops(production):
    _folder, env = production
    env = dict(env, HOSTPANEL_ALLOWED_HOSTS="*")
    (port,) = free_ports(1)
    done = run([PYTHON, "-m", "gunicorn", "hostpanel.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", "1"], env)
    # 3: a worker failed to boot, on which gunicorn's master stops instead of retrying.
    assert done.returncode == 3, done.stderr
    assert "hostpanel web: refusing to start" in done.stderr
    assert "HOSTPANEL_ALLOWED_HOSTS" in done.stderr


def test_celery_worker_and_beat_started_without_manage_py_refuse(production, tmp_path):
    _folder, env = production
    env = dict(env, HOSTPANEL_ALLOWED_HOSTS="*")
    argvs = {"worker": [CELERY, "-A", "hostpanel", "worker", "--pool", "solo"],
             "beat": [CELERY, "-A", "hostpanel", "beat", "--schedule", str(tmp_path / "s")]}
    processes = {name: subprocess.Popen(argv, cwd=REPO, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for name, argv in argvs.items()}
    for name, process in processes.items():
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 1, output
        assert f"hostpanel {name}: refusing to start" in output
        assert "HOSTPANEL_ALLOWED_HOSTS" in output


def _get(port: int, path: str, **headers) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": PANEL_HOST, **headers})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


@pytest.mark.timeout(90)
def test_manage_py_web_serves_the_panel_over_https_only_with_collected_static_files(
        production, tmp_path):
    _folder, env = production
    migrated = run([*MANAGE, "migrate", "--noinput", "--verbosity", "0"], env)
    assert migrated.returncode == 0, migrated.stderr
    (port,) = free_ports(1)
    log_path = tmp_path / "web.log"
    with open(log_path, "wb") as log:
        web = subprocess.Popen([*MANAGE, "web", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        def answers():
            assert web.poll() is None, log_path.read_text()
            try:
                return _get(port, "/accounts/login/")
            except OSError:
                return None

        plain = wait_until(answers, 30, "manage.py web to answer")
        # Plain http is sent to https; through the proxy (X-Forwarded-Proto) the page is served.
        assert plain.status == 301
        assert plain.getheader("Location") == f"https://{PANEL_HOST}/accounts/login/"
        page = _get(port, "/accounts/login/", **{"X-Forwarded-Proto": "https"})
        assert page.status == 200
        assert page.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
        html = page.body.decode()
        stylesheet = html.split('href="/static/hostpanel.', 1)[1].split('"', 1)[0]
        # The collected copy, with its content hash in the name, cached for good.
        assert stylesheet.endswith(".css") and len(stylesheet.split(".")) == 2
        css = _get(port, f"/static/hostpanel.{stylesheet}", **{"X-Forwarded-Proto": "https"})
        assert css.status == 200 and b"{" in css.body
        assert "immutable" in css.getheader("Cache-Control")
    finally:
        stop(web)
    assert web.returncode == 0, log_path.read_text()
    assert "GET /accounts/login/" in log_path.read_text()  # the access log, on stdout


@pytest.mark.parametrize("command", ["web", "worker", "beat"])
def test_the_process_commands_explain_their_options(command):
    parser = load_command_class("hostpanel.servers", command).create_parser("manage.py", command)
    text = parser.format_help()
    assert text.startswith(f"usage: manage.py {command}")
    assert "after --" in text


def test_development_needs_no_configuration(tmp_path):
    done = run([*MANAGE, "check"], fresh_environment(tmp_path / "home"))
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert (tmp_path / "home" / "secret_key").is_file()  # the development key, generated


# Each unsafe setting on its own, through the check itself (hostpanel/servers/checks.py).

@pytest.fixture
def safe(settings, production, tmp_path):
    """The settings of the safe production environment, in this process."""
    folder, _env = production
    settings.HOSTPANEL_PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.ALLOWED_HOSTS = [PANEL_HOST]
    settings.HOSTPANEL_SMTP_HOST = settings.HOSTPANEL_POP3_HOST = "0.0.0.0"
    settings.HOSTPANEL_TLS_CERT = str(folder / "tls" / "cert.pem")
    settings.HOSTPANEL_TLS_KEY = str(folder / "tls" / "key.pem")
    settings.STATIC_ROOT = folder / "home" / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    return settings


def problems() -> list[str]:
    return [f"{message.id} {message.msg} {message.hint}"
            for message in check_production_settings()]


def test_the_safe_settings_raise_nothing(safe):
    assert problems() == []


UNSAFE = {
    "debug on": ({"DEBUG": True}, "servers.E001", "HOSTPANEL_DEBUG"),
    "no secret key": ({"SECRET_KEY": ""}, "servers.E002", "HOSTPANEL_SECRET_KEY"),
    "short secret key": ({"SECRET_KEY": "s3cret-but-short"}, "servers.E002", "shorter than 50"),
    "django's insecure key": ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10},
                              "servers.E002", "django-insecure-"),
    "a key of one character": ({"SECRET_KEY": "a" * 60}, "servers.E002", "different characters"),
    "no certificate": ({"HOSTPANEL_TLS_CERT": "", "HOSTPANEL_TLS_KEY": ""}, "servers.E003",
                       "HOSTPANEL_TLS_CERT"),
    "certificate for implicit TLS only": (
        {"HOSTPANEL_TLS_CERT": "", "HOSTPANEL_TLS_KEY": "", "HOSTPANEL_SMTP_HOST": "127.0.0.1",
         "HOSTPANEL_POP3_HOST": "::1", "HOSTPANEL_POP3S_PORT": 995},
        "servers.E003", "HOSTPANEL_POP3S_PORT"),
    "a key without its certificate": ({"HOSTPANEL_TLS_CERT": ""}, "servers.E003",
                                      "HOSTPANEL_TLS_KEY is set but HOSTPANEL_TLS_CERT"),
    "missing certificate file": ({"HOSTPANEL_TLS_CERT": "/nonexistent/cert.pem"},
                                 "servers.E004", "HOSTPANEL_TLS_CERT cannot be read"),
    "missing key file": ({"HOSTPANEL_TLS_KEY": "/nonexistent/key.pem"},
                         "servers.E004", "HOSTPANEL_TLS_KEY cannot be read"),
    "key of another certificate": ({"HOSTPANEL_TLS_KEY": "{folder}/other/key.pem"},
                                   "servers.E005", "do not load together"),
    "any host": ({"ALLOWED_HOSTS": ["panel.example.net", "*"]}, "servers.E006",
                 "HOSTPANEL_ALLOWED_HOSTS"),
    "no host": ({"ALLOWED_HOSTS": []}, "servers.E006", "HOSTPANEL_ALLOWED_HOSTS"),
    "static files not collected": ({"STATIC_ROOT": "{folder}/nowhere"}, "servers.E007",
                                   "collectstatic"),
}


@pytest.mark.parametrize("case", UNSAFE, ids=list(UNSAFE))
def test_each_unsafe_setting_is_an_error_in_production(safe, production, case):
    changes, check_id, text = UNSAFE[case]
    folder, _env = production
    for name, value in changes.items():
        setattr(safe, name, value.format(folder=folder) if isinstance(value, str) else value)
    found = problems()
    assert len(found) == 1, found
    assert found[0].startswith(check_id) and text in found[0], found
    assert all(message.level == checks.ERROR for message in check_production_settings())


def test_outside_production_only_a_broken_certificate_is_reported_as_a_warning(safe):
    safe.HOSTPANEL_PRODUCTION = False
    safe.DEBUG, safe.SECRET_KEY, safe.ALLOWED_HOSTS = True, "", ["*"]
    assert check_production_settings() == []
    safe.HOSTPANEL_TLS_CERT = "/nonexistent/cert.pem"
    (message,) = check_production_settings()
    assert message.level == checks.WARNING and message.id == "servers.W004"


def test_the_mail_servers_on_loopback_need_no_certificate(safe):
    safe.HOSTPANEL_TLS_CERT = safe.HOSTPANEL_TLS_KEY = ""
    for host in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.53"):
        safe.HOSTPANEL_SMTP_HOST = safe.HOSTPANEL_POP3_HOST = host
        assert problems() == [], host
    safe.HOSTPANEL_SMTP_HOST = ""
    assert "every address" in problems()[0]


# NAME_FILE, for every setting (hostpanel/lib/env.py).

def test_a_setting_is_read_from_the_file_named_by_its_file_variable(monkeypatch, tmp_path):
    (tmp_path / "value").write_text("  redis://secret@redis:6379/0\n")
    monkeypatch.delenv("HOSTPANEL_EXAMPLE", raising=False)
    monkeypatch.setenv("HOSTPANEL_EXAMPLE_FILE", str(tmp_path / "value"))
    assert envlib.env_str("HOSTPANEL_EXAMPLE") == "redis://secret@redis:6379/0"
    (tmp_path / "value").write_text("42\n")
    assert envlib.env_int("HOSTPANEL_EXAMPLE", 0) == 42
    (tmp_path / "value").write_text("")
    assert envlib.env_str("HOSTPANEL_EXAMPLE", "default") == "default"
    assert envlib.env_str("HOSTPANEL_EXAMPLE", "default", empty_allowed=True) == ""


def test_a_file_variable_that_cannot_be_read_is_an_error_naming_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HOSTPANEL_EXAMPLE_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=r"HOSTPANEL_EXAMPLE_FILE: cannot read .*missing "
                                         r"\(No such file or directory\)"):
        envlib.env_str("HOSTPANEL_EXAMPLE")


def test_a_setting_given_both_ways_is_an_error(monkeypatch, tmp_path):
    (tmp_path / "value").write_text("one")
    monkeypatch.setenv("HOSTPANEL_EXAMPLE_FILE", str(tmp_path / "value"))
    monkeypatch.setenv("HOSTPANEL_EXAMPLE", "two")
    with pytest.raises(ValueError, match="Both HOSTPANEL_EXAMPLE and HOSTPANEL_EXAMPLE_FILE"):
        envlib.env_str("HOSTPANEL_EXAMPLE")
