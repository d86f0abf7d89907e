"""``manage.py demo reset``, the Celery task and its place in beat's schedule."""

from io import StringIO

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command

from hostpanel.demo import DEMO_DOMAIN, tasks
from hostpanel.domains.models import Domain
from tests.demo.reset_support import demo_home_fixture  # noqa: F401


def _run(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_the_command_refuses_to_reset_outside_demo_mode(demo_home, settings, db):
    settings.HOSTPANEL_DEMO = False
    with pytest.raises(CommandError, match="HOSTPANEL_DEMO.*--force"):
        _run("reset")
    assert not Domain.objects.filter(name=DEMO_DOMAIN).exists()


def test_the_command_resets_in_demo_mode_and_says_how_long_it_took(demo_home, db):
    output = _run("reset")
    assert f"Restored {DEMO_DOMAIN} to the demo fixture in " in output
    assert output.strip().endswith(" s.")
    assert Domain.objects.filter(name=DEMO_DOMAIN).exists()


def test_force_resets_outside_demo_mode(demo_home, settings, db):
    settings.HOSTPANEL_DEMO = False
    assert "Restored" in _run("reset", "--force")
    assert Domain.objects.filter(name=DEMO_DOMAIN).exists()


def test_the_command_needs_an_action(demo_home, db):
    with pytest.raises(CommandError, match="manage.py demo reset"):
        _run()


def test_the_command_refuses_an_unknown_action(demo_home, db):
    with pytest.raises(CommandError, match="invalid choice: 'restore'"):
        _run("restore")


def test_the_task_does_nothing_outside_demo_mode(demo_home, settings, db):
    settings.HOSTPANEL_DEMO = False
    assert tasks.reset.apply().get() is None
    assert not Domain.objects.filter(name=DEMO_DOMAIN).exists()


def test_the_task_resets_the_demo_in_demo_mode(demo_home, db):
    assert tasks.reset.apply().get() > 0
    assert Domain.objects.get(name=DEMO_DOMAIN).accounts.filter(local_part="jane").exists()


def test_beat_resets_the_demo_on_every_quarter_hour(settings):
    from hostpanel.celery import app

    entry = app.conf.beat_schedule["reset-demo"]
    assert entry["task"] == tasks.reset.name == "hostpanel.demo.tasks.reset"
    assert entry["schedule"] == crontab(minute="*/15")
    assert entry["schedule"].minute == {0, 15, 30, 45}
    assert settings.HOSTPANEL_DEMO_RESET_MINUTES == 15  # what the banner's countdown uses
