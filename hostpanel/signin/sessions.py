"""The "Sessions" page: every session of the signed-in account (allauth.usersessions),
with "sign out this session" and "sign out all other sessions", each confirmed first."""

from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hostpanel.lib.confirm import ask_first


@require_safe
@login_required
def session_list(request):
    sessions = UserSession.objects.purge_and_list(request.user)
    return render(request, "usersessions/usersession_list.html", {
        "sessions": sessions, "others": sum(not s.is_current() for s in sessions)})


@require_POST
@login_required
def end_session(request, pk):
    session = next((s for s in UserSession.objects.purge_and_list(request.user)
                    if s.pk == pk and not s.is_current()), None)
    if session is None:  # another account's session, or gone: as if it never existed
        raise Http404
    if question := ask_first(
            request, title=_("Sign out this session"),
            question=_("Sign out the session of this browser?"),
            items=[f"{session.ip} · {session.user_agent}"],
            button=_("Sign out this session"), cancel_url=reverse("usersessions_list")):
        return question
    session.end()
    messages.success(request, _("The session was signed out."))
    return redirect("usersessions_list")


@require_POST
@login_required
def end_other_sessions(request):
    if question := ask_first(
            request, title=_("Sign out all other sessions"),
            question=_("Sign out every other browser and device signed in to this account?"),
            button=_("Sign out all other sessions"), cancel_url=reverse("usersessions_list")):
        return question
    for session in UserSession.objects.purge_and_list(request.user):
        if not session.is_current():
            session.end()
    messages.success(request, _("All other sessions were signed out."))
    return redirect("usersessions_list")
