"""POP3 out against Dovecot (issue 8: "log in, STAT, LIST, UIDL, RETR and DELE of 2,000
messages, QUIT: no slower than Dovecot on the same Maildir").

Installs Dovecot from Debian (``dovecot-pop3d``) when it is missing, runs its own
instance (a config file of its own passed with ``-c``: loopback, passwd-file, static
userdb on the same Maildir layout as ours) and our ``manage.py pop3d`` on a throwaway
HOSTPANEL_HOME (SQLite). Each repetition gives both servers a fresh copy of the same
2,000 messages of 4 KB in ``new/``; one poplib session then logs in, sends STAT, LIST,
UIDL, RETR of every message, DELE of every message and QUIT, and the maildrop must be
empty afterwards. Prints every time, the medians and our median as a ratio to Dovecot's
(under 1.0: we are faster).

    .venv/bin/python bench/pop3_out.py [--messages 2000] [--runs 3] [--csv FILE]

Run it as root (apt-get, and Dovecot's mail processes run as the ``mail`` user).
bench/logins.py and bench/memory.py import the helpers here.
"""

from __future__ import annotations

import argparse
import csv
import os
import poplib
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").is_dir() else sys.executable
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import _STATE_VARIABLES, free_port, install_debian  # noqa: E402

DOMAIN = "bench.example"
PASSWORD = "Bench-pass-4711"  # noqa: S105 (the bench accounts' password)
MESSAGE_SIZE = 4096
MAIL_USER = "mail"  # Debian's mail user (uid 8): Dovecot will not run mail processes as root



# Our side: a throwaway instance and its servers.

