"""A token classifier with Gary Robinson's chi-square (Fisher) combining, as in SpamBayes.

Chi-square combining was chosen over naive Bayes because it says "unsure" (near 0.5) when a
message has strong clues both ways instead of an overconfident 0 or 1, which is what keeps
false positives rare. It learns one message at a time (users' "spam" / "not spam" marks),
can be unlearned exactly, and a domain's model is layered over the operator's base model by
adding their counts at scoring time (:class:`Layered`).

Models are saved as gzip-compressed JSON with a format name and version, written to a
temporary file, fsynced and renamed, so a reader sees the old or the new model, never half of
one. Loading validates everything and raises ``ValueError`` on anything unexpected: a model
file is data, never code (no pickle).
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from mailcore.filters.spam.message import MAX_BYTES, ParsedMessage, parse
from mailcore.filters.spam.tokens import tokenize

log = logging.getLogger(__name__)

FORMAT = "hostpanel-spam-bayes"
VERSION = 1
MIN_MESSAGES = 5  # of each kind before the classifier gives an opinion
UNKNOWN_WORD_STRENGTH = 0.45  # Robinson's s
UNKNOWN_WORD_PROB = 0.5  # Robinson's x
MIN_PROB_STRENGTH = 0.3  # clues closer than this to 0.5 are ignored
MAX_DISCRIMINATORS = 150
MAX_FILE_BYTES = 1 << 30  # decompressed model size accepted by load()
MAX_TOKEN_CHARS = 200


class Scorer(Protocol):
    """What :func:`mailcore.filters.spam.classify.offline_score` needs from a model."""

    def probability(self, parsed: ParsedMessage) -> float | None: ...


class Bayes:
    """Token counts of learned spam and ham; safe to score from many threads at once."""

    def __init__(self) -> None:
        self.nspam = 0
        self.nham = 0
        self.counts: dict[str, list[int]] = {}  # token -> [spam count, ham count]
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.counts)

    def learn(self, parsed: ParsedMessage, is_spam: bool) -> None:
        self.learn_tokens(tokenize(parsed), is_spam)

    def unlearn(self, parsed: ParsedMessage, is_spam: bool) -> None:
        """Reverse an earlier ``learn(parsed, is_spam)`` of the same message."""
        self.unlearn_tokens(tokenize(parsed), is_spam)

    def learn_tokens(self, tokens: Iterable[str], is_spam: bool) -> None:
        index = 0 if is_spam else 1
        with self._lock:
            for token in tokens:
                record = self.counts.get(token)
                if record is None:
                    record = self.counts[token] = [0, 0]
                record[index] += 1
            if is_spam:
                self.nspam += 1
            else:
                self.nham += 1

    def unlearn_tokens(self, tokens: Iterable[str], is_spam: bool) -> None:
        index = 0 if is_spam else 1
        with self._lock:
            for token in tokens:
                record = self.counts.get(token)
                if record is None:
                    continue
                record[index] = max(record[index] - 1, 0)
                if record == [0, 0]:
                    del self.counts[token]
            if is_spam:
                self.nspam = max(self.nspam - 1, 0)
            else:
                self.nham = max(self.nham - 1, 0)

    def probability(self, parsed: ParsedMessage) -> float | None:
        """Spam probability 0..1, None until MIN_MESSAGES of each kind were learned."""
        return self.probability_tokens(tokenize(parsed))

    def probability_tokens(self, tokens: Iterable[str]) -> float | None:
        return _combine(tokens, self.nspam, self.nham, (self.counts,))

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically: temporary file in the same folder, fsync, rename, fsync folder."""
        with self._lock:
            document = {"format": FORMAT, "version": VERSION, "spam": self.nspam,
                        "ham": self.nham,
                        "tokens": [[t, s, h] for t, (s, h) in self.counts.items()]}
            data = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        _write_atomically(Path(path), gzip.compress(data.encode("utf-8"), compresslevel=6))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Bayes:
        """Read a model written by :meth:`save`; ``ValueError`` for anything else."""
        try:
            with gzip.open(path, "rb") as stream:
                data = stream.read(MAX_FILE_BYTES + 1)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ValueError(f"spam model {path}: not a readable model file ({exc})") from exc
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"spam model {path}: larger than {MAX_FILE_BYTES} bytes")
        try:
            document = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"spam model {path}: not valid JSON") from exc
        return cls._from_document(document, path)

    @classmethod
    def _from_document(cls, document: object, path: str | os.PathLike) -> Bayes:
        def fail(why: str) -> ValueError:
            return ValueError(f"spam model {path}: {why}")

        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise fail(f"not a {FORMAT} file")
        if document.get("version") != VERSION:
            raise fail(f"unsupported version {document.get('version')!r}")
        model = cls()
        model.nspam, model.nham = document.get("spam"), document.get("ham")
        if not all(_is_count(n) for n in (model.nspam, model.nham)):
            raise fail("bad message counts")
        rows = document.get("tokens")
        if not isinstance(rows, list):
            raise fail("bad token table")
        for row in rows:
            if not (isinstance(row, list) and len(row) == 3 and isinstance(row[0], str)
                    and len(row[0]) <= MAX_TOKEN_CHARS and _is_count(row[1])
                    and _is_count(row[2])):
                raise fail(f"bad token row {str(row)[:80]!r}")
            model.counts[row[0]] = [row[1], row[2]]
        return model


