"""``manage.py spam learn`` and ``manage.py spam score``: sa-learn and spamc for operators."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mailcore.filters.spam import classify, store
from mailcore.filters.spam.bayes import learn_files
from mailcore.filters.spam.message import MAX_BYTES, parse


def _files(paths: list[str]):
    """Every file named, and every file under the folders named, sorted."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


class Command(BaseCommand):
    help = "Teach the spam classifier from raw messages, or score raw messages."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        learn = commands.add_parser(
            "learn", help="Learn raw messages (files or folders) as spam or as ham.")
        learn.add_argument("--spam", nargs="+", default=[], metavar="FILE")
        learn.add_argument("--ham", nargs="+", default=[], metavar="FILE")
        learn.add_argument("--domain", help="Teach this domain's model (default: the base model).")
        score = commands.add_parser("score", help="Score raw messages, one line each.")
        score.add_argument("files", nargs="+", metavar="FILE")
        score.add_argument("--json", action="store_true", help="One JSON object per line.")
        score.add_argument("--domain", help="Score with this domain's model over the base one.")
        score.add_argument("--threshold", type=float, default=classify.DEFAULT_THRESHOLD)

    def handle(self, *args, action, **options):
        folder = Path(settings.HOSTPANEL_SPAM_MODELS)
        domain = (options.get("domain") or "").strip().lower() or None
        if domain:
            try:
                store.domain_path(folder, domain)
            except ValueError as error:
                raise CommandError(str(error)) from None
        if action == "learn":
            self._learn(folder, domain, options["spam"], options["ham"])
        else:
            self._score(folder, domain, options)

    def _learn(self, folder: Path, domain: str | None, spam: list[str], ham: list[str]):
        if not spam and not ham:
            raise CommandError("Give --spam FILE... and/or --ham FILE...")
        missing = [name for name in spam + ham if not Path(name).exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        counts = {}

        def change(model):
            counts["spam"] = learn_files(model, [Path(p) for p in spam], True)
            counts["ham"] = learn_files(model, [Path(p) for p in ham], False)
            return counts["spam"] + counts["ham"]

        store.update(folder, domain, change)
        where = f"the model of {domain}" if domain else "the base model"
        self.stdout.write(f"Learned {counts['spam']} spam and {counts['ham']} ham "
                          f"messages into {where}.")

    def _score(self, folder: Path, domain: str | None, options):
        models = store.ModelStore(folder)
        model = models.model_for(domain) if domain else models.base_model()
        for path in _files(options["files"]):
            try:
                with open(path, "rb") as stream:
                    raw = stream.read(MAX_BYTES)
            except OSError as error:
                self.stderr.write(f"{path}: {error.strerror or error}")
                continue
            score, hits = classify.offline_score(parse(raw), model)
            verdict = "spam" if score >= options["threshold"] else "ham"
            rules = [hit.name for hit in hits]
            if options["json"]:
                self.stdout.write(json.dumps({"file": str(path), "score": score,
                                              "verdict": verdict, "rules": rules}))
            else:
                self.stdout.write(f"{path}\t{score:.1f}\t{verdict}\t{','.join(rules)}")
