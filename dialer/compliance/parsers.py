"""Do-not-call files as published, read line by line into E.164 numbers (pure, streaming).

Formats:
- `us`: the US National Do Not Call Registry's download: one number a line as area code and
  number, "201,2345678" (also "2012345678" or "201-234-5678");
- `uk`: the UK TPS / CTPS files: one national number a line ("01632 960001", "+44...");
- `e164`: one number a line, "+442079460000" (national ones read in the list's region);
- `csv`: a CSV file with a header row; the numbers are in the named column.

Every number is normalised to E.164 (dialer.core.phones, phonenumbers) before it is stored,
and kept as its digits in a 64-bit integer. The US registry holds 200 million numbers, too
many to parse each through phonenumbers in minutes: its lines are checked against the NANP
shape and each area code + exchange (the first six digits) is validated once by
phonenumbers, the verdict kept for the rest of the file. Blank lines and lines starting with
"#" are skipped; any other line that yields no number is a `BadLine` with its 1-based line
number, and reading goes on.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Iterator

from ..core.phones import PhoneError, normalise


class ListFormat(StrEnum):
    US = "us"
    UK = "uk"
    E164 = "e164"
    CSV = "csv"


@dataclass(frozen=True)
class BadLine:
    line: int  # 1-based, counting every line of the file (header, blanks)
    text: str
    reason: str


Parsed = int | BadLine  # E.164 digits as an integer, or why the line was refused

_NANP = re.compile(r"[2-9]\d\d[2-9]\d{6}")
_US_SEPARATORS = str.maketrans("", "", ",- ()")
_MAX_TEXT = 80  # a bad line is quoted at most this long


def e164_digits(e164: str) -> int:
    """"+12125550100" -> 12125550100 (the stored form)."""
    return int(e164[1:])


def digits_e164(number: int) -> str:
    return f"+{number}"


def _bad(line: int, text: str, reason: str) -> BadLine:
    return BadLine(line, text[:_MAX_TEXT], reason)


def _us_lines(lines: Iterable[str]) -> Iterator[Parsed]:
    exchanges: dict[int, str | None] = {}  # first six digits -> None (valid) or the reason
    for i, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        digits = text.translate(_US_SEPARATORS)
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        if not _NANP.fullmatch(digits):
            yield _bad(i, text, "not a US area code + 7-digit number")
            continue
        exchange = int(digits[:6])
        if exchange not in exchanges:
            try:
                normalise("+1" + digits, "US")
                exchanges[exchange] = None
            except PhoneError as exc:
                exchanges[exchange] = exc.reason
        reason = exchanges[exchange]
        yield _bad(i, text, reason) if reason else int("1" + digits)


def _one(i: int, text: str, region: str) -> Parsed:
    try:
        return e164_digits(normalise(text, region))
    except PhoneError as exc:
        return _bad(i, text, exc.reason)


def _plain_lines(lines: Iterable[str], region: str) -> Iterator[Parsed]:
    for i, raw in enumerate(lines, 1):
        text = raw.strip()
        if text and not text.startswith("#"):
            yield _one(i, text, region)


def _csv_lines(lines: Iterable[str], region: str, column: str) -> Iterator[Parsed]:
    rows = csv.reader(lines)
    header = next(rows, None)
    names = [h.strip().lower() for h in header or ()]
    if column.strip().lower() not in names:
        yield _bad(1, ",".join(header or ()), f"no column named {column!r}")
        return
    at = names.index(column.strip().lower())
    for row in rows:
        i = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if at >= len(row) or not row[at].strip():
            yield _bad(i, ",".join(row), f"no value in column {column!r}")
            continue
        yield _one(i, row[at].strip(), region)


def parse(lines: Iterable[str], fmt: ListFormat, region: str,
          column: str | None = None) -> Iterator[Parsed]:
    """The numbers of a file's lines, in order, and its bad lines. `region` reads national
    numbers (uk: always GB); `column` names the CSV column holding the numbers."""
    if fmt is ListFormat.US:
        return _us_lines(lines)
    if fmt is ListFormat.UK:
        return _plain_lines(lines, "GB")
    if fmt is ListFormat.E164:
        return _plain_lines(lines, region)
    if not column:
        raise ValueError("a CSV list needs the name of its number column")
    return _csv_lines(lines, region, column)
