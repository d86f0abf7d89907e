"""SMTP in: our whole inbound path against Postfix delivering without filters (issue 8).

``smtp-source`` (from Debian's postfix package) sends 4 KB messages to one hosted address
at concurrency 1, 10 and 50 (one connection per message, as smtp-source does by default),
to a Postfix of our own, to aiosmtpd alone and to ours; three repetitions each,
interleaved, so all see the same noise. A run's rate is the messages divided by the time
from starting smtp-source to the last message's file in the Maildir's ``new/`` (its
modification time).

- Postfix 3.7: its own config directory and queue under the work folder, loopback only,
  a virtual mailbox domain delivering to a Maildir (virtual(8) fsyncs), no filters, its
  log in a file. It is installed with apt-get when missing (debconf preseeded 'Local only');
  no system Postfix is started.
- Ours: ``manage.py smtpd`` (``--processes`` of them sharing the port with
  ``--reuse-port``) on a throwaway HOSTPANEL_HOME with SQLite, a domain made with
  ``manage.py createdomain``; every message goes through the virus scan (a real clamd
  with a test signature database, HOSTPANEL_CLAMD), spam scoring (rules, the language,
  the classifier when ``bench/.corpus`` holds the spam corpus to learn a base model from,
  SPF/DMARC asking a stub DNS server on loopback that answers NXDOMAIN to everything:
  no lookup leaves the machine) and the Maildir delivery with fsync of file and folder.

- aiosmtpd alone (``bench/_bare_smtpd.py``, as many processes as ours): the SMTP engine
  ours is built on, with no filter and no database, storing to a Maildir with fsync. It
  shows what the engine itself allows here, the ceiling of any smtpd built on it.

Prints the medians in messages per second and each as a ratio of Postfix's; writes
``bench/results/smtp_in.csv`` (concurrency, server, median msg/s).

    .venv/bin/python bench/smtp_in.py [--quick] [--messages 2000] [--runs 3]
        [--concurrency 1,10,50] [--processes N] [--profile DIR] [--csv FILE]

``--profile DIR`` runs our smtpd under cProfile (every thread) and writes the merged
statistics to DIR/smtpd-<n>.prof with a summary of the top functions.
"""

from __future__ import annotations

import argparse
import csv
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    PYTHON,
    RESULTS,
    ROOT,
    free_port,
    hostpanel_env,
    install_debian,
    manage,
    median_of,
    ratio,
    stop,
    wait_for_port,
)

DOMAIN = "bench.test"
RECIPIENT = f"postmaster@{DOMAIN}"
SENDER = "bob@remote.test"
MESSAGE_BYTES = 4096
POSTFIX_DEBCONF = ("postfix postfix/main_mailer_type select Local only",
                   "postfix postfix/mailname string bench.localdomain")
VMAIL_UID = 65534  # nobody: virtual(8) delivers as this user
CLAMD = "/usr/sbin/clamd"
EICAR_HEX = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").hex()
CORPUS = ROOT / "bench" / ".corpus" / "package" / "data"
LEARN_EACH = 300  # messages of each kind the base model learns from when the corpus is there


@dataclass
class Run:
    seconds: float
    delivered: int

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0


