"""Offline score of a message: heuristic rules plus the classifier, in SpamAssassin-like points.

The classifier's probability is mapped to BAYES_xx hits like SpamAssassin's. Only a very
confident classifier (BAYES_999) reaches the threshold alone; lower bands need rules to
agree, and confident ham (BAYES_00) takes points off so that one noisy rule cannot mark a
personal message. Network tests (SPF, DKIM, DMARC, blocklists, language) are added on top by
the engine; this score is what the benchmark and ``manage.py spam score`` measure.
"""

from __future__ import annotations

from mailcore.filters.spam import rules
from mailcore.filters.spam.bayes import Scorer
from mailcore.filters.spam.hits import Hit
from mailcore.filters.spam.message import ParsedMessage

DEFAULT_THRESHOLD = 5.0

# Classifier points rise linearly with the probability, from BAYES_LOW (sure ham) to
# BAYES_HIGH (sure spam): alone it reaches the threshold only from p = 0.94. Linear points
# did better in cross-validation than SpamAssassin-like steps (fewer misses at the same
# false positives), while the hit keeps SpamAssassin's band names for operators.
BAYES_LOW = -2.0
BAYES_HIGH = 5.5
BAYES_BANDS: tuple[tuple[float, str], ...] = (
    (0.999, "BAYES_999"), (0.99, "BAYES_99"), (0.95, "BAYES_95"), (0.80, "BAYES_80"),
    (0.60, "BAYES_60"), (0.40, "BAYES_50"), (0.20, "BAYES_40"), (0.05, "BAYES_20"),
    (0.01, "BAYES_05"), (0.0, "BAYES_00"),
)


def bayes_hit(probability: float) -> Hit:
    """The BAYES_xx hit for a classifier probability."""
    name = next(name for lowest, name in BAYES_BANDS if probability >= lowest)
    points = round(BAYES_LOW + (BAYES_HIGH - BAYES_LOW) * probability, 1)
    percent = f"{probability * 100:.1f}".rstrip("0").rstrip(".")
    return Hit(name, points, f"Bayesian spam probability is {percent}%")


def offline_score(parsed: ParsedMessage, model: Scorer | None) -> tuple[float, list[Hit]]:
    """Score ``parsed`` with the rules and, when trained enough, the classifier ``model``."""
    hits = rules.evaluate(parsed)
    probability = model.probability(parsed) if model is not None else None
    if probability is not None:
        hits.append(bayes_hit(probability))
    return round(sum(hit.score for hit in hits), 1), hits
