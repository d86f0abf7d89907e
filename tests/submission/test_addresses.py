"""How submission compares a sender with the account's addresses (pure)."""

import pytest

from mailcore.smtp.submission import canonical_address


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("jane@example.com", "jane@example.com"),
        ("Jane@EXAMPLE.com.", "jane@example.com"),
        ("jane@bücher.example", "jane@xn--bcher-kva.example"),
        ("jane", None),
        ("@example.com", None),
        ("jane@[127.0.0.1]", None),
        ("jane@-bad-.example", None),
    ],
)
def test_a_sender_is_compared_in_its_canonical_form(address, canonical):
    assert canonical_address(address) == canonical
