"""How long the live demo's reset takes (issue 7: "takes under 5 seconds").

Runs against a throwaway instance: a temporary HOSTPANEL_HOME with its own SQLite
database (or DATABASE_URL when given: then it must be an empty database of its own),
migrated, the demo reset once to warm up, then ``--runs`` resets timed, each after a
visitor-like change (an account, a forward and ten messages added). Prints each time,
the median and the ratio to the 5-second target.

    .venv/bin/python bench/demo_reset.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="hostpanel-demo-bench-")
    os.environ["HOSTPANEL_HOME"] = home
    os.environ["HOSTPANEL_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostpanel.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from hostpanel.demo import DEMO_DOMAIN, services
    from hostpanel.domains import services as domains
    from hostpanel.domains.models import Domain
    from hostpanel.routing import services as routing
    from mailcore.maildir import Maildir, maildir_path

    call_command("migrate", verbosity=0)
    services.reset()  # warm up: the first reset also creates the domain's DKIM key

    times = []
    for run in range(args.runs):
        domain = Domain.objects.get(name=DEMO_DOMAIN)
        account = domains.create_account(domain, f"visitor{run}", "visitor-password-1")
        routing.create_forward(domain, f"fwd{run}", [f"visitor{run}@{DEMO_DOMAIN}"])
        box = Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, DEMO_DOMAIN, account.local_part))
        for number in range(10):
            box.deliver(f"Subject: visitor mail {number}\n\nhello\n".encode())
        started = time.perf_counter()
        services.reset()
        times.append(time.perf_counter() - started)
        print(f"reset {run + 1}: {times[-1]:.2f} s")
    median = statistics.median(times)
    print(f"median {median:.2f} s over {len(times)} resets; target {TARGET_SECONDS:.0f} s "
          f"(ratio {median / TARGET_SECONDS:.2f} of the target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
