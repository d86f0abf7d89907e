"""``/api/v1/domains/{domain}/lists``: mailing lists with every ezmlm option, and their members.

A postmaster reaches its own domain, an operator every domain; anyone else gets
404, as for a domain or list that does not exist. Options have the names of the
panel's (and the model's) fields; a list made with only ``{"name": ...}`` gets
qmailadmin's defaults.
"""

from datetime import datetime
from typing import Literal

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr

from hostpanel.api.common import ERRORS, ListFilters, managed_domain, page_of
from hostpanel.lists import services
from hostpanel.lists.models import ArchiveAccess, MailingList, Member, Posting, ReplyTo, Role

router = Router(tags=["mailing lists"])

PAGE_SIZE = 50

# The model's choices, so that the document lists them and a wrong one is a field error.
PostingMode = Literal[tuple(Posting.values)]
ReplyToChoice = Literal[tuple(ReplyTo.values)]
ArchiveAccessChoice = Literal[tuple(ArchiveAccess.values)]
Language = Literal[services.LIST_LANGUAGES]


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


class ListOptions(_Input):
    """Every option; on a change, only the ones sent."""

    owner: StrictStr = Field(None, description="Gets mail sent to name-owner. Empty: nobody.")
    prefix: StrictStr = Field(None, description="Put in front of each subject; empty: none. "
                                                "A new list gets `[name]`.")
    posting: PostingMode = Field(
        None, description="Who can post: `anyone`; `subscribers` (others bounce; the "
                          "default); `subscribers_moderated` (others go to the moderators); "
                          "`moderators` (others bounce); `moderated` (every post goes to "
                          "the moderators).")
    reply_to: ReplyToChoice = Field(
        None, description="Where replies go: the `sender` (default), the `list`, or "
                          "`reply_to_address`.")
    reply_to_address: StrictStr = Field(None, description="Used when `reply_to` is `address`.")
    trailer: StrictStr = Field(None, description="Text added to each message.")
    digest: StrictBool = Field(None, description="Also offer name-digest (default false).")
    request_address: StrictBool = Field(None, description="Commands at name-request "
                                                          "(default true).")
    remote_admin: StrictBool = Field(None, description="Moderators may administer by mail.")
    private: StrictBool = Field(None, description="Only administrators subscribe and "
                                                  "unsubscribe people and see the index.")
    remote_view_subscribers: StrictBool = Field(None)
    remote_edit_texts: StrictBool = Field(None)
    subscribe_confirm: StrictBool = Field(
        None, description="Subscribing needs confirmation by reply (default true). Without "
                          "it anyone can be subscribed by forged mail.")
    subscribe_moderated: StrictBool = Field(None, description="A moderator approves each "
                                                              "subscription.")
    unsubscribe_confirm: StrictBool = Field(None, description="Default true.")
    archive: StrictBool = Field(None, description="Keep posts (default true).")
    archive_access: ArchiveAccessChoice = Field(
        None, description="Who may retrieve archived posts (default `moderators`).")
    language: Language = Field(None, description="Of the texts the list sends (default `en`).")
    max_message_kb: StrictInt = Field(None, description="Largest post; 0: the server's limit.")
    welcome_text: StrictStr = Field(None, description="Empty: the default text.")
    help_text: StrictStr = Field(None, description="Empty: the default text.")
    goodbye_text: StrictStr = Field(None, description="Empty: the default text.")


class ListCreate(ListOptions):
    name: StrictStr = Field(..., description="The part before the @, such as `team`. Its "
                                             "service addresses (`team-request`...) are "
                                             "taken too.")


class ListOut(Schema):
    name: str
    address: str
    owner: str
    prefix: str
    posting: str
    reply_to: str
    reply_to_address: str
    trailer: str
    digest: bool
    request_address: bool
    remote_admin: bool
    private: bool
    remote_view_subscribers: bool
    remote_edit_texts: bool
    subscribe_confirm: bool
    subscribe_moderated: bool
    unsubscribe_confirm: bool
    archive: bool
    archive_access: str
    language: str
    max_message_kb: int
    welcome_text: str
    help_text: str
    goodbye_text: str


class ListList(Schema):
    items: list[ListOut]
    count: int
    page: int
    pages: int


class MemberIn(_Input):
    address: StrictStr = Field(..., description="Such as `jane@example.net`.")


