"""The dashboard's pictures: mail per day for 30 days, quota use per account."""

import re
import time
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from hostpanel.dashboard import services
from hostpanel.dashboard.charts import BOTTOM, HEIGHT, TOP, line_chart, nice_top
from hostpanel.dashboard.models import DailyMailCount
from hostpanel.domains.models import Account
from mailcore.maildir import Maildir, maildir_path

URL = "/domains/example.com/"
PLOT_BOTTOM = HEIGHT - BOTTOM
PLOT_HEIGHT = PLOT_BOTTOM - TOP


def points(page: str, series: str) -> list[tuple[float, float, str, int]]:
    """``(x, y, day, value)`` of each point of a series in the chart's SVG."""
    group = re.search(rf'<g class="series series--{series}"[^>]*>(.*?)</g>', page, re.S).group(1)
    return [(float(x), float(y), day, int(value)) for x, y, day, value in re.findall(
        r'<circle cx="([\d.]+)" cy="([\d.]+)" r="[\d.]+" data-day="([\d-]+)" '
        r'data-value="(\d+)">', group)]


@pytest.mark.parametrize(("maximum", "top"), [(0, 4), (1, 4), (4, 4), (5, 8), (9, 20),
                                               (37, 40), (41, 80), (1234, 2000)])
def test_the_axis_ends_at_a_round_number_above_the_largest_value(maximum, top):
    assert nice_top(maximum) == top


def test_a_chart_has_one_point_per_day_placed_by_its_value():
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    with translation.override("en"):
        chart = line_chart(days, [("received", "Received", [n % 5 for n in range(30)])])
    [series] = chart.series
    assert len(series.points) == 30
    assert [p.y for p in series.points[:5]] == [
        PLOT_BOTTOM, PLOT_BOTTOM - PLOT_HEIGHT / 4, PLOT_BOTTOM - PLOT_HEIGHT / 2,
        PLOT_BOTTOM - PLOT_HEIGHT * 3 / 4, TOP]  # 0..4 on an axis of 0..4
    xs = [p.x for p in series.points]
    assert xs == sorted(xs) and len(set(xs)) == 30
    assert [t.value for t in chart.ticks] == [0, 1, 2, 3, 4]
    assert chart.labels[-1].text == "November 30"  # today is labelled, then every week back


def test_the_page_draws_30_days_with_the_counts_of_each(as_postmaster, domain, other_domain):
    today = timezone.localdate()
    DailyMailCount.objects.create(domain=domain, day=today, received=40, spam=10, viruses=2)
    DailyMailCount.objects.create(domain=domain, day=today - timedelta(days=29), received=20)
    DailyMailCount.objects.create(domain=domain, day=today - timedelta(days=30), received=999)
    DailyMailCount.objects.create(domain=other_domain, day=today, received=500, spam=500)

    page = as_postmaster.get(URL).content.decode()

    received, spam, viruses = (points(page, s) for s in ("received", "spam", "viruses"))
    assert len(received) == len(spam) == len(viruses) == 30
    assert received[0][2] == (today - timedelta(days=29)).isoformat()
    assert received[-1][2] == today.isoformat()
    # The axis goes to 40: 40 is at the top, 20 half way, 10 a quarter, 0 at the bottom.
    assert received[-1][1] == TOP and received[-1][3] == 40
    assert received[0][1] == PLOT_BOTTOM - PLOT_HEIGHT / 2
    assert spam[-1][1] == PLOT_BOTTOM - PLOT_HEIGHT / 4
    assert viruses[-1][1] == PLOT_BOTTOM - PLOT_HEIGHT * 2 / 40
    assert all(y == PLOT_BOTTOM for _x, y, _d, _v in received[1:-1])
    # Described for those who cannot see it, and as a table.
    assert "<title id=\"mail-title\">Mail received, spam caught and viruses blocked per day" \
        in page
    assert "In the last 30 days: 60 received, 10 spam caught, 2 viruses blocked." in page
    table = re.search(r'<table class="mail-per-day">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(\d+)</td><td>(\d+)</td>"
                      r"<td>(\d+)</td></tr>", table)
    assert len(rows) == 30
    assert rows[0][1:] == ("40", "10", "2")
    assert rows[-1][1:] == ("20", "0", "0")
    # A legend names the three series.
    legend = re.search(r'<ul class="chart-legend">(.*?)</ul>', page, re.S).group(1)
    assert "Mail received: 60" in legend and "Spam caught: 10" in legend
    assert "Viruses blocked: 2" in legend


def test_day_labels_follow_the_language(as_postmaster, domain):
    page = as_postmaster.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    today = timezone.localdate()
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]
    assert f">{today.day} {months[today.month - 1]}</text>" in page


def fill(account: Account, size: int) -> None:
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, account.domain.name,
                         account.local_part)).deliver(b"x" * size)


def quota_rows(page: str) -> dict[str, tuple[str | None, str]]:
    """``{address: (bar percent or None, text)}`` in the order shown."""
    found = {}
    for address, inner in re.findall(r'<li class="quota-row[^"]*" data-account="([^"]+)">'
                                     r"(.*?)</li>", page, re.S):
        bar = re.search(r'data-percent="([\d.]+)"', inner)
        text = re.search(r'<span class="quota-text">(.*?)</span>', inner, re.S).group(1)
        found[address] = (bar.group(1) if bar else None, " ".join(text.split()))
    return found


def test_quota_bars_show_use_against_the_quota(as_postmaster, domain, account_factory):
    full = account_factory(domain, "full", quota_mb=1)
    half = account_factory(domain, "half", quota_mb=2)
    free = account_factory(domain, "free", quota_mb=0)
    fill(full, 1024 * 1024 + 10)
    fill(half, 1024 * 1024)
    fill(free, 3 * 1024 * 1024)

    rows = quota_rows(as_postmaster.get(URL).content.decode())

    assert list(rows)[:3] == ["free@example.com", "full@example.com", "half@example.com"]
    assert rows["free@example.com"] == (None, "3.0 MB used, no limit")
    assert rows["full@example.com"][0] == "100.0"
    assert rows["half@example.com"] == ("50.0", "1.0 MB of 2.0 MB (50.0%)")


def test_many_accounts_show_the_20_largest_and_link_the_accounts_page(as_postmaster, domain,
                                                                      account_factory):
    for n in range(25):
        fill(account_factory(domain, f"user{n:02}"), 1000 + n)
    page = as_postmaster.get(URL).content.decode()
    rows = quota_rows(page)
    assert len(rows) == 20
    assert list(rows)[0] == "user24@example.com"
    assert "user00@example.com" not in rows
    assert "The 20 accounts using the most space, of 27." in page
    assert '<a href="/domains/example.com/accounts/">See every account</a>' in page


def test_the_quota_chart_is_measured_again_once_its_time_is_up(as_postmaster, domain,
                                                               account_factory, monkeypatch):
    monkeypatch.setattr(services, "QUOTA_CHART_SECONDS", 1)
    big = account_factory(domain, "big", quota_mb=0)
    fill(big, 1000)
    assert quota_rows(as_postmaster.get(URL).content.decode())["big@example.com"] == (
        None, "1000 bytes used, no limit")
    fill(big, 2000)
    # Within its time the chart is not measured again (thousands of mailboxes take a while).
    assert quota_rows(as_postmaster.get(URL).content.decode())["big@example.com"] == (
        None, "1000 bytes used, no limit")
    time.sleep(1.1)
    assert quota_rows(as_postmaster.get(URL).content.decode())["big@example.com"] == (
        None, "2.9 KB used, no limit")
