"""The services table: up with the real servers, down when nothing listens, and bounded."""

import threading
from datetime import timedelta

from django.utils import timezone

from hostpanel.operator import probes
from hostpanel.operator.models import Heartbeat
from tests.operator.helpers import page_text, service
from tests.support import free_ports


def test_smtp_submission_and_pop3_are_up_when_the_real_servers_answer(
        operator_client, start_smtp, pop3_factory, settings):
    smtp = start_smtp()
    pop3 = pop3_factory()
    settings.HOSTPANEL_SMTP_PORT = smtp.mx_port
    settings.HOSTPANEL_SUBMISSION_PORT = smtp.submission_port
    settings.HOSTPANEL_POP3_PORT = pop3.port
    response = operator_client.get("/status/")
    state, answer = service(response, "smtp")
    assert state == "up" and answer.startswith("220 mx.test.example")
    state, answer = service(response, "submission")
    assert state == "up" and answer.startswith("220 mx.test.example")
    state, answer = service(response, "pop3")
    assert state == "up" and answer.startswith("+OK")
    assert f"127.0.0.1:{pop3.port}" in page_text(response)


def test_every_mail_server_is_down_when_nothing_listens(operator_client):
    response = operator_client.get("/status/")
    for key in ("smtp", "submission", "pop3"):
        assert service(response, key) == ("down", "Connection refused")
    assert "4 services are down." in page_text(response)  # and beat, which never ran


def test_a_server_that_never_greets_is_down_after_the_probe_timeout(
        operator_client, settings, silent_listener):
    assert probes.PROBE_TIMEOUT <= 2
    settings.HOSTPANEL_POP3_PORT = silent_listener
    assert service(operator_client.get("/status/"), "pop3") == (
        "down", "no answer within 1.5 s")


def test_a_smtp_port_that_answers_like_pop3_is_down(pop3_factory, operator_client, settings):
    settings.HOSTPANEL_SMTP_PORT = pop3_factory().port
    state, answer = service(operator_client.get("/status/"), "smtp")
    assert state == "down" and answer.startswith("unexpected greeting: +OK")


def test_a_probe_still_running_at_the_deadline_is_reported_down(db, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(probes, "DEADLINE", 0.2)
    monkeypatch.setattr(probes, "services", lambda: [
        ("stuck", "Stuck", "", lambda: release.wait(30) and (probes.UP, "late")),
        ("quick", "Quick", "", lambda: (probes.UP, "fine")),
    ])
    try:
        services, jobs = probes.run_all({"walk": lambda: release.wait(30)})
    finally:
        release.set()
    assert [(s.key, s.state, s.detail) for s in services] == [
        ("stuck", "down", "no answer within 0.2 s"), ("quick", "up", "fine")]
    assert jobs == {"walk": None}


def test_the_database_answers(operator_client):
    state, answer = service(operator_client.get("/status/"), "database")
    assert state == "up"
    assert answer.split()[0] in {"sqlite", "postgresql"} and answer.endswith(" ms")


def test_the_cache_is_off_without_redis_and_down_when_redis_does_not_answer(
        operator_client, settings):
    assert service(operator_client.get("/status/"), "cache") == (
        "off", "not configured: each process keeps its own cache in memory")
    settings.REDIS_URL = f"redis://:secret@127.0.0.1:{free_ports(1)[0]}/0"
    response = operator_client.get("/status/")
    state, answer = service(response, "cache")
    assert state == "down" and "Connection refused" in answer
    assert "secret" not in response.content.decode()


def test_the_broker_says_no_worker_answered_when_none_runs(operator_client):
    state, answer = service(operator_client.get("/status/"), "broker")
    assert (state, answer) == ("warning", "broker reachable; no worker answered within 1 s")


def test_the_broker_is_down_when_it_cannot_be_reached(operator_client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_ports(1)[0]}/0"
    state, answer = service(operator_client.get("/status/"), "broker")
    assert state == "down" and "Connection refused" in answer


def test_clamd_is_up_with_its_version_and_down_when_stopped(operator_client, settings, clamd):
    assert service(operator_client.get("/status/"), "clamd") == (
        "off", "not configured: mail is accepted unscanned")
    settings.HOSTPANEL_CLAMD = clamd.setting
    state, answer = service(operator_client.get("/status/"), "clamd")
    assert state == "up" and answer.startswith("ClamAV 1.")
    settings.HOSTPANEL_CLAMD = f"127.0.0.1:{free_ports(1)[0]}"
    state, answer = service(operator_client.get("/status/"), "clamd")
    assert state == "down" and "Connect call failed" in answer


def test_beat_is_down_until_its_heartbeat_ran_and_again_when_it_stops(transactional_db,
                                                                       operator_client):
    assert service(operator_client.get("/status/"), "beat") == (
        "down", "never ran: is Celery beat running, and a worker?")
    Heartbeat.beat(timezone.now() - timedelta(seconds=30))
    assert service(operator_client.get("/status/"), "beat") == ("up", "last ran 0\xa0minutes ago")
    Heartbeat.beat(timezone.now() - timedelta(minutes=10))
    assert service(operator_client.get("/status/"), "beat") == (
        "down", "last ran 10\xa0minutes ago")
