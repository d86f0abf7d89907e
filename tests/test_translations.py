"""The 20 languages: every catalogue complete, valid, compiled and up to date with the code.

``make messages`` updates the catalogues from the code and compiles them; a new
string must be translated into every language in the same change.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CODES = [code for code, _name in settings.LANGUAGES]  # en too: the source texts' catalogue


def catalogue(code: str, suffix: str = "po") -> Path:
    return ROOT / "locale" / translation.to_locale(code) / "LC_MESSAGES" / f"django.{suffix}"


def live(entries):
    return [entry for entry in entries if not entry.obsolete and entry.msgid]


def test_the_panel_has_twenty_languages_each_with_its_catalogue():
    assert len(settings.LANGUAGES) == 20
    assert [code for code in CODES if not catalogue(code).exists()] == []


@pytest.mark.parametrize("code", CODES)
def test_every_entry_is_translated_and_none_is_fuzzy(code):
    po = polib.pofile(str(catalogue(code)))
    untranslated = [e.msgid for e in live(po) if not e.translated()]
    fuzzy = [e.msgid for e in live(po) if "fuzzy" in e.flags]
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("code", CODES)
def test_msgfmt_accepts_the_catalogue(code):
    """Placeholders, plural forms and the header, as GNU msgfmt checks them."""
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(catalogue(code))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("code", CODES)
def test_the_compiled_catalogue_matches_its_source(code):
    po = polib.pofile(str(catalogue(code)))
    mo = polib.mofile(str(catalogue(code, "mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in live(po)}
    stale = [key[1] for key, value in source.items() if compiled.get(key) != value]
    assert stale == [], "run `make messages`"


def test_the_catalogues_hold_every_string_of_the_code(tmp_path):
    """makemessages on a copy of the code finds no msgid the catalogues lack."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "__pycache__",
                                    ".pytest_cache", ".ruff_cache", "bench", "test-artifacts")
    shutil.copytree(ROOT, copy, ignore=ignore)
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete",
                    "--ignore=tests/*", "-e", "html,txt,py"], cwd=copy, check=True,
                   capture_output=True)
    fresh = {(e.msgctxt, e.msgid) for e in live(polib.pofile(
        str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")))}
    ours = {(e.msgctxt, e.msgid) for e in live(polib.pofile(str(catalogue("fr"))))}
    assert sorted(m for _c, m in fresh - ours) == [], "run `make messages` and translate"


def test_a_page_comes_in_the_browsers_language(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert page["Content-Language"] == "de"
    with translation.override("de"):
        german = translation.gettext("Password")
    assert german != "Password" and german in page.content.decode()
