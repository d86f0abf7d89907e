import threading

import pytest

from mailcore.filters.spam import language

ENGLISH = (
    "Thank you for your letter of last week about the meeting of the garden committee. "
    "We have looked again at the plans for the new greenhouse and we think that the budget "
    "you proposed is reasonable, although the delivery of the glass panels may take longer "
    "than expected. Could you please let us know whether the volunteers are still available "
    "on the first Saturday of next month, so that we can book the van in good time?"
)
FRENCH = (
    "Merci pour votre lettre de la semaine dernière au sujet de la réunion du comité des "
    "jardins. Nous avons examiné de nouveau les plans de la nouvelle serre et nous pensons "
    "que le budget que vous avez proposé est raisonnable, même si la livraison des panneaux "
    "de verre risque de prendre plus de temps que prévu. Pourriez-vous nous dire si les "
    "bénévoles sont toujours disponibles le premier samedi du mois prochain ?"
)
GERMAN = (
    "Vielen Dank für Ihren Brief von letzter Woche über die Sitzung des Gartenausschusses. "
    "Wir haben uns die Pläne für das neue Gewächshaus noch einmal angesehen und halten das "
    "vorgeschlagene Budget für angemessen, auch wenn die Lieferung der Glasscheiben länger "
    "dauern könnte als erwartet. Könnten Sie uns bitte mitteilen, ob die freiwilligen Helfer "
    "am ersten Samstag des nächsten Monats noch zur Verfügung stehen?"
)
JAPANESE = (
    "先週の庭園委員会の会議についてのお手紙をありがとうございました。新しい温室の計画を"
    "もう一度検討しましたが、ご提案いただいた予算は妥当だと考えております。ただし、ガラス板"
    "の納品には予想よりも時間がかかるかもしれません。来月の最初の土曜日にボランティアの皆さん"
    "がまだ参加できるかどうか、お知らせいただけますでしょうか。早めに車の予約をしたいと思い"
    "ますので、どうぞよろしくお願いいたします。また、当日の天気が悪い場合の予定についても、"
    "ご意見をお聞かせいただければ幸いです。皆様のご協力に心から感謝申し上げます。"
)
CHINESE = (
    "感谢您上周关于花园委员会会议的来信。我们重新研究了新温室的计划，认为您提出的预算是合理的，"
    "不过玻璃板的交货时间可能会比预期的要长一些。请您告诉我们，志愿者们下个月的第一个星期六是否"
    "仍然有空，这样我们可以及时预订货车。另外，如果当天天气不好，我们也希望听听您对活动安排的意见。"
    "我们非常感谢大家一直以来的支持与帮助，希望这个项目能够顺利完成，让社区里的每一个人都能享受到"
    "美丽的花园。如果您还有其他的建议或者问题，请随时与我们联系，我们会尽快给您答复。"
)


@pytest.mark.parametrize(("text", "code"), [
    (ENGLISH, "en"), (FRENCH, "fr"), (GERMAN, "de"), (JAPANESE, "ja"), (CHINESE, "zh"),
])
def test_it_detects_the_language_of_a_paragraph(text, code):
    detected = language.detect(text)
    assert detected is not None
    assert detected[0] == code
    assert detected[1] >= 0.9
    assert code in language.LANGUAGES


def test_it_makes_no_guess_for_a_short_text():
    assert language.detect("Merci beaucoup pour votre message, à bientôt !") is None


def test_it_makes_no_guess_for_garbage():
    garbage = " ".join(["xq7 zzkf 0x3f9a qwpl", "##!! 1234 5678", "vbnm kjhg trew"] * 40)
    assert language.detect(garbage) is None


def test_it_makes_no_guess_for_a_mixture_of_languages():
    mixture = " ".join(word for pair in zip(ENGLISH.split(), FRENCH.split(), GERMAN.split(),
                                             JAPANESE[:60], strict=False) for word in pair)
    assert language.detect(mixture) is None


def test_it_ignores_quoted_text_signature_urls_and_addresses():
    reply = (
        "Ok, see https://example.com/une/très/longue/adresse/de/page/pour/la/réunion?x=1\n"
        "jean.dupont@exemple-de-domaine-tres-long.fr\n"
        + "\n".join("> " + line for line in FRENCH.split(". ")) + "\n"
        "-- \n" + FRENCH
    )
    assert language.detect(reply) is None  # nothing of it is the author's own French
    assert language.detect(ENGLISH + "\n" + reply)[0] == "en"


def test_it_reports_norwegian_as_bokmal():
    norwegian = (
        "Takk for brevet ditt fra forrige uke om møtet i hagekomiteen. Vi har sett på planene "
        "for det nye drivhuset en gang til, og vi synes at budsjettet du foreslo er rimelig, "
        "selv om leveringen av glassplatene kan ta lengre tid enn forventet. Kan du være så "
        "snill å gi oss beskjed om de frivillige fortsatt er ledige den første lørdagen neste "
        "måned, slik at vi kan bestille bilen i god tid? Vi gleder oss til å høre fra deg."
    )
    assert language.detect(norwegian)[0] == "nb"


def test_it_loads_the_model_once_for_concurrent_callers(monkeypatch):
    monkeypatch.setattr(language, "_identifier", [])  # as in a fresh process
    results = []
    threads = [threading.Thread(target=lambda: results.append(language.detect(GERMAN)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [result[0] for result in results] == ["de"] * 4
    assert len(language._identifier) == 1
