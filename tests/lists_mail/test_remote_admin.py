"""Remote administration by mail: moderators subscribe others, list subscribers, edit texts.

Every request is confirmed by a mail to the moderator's own address, so a
forged From gets the forger nothing.
"""

from hostpanel.lists.models import MailingList, Member
from tests.lists_mail.helpers import deliver, sent_to, service_address, text

MOD = "mod@remote.test"
CAROL = "carol@remote.test"
REQUEST = "team-request@example.com"


def members(role="subscriber"):
    return sorted(Member.objects.filter(role=role).values_list("address", flat=True))


def admin_list(list_factory, **options):
    return list_factory(remote_admin=True, moderators=[MOD], **options)


def test_a_moderator_subscribes_somebody_after_confirming(mx, list_factory, remote):
    admin_list(list_factory)
    deliver(mx, REQUEST, MOD, "subscribe carol@remote.test")
    assert members() == []
    assert sent_to(remote, CAROL) == []  # carol is not asked: the moderator is
    [ask] = sent_to(remote, MOD)
    confirm = service_address(ask)
    assert confirm.startswith("team-confirm-asub-")
    assert "A moderator of the list, perhaps you, asked to subscribe carol@remote.test" in \
        text(ask)

    deliver(mx, confirm, MOD, "Re: " + ask["Subject"])
    assert members() == [CAROL]
    assert sent_to(remote, CAROL)[-1]["Subject"] == "Welcome to team@example.com"


def test_a_moderator_unsubscribes_somebody_by_the_ezmlm_address(mx, list_factory, remote):
    admin_list(list_factory, subscribers=[CAROL, "dave@remote.test"])
    deliver(mx, "team-unsubscribe-carol=remote.test@example.com", MOD)
    [ask] = sent_to(remote, MOD)
    assert service_address(ask).startswith("team-confirm-aunsub-")
    deliver(mx, service_address(ask), MOD)
    assert members() == ["dave@remote.test"]
    assert sent_to(remote, CAROL)[-1]["Subject"] == "Goodbye from team@example.com"


def test_a_forged_moderator_gets_nothing_done(mx, list_factory, remote):
    admin_list(list_factory)
    deliver(mx, REQUEST, "mallory@remote.test", "subscribe mallory@remote.test", from_=MOD)
    # The confirmation goes to the real moderator; mallory gets nothing and is not in.
    assert sent_to(remote, "mallory@remote.test") == []
    assert len(sent_to(remote, MOD)) == 1
    assert members() == []


def test_without_remote_administration_a_moderator_is_like_anybody(mx, list_factory,
                                                                    remote):
    list_factory(moderators=[MOD])
    deliver(mx, REQUEST, MOD, "subscribe carol@remote.test")
    assert sent_to(remote, MOD) == []
    [ask] = sent_to(remote, CAROL)  # an ordinary request: carol confirms herself
    assert service_address(ask).startswith("team-confirm-sub-")


def test_a_private_list_takes_subscriptions_from_its_remote_administrators_only(
        mx, list_factory, remote):
    admin_list(list_factory, private=True)
    deliver(mx, REQUEST, "stranger@remote.test", "subscribe")
    assert "private" in text(sent_to(remote, "stranger@remote.test")[-1])
    deliver(mx, REQUEST, MOD, "subscribe carol@remote.test")
    deliver(mx, service_address(sent_to(remote, MOD)[-1]), MOD)
    assert members() == [CAROL]


def test_remote_administrators_list_and_search_the_subscribers(mx, list_factory, remote):
    admin_list(list_factory, remote_view_subscribers=True,
               subscribers=[CAROL, "dave@remote.test", "erin@other.test"])
    deliver(mx, REQUEST, MOD, "list")
    answer = text(sent_to(remote, MOD)[-1])
    assert "Subscribers (3)" in answer
    assert all(a in answer for a in (CAROL, "dave@remote.test", "erin@other.test"))

    deliver(mx, REQUEST, MOD, "list other.test")
    answer = text(sent_to(remote, MOD)[-1])
    assert "Subscribers (1)" in answer and "erin@other.test" in answer
    assert CAROL not in answer


