"""Fixtures of the help page tests."""

import html
import re

from tests.panel.conftest import operator  # noqa: F401

TOPICS = ("accounts", "mail-settings", "anti-virus", "spam", "forwards", "vacation",
          "autoresponders", "lists", "self-service", "languages", "resellers")


def main_text(response) -> str:
    """The page's main content as a reader sees it: text only, spaces collapsed."""
    page = response.content.decode()
    main = re.search(r"<main\b.*?</main>", page, re.S)
    text = re.sub(r"<[^>]+>", " ", main.group(0) if main else page)
    return " ".join(html.unescape(text).split())