def setup_instance(home: Path) -> None:
    """Point this process's Django at a fresh HOSTPANEL_HOME (SQLite) and migrate it."""
    for key in list(os.environ):
        if key.startswith("HOSTPANEL_") or key.removesuffix("_FILE") in _STATE_VARIABLES:
            del os.environ[key]
    os.environ["HOSTPANEL_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hostpanel.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_accounts(names: list[str]) -> dict[str, str]:
    """The bench domain and these accounts, all with PASSWORD; returns login -> stored hash.

    The domain and the first account are made through the panel's own services; the
    others are inserted in bulk, each with a hash of its own (argon2id, its own salt)
    made in threads, which takes a fraction of the time of 1,000 create_account() calls.
    """
    import concurrent.futures

    from django.contrib.auth.hashers import make_password

    from hostpanel.domains import services
    from hostpanel.domains.models import Account

    domain = services.create_domain(DOMAIN, PASSWORD)
    services.create_account(domain, names[0], PASSWORD)
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        hashes = list(pool.map(lambda _name: make_password(PASSWORD), names[1:]))
    Account.objects.bulk_create(
        [Account(username=f"{name}@{DOMAIN}", domain=domain, local_part=name,
                 quota_mb=domain.default_quota_mb, password=hashed)
         for name, hashed in zip(names[1:], hashes, strict=True)],
        batch_size=500,
    )
    accounts = Account.objects.filter(domain=domain, local_part__in=names)
    return {f"{a.local_part}@{DOMAIN}": a.password for a in accounts}


def mail_root() -> Path:
    from django.conf import settings

    return Path(settings.HOSTPANEL_MAIL_ROOT)


def server_environment() -> dict[str, str]:
    """Our servers' environment: this process's, which setup_instance() cleaned (logs at
    their default level, INFO: one line per session, as Dovecot logs each login)."""
    return dict(os.environ)


class OurServer:
    """``manage.py <command>`` on a free port, as its own process."""

    def __init__(self, command: str, *args: str, log: Path):
        self.command = command
        self._log = open(log, "ab")  # noqa: SIM115 (open while the server runs)
        self.process = subprocess.Popen(
            [PYTHON, str(ROOT / "manage.py"), command, "--host", "127.0.0.1", *args],
            env=server_environment(), stdout=subprocess.PIPE, stderr=self._log, text=True,
        )
        line = self.process.stdout.readline()
        match = re.fullmatch(rf"{command} listening on 127\.0\.0\.1:(\d+)\n", line)
        if not match:
            self.stop()
            raise RuntimeError(f"{command} did not start: {line!r}; see {log}")
        self.port = int(match.group(1))

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


def start_pop3d(home: Path) -> OurServer:
    return OurServer("pop3d", "--port", "0", log=home / "pop3d.log")


# Dovecot.

def install_dovecot() -> None:
    install_debian(["dovecot-core", "dovecot-pop3d"], commands=["dovecot"])


def dovecot_version() -> str:
    return subprocess.run(["dovecot", "--version"], capture_output=True, text=True,
                          check=True).stdout.split()[0]


def dovecot_passwd_line(login: str, django_hash: str) -> str:
    """A passwd-file line with the same argon2id hash (same salt, same cost) as ours.

    Django stores ``argon2mail$argon2id$v=19$m=19456,t=2,p=1$salt$hash``; Dovecot's
    ARGON2ID scheme (libsodium) verifies the PHC string with the cost it names.
    """
    algorithm, _, phc = django_hash.partition("$")
    if not algorithm.startswith("argon2") or not phc.startswith("argon2id$"):
        raise ValueError(f"not an argon2id hash: {django_hash[:20]}")
    return f"{login}:{{ARGON2ID}}${phc}::::::\n"


class Dovecot:
    """A Dovecot instance of our own: its config, base_dir, state and log under ``work``."""

    def __init__(self, work: Path, mail_root: Path, passwd: dict[str, str]):
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        (work / "run").mkdir(exist_ok=True)
        (work / "state").mkdir(exist_ok=True)
        self.port = free_port()
        self.passwd = work / "passwd"
        self.passwd.write_text("".join(dovecot_passwd_line(login, hashed)
                                       for login, hashed in passwd.items()))
        self.passwd.chmod(0o644)
        self.config = work / "dovecot.conf"
        self.config.write_text(f"""\
# bench: Dovecot POP3 on loopback, everything else at its defaults
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 8
mail_location = maildir:{mail_root}/%d/%n
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = {self.passwd}
}}
userdb {{
  driver = static
  args = uid={MAIL_USER} gid={MAIL_USER} home={mail_root}/%d/%n
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""")
        (work / "run" / "master.pid").unlink(missing_ok=True)
        subprocess.run(["dovecot", "-c", str(self.config)], check=True)
        self.pid = int(wait_for(lambda: _read(work / "run" / "master.pid"), 20,
                                "Dovecot's master.pid"))
        wait_for(lambda: greeted(self.port), 20, "Dovecot's POP3 greeting")

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        wait_for(lambda: not _alive(self.pid), 20, "Dovecot to stop")


def give_to_mail_user(path: Path) -> None:
    """Dovecot's mail processes run as ``mail``: it must own the Maildirs it serves."""
    subprocess.run(["chown", "-R", f"{MAIL_USER}:{MAIL_USER}", str(path)], check=True)


# Messages and Maildirs.

def make_messages(template: Path, count: int, seed: int = 8) -> None:
    """``count`` messages of MESSAGE_SIZE bytes (LF) in ``template/new``, named as our
    Maildir names them (``,S=<size>,W=<crlf size>``), oldest first."""
    rng = random.Random(seed)  # noqa: S311 (filler text, not secrets)
    words = ["mail", "hosting", "panel", "report", "invoice", "meeting", "server", "quota",
             "forward", "account", "domain", "delivery", "message", "weekly", "notes", "agenda"]
    (template / "new").mkdir(parents=True)
    (template / "cur").mkdir()
    (template / "tmp").mkdir()
    start = int(time.time()) - count
    for number in range(count):
        head = (f"Return-Path: <sender{number}@origin.example>\n"
                f"From: Sender {number} <sender{number}@origin.example>\n"
                f"To: <user@{DOMAIN}>\n"
                f"Subject: bench message {number}\n"
                f"Date: Thu, 26 Nov 2026 10:00:00 +0000\n"
                f"Message-ID: <{number}.bench@origin.example>\n\n")
        lines = [head, ".a line that POP3 must dot-stuff\n"]
        size = len(head) + len(lines[1])
        while size < MESSAGE_SIZE:
            line = " ".join(rng.choice(words) for _ in range(11))[:70] + "\n"
            lines.append(line)
            size += len(line)
        data = "".join(lines).encode()[:MESSAGE_SIZE - 1] + b"\n"
        crlf = len(data) + data.count(b"\n")
        name = f"{start + number}.M{number}P1Q{number}.bench,S={len(data)},W={crlf}"
        (template / "new" / name).write_bytes(data)


def fresh_copy(template: Path, maildir: Path) -> None:
    shutil.rmtree(maildir, ignore_errors=True)
    maildir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, maildir)


def messages_left(maildir: Path) -> int:
    return sum(len(os.listdir(maildir / sub)) for sub in ("cur", "new"))


# The client.

