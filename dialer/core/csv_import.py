"""Contacts from a CSV file, with errors a person can fix.

Whole-file problems (the mapping names a column the file lacks) raise `CsvMappingError`;
everything else is per row: a bad row becomes a `RowError` naming its physical line (header
= line 1, multi-line quoted records counted as the file counts them) and the good rows are
kept. Nothing in the file is silently dropped: unmapped columns become extra fields, and
every line ends up as the header, a blank line, a contact's row, or an error.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from .phones import PhoneError, normalise
from .tz import canonical_zone

SINGLE_FIELDS = ("name", "first_name", "last_name", "email", "timezone", "client_id")
SKIP = frozenset({"", "skip", "ignore"})  # map a column here to drop it
EXTRA_PREFIX = "field:"
_PHONE_FIELD = re.compile(r"^phone(\d*)$")  # phone, phone2, phone3...: dialled in that order
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_DELIMITERS = (",", ";", "\t")  # ties go to the earlier one
MAX_LENGTH = 255  # name, email, client_id: the database's column size


class CsvMappingError(ValueError):
    """The mapping does not fit the file: nothing is imported."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class ParsedContact:
    """`line`: the contact's first row; `lines`: every row merged into it."""

    line: int
    name: str
    email: str | None
    timezone: str | None
    client_id: str | None
    phones: tuple[str, ...]  # E.164, deduplicated, in column order
    fields: dict[str, str] = field(default_factory=dict)
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """`warnings`: rows kept despite a problem (a bad second phone, a conflicting duplicate)."""

    contacts: tuple[ParsedContact, ...]
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...]
    merged: int  # rows folded into an earlier contact
    rows: int  # data rows read (header and blank lines excluded)
    header_line: int | None
    blank_lines: tuple[int, ...]
    delimiter: str


@dataclass
class _Columns:
    """Where each field comes from, resolved against the header."""

    single: dict[str, int]
    phones: list[tuple[int, str]]  # (column index, header), in dialling order
    extras: list[tuple[int, str]]  # (column index, field name)
    width: int


