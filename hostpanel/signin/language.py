"""The panel's language: the account's choice, else the browser's (cookie or Accept-Language).

Django's LocaleMiddleware picks the browser's; :class:`AccountLanguageMiddleware`
(after authentication) puts a signed-in account's own choice over it, so the
choice follows the account to any browser. :func:`set_language` is the menu on
every page: it sets the cookie, and for a signed-in account stores the choice,
which is also the language of the mail the system writes to that account
(:func:`mailcore.directory.mail_language`).
"""

from django.conf import settings
from django.utils import translation
from django.views import i18n
from django.views.decorators.http import require_POST

CODES = frozenset(code for code, _name in settings.LANGUAGES)


class AccountLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and \
            user.is_authenticated else ""
        if chosen in CODES:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


@require_POST
def set_language(request):
    """Django's set_language (the cookie, the redirect to a safe ``next``), remembered."""
    response = i18n.set_language(request)
    code = request.POST.get("language", "")
    if code in CODES and request.user.is_authenticated:
        request.user.language = code
        request.user.save(update_fields=["language"])
    return response
