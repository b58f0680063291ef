"""Filing numbers as people type them (R-11): one normalisation for every place that reads
one (public search, verification, the registry's forms), forgiving of form, strict of
substance.

Full-width digits and letters become half-width (NFKC), spaces of any width disappear, and a
number typed with or without its trailing 号 finds the same app, so
"粤政务应用备２０２６ ０００００１" and "粤政务应用备2026000001号" are the same number.  Nothing
else is guessed: a different digit is a different number.
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"[\s\u200b\ufeff]+")


def normalise_filing_number(raw: str) -> str:
    """The number with its form made regular (it keeps or lacks 号 as typed)."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = _SPACE.sub("", text)
    if text.endswith("號"):
        text = text[:-1] + "号"
    return text


def filing_number_variants(raw: str) -> list[str]:
    """The stored spellings a typed number may stand for: as normalised, and with or without
    the trailing 号 (the number format is a setting; most end in 号)."""
    text = normalise_filing_number(raw)
    if not text:
        return []
    other = text[:-1] if text.endswith("号") else text + "号"
    return [text, other] if other else [text]
