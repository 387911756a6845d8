"""Printed text as the parsers read it: 全角 folded, spaces dropped, cells quoted in errors, 契約番号 keys."""

import re
import unicodedata
from functools import lru_cache


class FiscalParseError(ValueError):
    """A fiscal year, span or amount could not be read (message in Japanese)."""


INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
SPACE_RUN_RE = re.compile(r"\s+")
QUOTED_MAX = 80  # characters of a cell quoted in an error message
DITTO_MARKS = frozenset({"同上", "\u3003", "同"})  # U+3003 is the ditto mark 〃


def quoted(text: object) -> str:
    """A cell as quoted in an error message: repr, cut short so that a 10 MB cell gives a readable message."""
    shown = repr(text)
    return shown if len(shown) <= QUOTED_MAX else f"{shown[: QUOTED_MAX - 1]}…"


MEMO_MAX_CHARS = 200  # longer text (a hostile 10 MB cell) is folded each time, never kept
MEMO_ENTRIES = 8_192


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    return "".join(folded.split())


_fold_memo = lru_cache(maxsize=MEMO_ENTRIES)(_fold)


def normalize_text(text: str) -> str:
    """Fold 全角 to 半角 (NFKC) and drop all whitespace, incl. U+3000 and newlines.

    Short text is memoised (at most MEMO_ENTRIES × MEMO_MAX_CHARS characters kept): a file's reading asks for the same
    cells (years, spans, segments, each row's matter) many times over.
    """
    return _fold_memo(text) if len(text) <= MEMO_MAX_CHARS else _fold(text)


def is_ditto(text: str) -> bool:
    """True for a ditto cell (同上, 〃) that repeats the row above."""
    return normalize_text(text) in DITTO_MARKS


def contract_number_key(text: str) -> str:
    """The form a 契約番号 is matched by: 全角 folded to 半角, every space removed, letters upper-cased.

    `第１２３号` and `第123号`, `R8 委託 7` and `R8委託7` name one contract: stored numbers and feed cells are compared
    through this key, never as typed.
    """
    return SPACE_RUN_RE.sub("", normalize_text(text)).upper()
