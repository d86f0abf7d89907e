"""A real Celery worker: it answers the page's ping, and runs the beat heartbeat."""

import os
import subprocess

import pytest
from django.conf import settings

from hostpanel.operator import tasks
from hostpanel.operator.models import Heartbeat
from tests.operator.helpers import service
from tests.support import CELERY, REPO, database_url_for_children, stop, wait_until


def _start_worker(log_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings",
               HOSTPANEL_HOME=str(settings.HOSTPANEL_HOME),
               DATABASE_URL=database_url_for_children())
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [CELERY, "-A", "hostpanel", "worker", "--pool=solo", "--loglevel=INFO",
             "--hostname=status-test@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.timeout(120)
def test_a_running_worker_answers_and_the_heartbeat_it_runs_shows_beat_up(
        transactional_db, operator_client, tmp_path):
    worker = _start_worker(tmp_path / "worker.log")
    try:
        tasks.heartbeat.delay()
        wait_until(lambda: Heartbeat.objects.filter(pk="beat").exists() or
                   worker.poll() is not None, 60, "the worker to run the heartbeat")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        response = operator_client.get("/status/")
    finally:
        stop(worker)
    state, answer = service(response, "broker")
    assert state == "up"
    assert answer.startswith("1 worker answered: status-test@")
    assert service(response, "beat") == ("up", "last ran 0\xa0minutes ago")
