"""``manage.py spam learn`` and ``manage.py spam score``, as an operator runs them."""

import json
import time

import pytest
from django.core.management import CommandError, call_command

from mailcore.filters.spam import store

SPAM_WORDS = "cheap pills viagra casino winner prize claim now unsubscribe offer limited"
HAM_WORDS = "meeting agenda budget review schedule project notes colleague report draft"


def write_messages(folder, kind: str, words: str, count: int):
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"{kind}{n}.eml").write_bytes(
            (f"From: sender{n}@{kind}.example\r\nTo: jane@example.com\r\n"
             f"Subject: {kind} {n}\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
             f"Message-ID: <{time.time_ns()}.{n}@{kind}.example>\r\n\r\n"
             f"{words} {words} number {n}\r\n").encode())
    return folder


@pytest.fixture
def corpus(tmp_path):
    return (write_messages(tmp_path / "spam", "spam", SPAM_WORDS, 20),
            write_messages(tmp_path / "ham", "ham", HAM_WORDS, 20))


def run(*args) -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command("spam", *args, stdout=out)
    return out.getvalue().splitlines()


def test_learn_then_score_separates_spam_from_ham(corpus, settings, tmp_path):
    settings.HOSTPANEL_SPAM_MODELS = tmp_path / "models"
    spam, ham = corpus
    assert run("learn", "--spam", str(spam), "--ham", str(ham)) == [
        "Learned 20 spam and 20 ham messages into the base model."]
    assert store.base_path(settings.HOSTPANEL_SPAM_MODELS).exists()
    lines = [json.loads(line) for line in run("score", "--json", str(spam / "spam0.eml"),
                                               str(ham / "ham0.eml"))]
    assert [line["file"].rsplit("/", 1)[1] for line in lines] == ["spam0.eml", "ham0.eml"]
    assert lines[0]["rules"][-1].startswith("BAYES_9")
    assert lines[1]["rules"][-1] == "BAYES_00" and lines[1]["verdict"] == "ham"
    assert lines[0]["score"] > lines[1]["score"]
    [plain] = run("score", str(ham / "ham1.eml"))
    file, score, verdict, rules = plain.split("\t")
    assert (file.endswith("ham1.eml"), verdict) == (True, "ham")
    assert float(score) < 5 and "BAYES_00" in rules


def test_a_domain_model_is_learned_apart_from_the_base(corpus, settings, tmp_path):
    settings.HOSTPANEL_SPAM_MODELS = tmp_path / "models"
    spam, ham = corpus
    run("learn", "--domain", "Example.com", "--spam", str(spam), "--ham", str(ham))
    assert store.domain_path(settings.HOSTPANEL_SPAM_MODELS, "example.com").exists()
    assert not store.base_path(settings.HOSTPANEL_SPAM_MODELS).exists()


@pytest.mark.parametrize("args, message", [
    (("learn",), "Give --spam FILE... and/or --ham FILE..."),
    (("learn", "--spam", "/no/such/folder"), "No such file or folder: /no/such/folder"),
    (("learn", "--domain", "../etc", "--spam", "/etc/hostname"), "not a domain name"),
])
def test_bad_arguments_get_a_clear_error(args, message, settings, tmp_path):
    settings.HOSTPANEL_SPAM_MODELS = tmp_path / "models"
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        run(*args)
    assert not (tmp_path / "models").exists()


def test_score_reports_an_unreadable_file_and_goes_on(corpus, settings, tmp_path, capsys):
    settings.HOSTPANEL_SPAM_MODELS = tmp_path / "models"
    spam, _ham = corpus
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("spam", "score", str(tmp_path / "missing.eml"), str(spam / "spam1.eml"),
                 stdout=out, stderr=err)
    assert "missing.eml: No such file or directory" in err.getvalue()
    assert out.getvalue().count("\n") == 1
