from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No self sign-up: accounts are created by postmasters and operators."""

    def is_open_for_signup(self, request):
        return False