def fetch_all(port: int, login: str, password: str, count: int) -> float:
    """One session: USER/PASS, STAT, LIST, UIDL, RETR and DELE of all, QUIT; seconds."""
    started = time.perf_counter()
    client = poplib.POP3("127.0.0.1", port, timeout=60)
    client.user(login)
    client.pass_(password)
    messages, _octets = client.stat()
    if messages != count:
        raise RuntimeError(f"STAT says {messages} messages, expected {count}")
    listing = client.list()[1]
    uids = client.uidl()[1]
    if len(listing) != count or len(uids) != count:
        raise RuntimeError("LIST or UIDL does not list every message")
    for number in range(1, count + 1):
        lines = client.retr(number)[1]
        if not lines or not lines[0].startswith(b"Return-Path:"):
            raise RuntimeError(f"RETR {number} returned something else")
    for number in range(1, count + 1):
        client.dele(number)
    reply = client.quit()
    elapsed = time.perf_counter() - started
    if not reply.startswith(b"+OK"):
        raise RuntimeError(f"QUIT: {reply!r}")
    return elapsed


# Small helpers.

def greeted(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            return sock.recv(64).startswith(b"+OK")
    except OSError:
        return False


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
    return result


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a server: the process, its threads, its live
    descendants and every descendant that has ended (counted in its parent's c-times).

    Less sensitive than wall time to what else runs on the machine; for Dovecot it covers
    the master, auth, login and pop3 processes alike.
    """
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            table[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    tree, frontier = {pid}, {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - tree
        tree |= frontier
    return sum(table[p][1] for p in tree if p in table) / os.sysconf("SC_CLK_TCK")


def ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.2f}" if reference else "-"


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def make_work_dir(prefix: str) -> Path:
    work = Path(tempfile.mkdtemp(prefix=prefix))
    work.chmod(0o755)  # Dovecot's processes (mail, dovenull) walk through it
    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--csv", type=Path, default=RESULTS / "pop3_out.csv")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    install_dovecot()
    work = make_work_dir("hostpanel-bench-pop3-")
    home = work / "home"
    setup_instance(home)
    login = f"user@{DOMAIN}"
    hashes = create_accounts(["user"])
    ours_root = mail_root()
    dovecot_root = work / "dovecot-mail"
    ours_box = ours_root / DOMAIN / "user"
    dovecot_box = dovecot_root / DOMAIN / "user"
    template = work / "template"
    make_messages(template, args.messages)
    print(f"{args.messages} messages of {MESSAGE_SIZE} bytes; Dovecot {dovecot_version()}; "
          f"{args.runs} runs; work in {work}", flush=True)

    dovecot = Dovecot(work / "dovecot", dovecot_root, hashes)
    pop3d = start_pop3d(home)
    times: dict[str, list[float]] = {"dovecot": [], "hostpanel": []}
    cpus: dict[str, list[float]] = {"dovecot": [], "hostpanel": []}
    try:
        for run in range(1, args.runs + 1):
            for name, port, box in (("dovecot", dovecot.port, dovecot_box),
                                    ("hostpanel", pop3d.port, ours_box)):
                fresh_copy(template, box)
                if name == "dovecot":
                    give_to_mail_user(dovecot_root)
                pid = dovecot.pid if name == "dovecot" else pop3d.pid
                cpu_before = cpu_seconds(pid)
                elapsed = fetch_all(port, login, PASSWORD, args.messages)
                time.sleep(0.2)  # let the server finish its side of QUIT
                cpu = cpu_seconds(pid) - cpu_before
                left = messages_left(box)
                if left:
                    raise RuntimeError(f"{name}: {left} messages left after QUIT")
                times[name].append(elapsed)
                cpus[name].append(cpu)
                print(f"run {run} {name:9}: {elapsed:.3f} s "
                      f"({args.messages / elapsed:.0f} msg/s), server CPU {cpu:.2f} s, "
                      "maildrop empty", flush=True)
    finally:
        pop3d.stop()
        dovecot.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    ours, reference = statistics.median(times["hostpanel"]), statistics.median(times["dovecot"])
    ours_cpu = statistics.median(cpus["hostpanel"])
    reference_cpu = statistics.median(cpus["dovecot"])
    print(f"\nmedian wall time: Dovecot {reference:.3f} s, hostpanel {ours:.3f} s; "
          f"ratio (ours / Dovecot) {ratio(ours, reference)}")
    print(f"median server CPU: Dovecot {reference_cpu:.2f} s, hostpanel {ours_cpu:.2f} s; "
          f"ratio (ours / Dovecot) {ratio(ours_cpu, reference_cpu)}")
    write_csv(args.csv, ["server", "run", "seconds", "server_cpu_seconds", "messages"],
              [[name, run, f"{t:.4f}", f"{c:.2f}", args.messages]
               for name in times
               for run, (t, c) in enumerate(zip(times[name], cpus[name], strict=True), 1)])
    print(f"written {args.csv.relative_to(ROOT) if args.csv.is_relative_to(ROOT) else args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
