"""How fast the panel and the API list a big domain and a big tenant (issue 8: "a domain
with 10,000 accounts and 10,000 forwards: the accounts page and the API list answer in
under 100 ms at the median; a tenant with 1,000 domains too").

Runs against a throwaway instance: a temporary HOSTPANEL_HOME with its own SQLite
database, or with ``--database-url`` a PostgreSQL database whose name starts with
``hostpanel_bench`` (dropped and created again, dropped at the end unless ``--keep``).
It migrates, then bulk-creates the rows the services would create (one password hash
computed once and shared, one DKIM key shared by the small domains):

- ``big.example`` (made by ``create_domain``: postmaster, spam account, DKIM key) with
  10,000 accounts (a Maildir with its ``maildirsize`` each; every 10th has a routing
  row, forwarding or on vacation) and 10,000 forwards;
- a reseller with a login and 1,000 domains, each with its postmaster, spam account,
  spam settings and DKIM key;
- the operator (a superuser).

Each page is asked once to warm up and once to count its SQL queries, then the pages
take turns for ``--rounds`` rounds of ``--requests`` requests each, through Django's test
Client (in process: URL routing, middleware, sessions, the view, templates; no HTTP
server). Prints per page the median of the rounds' medians, the 95th percentile of all
requests, the median CPU time of this process per request (steadier than wall time on a
busy machine; with PostgreSQL it leaves out the server's work), the number of queries and
the verdict against the 100 ms target. Exit status 1 when a median is over the target.

    .venv/bin/python bench/panel.py [--requests 50] [--rounds 3]
    .venv/bin/python bench/panel.py --database-url postgresql://postgres@127.0.0.1:5432/hostpanel_bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 100.0
BIG_DOMAIN = "big.example"
BENCH_PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway instance's password)
BATCH = 1000


def _recreate_postgres_database(url: str) -> str:
    """Drop and create the database named in ``url``; only a ``hostpanel_bench*`` one."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("hostpanel_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the database name must start with "
                         "hostpanel_bench")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')