class MemberOut(Schema):
    address: str
    added: datetime
    bounces: int


class MemberList(Schema):
    items: list[MemberOut]
    count: int
    page: int
    pages: int


class MemberFilters(Schema):
    page: int = Field(1, ge=1)
    search: str = Field("", max_length=320, description="Part of the address.")


def _out(mailing_list: MailingList) -> dict:
    return {"name": mailing_list.local_part, "address": mailing_list.address,
            **{name: getattr(mailing_list, name) for name in services.OPTIONS}}


def _member_out(member: Member) -> dict:
    return {"address": member.address, "added": member.created_at, "bounces": member.bounces}


def _list(request, domain: str, name: str) -> MailingList:
    mailing_list = MailingList.objects.filter(domain=managed_domain(request, domain),
                                              local_part=name.strip().lower()).first()
    if mailing_list is None:
        raise Http404
    return mailing_list


@router.get("/domains/{domain}/lists", response={200: ListList, **ERRORS},
            summary="List mailing lists")
def list_lists(request, domain: str, filters: Query[ListFilters]):
    found = managed_domain(request, domain).mailing_lists.select_related("domain")
    return page_of(found, filters, _out, page_size=PAGE_SIZE)


@router.post("/domains/{domain}/lists", response={201: ListOut, **ERRORS},
             summary="Create a mailing list",
             description="Options left out get qmailadmin's defaults: subscribers-only "
                         "posting, prefix `[name]`, public, -request on, archive on for "
                         "moderators only, confirmation by reply.")
def create_list(request, domain: str, payload: ListCreate):
    options = payload.model_dump(exclude_unset=True, exclude={"name"})
    mailing_list = services.create_list(managed_domain(request, domain), payload.name,
                                        **options)
    return Status(201, _out(mailing_list))


@router.get("/domains/{domain}/lists/{name}", response={200: ListOut, **ERRORS},
            summary="Read a mailing list")
def get_list(request, domain: str, name: str):
    return _out(_list(request, domain, name))


@router.patch("/domains/{domain}/lists/{name}", response={200: ListOut, **ERRORS},
              summary="Change a mailing list's options")
def update_list(request, domain: str, name: str, payload: ListOptions):
    mailing_list = services.update_list(_list(request, domain, name),
                                        **payload.model_dump(exclude_unset=True))
    return _out(mailing_list)


@router.delete("/domains/{domain}/lists/{name}", response={204: None, **ERRORS},
               summary="Delete a mailing list",
               description="With its members, archive and posts awaiting moderation.")
def delete_list(request, domain: str, name: str):
    services.delete_list(_list(request, domain, name))
    return Status(204, None)


def _member_routes(kind: str, role: str, plural: str) -> None:
    """GET/POST ``.../lists/{name}/<kind>`` and DELETE ``.../<kind>/{address}``."""
    path = "/domains/{domain}/lists/{name}/" + kind
    operation = kind.replace("-", "_")

    @router.get(path, response={200: MemberList, **ERRORS}, summary=f"List the {plural}",
                operation_id=f"list_{operation}")
    def list_members(request, domain: str, name: str, filters: Query[MemberFilters]):
        found = services.members(_list(request, domain, name), role, filters.search)
        paginator = Paginator(found.order_by("address"), PAGE_SIZE)
        try:
            items = [_member_out(member) for member in paginator.page(filters.page).object_list]
        except EmptyPage:
            items = []
        return {"items": items, "count": paginator.count, "page": filters.page,
                "pages": paginator.num_pages}

    @router.post(path, response={201: MemberOut, **ERRORS}, summary=f"Add one of the {plural}",
                 operation_id=f"add_{operation}")
    def add_member(request, domain: str, name: str, payload: MemberIn):
        member = services.add_member(_list(request, domain, name), payload.address, role)
        return Status(201, _member_out(member))

    @router.delete(path + "/{address}", response={204: None, **ERRORS},
                   summary=f"Remove one of the {plural}", operation_id=f"remove_{operation}")
    def remove_member(request, domain: str, name: str, address: str):
        if not services.remove_member(_list(request, domain, name), address, role):
            raise Http404
        return Status(204, None)


_member_routes("subscribers", Role.SUBSCRIBER, "subscribers")
_member_routes("moderators", Role.MODERATOR, "moderators")
_member_routes("digest-subscribers", Role.DIGEST, "digest subscribers")
