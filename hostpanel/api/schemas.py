"""Request and response bodies of the API.

Input types are strict (``"10"`` is not a quota, ``"yes"`` is not a boolean) and
unknown fields are refused, so that a typo never passes silently. Optional
fields may be left out but not sent as null.
"""

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


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


class AccountOut(Schema):
    name: str
    address: str
    quota_mb: int
    spam_filtering: bool
    usage_bytes: int


class AccountList(Schema):
    items: list[AccountOut]
    count: int
    page: int
    pages: int


class Errors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str
