"""The live demo's guard on every request (HOSTPANEL_DEMO; without it both do nothing).

:class:`ResetLockMiddleware` (early, before anything reads the database) holds the
reset lock shared while the request runs, so no page shows a half-restored demo.

:class:`DemoMiddleware` (after the messages middleware):

- the operator's pages (admin, status, reseller pages) do not exist: 404;
- two-factor sign-in cannot be set up on the shared demo sign-ins: 403 page;
- a session outlives a reset: the reset recreates the accounts (new ids), so a session
  whose account is gone signs the same login in again, or, when that login is gone
  too, goes back to the sign-in page saying so;
- a request that changes something runs in one transaction, rolled back when the
  write guard (:mod:`hostpanel.demo.limits`) refused anything or the view failed;
  too many creations get a 429 page (JSON under /api/).
"""

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model, login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hostpanel.demo.limits import DemoRefusal, TooManyCreations, Visit, current_visit
from hostpanel.demo.lock import reset_lock

OPERATOR_PATHS = ("/admin/", "/status/", "/reseller/")
TWO_FACTOR_PATH = "/accounts/2fa/"
API_PATH = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The session remembers its login: after a reset, the same login is signed in again.
REMEMBERED_LOGIN = "hostpanel_demo_login"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


class ResetLockMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.HOSTPANEL_DEMO:
            return self.get_response(request)
        with reset_lock(exclusive=False):
            return self.get_response(request)


def client_ip(request) -> str:
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def _page(request, title: str, texts, status: int):
    if request.path_info.startswith(API_PATH):
        return JsonResponse({"detail": " ".join(texts)}, status=status)
    return render(request, "demo/refused.html", {"title": title, "texts": texts}, status=status)


def two_factor_refused(request):
    return _page(request, _("Not available in the demo"), [_(
        "Two-factor sign-in cannot be set up in the demo: its sign-ins are shared by "
        "every visitor.")], 403)


def too_many_creations(request, refusal: TooManyCreations):
    response = _page(request, _("Please wait a minute"), [str(refusal)], 429)
    response["Retry-After"] = "60"
    return response


def refused(request, refusal: DemoRefusal):
    return _page(request, _("Not allowed in the demo"), refusal.messages, 403)


def _signed_in_again(request):
    """After a reset: sign the session's login in again, or send it to the sign-in page."""
    session = request.session
    login_name = session.get(REMEMBERED_LOGIN)
    if not login_name or SESSION_KEY not in session or request.user.is_authenticated:
        return None
    accounts = get_user_model()._default_manager
    if accounts.filter(pk=session[SESSION_KEY]).exists():
        return None  # its account is still there (deactivated): not a reset
    account = accounts.filter(username=login_name, is_active=True).first()
    if account is not None:
        login(request, account, backend=_BACKEND)
        return None
    session.flush()
    messages.info(request, _("The demo was reset; please sign in again."))
    return redirect_to_login(request.get_full_path())


def _remember_login(request) -> None:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return
    if session.get(REMEMBERED_LOGIN) != user.get_username():
        session[REMEMBERED_LOGIN] = user.get_username()


class DemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.HOSTPANEL_DEMO:
            return self.get_response(request)
        path = request.path_info
        if path.startswith(OPERATOR_PATHS):
            raise Http404
        if path.startswith(TWO_FACTOR_PATH):
            return two_factor_refused(request)
        if hasattr(request, "session") and (response := _signed_in_again(request)):
            return response
        visit = Visit(ip=client_ip(request))
        token = current_visit.set(visit)
        try:
            response = self._guarded(request, visit)
        finally:
            current_visit.reset(token)
        if isinstance(visit.refusal, TooManyCreations) and response.status_code != 429:
            response = too_many_creations(request, visit.refusal)
        elif isinstance(visit.refusal, DemoRefusal) and response.status_code >= 500:
            response = refused(request, visit.refusal)
        _remember_login(request)
        return response

    def _guarded(self, request, visit: Visit):
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if visit.refusal is not None or response.status_code >= 500:
                transaction.set_rollback(True)  # a refused request writes nothing
        return response

    def process_exception(self, request, exception):
        if not settings.HOSTPANEL_DEMO:
            return None
        if isinstance(exception, TooManyCreations):
            return too_many_creations(request, exception)
        if isinstance(exception, DemoRefusal):
            return refused(request, exception)
        return None
