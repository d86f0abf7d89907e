"""Only the operator (a superuser) sees the status page; everyone else gets 404."""

from django.contrib.auth import get_user_model

from hostpanel.celery import app
from hostpanel.operator import tasks
from hostpanel.operator.models import Heartbeat
from tests.conftest import PASSWORD

HEARTBEAT_TASK = "hostpanel.operator.tasks.heartbeat"


def test_the_operator_sees_the_page_and_finds_it_in_the_navigation(operator_client):
    response = operator_client.get("/status/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>System status</h1>" in text
    assert '<a href="/status/" aria-current="page">System status</a>' in text


def test_a_postmaster_and_a_mail_user_get_404_and_no_link(client, postmaster, jane):
    for account in (postmaster, jane):
        client.force_login(account)
        assert client.get("/status/").status_code == 404
        assert 'href="/status/"' not in client.get("/me/").content.decode()


def test_a_reseller_or_staff_login_that_is_not_a_superuser_gets_404(client, db):
    # A reseller logs in with an account without a domain, as staff may: not a superuser.
    staff = get_user_model().objects.create_user("reseller", PASSWORD, is_staff=True)
    client.force_login(staff)
    assert client.get("/status/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get("/status/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_answers_only_get_and_head(operator_client):
    assert operator_client.post("/status/").status_code == 405


def test_the_heartbeat_task_records_the_time_and_beat_runs_it_every_minute(db):
    assert tasks.heartbeat() == Heartbeat.objects.get(pk="beat").at.isoformat()
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == HEARTBEAT_TASK]
    assert entry["schedule"] == 60.0
    app.loader.import_default_modules()
    assert HEARTBEAT_TASK in app.tasks