def parse_contacts(text: str, mapping: Mapping[str, str], *,
                   default_region: str) -> ImportResult:
    """Parse `text`; `mapping` maps CSV headers to fields: name, first_name, last_name,
    phone (phone2, phone3...; several columns may map to phone), email, timezone,
    client_id, field:<name>, or skip. Unmapped columns are kept as fields named by header."""
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = sniff_delimiter(text)
    records = _records(text, delimiter)
    blank: list[int] = []
    header_line = None
    for line, cells, problem in records:
        if problem is not None or cells is None:
            raise CsvMappingError("header", f"line {line} cannot be read: {problem}")
        if _is_blank(cells):
            blank.append(line)
            continue
        header_line, header = line, [c.strip() for c in cells]
        break
    else:
        header = []
    if any("\x00" in h for h in header):
        raise CsvMappingError("header", f"line {header_line} holds a NUL character: "
                                        "save the file as UTF-8 text")
    columns = _resolve(header, mapping)
    builder = _Builder()
    rows = 0
    for line, cells, problem in records:
        if problem is None and _is_blank(cells):
            blank.append(line)
            continue
        rows += 1
        if problem is not None or cells is None:
            builder.errors.append(RowError(line, "row", f"cannot be read: {problem}"))
            continue
        builder.add_row(line, cells, columns, default_region)
    return ImportResult(
        contacts=tuple(builder.finish()), errors=tuple(builder.errors),
        warnings=tuple(builder.warnings), merged=builder.merged, rows=rows,
        header_line=header_line, blank_lines=tuple(blank), delimiter=delimiter)


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the first non-blank line has most of, outside quotes."""
    for line in io.StringIO(text, newline=""):
        if line.strip():
            counts = dict.fromkeys(_DELIMITERS, 0)
            quoted = False
            for ch in line:
                if ch == '"':
                    quoted = not quoted
                elif not quoted and ch in counts:
                    counts[ch] += 1
            best = max(_DELIMITERS, key=lambda d: counts[d])  # first of the ties
            return best if counts[best] else ","
    return ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first physical line, cells or None, csv error or None) for each record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True)
    consumed = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield consumed + 1, None, str(exc)
        else:
            yield consumed + 1, cells, None
        consumed = reader.line_num


def _is_blank(cells: list[str] | None) -> bool:
    return cells is not None and not any(c.strip() for c in cells)


def _find(header: list[str], column: str, target: str) -> int:
    wanted = column.strip()
    for key in (str.strip, lambda s: s.strip().casefold()):
        hits = [i for i, h in enumerate(header) if key(h) == key(wanted)]
        if len(hits) > 1:
            raise CsvMappingError(target, f"column {wanted!r} appears {len(hits)} times")
        if hits:
            return hits[0]
    shown = ", ".join(repr(h) for h in header) or "none"
    raise CsvMappingError(target, f"column {wanted!r} is not in the file (columns: {shown})")


def _resolve(header: list[str], mapping: Mapping[str, str]) -> _Columns:
    single: dict[str, int] = {}
    phones: list[tuple[int, int, str]] = []  # (rank, index, header)
    extras: dict[str, int] = {}
    used: set[int] = set()
    for column, target in mapping.items():
        target = (target or "").strip()
        if target in SKIP:
            try:
                used.add(_find(header, column, target))
            except CsvMappingError:
                pass  # skipping a column the file lacks is harmless
            continue
        phone = _PHONE_FIELD.match(target)
        extra = target[len(EXTRA_PREFIX):].strip() if target.startswith(EXTRA_PREFIX) else None
        if not phone and extra is None and target not in SINGLE_FIELDS:
            raise CsvMappingError(target, "unknown field: use name, first_name, last_name, "
                                          "phone, phone2..., email, timezone, client_id, "
                                          "field:<name> or skip")
        if extra == "":
            raise CsvMappingError(target, "field: needs a name, e.g. field:notes")
        index = _find(header, column, target)
        used.add(index)
        if phone:
            phones.append((int(phone.group(1) or 1), index, header[index]))
        elif extra is not None:
            if extra in extras:
                raise CsvMappingError(target, "mapped from two columns")
            extras[extra] = index
        else:
            if target in single:
                raise CsvMappingError(target, f"mapped from both {header[single[target]]!r} "
                                              f"and {header[index]!r}")
            single[target] = index
    if not phones:
        raise CsvMappingError("phone", "no column is mapped to phone")
    for index, name in enumerate(header):  # unmapped columns are kept, under their header
        if index in used:
            continue
        name = name or f"column_{index + 1}"
        unique, n = name, 1
        while unique in extras:
            n += 1
            unique = f"{name} ({n})"
        extras[unique] = index
    return _Columns(single=single, phones=[(i, h) for _, i, h in sorted(phones)],
                    extras=[(i, name) for name, i in extras.items()], width=len(header))


def _header_of(cols: _Columns, index: int) -> str:
    """The field a column feeds, for errors: its mapped field, else its extra field's name."""
    for name, i in cols.single.items():
        if i == index:
            return name
    if any(i == index for i, _ in cols.phones):
        return "phone"
    for i, name in cols.extras:
        if i == index:
            return name
    return "row"


def _row_phones(line: int, get: Callable[[int], str], cols: _Columns,
                region: str) -> tuple[list[str], list[RowError]]:
    """The row's numbers in E.164 (each once, in column order) and its cells that hold no number."""
    phones: list[str] = []
    bad_phones: list[RowError] = []
    for index, header in cols.phones:
        raw = get(index)
        if not raw:
            continue
        try:
            number = normalise(raw, region)
        except PhoneError as exc:
            bad_phones.append(RowError(line, "phone", f"{raw!r} in {header!r}: {exc.reason}"))
            continue
        if number not in phones:
            phones.append(number)
    return phones, bad_phones