def _setup(args) -> str:
    home = tempfile.mkdtemp(prefix="hostpanel-panel-bench-")
    os.environ["HOSTPANEL_HOME"] = home
    (Path(home) / "static").mkdir()  # WhiteNoise warns without it
    os.environ.pop("HOSTPANEL_DEMO", None)
    os.environ.pop("HOSTPANEL_DEBUG", None)
    # As deploy/hostpanel.env: without it PostgreSQL pays a new connection per request.
    os.environ["HOSTPANEL_DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    if args.database_url:
        _recreate_postgres_database(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostpanel.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return home


def _make_maildir(root: Path, domain: str, local_part: str, used: int, count: int) -> None:
    path = root / domain / local_part
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    (path / "maildirsize").write_text(f"0S\n{used} {count}\n")


def _seed_big_domain(accounts: int, forwards: int, password_hash: str):
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from hostpanel.domains import services as domains
    from hostpanel.domains.models import POSTMASTER, Account
    from hostpanel.routing.models import Forward, Routing

    domain = domains.create_domain(BIG_DOMAIN, BENCH_PASSWORD, default_quota_mb=1024)
    now = timezone.now()
    names = [f"user{number:05d}" for number in range(accounts)]
    with transaction.atomic():
        Account.objects.bulk_create(
            [Account(username=f"{name}@{BIG_DOMAIN}", domain=domain, local_part=name,
                     quota_mb=domain.default_quota_mb, password=password_hash,
                     password_changed_at=now) for name in names],
            batch_size=BATCH)
        routings = []
        for account in (Account.objects.filter(domain=domain, local_part__startswith="user")
                        .only("pk", "local_part")):
            number = int(account.local_part[4:])
            if number % 20 == 0:
                routings.append(Routing(account=account, mode=Routing.FORWARD,
                                        forward_to=[f"elsewhere{number}@remote.example"],
                                        save_copy=number % 40 == 0))
            elif number % 20 == 10:
                routings.append(Routing(account=account, vacation_enabled=True,
                                        vacation_subject="Away", vacation_message="Back soon."))
        Routing.objects.bulk_create(routings, batch_size=BATCH)
        Forward.objects.bulk_create(
            [Forward(domain=domain, local_part=f"fwd{number:05d}",
                     targets=[f"user{number % accounts:05d}@{BIG_DOMAIN}",
                              f"someone{number}@remote.example"])
             for number in range(forwards)],
            batch_size=BATCH)
    for number, name in enumerate(names):
        _make_maildir(settings.HOSTPANEL_MAIL_ROOT, BIG_DOMAIN, name,
                      used=(number * 7919) % 50_000_000, count=number % 300)
    return Account.objects.get(domain=domain, local_part=POSTMASTER)


def _seed_reseller(domains: int, password_hash: str):
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from hostpanel.domains.models import POSTMASTER, Account, Domain
    from hostpanel.outbound.models import DkimKey
    from hostpanel.outbound.services import new_selector
    from hostpanel.resellers.models import Reseller, ResellerDomain, ResellerLogin
    from hostpanel.spam.models import DomainSpamSettings
    from mailcore.queue import dkim

    private_pem, public_b64 = dkim.generate_key()  # one key for all: generating is slow
    spam = settings.HOSTPANEL_SPAM_ACCOUNT
    now = timezone.now()
    with transaction.atomic():
        reseller = Reseller.objects.create(
            name="Bench Hosting", panel_host="panel.bench-reseller.example",
            pop3_host="pop3.bench-reseller.example", smtp_host="smtp.bench-reseller.example")
        login = Account.objects.create(username="bench-reseller", password=password_hash)
        ResellerLogin.objects.create(reseller=reseller, account=login)
        Domain.objects.bulk_create(
            [Domain(name=f"tenant{number:04d}.example", default_quota_mb=1024)
             for number in range(domains)], batch_size=BATCH)
        made = list(Domain.objects.filter(name__startswith="tenant"))
        Account.objects.bulk_create(
            [Account(username=f"{name}@{domain.name}", domain=domain, local_part=name,
                     quota_mb=quota, spam_filtering=name != spam, password=password_hash,
                     password_changed_at=now)
             for domain in made
             for name, quota in ((POSTMASTER, domain.default_quota_mb), (spam, 0))],
            batch_size=BATCH)
        spam_accounts = dict(Account.objects.filter(domain__in=made, local_part=spam)
                             .values_list("domain_id", "pk"))
        DomainSpamSettings.objects.bulk_create(
            [DomainSpamSettings(domain=domain, spam_account_id=spam_accounts[domain.pk])
             for domain in made], batch_size=BATCH)
        DkimKey.objects.bulk_create(
            [DkimKey(domain=domain, selector=new_selector(), private_key=private_pem,
                     public_key=public_b64) for domain in made], batch_size=BATCH)
        ResellerDomain.objects.bulk_create(
            [ResellerDomain(reseller=reseller, domain=domain) for domain in made],
            batch_size=BATCH)
    return login


def seed(accounts: int, forwards: int, domains: int) -> dict:
    from django.contrib.auth.hashers import make_password

    from hostpanel.api.tokens import create_token
    from hostpanel.domains.models import Account

    password_hash = make_password(BENCH_PASSWORD)
    postmaster = _seed_big_domain(accounts, forwards, password_hash)
    reseller_login = _seed_reseller(domains, password_hash)
    operator = Account.objects.create(username="operator", password=password_hash,
                                      is_staff=True, is_superuser=True)
    _row, token = create_token(postmaster, "bench")
    return {"postmaster": postmaster, "reseller": reseller_login, "operator": operator,
            "token": token}


def pages(accounts: int) -> list[tuple[str, str, str, bool]]:
    """(label, who asks, path, whether the cache is emptied before each request)."""
    last = max(1, -(-(accounts + 2) // 25))  # the accounts page's last page (25 per page)
    domain = BIG_DOMAIN
    return [
        ("accounts page", "postmaster", f"/domains/{domain}/accounts/", False),
        ("accounts page, search", "postmaster", f"/domains/{domain}/accounts/?q=123", False),
        ("accounts page, last page", "postmaster",
         f"/domains/{domain}/accounts/?page={last}", False),
        ("forwards page", "postmaster", f"/domains/{domain}/forwards/", False),
        ("API accounts list", "token", f"/api/v1/domains/{domain}/accounts", False),
        ("API accounts list, search", "token",
         f"/api/v1/domains/{domain}/accounts?search=123", False),
        ("API forwards list", "token", f"/api/v1/domains/{domain}/forwards", False),
        ("dashboard", "postmaster", f"/domains/{domain}/", False),
        # Its quota chart is measured once a minute: this is the request that measures it.
        ("dashboard, chart not cached", "postmaster", f"/domains/{domain}/", True),
        ("reseller's domain list", "reseller", "/", False),
        ("reseller's domain list, search", "reseller", "/?q=tenant01", False),
        ("operator's domain list", "operator", "/", False),
    ]


def _clients(logins: dict) -> dict:
    from django.test import Client

    clients = {}
    for who in ("postmaster", "reseller", "operator"):
        clients[who] = Client()
        clients[who].force_login(logins[who])
    clients["token"] = Client(headers={"Authorization": f"Bearer {logins['token']}"})
    return clients


def _count_queries(client, path: str) -> int:
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # kept across the reconnects of each request
        client.get(path)
    return len(queries)


def _timed(client, path: str, requests: int, fresh: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each of ``requests`` requests (CPU: this process's)."""
    from django.core.cache import cache

    times, cpu = [], []
    for _number in range(requests):
        if fresh:
            cache.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return times, cpu


def measure(clients: dict, pages: list, requests: int, rounds: int) -> list[dict]:
    """Each page warmed up, its queries counted, then ``rounds`` rounds of ``requests``
    requests (the pages take turns, so that a burst of load elsewhere hits them all)."""
    results = []
    for label, who, path, fresh in pages:
        response = clients[who].get(path)  # warm up (and use up one-time notices)
        if response.status_code != 200:
            raise SystemExit(f"{path} as {who}: HTTP {response.status_code}")
        results.append({"label": label, "who": who, "path": path, "fresh": fresh,
                        "medians": [],
                        "times": [], "cpu": [],
                        "queries": _count_queries(clients[who], path)})
    for _round in range(rounds):
        for result in results:
            times, cpu = _timed(clients[result["who"]], result["path"], requests,
                                result["fresh"])
            result["medians"].append(statistics.median(times))
            result["times"] += times
            result["cpu"] += cpu
    for result in results:
        times = sorted(result["times"])
        result["median"] = statistics.median(result["medians"])
        result["p95"] = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
        result["cpu_median"] = statistics.median(result["cpu"])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of requests per page; the median of their medians counts")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--forwards", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=1_000, help="the reseller's domains")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL URL whose database is named hostpanel_bench*")
    parser.add_argument("--conn-max-age", type=int, default=60,
                        help="HOSTPANEL_DB_CONN_MAX_AGE (60, as in deploy/hostpanel.env)")
    parser.add_argument("--keep", action="store_true",
                        help="keep HOSTPANEL_HOME and the PostgreSQL database afterwards")
    args = parser.parse_args()

    home = _setup(args)
    from django.core.management import call_command
    from django.db import connection

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        logins = seed(args.accounts, args.forwards, args.domains)
        print(f"{connection.vendor} (connections kept {args.conn_max_age} s), "
              f"HOSTPANEL_HOME {home}: migrated and seeded in "
              f"{time.perf_counter() - started:.1f} s ({args.accounts} accounts, "
              f"{args.forwards} forwards, {args.domains} tenant domains); "
              f"{args.rounds} rounds of {args.requests} requests per page through "
              "Django's test Client")
        clients = _clients(logins)
        results = measure(clients, pages(args.accounts), args.requests, args.rounds)
    finally:
        connection.close()
        if args.database_url and not args.keep:
            _drop_postgres_database(args.database_url)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    print(f"{'page':32} {'who':10} {'median ms':>9} {'p95 ms':>7} {'cpu ms':>7} "
          f"{'queries':>7}  target {TARGET_MS:.0f} ms")
    over = 0
    for result in results:
        verdict = "ok" if result["median"] < TARGET_MS else "OVER"
        over += verdict == "OVER"
        print(f"{result['label']:32} {result['who']:10} {result['median']:9.1f} "
              f"{result['p95']:7.1f} {result['cpu_median']:7.1f} {result['queries']:7d}  "
              f"{verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
