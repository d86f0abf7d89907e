"""docker-compose.yml and the Dockerfile, checked by reading them (no Docker engine here)."""

import re

import pytest
import yaml
from django.core.management import get_commands

from tests.support import REPO

APP_SERVICES = ["web", "worker", "beat", "smtpd", "pop3d"]
LONG_RUNNING = ["postgres", "redis", *APP_SERVICES, "clamav"]
LOOPBACK = {"127.0.0.1", "::1", "[::1]", "localhost"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def published(service: dict) -> list[tuple[str, int]]:
    """(host address, container port) for each port a service publishes."""
    result = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            result.append((entry.get("host_ip", "0.0.0.0"), int(entry["target"])))
            continue
        parts = str(entry).rsplit(":", 2)
        target = int(parts[-1].split("/")[0])
        result.append((parts[0] if len(parts) == 3 else "0.0.0.0", target))
    return result


def mounts(service: dict) -> dict[str, str]:
    """container path -> source for each volume of a service."""
    found = {}
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            found[entry["target"]] = entry.get("source", "")
        else:
            source, target = str(entry).split(":")[:2]
            found[target] = source
    return found


def test_every_process_of_the_product_is_a_service(services):
    for name in LONG_RUNNING:
        assert name in services, name


def test_the_app_services_run_one_image_built_from_the_dockerfile(services):
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    assert all(services[name]["build"] == "." for name in APP_SERVICES)
    commands = {name: " ".join(services[name]["command"]) for name in APP_SERVICES}
    for name in APP_SERVICES:
        # The same manage.py commands as the systemd units in deploy/.
        assert commands[name].startswith(f"python manage.py {name}"), commands[name]
    assert set(APP_SERVICES) <= set(get_commands())


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_each_long_running_service_restarts_and_has_a_health_check(services, name):
    service = services[name]
    assert service["restart"] in {"always", "unless-stopped"}
    test = service["healthcheck"]["test"]
    assert test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1


def test_the_database_and_redis_are_not_published_to_the_world(services):
    assert "ports" not in services["postgres"]
    assert "ports" not in services["redis"]
    for name, service in services.items():
        for host, port in published(service):
            assert not (port in {5432, 6379} and host not in LOOPBACK), name


def test_the_panel_is_published_on_loopback_for_a_proxy_in_front(services):
    assert published(services["web"]) == [("127.0.0.1", 8000)]


def test_the_mail_servers_publish_the_standard_ports(services):
    assert {port for _host, port in published(services["smtpd"])} == {25, 465, 587}
    assert {port for _host, port in published(services["pop3d"])} == {110, 995}
    assert services["smtpd"]["environment"]["HOSTPANEL_SMTP_HOST"] == "0.0.0.0"
    assert services["pop3d"]["environment"]["HOSTPANEL_POP3_HOST"] == "0.0.0.0"


def test_mail_spool_and_quarantine_are_named_volumes_where_they_are_used(compose, services):
    home = services["web"]["environment"]["HOSTPANEL_HOME"]
    for name in ("web", "worker", "smtpd", "pop3d", "beat"):
        mounted = mounts(services[name])
        for folder in ("mail", "spool", "quarantine"):
            assert mounted.get(f"{home}/{folder}") == folder, (name, folder)
    assert mounts(services["postgres"])["/var/lib/postgresql/data"] in compose["volumes"]
    assert mounts(services["clamav"])["/var/lib/clamav"] in compose["volumes"]
    for service in services.values():
        for source in mounts(service).values():
            assert source.startswith(".") or source in compose["volumes"], source


def test_the_app_reaches_postgres_and_redis_with_secrets_from_files(compose, services):
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL_FILE"].startswith("/run/secrets/")
        assert env["HOSTPANEL_SECRET_KEY_FILE"].startswith("/run/secrets/")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["HOSTPANEL_TLS_CERT"] and env["HOSTPANEL_TLS_KEY"]
        assert "SECRET_KEY" not in env and "DATABASE_URL" not in env
        for secret in services[name]["secrets"]:
            assert secret in compose["secrets"]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")


def test_migrations_run_once_before_the_processes_start(services):
    assert "migrate" in services["migrate"]["command"]
    assert services["migrate"]["restart"] == "no"
    for name in APP_SERVICES:
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_clamav_runs_clamd_with_freshclam(services):
    assert services["clamav"]["image"].startswith("clamav/clamav:")
    assert services["clamav"]["environment"]["CLAMAV_NO_FRESHCLAMD"] == "false"


def test_the_image_is_python_slim_installed_with_pip_and_runs_unprivileged():
    text = (REPO / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in text.splitlines()
                    if line.strip() and not line.startswith((" ", "#"))]
    assert instructions[0] == ["FROM", "python:3.11-slim"]
    assert re.search(r"^RUN pip install \.$", text, re.MULTILINE)
    users = [arg for keyword, arg in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git", "secrets"} <= set(ignored)


def test_the_mail_servers_scan_with_the_clamav_service(compose):
    env = compose["services"]["smtpd"]["environment"]
    host, _, port = env["HOSTPANEL_CLAMD"].partition(":")
    assert host == "clamav" and "clamav" in compose["services"]
    assert port == "3310"


def test_every_service_but_the_one_shot_migration_restarts_and_is_health_checked(services):
    for name, service in services.items():
        if name == "migrate":
            assert service["restart"] == "no" and "healthcheck" not in service
            continue
        assert service["restart"] in {"always", "unless-stopped"}, name
        assert service["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_only_the_mail_ports_are_published_beyond_loopback(services):
    public = {(name, port) for name, service in services.items()
              for host, port in published(service) if host not in LOOPBACK}
    assert public == {("smtpd", 25), ("smtpd", 587), ("smtpd", 465),
                      ("pop3d", 110), ("pop3d", 995)}


def test_every_app_process_runs_with_the_production_settings(services):
    for name in [*APP_SERVICES, "migrate"]:
        env = services[name]["environment"]
        assert env["HOSTPANEL_PRODUCTION"] == "true", name
        # The panel is reached through the TLS proxy in front, which says the request was https.
        assert env["HOSTPANEL_BEHIND_PROXY"] == "true", name
        assert "HOSTPANEL_DEBUG" not in env, name
        # No default that would start the panel for a host name nobody uses.
        assert ":?" in env["HOSTPANEL_ALLOWED_HOSTS"], name


def test_no_secret_is_written_into_the_compose_file(services):
    secret_words = ("PASSWORD", "SECRET", "DATABASE_URL", "TOKEN")
    for name, service in services.items():
        for key in service.get("environment", {}):
            if any(word in key for word in secret_words):
                assert key.endswith("_FILE"), (name, key)
                assert service["environment"][key].startswith("/run/secrets/"), (name, key)


def test_the_image_collects_the_static_files_with_the_production_settings():
    text = (REPO / "Dockerfile").read_text()
    collect = [line for line in text.splitlines() if "collectstatic" in line]
    assert collect == ["RUN HOSTPANEL_PRODUCTION=true python manage.py collectstatic "
                       "--noinput --verbosity 0"]
    assert re.search(r"^ENV HOSTPANEL_PRODUCTION=true$", text, re.MULTILINE)
    assert 'CMD ["python", "manage.py", "web",' in text