class _Builder:
    """Accumulates contacts, merging duplicates by client_id, else by first phone."""

    def __init__(self) -> None:
        self.contacts: list[dict[str, Any]] = []
        self.by_key: dict[tuple[str, str], dict[str, Any]] = {}
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.merged = 0

    def add_row(self, line: int, cells: list[str], cols: _Columns, region: str) -> None:
        values = [c.strip() for c in cells]
        def get(i: int) -> str:  # short rows pad
            return values[i] if i < len(values) else ""
        errors: list[RowError] = []
        extra_cells = [v for v in values[cols.width:] if v]
        if extra_cells:
            errors.append(RowError(line, "row", f"{cols.width + len(extra_cells)} values but "
                                                f"the header has {cols.width} columns"))
        nul = next((i for i, v in enumerate(values) if "\x00" in v), None)
        if nul is not None:  # no database stores it: a binary or UTF-16 file read as text
            self.errors.append(RowError(line, _header_of(cols, nul),
                                        "holds a NUL character: save the file as UTF-8 text"))
            return
        one = {name: get(i) for name, i in cols.single.items()}
        for name in ("name", "email", "client_id", "first_name", "last_name"):
            if len(one.get(name, "")) > MAX_LENGTH:
                errors.append(RowError(line, name, f"longer than {MAX_LENGTH} characters"))
        if not one.get("name") and len(one.get("first_name", "")) + \
                len(one.get("last_name", "")) + 1 > MAX_LENGTH:
            errors.append(RowError(line, "name", f"first and last name longer than "
                                                 f"{MAX_LENGTH} characters"))

        phones, bad_phones = _row_phones(line, get, cols, region)
        if not phones:
            errors.extend(bad_phones or [RowError(line, "phone", "no phone number")])

        email = one.get("email") or None
        if email is not None and not _EMAIL.match(email):
            errors.append(RowError(line, "email", f"{email!r} is not an email address"))
        zone = one.get("timezone") or None
        if zone is not None:
            canonical = canonical_zone(zone)
            if canonical is None:
                errors.append(RowError(line, "timezone",
                                       f"{zone!r} is not an IANA time zone (e.g. Europe/Paris)"))
            zone = canonical
        if errors:
            self.errors.extend(errors)
            return
        self.warnings.extend(bad_phones)

        fields = {name: get(i) for i, name in cols.extras if get(i)}
        for part in ("first_name", "last_name"):
            if one.get(part):
                fields.setdefault(part, one[part])
        name = one.get("name") or " ".join(
            p for p in (one.get("first_name"), one.get("last_name")) if p)
        row = {"line": line, "lines": [line], "name": name, "email": email,
               "timezone": zone, "client_id": one.get("client_id") or None,
               "phones": phones, "fields": fields}
        key: tuple[str, str] = (("client_id", one["client_id"]) if one.get("client_id")
                                else ("phone", phones[0]))
        earlier = self.by_key.get(key)
        if earlier is None:
            self.by_key[key] = row
            self.contacts.append(row)
        else:
            self._merge(earlier, row)

    def _merge(self, into: dict[str, Any], row: dict[str, Any]) -> None:
        """Phones are unioned in order; a later row fills blanks but never overwrites."""
        self.merged += 1
        into["lines"].append(row["line"])
        into["phones"].extend(p for p in row["phones"] if p not in into["phones"])
        for key in ("name", "email", "timezone"):
            self._fill(into, key, row[key], row["line"], into)
        for key, value in row["fields"].items():
            self._fill(into["fields"], key, value, row["line"], into)

    def _fill(self, target: dict[str, Any], key: str, value: Any, line: int,
              contact: dict[str, Any]) -> None:
        if not value:
            return
        if not target.get(key):
            target[key] = value
        elif target[key] != value:
            self.warnings.append(RowError(
                line, key, f"duplicate of line {contact['line']}: kept {target[key]!r}, "
                           f"ignored {value!r}"))

    def finish(self) -> Iterator[ParsedContact]:
        for c in self.contacts:
            yield ParsedContact(line=c["line"], name=c["name"], email=c["email"],
                                timezone=c["timezone"], client_id=c["client_id"],
                                phones=tuple(c["phones"]), fields=dict(c["fields"]),
                                lines=tuple(c["lines"]))
