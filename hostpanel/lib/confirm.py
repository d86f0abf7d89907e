"""Every destructive POST asks first: ``ask_first`` answers a POST that lacks
``confirmed=yes`` with a confirmation page that sends the same fields again, confirmed.

Views call it after their access checks, so a missing or foreign object is still a 404:

    if (question := ask_first(request, title=..., question=..., button=..., cancel_url=...)):
        return question
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED = "confirmed"


def ask_first(request: HttpRequest, *, title: str, question: str, button: str,
              cancel_url: str, items: list[str] | None = None) -> HttpResponse | None:
    if request.POST.get(CONFIRMED) == "yes":
        return None
    fields = [(name, value) for name, values in request.POST.lists()
              if name not in ("csrfmiddlewaretoken", CONFIRMED) for value in values]
    return render(request, "includes/confirm.html", {
        "title": title, "question": question, "button": button, "cancel_url": cancel_url,
        "items": items or [], "fields": fields, "action": request.get_full_path()})
