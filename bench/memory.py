"""Memory under idle connections (issue 8: "1,000 idle SMTP connections plus 1,000 POP3
sessions held open: smtpd and pop3d stay under 200 MB RSS each, and new connections are
still served").

Starts our ``manage.py smtpd`` and ``manage.py pop3d`` on a throwaway HOSTPANEL_HOME
(SQLite) with 1,000 accounts (plus one), raises this process's open-file limit (the
servers inherit it), then opens 1,000 SMTP connections that each get their greeting and
an answered EHLO and stay idle, and 1,000 POP3 sessions each logged in to an account of
its own (``--pop3-greeted``: only greeted). While all are held it reads each server's
VmRSS and VmHWM (peak) from /proc/PID/status, checks that a new SMTP connection still
gets 250 to EHLO and a new POP3 login still gets +OK, and prints RSS against the 200 MB
target.

    .venv/bin/python bench/memory.py [--connections 1000] [--pop3-greeted] [--csv FILE]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import poplib
import resource
import shutil
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pop3_out import (  # noqa: E402
    DOMAIN,
    PASSWORD,
    RESULTS,
    ROOT,
    OurServer,
    create_accounts,
    make_work_dir,
    setup_instance,
    start_pop3d,
    write_csv,
)

TARGET_MB = 200


def raise_file_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard == resource.RLIM_INFINITY else max(soft, min(hard, needed))
    if wanted != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if wanted < needed:
        raise SystemExit(f"open-file limit {wanted} is below the {needed} needed")
    return wanted


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (MiB)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def read_reply(sock: socket.socket, buffer: bytearray) -> bytes:
    """One SMTP reply (its last line has a space after the code)."""
    while True:
        end = buffer.find(b"\n")
        while end >= 0:
            line = bytes(buffer[:end + 1])
            del buffer[:end + 1]
            if line[3:4] != b"-":
                return line
            end = buffer.find(b"\n")
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("SMTP connection closed")
        buffer += chunk


def smtp_idle(port: int) -> socket.socket:
    """A connection that got its greeting and an EHLO answer, left open."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    buffer = bytearray()
    greeting = read_reply(sock, buffer)
    if not greeting.startswith(b"220"):
        raise RuntimeError(f"SMTP greeting: {greeting!r}")
    sock.sendall(b"EHLO client.bench.example\r\n")
    reply = read_reply(sock, buffer)
    if not reply.startswith(b"250"):
        raise RuntimeError(f"EHLO: {reply!r}")
    return sock


def pop3_held(port: int, login: str | None) -> poplib.POP3:
    client = poplib.POP3("127.0.0.1", port, timeout=120)
    if login is not None:
        client.user(login)
        reply = client.pass_(PASSWORD)
        if not reply.startswith(b"+OK"):
            raise RuntimeError(f"login {login}: {reply!r}")
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--pop3-greeted", action="store_true",
                        help="hold POP3 sessions greeted only, not logged in")
    parser.add_argument("--csv", type=Path, default=RESULTS / "memory.csv")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    limit = raise_file_limit(2 * args.connections + 200)
    work = make_work_dir("hostpanel-bench-memory-")
    home = work / "home"
    setup_instance(home)
    names = [f"u{number:04d}" for number in range(args.connections)]
    started = time.perf_counter()
    create_accounts([*names, "spare"])
    print(f"{args.connections + 1} accounts made in {time.perf_counter() - started:.1f} s; "
          f"open-file limit {limit}; work in {work}", flush=True)

    smtpd = OurServer("smtpd", "--port", "0", "--submission-port", "0", log=home / "smtpd.log")
    pop3d = start_pop3d(home)
    servers = {"smtpd": smtpd, "pop3d": pop3d}
    rows = []

    def measure(stage: str) -> None:
        for name, server in servers.items():
            rss, peak = memory_mb(server.pid)
            rows.append([stage, name, f"{rss:.1f}", f"{peak:.1f}"])
            print(f"{stage:28} {name}: RSS {rss:6.1f} MB (peak {peak:6.1f} MB)", flush=True)

    held_smtp: list[socket.socket] = []
    held_pop3: list[poplib.POP3] = []
    served = {}
    try:
        measure("started")
        started = time.perf_counter()
        for _ in range(args.connections):
            held_smtp.append(smtp_idle(smtpd.port))
        print(f"{len(held_smtp)} idle SMTP connections after EHLO in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        measure(f"{len(held_smtp)} SMTP idle")
        started = time.perf_counter()
        logins = [None if args.pop3_greeted else f"{name}@{DOMAIN}" for name in names]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            held_pop3 = list(pool.map(lambda login: pop3_held(pop3d.port, login), logins))
        what = "greeted" if args.pop3_greeted else "logged in"
        print(f"{len(held_pop3)} POP3 sessions {what} in {time.perf_counter() - started:.1f} s",
              flush=True)
        measure(f"+ {len(held_pop3)} POP3 {what}")

        # New connections while all of those are held.
        sock = smtp_idle(smtpd.port)
        sock.sendall(b"QUIT\r\n")
        sock.close()
        served["smtp"] = "EHLO 250"
        client = pop3_held(pop3d.port, f"spare@{DOMAIN}")
        served["pop3"] = client.stat() and "login +OK, STAT +OK"
        client.quit()
        print(f"new connections while held: SMTP {served['smtp']}, POP3 {served['pop3']}")
        measure("after the new connections")
    finally:
        for sock in held_smtp:
            sock.close()
        for client in held_pop3:
            client.close()
        for server in servers.values():
            server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    for name in servers:
        stage, _, rss, peak = [row for row in rows if row[1] == name][-2]
        verdict = "under" if float(rss) < TARGET_MB else "OVER"
        print(f"{name}: {rss} MB RSS with {args.connections} SMTP + {args.connections} POP3 "
              f"held (peak {peak} MB): {verdict} the {TARGET_MB} MB target "
              f"(ratio {float(rss) / TARGET_MB:.2f})")
    write_csv(args.csv, ["stage", "server", "rss_mb", "peak_mb"], rows)
    print(f"written {args.csv.relative_to(ROOT) if args.csv.is_relative_to(ROOT) else args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
