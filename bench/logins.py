"""POP3 logins against Dovecot (issue 8: "1,000 POP3 logins of one account in a row, and
1,000 of different accounts: no slower than Dovecot with its default auth cache").

Both servers get the same 1,000 accounts (plus one) with the same password hashes:
ours are argon2id at OWASP's minimum (m=19456 KiB, t=2, p=1, Django's ``argon2mail``);
Dovecot's passwd-file carries the very same PHC strings under its ``{ARGON2ID}`` scheme
(libsodium verifies them with the cost they name), so one check costs the same on both.
Dovecot keeps its defaults, which means no auth cache at all (``auth_cache_size = 0``);
ours caches verified logins for HOSTPANEL_AUTH_CACHE_TTL seconds (300).

Each login is a connection of its own: greeting, USER, PASS, QUIT, one after the other.
Before each repetition both servers are restarted, so every repetition starts with an
empty cache: "one account" is one full check and 999 cached logins on ours, "different
accounts" is 1,000 full checks on both. Medians of ``--runs``; ratio ours / Dovecot in
time (under 1.0: we are faster).

    .venv/bin/python bench/logins.py [--logins 1000] [--runs 3] [--csv FILE]
"""

from __future__ import annotations

import argparse
import poplib
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pop3_out import (  # noqa: E402
    DOMAIN,
    PASSWORD,
    RESULTS,
    ROOT,
    Dovecot,
    cpu_seconds,
    create_accounts,
    dovecot_version,
    give_to_mail_user,
    install_dovecot,
    mail_root,
    make_work_dir,
    ratio,
    setup_instance,
    start_pop3d,
    write_csv,
)


def login_round(port: int, logins: list[str]) -> float:
    """Seconds for one connection per login: greeting, USER, PASS, QUIT."""
    started = time.perf_counter()
    for login in logins:
        client = poplib.POP3("127.0.0.1", port, timeout=30)
        client.user(login)
        reply = client.pass_(PASSWORD)
        if not reply.startswith(b"+OK"):
            raise RuntimeError(f"login {login}: {reply!r}")
        client.quit()
    return time.perf_counter() - started


def make_maildirs(root: Path, names: list[str]) -> None:
    for name in names:
        for sub in ("cur", "new", "tmp"):
            (root / DOMAIN / name / sub).mkdir(parents=True, exist_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--csv", type=Path, default=RESULTS / "logins.csv")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    install_dovecot()
    work = make_work_dir("hostpanel-bench-logins-")
    home = work / "home"
    setup_instance(home)
    names = [f"u{number:04d}" for number in range(args.logins)]
    started = time.perf_counter()
    hashes = create_accounts(names)
    print(f"{len(hashes)} accounts made in {time.perf_counter() - started:.1f} s; "
          f"Dovecot {dovecot_version()}; {args.runs} runs; work in {work}", flush=True)
    dovecot_root = work / "dovecot-mail"
    make_maildirs(mail_root(), names)
    make_maildirs(dovecot_root, names)
    give_to_mail_user(dovecot_root)

    modes = {
        "one account": [f"{names[0]}@{DOMAIN}"] * args.logins,
        "different accounts": [f"{name}@{DOMAIN}" for name in names],
    }
    times: dict[tuple[str, str], list[float]] = {}
    cpus: dict[tuple[str, str], list[float]] = {}
    try:
        for run in range(1, args.runs + 1):
            for mode, logins in modes.items():
                for name in ("dovecot", "hostpanel"):
                    # A fresh server each time: every repetition starts with an empty cache.
                    if name == "dovecot":
                        server = Dovecot(work / "dovecot", dovecot_root, hashes)
                    else:
                        server = start_pop3d(home)
                    try:
                        cpu_before = cpu_seconds(server.pid)
                        elapsed = login_round(server.port, logins)
                        time.sleep(0.2)  # let the server finish its side of the last QUIT
                        cpu = cpu_seconds(server.pid) - cpu_before
                    finally:
                        server.stop()
                    times.setdefault((mode, name), []).append(elapsed)
                    cpus.setdefault((mode, name), []).append(cpu)
                    print(f"run {run} {mode:18} {name:9}: {elapsed:.2f} s "
                          f"({len(logins) / elapsed:.0f} logins/s), server CPU {cpu:.2f} s",
                          flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    for label, figures in (("wall time", times), ("server CPU", cpus)):
        print(f"\n{label + ', median s':22} {'Dovecot':>9} {'hostpanel':>10} {'ratio':>6}"
              "  (ours / Dovecot)")
        for mode in modes:
            reference = statistics.median(figures[(mode, "dovecot")])
            ours = statistics.median(figures[(mode, "hostpanel")])
            print(f"{mode:22} {reference:>9.2f} {ours:>10.2f} {ratio(ours, reference):>6}")
    write_csv(args.csv, ["mode", "server", "run", "seconds", "server_cpu_seconds", "logins"],
              [[mode, name, run, f"{t:.4f}", f"{c:.2f}", args.logins]
               for (mode, name), values in times.items()
               for run, (t, c) in enumerate(zip(values, cpus[(mode, name)], strict=True), 1)])
    print(f"written {args.csv.relative_to(ROOT) if args.csv.is_relative_to(ROOT) else args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
