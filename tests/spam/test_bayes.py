"""The classifier learns, unlearns, layers a domain over the base, and saves safely."""

import gzip
import json
import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

from mailcore.filters.spam import bayes
from mailcore.filters.spam.bayes import Bayes, Layered, learn_files
from mailcore.filters.spam.classify import DEFAULT_THRESHOLD, offline_score
from mailcore.filters.spam.message import parse
from mailcore.filters.spam.tokens import tokenize

SPAM_TEXTS = [
    "Cheap replica watches, best prices, order today and save big on luxury brands",
    "Lose weight fast with our herbal pills, no prescription, discreet shipping worldwide",
    "You have won a lottery prize, claim your cash reward by sending your bank details",
    "Best prices on luxury replica watches and bags, limited stock, order today",
    "Earn cash from home, claim your reward, luxury lifestyle guaranteed, order today",
    "Discreet shipping of herbal pills worldwide at the best prices, order today",
]
HAM_TEXTS = [
    "Hi Jane, the minutes of the project meeting are attached, see you on Monday",
    "The build failed again on the test server, could you look at the meeting notes",
    "Lunch on Monday? The project review moved to Tuesday, notes attached",
    "Jane, thanks for the review of the test plan, I updated the project notes",
    "Reminder: team meeting on Monday about the server migration project",
    "Could you send me the notes from the review meeting with the test team",
]


def message(text: str, sender: str = "someone@remote.test") -> bytes:
    return (f"From: {sender}\r\nTo: jane@example.com\r\nSubject: {text[:30]}\r\n"
            f"Message-ID: <{abs(hash(text))}@remote.test>\r\n\r\n{text}\r\n").encode()


@pytest.fixture
def trained() -> Bayes:
    model = Bayes()
    for text in SPAM_TEXTS:
        model.learn(parse(message(text, "promo@deals.test")), is_spam=True)
    for text in HAM_TEXTS:
        model.learn(parse(message(text, "bob@work.test")), is_spam=False)
    return model


def test_it_gives_no_opinion_before_enough_training():
    model = Bayes()
    model.learn(parse(message(SPAM_TEXTS[0])), is_spam=True)
    assert model.probability(parse(message(SPAM_TEXTS[1]))) is None
    score, hits = offline_score(parse(message(SPAM_TEXTS[1])), model)
    assert not any(hit.name.startswith("BAYES") for hit in hits)


def test_it_separates_spam_from_ham_after_a_few_examples(trained):
    spam = parse(message("Order today: luxury replica watches and herbal pills, best prices",
                         "promo@deals.test"))
    ham = parse(message("Notes of the project meeting on Monday, Jane", "bob@work.test"))
    assert trained.probability(spam) > 0.9
    assert trained.probability(ham) < 0.1
    assert offline_score(ham, trained)[0] < 0 < DEFAULT_THRESHOLD
    assert any(hit.name == "BAYES_00" for hit in offline_score(ham, trained)[1])


def test_unlearn_reverses_learn(trained):
    before = ({token: list(counts) for token, counts in trained.counts.items()},
              trained.nspam, trained.nham)
    extra = parse(message("A brand new message about gardening tools and tomatoes"))
    trained.learn(extra, is_spam=True)
    assert trained.nspam == before[1] + 1
    trained.unlearn(extra, is_spam=True)
    assert (trained.counts, trained.nspam, trained.nham) == before


def test_a_domain_model_layers_over_the_base_model(trained):
    domain = Bayes()
    layered = Layered(trained, domain)
    newsletter = parse(message("Monday meeting of the gardening club: tomatoes and tools",
                               "club@garden.test"))
    before = layered.probability(newsletter)
    for _ in range(5):
        layered.learn(newsletter, is_spam=True)
    assert layered.probability(newsletter) > before
    assert domain.nspam == 5 and trained.nspam == len(SPAM_TEXTS)
    assert trained.probability(newsletter) == before


def test_save_and_load_round_trip(trained, tmp_path):
    path = tmp_path / "models" / "base.json.gz"
    trained.save(path)
    loaded = Bayes.load(path)
    assert (loaded.nspam, loaded.nham, loaded.counts) == (trained.nspam, trained.nham,
                                                           trained.counts)
    probe = parse(message("replica watches for the project meeting"))
    assert loaded.probability(probe) == trained.probability(probe)
    assert json.loads(gzip.decompress(path.read_bytes()))["format"] == bayes.FORMAT
    assert [p.name for p in path.parent.iterdir()] == ["base.json.gz"]  # no temporary left


def document(**changes) -> bytes:
    base = {"format": bayes.FORMAT, "version": bayes.VERSION, "spam": 1, "ham": 1,
            "tokens": [["word", 1, 0]]}
    base.update(changes)
    return gzip.compress(json.dumps(base).encode())


