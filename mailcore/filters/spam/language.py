"""The language a message is written in (py3langid), or None when that is not clear.

A user who accepts only some languages gets mail in others scored as spam, so a wrong guess
costs a lost message: quoted replies, signatures, URLs and addresses are removed first
(they are often in another language, or in none), and a guess is only given for enough
letters and a confident model. The model (about half a second to load) is loaded once, on
first use, by whichever thread gets there first; classifying is read-only and thread-safe.

Memory: the model holds about 70 MB of arrays. py3langid's own loader reads its largest array
(the tokenizer's 40 MB transition table) into NumPy first and copies it into an ``array``,
so loading it peaks 30 MB above what is kept; :func:`_read_model` reads it straight into the
``array`` instead. py3langid, and NumPy with it, is imported only when the model is loaded:
a process that imports this module without detecting a language (pop3d, the web panel)
never pays for them.
"""

import lzma
import re
import shutil
import tempfile
import threading
import zipfile
from array import array

MIN_LETTERS = 200  # letters left after cleaning, below which no guess is made
MIN_PROBABILITY = 0.9
MAX_CHARS = 5_000  # characters of cleaned text analysed (more changes nothing but the time)
MAX_INPUT = 50_000  # characters of the text looked at before cleaning

# The 20 panel languages first, then others the model knows well; English names.
LANGUAGES: dict[str, str] = {
    "en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "da": "Danish",
    "nb": "Norwegian", "fi": "Finnish", "pl": "Polish", "cs": "Czech", "sk": "Slovak",
    "hu": "Hungarian", "ru": "Russian", "bg": "Bulgarian", "tr": "Turkish",
    "ja": "Japanese", "zh": "Chinese",
    "ar": "Arabic", "he": "Hebrew", "el": "Greek", "uk": "Ukrainian", "ro": "Romanian",
    "hr": "Croatian", "sr": "Serbian", "sl": "Slovenian", "et": "Estonian", "lv": "Latvian",
    "lt": "Lithuanian", "ko": "Korean", "vi": "Vietnamese", "th": "Thai",
    "id": "Indonesian", "ms": "Malay", "hi": "Hindi", "fa": "Persian", "ca": "Catalan",
    "eu": "Basque", "gl": "Galician", "is": "Icelandic", "ga": "Irish",
}
# The model's labels that ISO 639-1 (and a user's choice) knows under the macrolanguage.
_ALIASES = {"no": "nb", "yue": "zh", "wuu": "zh", "arz": "ar", "ary": "ar", "uzs": "uz"}
_NO_LANGUAGE = "zxx"  # the model's label for text with no linguistic content

_URL_RE = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]{1,15}://|www\.)\S{0,2000}")
_EMAIL_RE = re.compile(r"[^\s@<>()]{1,64}@[^\s@<>()]{1,255}")
_LETTER_RE = re.compile(r"[^\W\d_]")

_lock = threading.Lock()
_identifier: list = []  # the py3langid LanguageIdentifier, once loaded
_READ_CHUNK = 1 << 20


def load() -> None:
    """Load the model now (a server calls it at start, so that no message waits for it)."""
    _model()


def detect(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, probability) of ``text``'s language, or None when unsure."""
    sample = clean(text)[:MAX_CHARS]
    if len(_LETTER_RE.findall(sample)) < MIN_LETTERS:
        return None
    code, probability = _model().classify(sample)
    if probability < MIN_PROBABILITY or code == _NO_LANGUAGE:
        return None
    return _ALIASES.get(code, code), probability


def clean(text: str) -> str:
    """``text`` without quoted lines, the signature (after ``-- ``), URLs and addresses."""
    kept = []
    for line in text[:MAX_INPUT].splitlines():
        if line.rstrip("\r") in ("-- ", "--"):
            break  # RFC 3676 4.3 signature separator ("--" when trailing spaces were lost)
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    cleaned = _URL_RE.sub(" ", "\n".join(kept))
    # Look for "@" first: the pattern backtracks at every character of long words.
    return _EMAIL_RE.sub(" ", cleaned) if "@" in cleaned else cleaned


def _model():
    with _lock:
        if not _identifier:
            _identifier.append(_read_model())
        return _identifier[0]


def _read_model():
    """py3langid's model, as ``LanguageIdentifier.from_model_file(MODEL_FILE,
    norm_probs=True)`` makes it (the same arrays, lists and types: tests/spam compares
    them), without its loader's temporary copy of the transition table."""
    from numpy.lib import format as npy
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    def numpy_array(npz, name):
        with npz.open(f"{name}.npy") as member:
            return npy.read_array(member)  # read in chunks into the array it returns

    def uint_array(npz, name):
        with npz.open(f"{name}.npy") as member:
            version = npy.read_magic(member)
            read_header = (npy.read_array_header_1_0 if version == (1, 0)
                           else npy.read_array_header_2_0)
            shape, _fortran_order, dtype = read_header(member)
            if dtype.kind != "u" or dtype.byteorder == ">" or len(shape) != 1:
                raise ValueError(f"{name}: unexpected array {dtype} {shape}")
            table = array({2: "H", 4: "I", 8: "L"}[dtype.itemsize], [0]) * shape[0]
            view, done = memoryview(table).cast("B"), 0
            while done < len(view):
                read = member.readinto(view[done:done + _READ_CHUNK])
                if not read:
                    raise ValueError(f"{name}: truncated")
                done += read
            return table

    # As py3langid does: the LZMA stream goes to a temporary file, so the 70 MB of
    # uncompressed npz (an uncompressed zip of .npy files) are never in memory at once.
    with tempfile.TemporaryFile(suffix=".npz") as file:
        with lzma.open(MODEL_DIR / MODEL_FILE) as compressed:
            shutil.copyfileobj(compressed, file, _READ_CHUNK)
        file.seek(0)
        with zipfile.ZipFile(file) as npz:
            return LanguageIdentifier(
                numpy_array(npz, "ptc"), numpy_array(npz, "pc"),
                numpy_array(npz, "classes").tolist(), uint_array(npz, "nextmove"),
                numpy_array(npz, "out_feat").tolist(), norm_probs=True,
                tk_row=uint_array(npz, "nextmove_row"))
