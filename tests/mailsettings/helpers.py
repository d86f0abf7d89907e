"""Reading the Mail settings page as a person reads it: the terms and their descriptions."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser


class _Facts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lists: dict[str, list[tuple[str, str]]] = {}
        self._list: str | None = None
        self._field: str | None = None
        self._text: list[str] = []
        self._term = ""

    def handle_starttag(self, tag, attrs):
        if tag == "dl":
            self._list = dict(attrs).get("id") or ""
            self.lists[self._list] = []
        elif tag in ("dt", "dd") and self._list is not None:
            self._field, self._text = tag, []
        elif self._field:
            self._text.append(" ")

    def handle_endtag(self, tag):
        if tag == self._field:
            text = " ".join("".join(self._text).split())
            if tag == "dt":
                self._term = text
            else:
                self.lists[self._list].append((self._term, text))
            self._field = None
        elif tag == "dl":
            self._list = None
        elif self._field:
            self._text.append(" ")

    def handle_data(self, data):
        if self._field:
            self._text.append(data)


def facts(html: str) -> dict[str, list[tuple[str, str]]]:
    """``{dl id: [(term, description as text), ...]}`` of every ``<dl>`` on the page."""
    parser = _Facts()
    parser.feed(html)
    return parser.lists


def main_content(html: str) -> str:
    """The page's <main> element: what the page shows, without the header's links."""
    start = html.index('<main id="content"')
    return html[start:html.index("</main>", start)]


def parse_xml(data: bytes) -> ET.Element:
    """Our own XML answer, read with the standard library as a mail program would."""
    return ET.fromstring(data)  # noqa: S314 (the server's output, not untrusted input)