class Layered:
    """A domain's model over the base model: counts are added when scoring.

    Learning and unlearning go to the domain model only; the base model is shared read-only.
    """

    def __init__(self, base: Bayes, domain: Bayes):
        self.base = base
        self.domain = domain

    def learn(self, parsed: ParsedMessage, is_spam: bool) -> None:
        self.domain.learn(parsed, is_spam)

    def unlearn(self, parsed: ParsedMessage, is_spam: bool) -> None:
        self.domain.unlearn(parsed, is_spam)

    def probability(self, parsed: ParsedMessage) -> float | None:
        return self.probability_tokens(tokenize(parsed))

    def probability_tokens(self, tokens: Iterable[str]) -> float | None:
        return _combine(tokens, self.base.nspam + self.domain.nspam,
                        self.base.nham + self.domain.nham, (self.base.counts, self.domain.counts))


def learn_files(model: Bayes | Layered, paths: Iterable[Path], is_spam: bool) -> int:
    """Learn every raw message file under ``paths`` (files or folders, recursively).

    Unreadable files are logged and skipped. Returns the number of messages learned.
    """
    learned = 0
    for path in _message_files(paths):
        try:
            with open(path, "rb") as stream:
                raw = stream.read(MAX_BYTES)
        except OSError as exc:
            log.warning("spam learn: skipping %s: %s", path, exc)
            continue
        model.learn(parse(raw), is_spam)
        learned += 1
    return learned


def _message_files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    yield Path(folder, name)
        elif path.is_file():
            yield path
        else:
            log.warning("spam learn: skipping %s: not a file or folder", path)


def _combine(tokens: Iterable[str], nspam: int, nham: int,
             tables: tuple[dict[str, list[int]], ...]) -> float | None:
    """Robinson's chi-square combining of the strongest token probabilities."""
    if nspam < MIN_MESSAGES or nham < MIN_MESSAGES:
        return None
    s, x = UNKNOWN_WORD_STRENGTH, UNKNOWN_WORD_PROB
    clues: list[tuple[float, float]] = []
    for token in tokens:
        spam = ham = 0
        for table in tables:
            record = table.get(token)
            if record is not None:
                spam += record[0]
                ham += record[1]
        if not spam and not ham:
            continue
        spam_ratio = spam / nspam
        ham_ratio = ham / nham
        prob = spam_ratio / (spam_ratio + ham_ratio)
        total = spam + ham
        prob = (s * x + total * prob) / (s + total)
        strength = abs(prob - 0.5)
        if strength >= MIN_PROB_STRENGTH:
            clues.append((strength, prob))
    if not clues:
        return 0.5
    clues.sort(reverse=True)
    del clues[MAX_DISCRIMINATORS:]
    log_ham = sum(math.log(p) for _, p in clues)
    log_spam = sum(math.log(1.0 - p) for _, p in clues)
    n = len(clues)
    spamminess = 1.0 - _chi2q(-2.0 * log_spam, 2 * n)
    hamminess = 1.0 - _chi2q(-2.0 * log_ham, 2 * n)
    return (spamminess - hamminess + 1.0) / 2.0


def _chi2q(x2: float, v: int) -> float:
    """Probability that chi-square with ``v`` (even) degrees of freedom is >= x2."""
    m = x2 / 2.0
    term = total = math.exp(-m)
    for i in range(1, v // 2):
        term *= m / i
        total += term
    return min(total, 1.0)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 40


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
