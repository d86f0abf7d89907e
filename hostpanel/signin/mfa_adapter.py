"""Two-factor sign-in (allauth.mfa): the issuer shown in authenticator apps is the
brand of the panel the request reached (a reseller's, or MFA_TOTP_ISSUER)."""

from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        request = context.request
        reseller = getattr(request, "reseller", None) if request is not None else None
        if reseller is not None and reseller.name:
            return reseller.name
        return super().get_totp_issuer()
