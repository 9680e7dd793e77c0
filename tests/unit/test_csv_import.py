"""dialer.core.csv_import: contacts from CSV, errors by physical line, duplicates merged."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.core.csv_import import (
    CsvMappingError, ImportResult, ParsedContact, RowError, parse_contacts, sniff_delimiter,
)

MAPPING = {"Name": "name", "Phone": "phone", "Mobile": "phone2", "Email": "email",
           "TZ": "timezone", "Ref": "client_id"}


def parse(text: str, mapping=None, region: str = "US") -> ImportResult:
    return parse_contacts(text, MAPPING if mapping is None else mapping, default_region=region)


def accounted(result: ImportResult) -> list[int]:
    """Every line the result explains, once per explanation."""
    lines = [] if result.header_line is None else [result.header_line]
    lines += result.blank_lines
    lines += [line for c in result.contacts for line in c.lines]
    lines += sorted({e.line for e in result.errors})
    return lines


MESSY = (
    "\ufeffName;Phone;Mobile;Email;TZ;Ref;Notes\r\n"          # 1 header, BOM, semicolons
    "Ann Lee;(212) 555-0100;;ann@example.com;;;VIP\r\n"      # 2 good
    "\r\n"                                                   # 3 blank
    "Bob;12;;bob@example.com;;;\r\n"                         # 4 bad phone
    "Cat;312 555 0100;;not-an-email;;;\r\n"                  # 5 bad email
    "\"Lee; Ann\";212.555.0100;415 555 0100;;;;\"said \"\"hi\"\"\"\r\n"  # 6 duplicate of 2
    "Dan;+33 1 42 68 53 00;;;europe/paris;D-1;\r\n"          # 7 good, zone case fixed
    "Eve;;;;;;\r\n"                                          # 8 no phone
    "Fay;617 555 0100;;;Mars/Base;;\r\n"                     # 9 bad zone
    "\"Gus\nGrant\";646 555 0100;;;;;\r\n"                   # 10-11 multi-line name
    ";;;;;;\r\n"                                             # 12 only delimiters: blank
    "Dan again;+1 202 555 0100;;dan@example.com;;D-1;\r\n"   # 13 same client id as 7
    "Hal;   718 555 0100  ;abc;;;;\r\n"                      # 14 good, bad second phone
)


def test_messy_file():
    result = parse(MESSY)
    assert result.delimiter == ";"
    assert result.header_line == 1
    assert result.blank_lines == (3, 12)
    assert result.rows == 10
    assert result.merged == 2
    assert result.errors == (
        RowError(4, "phone", "'12' in 'Phone': too short"),
        RowError(5, "email", "'not-an-email' is not an email address"),
        RowError(8, "phone", "no phone number"),
        RowError(9, "timezone", "'Mars/Base' is not an IANA time zone (e.g. Europe/Paris)"),
    )
    ann, dan, gus, hal = result.contacts
    assert ann == ParsedContact(
        line=2, name="Ann Lee", email="ann@example.com", timezone=None, client_id=None,
        phones=("+12125550100", "+14155550100"),
        fields={"Notes": "VIP"}, lines=(2, 6))
    assert dan.line == 7 and dan.lines == (7, 13)
    assert dan.client_id == "D-1"
    assert dan.timezone == "Europe/Paris"
    assert dan.phones == ("+33142685300", "+12025550100")
    assert dan.email == "dan@example.com"  # a blank filled by the later row
    assert dan.name == "Dan"  # first non-empty value wins
    assert gus.line == 10 and gus.name == "Gus\nGrant"
    assert hal.line == 14 and hal.phones == ("+17185550100",)
    assert RowError(14, "phone", "'abc' in 'Mobile': not a number") in result.warnings
    assert RowError(6, "name", "duplicate of line 2: kept 'Ann Lee', ignored 'Lee; Ann'") \
        in result.warnings
    assert RowError(13, "name", "duplicate of line 7: kept 'Dan', ignored 'Dan again'") \
        in result.warnings
    assert sorted(accounted(result)) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14]


def test_comma_file_with_quoted_commas_and_no_trailing_newline():
    text = 'Name,Phone\n"Smith, Jo","+44 20 7946 0958"\nKim,202-555-0100'
    result = parse(text, {"Name": "name", "Phone": "phone"})
    assert result.delimiter == ","
    assert [c.name for c in result.contacts] == ["Smith, Jo", "Kim"]
    assert [c.line for c in result.contacts] == [2, 3]
    assert result.errors == ()


def test_tab_separated_with_old_mac_line_endings():
    text = "Phone\tCity\r2125550100\tNYC\r\r3125550100\tChicago"
    result = parse(text, {"Phone": "phone"})
    assert result.delimiter == "\t"
    assert [(c.line, c.fields) for c in result.contacts] == [
        (2, {"City": "NYC"}), (4, {"City": "Chicago"})]
    assert result.blank_lines == (3,)


def test_first_and_last_name_build_the_name_and_are_kept():
    text = "First,Last,Tel\nAda,Lovelace,2125550100\n,Hopper,3125550100\n"
    result = parse(text, {"First": "first_name", "Last": "last_name", "Tel": "phone"})
    ada, grace = result.contacts
    assert ada.name == "Ada Lovelace"
    assert ada.fields == {"first_name": "Ada", "last_name": "Lovelace"}
    assert grace.name == "Hopper"


def test_extra_fields_mapped_unmapped_and_skipped():
    text = "Tel,Notes,Secret,,Notes2\n2125550100,call after 5,xyz,loose,n2\n"
    result = parse(text, {"Tel": "phone", "Notes": "field:comment", "Secret": "skip"})
    assert result.contacts[0].fields == {"comment": "call after 5", "column_4": "loose",
                                         "Notes2": "n2"}


def test_unmapped_column_named_like_a_mapped_field_keeps_both():
    text = "Tel,Remark,comment\n2125550100,a,b\n"
    result = parse(text, {"Tel": "phone", "Remark": "field:comment"})
    assert result.contacts[0].fields == {"comment": "a", "comment (2)": "b"}


def test_several_columns_may_be_phones_dialled_in_order():
    text = "Work,Home,Cell\n2125550100,3125550100,2125550100\n"
    result = parse(text, {"Cell": "phone3", "Work": "phone", "Home": "phone2"})
    assert result.contacts[0].phones == ("+12125550100", "+13125550100")  # deduped
    result = parse(text, {"Home": "phone", "Work": "phone"})  # same rank: column order
    assert result.contacts[0].phones == ("+12125550100", "+13125550100")


def test_headers_match_ignoring_case_and_spaces():
    text = "  phone number ,E-MAIL\n2125550100,a@b.co\n"
    result = parse(text, {"Phone Number": "phone", "e-mail": "email"})
    assert result.contacts[0].email == "a@b.co"


def test_duplicates_by_first_phone_without_client_id():
    text = "Phone,Other,Name\n2125550100,,A\n(212) 555-0100,3125550100,\n3125550100,,C\n"
    result = parse(text, {"Phone": "phone", "Other": "phone2", "Name": "name"})
    assert result.merged == 1
    assert [(c.lines, c.phones) for c in result.contacts] == [
        ((2, 3), ("+12125550100", "+13125550100")),
        ((4,), ("+13125550100",)),  # its first phone is another contact's second: kept apart
    ]


def test_client_id_rows_do_not_merge_with_phone_only_rows():
    text = "Phone,Ref\n2125550100,K1\n2125550100,\n2125550100,K2\n"
    result = parse(text, {"Phone": "phone", "Ref": "client_id"})
    assert result.merged == 0
    assert [c.client_id for c in result.contacts] == ["K1", None, "K2"]


def test_region_is_used_for_national_numbers():
    result = parse("Phone\n01 42 68 53 00\n", {"Phone": "phone"}, region="FR")
    assert result.contacts[0].phones == ("+33142685300",)


def test_row_with_too_many_values():
    text = "Phone,Name\n2125550100,A,surplus\n3125550100,B,,\n"
    result = parse(text, {"Phone": "phone", "Name": "name"})
    assert result.errors == (RowError(2, "row", "3 values but the header has 2 columns"),)
    assert [c.line for c in result.contacts] == [3]  # empty trailing cells are fine


def test_short_rows_are_padded():
    result = parse("Name,Phone,Email\nA,2125550100\n", {"Phone": "phone", "Email": "email"})
    assert result.contacts[0].email is None


def test_all_phones_invalid_reports_each():
    text = "P1,P2\n12,abc\n"
    result = parse(text, {"P1": "phone", "P2": "phone2"})
    assert result.errors == (RowError(2, "phone", "'12' in 'P1': too short"),
                             RowError(2, "phone", "'abc' in 'P2': not a number"))


def test_leading_blank_lines_before_the_header():
    result = parse("\n\nPhone\n2125550100\n", {"Phone": "phone"})
    assert result.header_line == 3
    assert result.blank_lines == (1, 2)
    assert result.contacts[0].line == 4


@pytest.mark.parametrize("mapping, field, reason", [
    ({"Phone": "phone", "Missing": "email"}, "email",
     "column 'Missing' is not in the file (columns: 'Phone', 'Name', 'Name2')"),
    ({"Phone": "phone", "Name": "nickname"}, "nickname",
     "unknown field: use name, first_name, last_name, phone, phone2..., email, timezone, "
     "client_id, field:<name> or skip"),
    ({"Phone": "phone", "Name": "name", "Name2": "name"}, "name",
     "mapped from both 'Name' and 'Name2'"),
    ({"Phone": "phone", "Name": "field:x", "Name2": "field:x"}, "field:x",
     "mapped from two columns"),
    ({"Phone": "phone", "Name": "field:"}, "field:", "field: needs a name, e.g. field:notes"),
    ({"Name": "name"}, "phone", "no column is mapped to phone"),
])
def test_mapping_errors_are_whole_file_errors(mapping, field, reason):
    with pytest.raises(CsvMappingError) as caught:
        parse("Phone,Name,Name2\n2125550100,A,B\n", mapping)
    assert (caught.value.field, caught.value.reason) == (field, reason)


def test_mapping_error_for_a_duplicated_header():
    with pytest.raises(CsvMappingError, match="appears 2 times"):
        parse("Phone,Phone\n1,2\n", {"Phone": "phone"})


def test_empty_file_has_no_header():
    with pytest.raises(CsvMappingError):
        parse("", {"Phone": "phone"})
    with pytest.raises(CsvMappingError):
        parse("\n\n", {"Phone": "phone"})


def test_sniff_delimiter():
    assert sniff_delimiter('a;b;c\n') == ";"
    assert sniff_delimiter('"a;b",c\n') == ","  # the semicolon is quoted
    assert sniff_delimiter('a\tb\n') == "\t"
    assert sniff_delimiter('single\n') == ","
    assert sniff_delimiter('\n\na;b\n') == ";"
    assert sniff_delimiter('a,b;c\n') == ","  # ties: comma first


# --- fuzz -----------------------------------------------------------------------------

FUZZ_MAPPING = {"phone": "phone", "email": "email", "tz": "timezone", "id": "client_id"}
cells = st.one_of(
    st.sampled_from(["2125550100", "+33 1 42 68 53 00", "12", "", " ", "a@b.co", "bad@",
                     "Europe/Paris", "Nowhere", "K1", "K2", '"quoted, cell"', '"',
                     '"multi\nline"', "\ufeff", "\x00", "x;y", "\t"]),
    st.text(max_size=8))
line_breaks = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def csv_texts(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = delimiter.join(draw(st.permutations(["phone", "email", "tz", "id", "extra"])))
    rows = draw(st.lists(st.lists(cells, max_size=7).map(delimiter.join), max_size=12))
    breaks = [draw(line_breaks) for _ in range(len(rows) + 1)]
    body = "".join(r + b for r, b in zip([header] + rows, breaks, strict=True))
    return draw(st.sampled_from(["", "\ufeff", "\n"])) + body


def _check_accounting(text: str, result: ImportResult, quote_free: bool) -> None:
    physical = len(io.StringIO(text, newline="").readlines())  # \n, \r\n and \r all end lines
    lines = accounted(result)
    assert len(lines) == len(set(lines)), "a line is explained twice"
    assert all(1 <= line <= physical for line in lines)
    record_lines = {line for c in result.contacts for line in c.lines} | {
        e.line for e in result.errors}
    assert len(record_lines) == result.rows  # each data record: a contact's row or an error
    assert result.merged == sum(len(c.lines) - 1 for c in result.contacts)
    if quote_free:  # no multi-line records: every physical line explained exactly once
        assert sorted(lines) == list(range(1, physical + 1))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(csv_texts())
def test_fuzz_structured_files(text):
    try:
        result = parse(text, FUZZ_MAPPING)
    except CsvMappingError:
        return
    _check_accounting(text, result, quote_free='"' not in text)
    for contact in result.contacts:
        assert contact.phones and all(p.startswith("+") for p in contact.phones)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from('phone,;\t"\r\n 2125550100xa@.\ufeff'), max_size=80)
       | st.text(max_size=80))
def test_fuzz_arbitrary_text(text):
    try:
        result = parse_contacts(text, {"phone": "phone"}, default_region="US")
    except CsvMappingError:
        return
    _check_accounting(text.removeprefix("\ufeff"), result, quote_free='"' not in text)


def test_unreadable_row_is_an_error_and_the_rest_is_kept():
    text = "Phone,Notes\n2125550100,a\n3125550100," + "x" * 200_000 + "\n6175550100,b\n"
    result = parse(text, {"Phone": "phone"})
    assert [c.line for c in result.contacts] == [2, 4]
    assert result.errors == (
        RowError(3, "row", "cannot be read: field larger than field limit (131072)"),)
