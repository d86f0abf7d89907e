"""Mailing lists in the operator's admin: read only.

Lists and members are changed in the postmaster's panel or the API, where
hostpanel.lists.services checks the rules (one address space per domain, valid
addresses). Lists, archived and pending posts have files beside their rows, so
the admin does not delete them either; a member row alone may go.
"""

from django.contrib import admin

from hostpanel.lists.models import ArchivedPost, MailingList, Member, PendingPost


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MailingList)
class MailingListAdmin(_ReadOnly):
    list_display = ["__str__", "posting", "archive", "archive_access", "private", "created_at"]
    list_filter = ["posting", "archive", "private"]
    search_fields = ["local_part", "domain__name"]
    list_select_related = ["domain"]


@admin.register(Member)
class MemberAdmin(_ReadOnly):
    list_display = ["address", "mailing_list", "role", "bounces", "created_at"]
    list_filter = ["role"]
    search_fields = ["address", "mailing_list__local_part", "mailing_list__domain__name"]
    list_select_related = ["mailing_list__domain"]

    def has_delete_permission(self, request, obj=None):
        return True


@admin.register(ArchivedPost)
class ArchivedPostAdmin(_ReadOnly):
    list_display = ["number", "mailing_list", "sender", "subject", "created_at"]
    search_fields = ["sender", "subject", "mailing_list__local_part"]
    list_select_related = ["mailing_list__domain"]


@admin.register(PendingPost)
class PendingPostAdmin(_ReadOnly):
    list_display = ["mailing_list", "sender", "subject", "created_at", "expires_at"]
    search_fields = ["sender", "subject", "mailing_list__local_part"]
    list_select_related = ["mailing_list__domain"]
