"""CSV cells a spreadsheet opens as text, never as a formula (CSV injection)."""

from __future__ import annotations

import re

# Excel, LibreOffice and Google Sheets start a formula (or DDE call) on these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# What may keep a leading + or -: a number, or a phone number ("+1 (415) 555-0142").
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?|\+?\d[\d ().-]*")


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a leading ' when a spreadsheet would evaluate it:
    "=1+1", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0", "+1+HYPERLINK(...)", a leading tab or
    carriage return. Numbers and phone numbers stay as they are."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
