"""Which addresses mail may be forwarded to (hostpanel.routing.targets), as every form sees it."""

import pytest
from django.core.exceptions import ValidationError

from hostpanel.routing import services
from hostpanel.routing.targets import clean_address, clean_addresses


def _refused(values, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        clean_addresses(values, **kwargs)
    return caught.value.messages


@pytest.mark.parametrize("address", [
    "jane",                              # no domain
    "@example.net",                      # no local part
    "jane@",                             # no domain after the @
    "jane@@example.net",
    "jane doe@example.net",              # a space
    '"jane doe"@example.net',            # quoted local part
    "jane%other.net@example.net",        # percent hack
    "other.net!jane@example.net",        # bang path
    "@relay.net:jane@example.net",       # source route
    "jane@[192.0.2.1]",                  # IP literal
    "jane@192.0.2.1",                    # a bare IP is no domain name
    "jane@example",                      # a single label
    "jane@exa_mple.net",
    "jane@-example.net",
    ".jane@example.net",
    "jane.@example.net",
    "ja..ne@example.net",
    "jane@example.net,bob@example.net",  # two in one
    "jane<b>@example.net",
    "j(ane)@example.net",
])
def test_it_refuses_an_invalid_address(db, address):
    messages = _refused([address])
    assert len(messages) == 1
    assert "is not a valid email address" in messages[0] or "not to an IP address" in messages[0]


@pytest.mark.parametrize("address", [
    "jane@example.net\r\nBcc: victim@example.org",
    "jane@example.net\n",
    "jane\x00@example.net",
])
def test_it_refuses_line_breaks_and_control_characters(db, address):
    assert _refused([address]) == [
        "An address cannot contain line breaks or control characters."]


def test_it_refuses_an_address_longer_than_254_characters(db):
    address = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.net"
    assert len(address) > 254
    [message] = _refused([address])
    assert "is longer than 254 characters" in message and "…" in message


def test_it_refuses_a_local_part_longer_than_64_characters(db):
    assert "not a valid email address" in _refused(["a" * 65 + "@example.net"])[0]


@pytest.mark.parametrize(("typed", "stored"), [
    ("Jane.Doe@Example.NET", "Jane.Doe@example.net"),      # remote local part kept as typed
    ("  bob@example.net.  ", "bob@example.net"),            # spaces, trailing dot
    ("o'brien+news@example.net", "o'brien+news@example.net"),
    ("user@bücher.example", "user@xn--bcher-kva.example"),  # IDN as ASCII
    ("x=y/z{1}~#$&*?^_`|@example.net", "x=y/z{1}~#$&*?^_`|@example.net"),
])
def test_it_accepts_dot_atom_addresses_and_normalizes_the_domain(db, typed, stored):
    assert clean_addresses([typed]) == [stored]


def test_a_hosted_address_is_lower_cased_and_must_exist(domain, jane):
    assert clean_addresses(["JANE@EXAMPLE.COM"]) == ["jane@example.com"]
    assert _refused(["nobody@example.com"]) == [
        "nobody@example.com does not exist here: create it first, or mail to it would bounce."]


def test_a_target_at_another_hosted_domain_must_exist_too(domain, domain_factory):
    other = domain_factory("other.org")
    assert "ghost@other.org does not exist here" in _refused(["ghost@other.org"])[0]
    services.create_forward(other, "sales", ["postmaster@other.org"])
    services.create_autoresponder(other, "info", "Thanks", "We answer soon.")
    assert clean_addresses(["postmaster@other.org", "sales@other.org", "info@other.org"]) == [
        "postmaster@other.org", "sales@other.org", "info@other.org"]


def test_remote_addresses_need_not_exist(db):
    assert clean_addresses(["anyone@example.net"]) == ["anyone@example.net"]


def test_duplicates_are_refused_whatever_their_case(db):
    messages = _refused(["bob@example.net", "BOB@Example.Net", "carol@example.net"])
    assert messages == ["BOB@example.net is listed twice."]


def test_an_address_cannot_point_at_itself(domain):
    messages = _refused(["info@example.com"], itself="info@example.com")
    assert "info@example.com cannot forward to itself." in messages


def test_at_least_one_address_is_required_unless_told_otherwise(db):
    assert _refused([]) == ["Enter at least one address."]
    assert clean_addresses([], required=False) == []


def test_a_thousand_addresses_are_refused_with_one_clear_message(db):
    targets = [f"user{number}@example.net" for number in range(1000)]
    assert _refused(targets) == ["At most 100 addresses are allowed (1000 given)."]


def test_the_limit_is_a_setting(db, settings):
    settings.HOSTPANEL_MAX_FORWARD_TARGETS = 2
    assert clean_addresses(["a@example.net", "b@example.net"])
    assert _refused(["a@example.net", "b@example.net", "c@example.net"]) == [
        "At most 2 addresses are allowed (3 given)."]


def test_every_problem_of_a_list_is_reported_at_once(domain):
    messages = _refused(["bad", "nobody@example.com", "ok@example.net", "ok@example.net"])
    assert len(messages) == 3
    assert "“bad” is not a valid email address (such as jane@example.com)." in messages
    assert "ok@example.net is listed twice." in messages
    assert any("nobody@example.com does not exist" in message for message in messages)


@pytest.mark.parametrize("value", [None, 7, ["a@example.net"], {"a": 1}])
def test_an_address_that_is_not_text_is_refused(db, value):
    with pytest.raises(ValidationError) as caught:
        clean_address(value)
    assert caught.value.messages == ["An address is a text, such as jane@example.com."]


def test_a_list_that_is_not_a_list_is_refused(db):
    assert _refused("jane@example.net") == ["Give a list of addresses."]