@dataclass
class Figures:
    runs: dict[tuple[int, str], list[Run]] = field(default_factory=dict)

    def add(self, concurrency: int, server: str, run: Run) -> None:
        self.runs.setdefault((concurrency, server), []).append(run)

    def median(self, concurrency: int, server: str) -> float:
        return median_of(run.rate for run in self.runs.get((concurrency, server), []))


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--profiled-smtpd":
        return profiled_smtpd(Path(sys.argv[2]), sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", default="1,10,50",
                        help="comma-separated smtp-source session counts")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="our smtpd processes sharing the port (default: one per core)")
    parser.add_argument("--quick", action="store_true", help="200 messages, one run each")
    parser.add_argument("--only", choices=("ours", "postfix", "engine"),
                        help="run one server only")
    parser.add_argument("--no-engine", action="store_true",
                        help="leave out aiosmtpd alone (the engine's ceiling)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run our smtpd under cProfile, statistics into DIR")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--csv", type=Path, default=RESULTS / "smtp_in.csv",
                        help="where the medians go (not written with --quick or --only)")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.runs = 200, 1
    levels = [int(level) for level in args.concurrency.split(",")]

    install_debian(["postfix"], ["/usr/sbin/postfix", "/usr/sbin/smtp-source"],
                   POSTFIX_DEBCONF)
    work = Path(tempfile.mkdtemp(prefix="hostpanel-smtp-bench-"))
    work.chmod(0o755)  # Postfix's daemons (user postfix) reach their folders through it
    servers: list[Server] = []
    try:
        if args.only in (None, "postfix"):
            servers.append(Postfix(work / "postfix"))
        if args.only in (None, "engine") and not args.no_engine:
            servers.append(Engine(work / "engine", args.processes))
        if args.only in (None, "ours"):
            servers.append(Ours(work / "ours", args.processes, args.profile))
        for server in servers:
            print(f"starting {server.label} ...", flush=True)
            server.start()
        for server in servers:  # warm up: first connections, models loaded, caches filled
            measure(server, 10, min(100, args.messages))
        figures = Figures()
        for concurrency in levels:
            for repetition in range(args.runs):
                for server in servers:
                    run = measure(server, concurrency, args.messages)
                    figures.add(concurrency, server.name, run)
                    print(f"  c={concurrency:<3} run {repetition + 1}: {server.label:30} "
                          f"{run.rate:7.1f} msg/s ({run.delivered} in {run.seconds:.2f} s)",
                          flush=True)
        for server in servers:
            server.report()
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(figures, servers, levels, args))
    if not args.quick and not args.only:
        write_csv(figures, servers, levels, args.csv)
    return 0


def measure(server: Server, concurrency: int, messages: int) -> Run:
    """One smtp-source run against ``server``: messages delivered and seconds taken."""
    server.clear()
    command = ["smtp-source", "-s", str(concurrency), "-m", str(messages),
               "-l", str(MESSAGE_BYTES), "-f", SENDER, "-t", RECIPIENT,
               f"127.0.0.1:{server.port}"]
    started = time.time()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or done.stderr.strip():
        print(f"  smtp-source against {server.label}: {done.stderr.strip()[:500]}", flush=True)
    deadline = time.monotonic() + 30 + messages / 20
    while len(server.files()) < messages and time.monotonic() < deadline:
        time.sleep(0.05)
    files = server.files()[:messages]  # (more only if something else delivered there)
    if len(files) < messages:
        print(f"  {server.label}: only {len(files)} of {messages} delivered", flush=True)
    last = max((path.stat().st_mtime for path in files), default=started)
    return Run(seconds=max(last - started, 1e-6), delivered=len(files))


def table(figures: Figures, servers: list[Server], levels: list[int], args) -> str:
    names = [server.name for server in servers]
    labels = {server.name: server.label for server in servers}
    lines = [f"SMTP in: {args.messages} messages of {MESSAGE_BYTES // 1024} KB with "
             f"smtp-source, median of {args.runs} run(s), messages per second",
             ""]
    header = "| concurrency | " + " | ".join(labels[name] for name in names)
    rule = "|---:|" + "---:|" * len(names)
    compared = [name for name in names if name != "postfix"] if "postfix" in names else []
    for name in compared:
        header += f" | {name} / Postfix"
        rule += "---:|"
    lines += [header + " |", rule]
    for level in levels:
        row = f"| {level} | " + " | ".join(f"{figures.median(level, name):.0f}"
                                           for name in names)
        for name in compared:
            row += f" | {ratio(figures.median(level, name), figures.median(level, 'postfix')):.2f}"
        lines.append(row + " |")
    lines += ["", "each run (msg/s): " + "; ".join(
        f"{name} c={level}: " + ", ".join(f"{run.rate:.0f}"
                                          for run in figures.runs.get((level, name), []))
        for level in levels for name in names)]
    return "\n".join(lines)


def write_csv(figures: Figures, servers: list[Server], levels: list[int], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["concurrency", "server", "msgs_per_s"])
        for level in levels:
            for server in servers:
                writer.writerow([level, server.name, f"{figures.median(level, server.name):.1f}"])
    print(f"wrote {path}")


