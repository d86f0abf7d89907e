"""One-click unsubscribe (RFC 8058) in each remote subscriber's copy of a post or digest.

The queue calls :func:`personal_copy` once per recipient of a list message: the
shared ``List-Unsubscribe: <mailto:...>`` becomes an https link made for that
recipient (a signed cookie naming the list, the address and whether it is the
digest) followed by the mailto, with ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click``. The link's page is :mod:`hostpanel.lists.views`'s
``one_click``: a GET only asks, a POST unsubscribes. Without an https panel
address (``HOSTPANEL_PANEL_URL``) the copy keeps the mailto alone.

Pure.
"""

from urllib.parse import quote

from mailcore.lists import cookies, headers

VALID_DAYS = 400  # a link in an old message still works for a year and more


def link(panel_url: str, secret: bytes, list_id: int, recipient: str, *,
         digest: bool = False, now: float | None = None) -> str:
    cookie = cookies.make(secret, list_id, "dout" if digest else "out", recipient,
                          valid_days=VALID_DAYS, now=now)
    return f"{panel_url}/lists/unsubscribe/{list_id}/{quote(cookie, safe='')}/"


def personal_copy(data: bytes, recipient: str, *, panel_url: str, secret: bytes,
                  list_id: int) -> bytes:
    if not panel_url.startswith("https://"):
        return data
    fields, body = headers.split(data)
    found = [field for field in fields if headers.field_name(field) == "list-unsubscribe"]
    if not found:
        return data
    mailto = found[0].partition(b":")[2].strip().decode("ascii", "replace")
    url = link(panel_url, secret, list_id, recipient,
               digest="-digest-unsubscribe@" in mailto)
    kept = [field for field in fields
            if headers.field_name(field) not in ("list-unsubscribe", "list-unsubscribe-post")]
    added = (f"List-Unsubscribe: <{url}>,\r\n {mailto}\r\n"
             "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n").encode()
    return b"".join(kept) + added + b"\r\n" + body