@pytest.mark.parametrize("content", [
    pickle.dumps({"format": bayes.FORMAT}),
    b"",
    gzip.compress(b"not json"),
    gzip.compress(b"[" * 100_000 + b"]" * 100_000),
    gzip.compress(b'{"format": "something-else"}'),
    document(version=99),
    document(spam=-1),
    document(ham=True),
    document(tokens={"word": [1, 0]}),
    document(tokens=[["word", 1]]),
    document(tokens=[[5, 1, 0]]),
    document(tokens=[["word", 1.5, 0]]),
], ids=["pickle", "empty", "not-json", "deep-json", "other-format", "version", "negative",
        "bool", "dict-tokens", "short-row", "non-string", "float"])
def test_a_hostile_or_broken_model_file_raises_value_error(tmp_path, content):
    path = tmp_path / "model"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="spam model"):
        Bayes.load(path)


def test_a_missing_model_file_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="spam model"):
        Bayes.load(tmp_path / "absent")


def test_learn_files_reads_folders_recursively_and_skips_unreadable(tmp_path):
    (tmp_path / "spam" / "cur").mkdir(parents=True)
    for i, text in enumerate(SPAM_TEXTS):
        (tmp_path / "spam" / "cur" / f"{i}.eml").write_bytes(message(text))
    (tmp_path / "spam" / "dangling").symlink_to(tmp_path / "nowhere")
    model = Bayes()
    assert learn_files(model, [tmp_path / "spam", tmp_path / "absent"], is_spam=True) == 6
    assert model.nspam == 6 and model.nham == 0


def test_scoring_from_many_threads_while_learning(trained):
    probes = [parse(message(text)) for text in SPAM_TEXTS + HAM_TEXTS]
    expected = [trained.probability(p) for p in probes]
    domain = Bayes()
    layered = Layered(trained, domain)

    def learn_some(_):
        layered.learn(parse(message("unrelated words about tomatoes")), is_spam=False)
        layered.unlearn(parse(message("unrelated words about tomatoes")), is_spam=False)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(learn_some, range(50)))
        results = list(pool.map(trained.probability, probes * 20))
    assert results == expected * 20
    assert domain.nham == 0 and domain.counts == {}


LIST_POST = (
    b"From: someone@remote.test\r\nTo: ilug@lists.example.org\r\nSubject: [ILUG] cheap watches\r\n"
    b"List-Id: Irish Users <ilug.lists.example.org>\r\n"
    b"List-Unsubscribe: <http://lists.example.org/mailman/listinfo/ilug>\r\n"
    b"Sender: ilug-admin@lists.example.org\r\nErrors-To: ilug-admin@lists.example.org\r\n"
    b"Precedence: bulk\r\n\r\n"
    b"Replica watches at the best prices.\r\n\r\n-- \r\n"
    b"Irish Users' Group: ilug@lists.example.org\r\n"
    b"http://lists.example.org/mailman/listinfo/ilug for (un)subscription information.\r\n"
    b"List maintainer: listmaster@lists.example.org\r\n")


def test_a_lists_footer_and_envelope_give_no_tokens():
    found = tokenize(parse(LIST_POST))
    assert {"replica", "watches", "subject:cheap", "list-id:ilug.lists.example.org"} <= found
    assert not {"maintainer", "subscription", "urlpath:listinfo", "subject:ilug",
                "email:lists.example.org", "header:precedence:1", "header:sender:1"} & found
    assert not any(token.startswith("envelope:") for token in found)
    # the same words outside a list are the sender's own
    unlisted = LIST_POST.replace(b"List-Id:", b"X-Old-List-Id:").replace(
        b"List-Unsubscribe:", b"X-Old-List-Unsubscribe:")
    assert {"maintainer", "urlpath:listinfo", "header:sender:1", "envelope:addr:lists.example.org",
            "subject:ilug"} <= tokenize(parse(unlisted))


def test_the_relays_of_a_list_and_after_it_give_no_tokens():
    raw = (b"Received: from lists.example.org (lists.example.org [198.51.100.7])\r\n"
           b"\tby mx.example.com with ESMTP; Mon, 5 Aug 2002 17:08:07 +0100\r\n"
           b"Received: from lair.example.org (localhost [127.0.0.1]) by lists.example.org\r\n"
           b"\twith ESMTP; Mon, 5 Aug 2002 09:05:04 -0700\r\n"
           b"Received: from spammer.test (unknown [203.0.113.9]) by lists.example.org\r\n"
           b"\twith SMTP; Mon, 5 Aug 2002 09:04:25 -0700\r\n"
           b"Received: from pc1.spammer.test ([192.0.2.62]) by spammer.test with SMTP;\r\n"
           b"\tMon, 5 Aug 2002 12:00:28 -0400\r\n") + LIST_POST
    found = {token for token in tokenize(parse(raw)) if token.startswith("received:")}
    # where the list got the post from, and the relays before: the sender's evidence
    assert {"received:spammer.test", "received:203.0", "received:192.0.2"} <= found
    # the list's relays and the recipient's own: the list again
    assert not {"received:198.51", "received:example.org", "received:example.com",
                "received:127.0"} & found
    unlisted = raw.replace(b"List-Id:", b"X-Old-List-Id:")
    assert {"received:198.51", "received:example.org"} <= tokenize(parse(unlisted))
