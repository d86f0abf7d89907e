from django.urls import path, register_converter

from hostpanel.lists import views

app_name = "lists"


class MemberKind:
    """``subscribers``, ``moderators`` or ``digest-subscribers``: which members a page shows."""

    regex = "|".join(views.KINDS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MemberKind, "member_kind")

LIST = "domains/<str:domain_name>/lists/<str:name>/"
MEMBERS = LIST + "<member_kind:kind>/"

urlpatterns = [
    path("domains/<str:domain_name>/lists/", views.lists, name="lists"),
    path("domains/<str:domain_name>/lists/new/", views.list_new, name="new"),
    path(LIST + "edit/", views.list_edit, name="edit"),
    path(LIST + "delete/", views.list_delete, name="delete"),
    path(MEMBERS, views.members, name="members"),
    path(MEMBERS + "add/", views.member_add, name="member_add"),
    path(MEMBERS + "remove/", views.member_remove, name="member_remove"),
    path(MEMBERS + "import/", views.member_import, name="member_import"),
    path(MEMBERS + "export/", views.member_export, name="member_export"),
    path(LIST + "moderation/", views.moderation, name="moderation"),
    path(LIST + "moderation/<int:post_id>/accept/", views.moderate, {"accept": True},
         name="accept"),
    path(LIST + "moderation/<int:post_id>/reject/", views.moderate, {"accept": False},
         name="reject"),
    path(LIST + "archive/", views.archive, name="archive"),
    path(LIST + "archive/<int:number>/", views.archive_post, name="archive_post"),
    path("lists/unsubscribe/<int:list_id>/<path:cookie>/", views.one_click,
         name="one_click"),
]
