from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    """No self sign-up: accounts are created by postmasters and operators."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _(
            "The account, domain or password is not correct."
        ),
        "invalid_login": _("The account, domain or password is not correct."),
    }

    def is_open_for_signup(self, request):
        return False