class Server(ABC):
    """One side of the comparison (Postfix or ours): started, stopped, and where it delivers."""

    name = ""
    label = ""
    port = 0

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def maildirs(self) -> list[Path]:
        """The Maildirs a run's messages land in (their ``new/`` files are counted)."""

    def files(self) -> list[Path]:
        found = []
        for maildir in self.maildirs():
            try:
                found += [entry for entry in (maildir / "new").iterdir()]
            except FileNotFoundError:
                pass
        return found

    def clear(self) -> None:
        for maildir in self.maildirs():
            for sub in ("new", "cur", "tmp"):
                for path in (maildir / sub).glob("*") if (maildir / sub).is_dir() else ():
                    path.unlink()

    def report(self) -> None:  # noqa: B027 (optional: only ours has something to report)
        """Print what the server found out during the runs (a profile); nothing by default."""


class Postfix(Server):
    """A Postfix instance of our own: ``postfix -c DIR`` with its queue under ``folder``."""

    name = "postfix"
    label = "Postfix 3.7 (no filter)"

    def __init__(self, folder: Path):
        self.folder = folder
        self.config = folder / "conf"
        self.mail = folder / "mail"
        self.port = free_port()

    def postconf(self, *args: str) -> None:
        subprocess.run(["postconf", "-c", str(self.config), *args], check=True)

    def postfix(self, *args: str) -> None:
        done = subprocess.run(["postfix", "-c", str(self.config), *args],
                              capture_output=True, text=True)
        if done.returncode != 0:
            log = self.folder / "maillog"
            raise SystemExit(f"postfix {' '.join(args)} failed: {done.stderr}"
                             + (log.read_text()[-2000:] if log.exists() else ""))

    def start(self) -> None:
        for sub in (self.config, self.mail, self.folder / "queue", self.folder / "data"):
            sub.mkdir(parents=True)
        for name in ("main.cf", "master.cf"):
            shutil.copy(Path("/etc/postfix") / name, self.config / name)
        (self.config / "vmailbox").write_text(f"{RECIPIENT} {DOMAIN}/postmaster/\n")
        os.chown(self.mail, VMAIL_UID, VMAIL_UID)
        shutil.chown(self.folder / "data", "postfix")
        self.postconf(
            "-e", f"queue_directory={self.folder / 'queue'}",
            f"data_directory={self.folder / 'data'}", "inet_interfaces=127.0.0.1",
            "inet_protocols=ipv4", "myhostname=bench.localdomain", "mydestination=",
            "alias_maps=", "alias_database=", "relayhost=", "biff=no",
            "compatibility_level=3.6", f"virtual_mailbox_domains={DOMAIN}",
            f"virtual_mailbox_base={self.mail}",
            f"virtual_mailbox_maps=texthash:{self.config / 'vmailbox'}",
            f"virtual_uid_maps=static:{VMAIL_UID}", f"virtual_gid_maps=static:{VMAIL_UID}",
            f"maillog_file={self.folder / 'maillog'}",
            f"maillog_file_prefixes=/var,/dev/stdout,{self.folder}")
        # smtpd on our loopback port instead of port 25; nothing chrooted (the chroot
        # would need copies of /etc files).
        self.postconf("-MX", "smtp/inet")
        self.postconf("-M", f"127.0.0.1:{self.port}/inet="
                      f"127.0.0.1:{self.port} inet n - n - - smtpd")
        self.postconf("-F", "*/*/chroot=n")
        # 'postfix -c DIR' wants DIR listed in the default configuration.
        listed = subprocess.run(["postconf", "-h", "alternate_config_directories"],
                                capture_output=True, text=True, check=True).stdout.split()
        listed = [entry.rstrip(",") for entry in listed if Path(entry.rstrip(",")).is_dir()]
        subprocess.run(["postconf", "-e", "alternate_config_directories="
                        + " ".join([*listed, str(self.config)])], check=True)
        self.postfix("check")
        self.postfix("start")
        wait_for_port(self.port, 30, "postfix")

    def stop(self) -> None:
        if (self.folder / "queue" / "pid" / "master.pid").exists():
            subprocess.run(["postfix", "-c", str(self.config), "stop"], capture_output=True)
        listed = subprocess.run(["postconf", "-h", "alternate_config_directories"],
                                capture_output=True, text=True).stdout.split()
        kept = [entry.rstrip(",") for entry in listed if entry.rstrip(",") != str(self.config)]
        subprocess.run(["postconf", "-e", "alternate_config_directories=" + " ".join(kept)],
                       capture_output=True)

    def maildirs(self) -> list[Path]:
        return [self.mail / DOMAIN / "postmaster"]


