from django.urls import path

from hostpanel.webmail import views

app_name = "webmail"


def _box_patterns(prefix: str, kind: str):
    """The same pages for each kind of box (see views._box); names ``<kind>_read``..."""
    name = "" if kind == "own" else f"{kind}_"
    box = {"kind": kind}
    return [
        path(prefix, views.index, box, name=f"{name}index"),
        path(f"{prefix}delete/", views.bulk_delete, box, name=f"{name}bulk_delete"),
        path(f"{prefix}m/<str:key>/", views.read, box, name=f"{name}read"),
        path(f"{prefix}m/<str:key>/parts/<int:index>/", views.part, box, name=f"{name}part"),
        path(f"{prefix}m/<str:key>/delete/", views.delete, box, name=f"{name}delete"),
        path(f"{prefix}m/<str:key>/spam/", views.spam, box, name=f"{name}spam"),
        path(f"{prefix}m/<str:key>/not-spam/", views.not_spam, box, name=f"{name}not_spam"),
    ]


urlpatterns = [
    path("compose/", views.compose, name="compose"),
    *_box_patterns("", "own"),
    *_box_patterns("caught/", "caught"),
    *_box_patterns("domains/<str:domain_name>/spam/", "review"),
]
