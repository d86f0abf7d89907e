"""Request and response bodies of the API.

Input types are strict (``"10"`` is not a quota, ``"yes"`` is not a boolean) and
unknown fields are refused, so that a typo never passes silently. Optional
fields may be left out but not sent as null.
"""

from datetime import date
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, StrictBool, StrictInt, StrictStr
from pydantic_core import PydanticCustomError


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


def _date_text(value):
    """A date is a ``YYYY-MM-DD`` text (not a number of seconds)."""
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Enter a date as YYYY-MM-DD.")
    return value


ApiDate = Annotated[date, BeforeValidator(_date_text)]
Mode = Literal["standard", "forward", "delete"]


class VacationIn(_Input):
    enabled: StrictBool = Field(None)
    subject: StrictStr = Field(None, description="One line, at most 200 characters.")
    message: StrictStr = Field(None, description="At most 10,000 characters.")
    start: ApiDate | None = Field(None, description="First day replies go out; null: now.")
    end: ApiDate | None = Field(None, description="Last day replies go out; null: no end.")


class RoutingIn(_Input):
    """Only the fields sent are changed (``vacation`` too: send just what changes)."""

    mode: Mode = Field(None, description="`standard`: deliver to the mailbox; `forward`: "
                                         "send on to `forward_to`; `delete`: discard all mail.")
    forward_to: list[StrictStr] = Field(None, description="Addresses mail is forwarded to.")
    save_copy: StrictBool = Field(None, description="Forwarding also keeps a copy here.")
    vacation: VacationIn = Field(None)


class VacationOut(Schema):
    enabled: bool
    subject: str
    message: str
    start: date | None
    end: date | None


class RoutingOut(Schema):
    mode: Mode
    forward_to: list[str]
    save_copy: bool
    vacation: VacationOut


class AccountCreate(_Input):
    name: StrictStr = Field(..., description="The part before the @, such as `jane`.")
    password: StrictStr = Field(..., description="Write only: never returned.")
    quota_mb: StrictInt = Field(None, description="0 means no limit; the domain's default "
                                                  "when left out.")
    spam_filtering: StrictBool = Field(True)


class AccountUpdate(_Input):
    password: StrictStr = Field(None, description="Write only: never returned.")
    quota_mb: StrictInt = Field(None, description="0 means no limit.")
    spam_filtering: StrictBool = Field(None)
    routing: RoutingIn = Field(None, description="The account itself may change it too.")


class AccountOut(Schema):
    name: str
    address: str
    quota_mb: int
    spam_filtering: bool
    usage_bytes: int
    routing: RoutingOut


class AccountList(Schema):
    items: list[AccountOut]
    count: int
    page: int
    pages: int


class Errors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


class ForwardCreate(_Input):
    name: StrictStr = Field(..., description="The part before the @, such as `info`.")
    targets: list[StrictStr] = Field(..., description="Where each message goes: accounts "
                                                      "here or addresses anywhere.")


class ForwardUpdate(_Input):
    targets: list[StrictStr] = Field(..., description="The complete new list.")


class ForwardOut(Schema):
    name: str
    address: str
    targets: list[str]


class ForwardList(Schema):
    items: list[ForwardOut]
    count: int
    page: int
    pages: int


class AutoresponderCreate(_Input):
    name: StrictStr = Field(..., description="The part before the @, such as `sales`.")
    copy_to: StrictStr = Field("", description="An address that gets a copy of each "
                                               "incoming message; empty for none.")
    subject: StrictStr = Field(..., description="One line, at most 200 characters.")
    message: StrictStr = Field(..., description="At most 10,000 characters.")


class AutoresponderUpdate(_Input):
    copy_to: StrictStr = Field(None, description="Empty: no copy.")
    subject: StrictStr = Field(None)
    message: StrictStr = Field(None)


class AutoresponderOut(Schema):
    name: str
    address: str
    copy_to: str
    subject: str
    message: str


class AutoresponderList(Schema):
    items: list[AutoresponderOut]
    count: int
    page: int
    pages: int
