"""Reading the status page as the operator sees it."""

import re
from html import unescape


def _text(html: str) -> str:
    """Tags removed, runs of white space made one space (a no-break space is kept)."""
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def service(response, key: str) -> tuple[str, str]:
    """``(state, answer)`` of one row of the services table: ``("up", "220 mx... ESMTP")``."""
    html = response.content.decode()
    match = re.search(rf'<tr id="service-{key}" data-state="(\w+)">(.*?)</tr>', html, re.S)
    assert match, f"no row for {key}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", match.group(2), re.S)
    return match.group(1), _text(cells[-1])


def section(response, element_id: str) -> str:
    """The text of the element with that id (a table or a list of facts)."""
    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element {element_id}"
    return _text(match.group(2))


def page_text(response) -> str:
    return _text(response.content.decode())