class NxDomainDns:
    """A DNS server on loopback answering NXDOMAIN (with an SOA, so resolvers cache the
    answer) to every question: SPF and DMARC find no records, and nothing leaves the
    machine. Counts the questions."""

    def __init__(self):
        from dnslib import QTYPE, RCODE, RR, SOA
        from dnslib.server import BaseResolver, DNSLogger, DNSServer

        outer = self

        class Resolver(BaseResolver):
            def resolve(self, request, handler):
                outer.queries += 1
                reply = request.reply()
                reply.header.rcode = RCODE.NXDOMAIN
                reply.add_auth(RR("invalid.", QTYPE.SOA, ttl=3600, rdata=SOA(
                    "ns.invalid.", "hostmaster.invalid.", (1, 3600, 600, 86400, 3600))))
                return reply

        self.queries = 0
        logger = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data")
        self.server = DNSServer(Resolver(), address="127.0.0.1", port=0, logger=logger)
        self.port = self.server.server.server_address[1]
        self.thread = threading.Thread(target=self.server.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.server.shutdown()
        self.server.server.server_close()


class Clamd:
    """clamd in the foreground on a free loopback port, one test signature (EICAR)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        database = self.folder / "db"
        database.mkdir(parents=True)
        (database / "test.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR_HEX}\n")
        config = self.folder / "clamd.conf"
        lines = ["Foreground yes", f"TCPSocket {self.port}", "TCPAddr 127.0.0.1",
                 f"DatabaseDirectory {database}", "SelfCheck 0",
                 f"LogFile {self.folder / 'clamd.log'}", f"PidFile {self.folder / 'clamd.pid'}"]
        if os.geteuid() != 0:
            lines.append(f"User {os.environ.get('USER') or os.getlogin()}")
        config.write_text("\n".join(lines) + "\n")
        self.process = subprocess.Popen([CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 60, "clamd", self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


class Engine(Server):
    """aiosmtpd alone (``bench/_bare_smtpd.py``): no filter, no database, a Maildir with
    fsync; as many processes as ours. What the SMTP engine itself allows on this machine."""

    name = "engine"

    def __init__(self, folder: Path, processes: int):
        self.folder = folder
        self.processes = processes
        self.label = f"aiosmtpd alone, {processes} process{'es' if processes > 1 else ''}"
        self.port = free_port()
        self.servers: list[subprocess.Popen] = []

    def start(self) -> None:
        self.folder.mkdir(parents=True)
        script = Path(__file__).resolve().parent / "_bare_smtpd.py"
        for number in range(self.processes):
            log = (self.folder / f"bare-{number + 1}.log").open("w")
            self.servers.append(subprocess.Popen(
                [PYTHON, str(script), str(self.port), str(self.folder / "Maildir")], cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT))
            wait_for_port(self.port, 60, "aiosmtpd", self.servers[-1])

    def stop(self) -> None:
        for process in self.servers:
            stop(process)

    def maildirs(self) -> list[Path]:
        return [self.folder / "Maildir"]


class Ours(Server):
    name = "ours"

    def __init__(self, folder: Path, processes: int, profile: Path | None):
        self.folder = folder
        self.processes = processes
        self.profile = profile.resolve() if profile else None
        self.label = f"ours, {processes} smtpd process{'es' if processes > 1 else ''}"
        self.port = free_port()
        self.clamd = Clamd(folder / "clamd")
        self.dns = NxDomainDns()
        self.home = folder / "home"
        self.smtpd: list[subprocess.Popen] = []
        self.spam_model = "rules only (no corpus in bench/.corpus)"

    def start(self) -> None:
        self.home.mkdir(parents=True)
        self.clamd.start()
        self.dns.start()
        env = hostpanel_env(self.home, HOSTPANEL_CLAMD=f"127.0.0.1:{self.clamd.port}",
                            HOSTPANEL_DNS=f"127.0.0.1:{self.dns.port}",
                            HOSTPANEL_HOSTNAME="mx.bench.test")
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "createdomain", DOMAIN, "--password", "bench-password-1")
        if (CORPUS / "spam-1").is_dir():
            spam = sorted((CORPUS / "spam-1").glob("*.txt"))[:LEARN_EACH]
            ham = sorted((CORPUS / "easy-ham-1").glob("*.txt"))[:LEARN_EACH]
            manage(env, "spam", "learn", "--spam", *map(str, spam), "--ham", *map(str, ham))
            self.spam_model = f"classifier learned on {len(spam)} spam and {len(ham)} ham"
        command = ["manage.py", "smtpd", "--host", "127.0.0.1", "--port", str(self.port),
                   "--submission-port", "0"]
        if self.processes > 1:
            command.append("--reuse-port")
        if self.profile:
            self.profile.mkdir(parents=True, exist_ok=True)
        for number in range(self.processes):
            prefix = [PYTHON]
            if self.profile:
                prefix = [PYTHON, str(Path(__file__).resolve()), "--profiled-smtpd",
                          str(self.profile / f"smtpd-{number + 1}.prof")]
            log = (self.folder / f"smtpd-{number + 1}.log").open("w")
            self.smtpd.append(subprocess.Popen([*prefix, *command], cwd=ROOT, env=env,
                                               stdout=log, stderr=subprocess.STDOUT))
            wait_for_port(self.port, 60, "smtpd", self.smtpd[-1])

    def stop(self) -> None:
        for process in self.smtpd:
            stop(process, timeout=60)  # the profiled ones write their statistics on the way
        self.clamd.stop()
        self.dns.stop()
        if self.profile:
            for number in range(len(self.smtpd)):
                path = self.profile / f"smtpd-{number + 1}.prof"
                if path.exists():
                    summary = self.profile / f"smtpd-{number + 1}.txt"
                    with summary.open("w") as out:
                        stats = pstats.Stats(str(path), stream=out)
                        stats.sort_stats("cumulative").print_stats(60)
                        stats.sort_stats("tottime").print_stats(40)
                    print(f"profile: {summary}")

    def maildirs(self) -> list[Path]:
        return [path.parent for path in (self.home / "mail").glob("*/*/new")]

    def report(self) -> None:
        print(f"ours: spam scoring with {self.spam_model}; the stub DNS server answered "
              f"{self.dns.queries} question(s), all NXDOMAIN on loopback")
        sample = next(iter(self.files()), None)
        if sample is not None:
            head = sample.read_bytes().split(b"\n\n", 1)[0]
            kept = [line for line in head.decode(errors="replace").splitlines()
                    if line.startswith(("X-Virus-Scanned", "X-Spam-Status",
                                        "Authentication-Results"))]
            print("ours: a delivered message carries " + " | ".join(kept))
        errors = sum(log.read_text(errors="replace").count("Traceback")
                     for log in self.folder.glob("smtpd-*.log"))
        if errors:
            print(f"ours: {errors} traceback(s) in the smtpd logs under {self.folder}")


def profiled_smtpd(output: Path, argv: list[str]) -> int:
    """Run ``manage.py ...`` (argv) with every thread under its own cProfile, merged into
    ``output`` at exit (cProfile alone sees only the main thread, and the directory
    look-ups, the spam scoring and the Maildir writes run in worker threads)."""
    import cProfile

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    original_run = threading.Thread.run

    def run(thread):
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()
        try:
            original_run(thread)
        finally:
            profile.disable()

    threading.Thread.run = run
    sys.argv = argv
    sys.path.insert(0, str(ROOT))
    main_profile = cProfile.Profile()
    profiles.append(main_profile)
    from django.core.management import execute_from_command_line

    main_profile.enable()
    try:
        execute_from_command_line(argv)
    finally:
        main_profile.disable()
        with lock:
            stats = pstats.Stats(main_profile)
            for profile in profiles[1:]:
                try:
                    stats.add(profile)
                except TypeError:  # a thread that never ran anything
                    pass
        stats.dump_stats(str(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
