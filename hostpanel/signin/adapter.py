from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from hostpanel.lib.slowdown import delay_failure


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

    def authentication_failed(self, request, **credentials):
        """A wrong password is answered after a growing wait, as on the mail servers."""
        try:
            client_ip = self.get_client_ip(request)
        except PermissionDenied:
            client_ip = "unknown"
        delay_failure(client_ip)