def test_the_subscriber_list_is_for_remote_administrators_only(mx, list_factory, remote):
    admin_list(list_factory, subscribers=[CAROL, "dave@remote.test"])
    deliver(mx, REQUEST, MOD, "list")  # viewing is off
    deliver(mx, REQUEST, CAROL, "list")  # a subscriber
    for address in (MOD, CAROL):
        answer = text(sent_to(remote, address)[-1])
        assert "Only the moderators" in answer
        assert "dave@remote.test" not in answer


def test_remote_administrators_edit_the_trailer_by_reply(mx, list_factory, remote):
    admin_list(list_factory, remote_edit_texts=True, trailer="Old trailer",
               subscribers=[CAROL])
    deliver(mx, REQUEST, MOD, "edit trailer")
    [form] = sent_to(remote, MOD)
    reply_to = service_address(form)
    assert reply_to.startswith("team-edit-edit-")
    assert "%%% START OF TEXT %%%\nOld trailer\n%%% END OF TEXT %%%" in text(form)

    # The moderator's client quotes the form; the text between the markers is taken.
    quoted = "New text below.\r\n\r\n> %%% START OF TEXT %%%\r\n> Be kind.\r\n>\r\n" \
             "> -- the team\r\n> %%% END OF TEXT %%%\r\n"
    deliver(mx, reply_to, MOD, "Re: " + form["Subject"], body=quoted)
    assert MailingList.objects.get().trailer == "Be kind.\n\n-- the team"
    assert sent_to(remote, MOD)[-1]["Subject"] == \
        "The trailer of team@example.com is saved"

    deliver(mx, "team@example.com", CAROL, "Hello")
    assert text(sent_to(remote, CAROL)[-1]).endswith("Be kind.\n\n-- the team\n")


def test_an_edit_reply_without_markers_or_with_a_bad_cookie_changes_nothing(
        mx, list_factory, remote):
    admin_list(list_factory, remote_edit_texts=True, help_text="Old help")
    deliver(mx, REQUEST, MOD, "edit help")
    reply_to = service_address(sent_to(remote, MOD)[-1])
    deliver(mx, reply_to, MOD, "Re: edit", body="just some words\r\n")
    assert "unchanged" in text(sent_to(remote, MOD)[-1])
    expiry, mac = reply_to.split("-")[3:5]
    forged = reply_to.replace(f"-{expiry}-{mac}-", f"-{expiry}-{'0' * len(mac)}-")
    deliver(mx, forged, MOD, body="%%% START OF TEXT %%%\r\nhacked\r\n%%% END OF TEXT %%%\r\n")
    other = reply_to.replace("-help@", "-trailer@")  # the cookie names the help text
    deliver(mx, other, MOD, body="%%% START OF TEXT %%%\r\nhacked\r\n%%% END OF TEXT %%%\r\n")
    assert MailingList.objects.get().help_text == "Old help"
    assert MailingList.objects.get().trailer == ""


def test_editing_is_refused_to_others_and_when_off(mx, list_factory, remote):
    admin_list(list_factory, subscribers=[CAROL])
    deliver(mx, REQUEST, MOD, "edit trailer")  # editing is off
    MailingList.objects.update(remote_edit_texts=True)
    deliver(mx, REQUEST, CAROL, "edit trailer")  # no moderator
    for address in (MOD, CAROL):
        [answer] = sent_to(remote, address)
        assert "Only the moderators" in text(answer)
        assert "START OF TEXT" not in text(answer)


def test_the_edit_menu_and_help_name_the_moderators_commands(mx, list_factory, remote):
    admin_list(list_factory, remote_edit_texts=True, remote_view_subscribers=True)
    deliver(mx, REQUEST, MOD, "edit")
    menu = text(sent_to(remote, MOD)[-1])
    assert all(f"edit {name}" in menu for name in ("trailer", "welcome", "help", "goodbye"))
    deliver(mx, "team-help@example.com", CAROL)
    help_text = text(sent_to(remote, CAROL)[-1])
    assert '"subscribe ADDRESS"' in help_text and '"list"' in help_text
    assert '"edit"' in help_text
