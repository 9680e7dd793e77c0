"""dialer.core.scripts: script definitions, answers and dispositions, errors by item."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.core.dispositions import (DEFAULT_DISPOSITIONS, Disposition, Meaning,
                                      check_disposition, stored_dispositions,
                                      validate_dispositions, with_shortcuts)
from dialer.core.scripts import ScriptError, unanswered, validate_answers, validate_definition

DEFINITION = [
    {"id": "intro", "type": "text", "label": "  Hello, I am calling from Acme.  "},
    {"id": "consent", "type": "checkbox", "label": "Recording disclosed", "required": True},
    {"id": "owner", "type": "checkbox", "label": "Owns the home"},
    {"id": "plan", "type": "choice", "label": "Plan", "options": ["basic", "gold"],
     "required": True},
    {"id": "extras", "type": "multi", "label": "Extras", "options": ["tv", "phone", "net"]},
    {"id": "notes", "type": "free", "label": "Notes"},
    {"id": "adult", "type": "yesno", "label": "Over 18?", "required": True},
    {"id": "people", "type": "number", "label": "People at home"},
    {"id": "moved_in", "type": "date", "label": "Moved in on"},
]
ITEMS = validate_definition(DEFINITION)


def test_definition_is_cleaned():
    assert ITEMS[0] == {"id": "intro", "type": "text", "label": "Hello, I am calling from Acme.",
                        "required": False}
    assert ITEMS[3]["options"] == ["basic", "gold"] and ITEMS[3]["required"] is True
    assert all("required" in item for item in ITEMS)


@pytest.mark.parametrize("definition, field", [
    ({"items": []}, "definition"),
    (["text"], "definition[0]"),
    ([{"id": "a b", "type": "text", "label": "x"}], "definition[0].id"),
    ([{"id": "a", "type": "text", "label": "x"}, {"id": "a", "type": "free", "label": "y"}],
     "definition[1].id"),
    ([{"id": "a", "type": "radio", "label": "x"}], "definition[0].type"),
    ([{"id": "a", "type": "free", "label": " "}], "definition[0].label"),
    ([{"id": "a", "type": "choice", "label": "x"}], "definition[0].options"),
    ([{"id": "a", "type": "multi", "label": "x", "options": ["a", "a"]}],
     "definition[0].options"),
    ([{"id": "a", "type": "free", "label": "x", "options": ["a"]}], "definition[0].options"),
    ([{"id": "a", "type": "free", "label": "x", "required": "yes"}], "definition[0].required"),
    ([{"id": "a", "type": "text", "label": "x", "required": True}], "definition[0].required"),
    ([{"id": "a", "type": "text", "label": "x", "colour": "red"}], "definition[0].colour"),
])
def test_bad_definitions_name_the_item(definition, field):
    with pytest.raises(ScriptError) as exc:
        validate_definition(definition)
    assert exc.value.field == field


BASE = {"consent": True, "plan": "gold", "adult": False}


def test_answers_are_cleaned():
    clean = validate_answers(ITEMS, {**BASE, "extras": ["net", "tv"], "people": 0,
                                     "notes": "  call back after 6  ", "owner": None,
                                     "moved_in": "2024-02-29"})
    assert clean == {"consent": True, "plan": "gold", "adult": False, "extras": ["tv", "net"],
                     "notes": "call back after 6", "people": 0, "moved_in": "2024-02-29"}


@pytest.mark.parametrize("answers, field", [
    ({"plan": "gold"}, "answers.consent"),  # required checkbox missing
    ({"consent": False, "plan": "gold"}, "answers.consent"),  # must be ticked
    ({"consent": "yes", "plan": "gold"}, "answers.consent"),
    ({"consent": True}, "answers.plan"),
    ({"consent": True, "plan": "platinum"}, "answers.plan"),
    ({"consent": True, "plan": "gold", "extras": "tv"}, "answers.extras"),
    ({"consent": True, "plan": "gold", "extras": ["tv", "tv"]}, "answers.extras"),
    ({"consent": True, "plan": "gold", "extras": ["radio"]}, "answers.extras"),
    ({"consent": True, "plan": "gold", "notes": 5}, "answers.notes"),
    ({"consent": True, "plan": "gold", "notes": "x" * 4001}, "answers.notes"),
    ({"consent": True, "plan": "gold", "intro": "read"}, "answers.intro"),
    ({"consent": True, "plan": "gold", "mood": "happy"}, "answers.mood"),
    ({"consent": True, "plan": "gold"}, "answers.adult"),  # a required yes/no
    ({**BASE, "adult": "no"}, "answers.adult"),
    ({**BASE, "people": "3"}, "answers.people"),
    ({**BASE, "people": True}, "answers.people"),
    ({**BASE, "people": float("nan")}, "answers.people"),
    ({**BASE, "moved_in": "2023-02-29"}, "answers.moved_in"),
    ({**BASE, "moved_in": "20240101"}, "answers.moved_in"),
    (["consent"], "answers"),
])
def test_bad_answers_name_the_item(answers, field):
    with pytest.raises(ScriptError) as exc:
        validate_answers(ITEMS, answers)
    assert exc.value.field == field


def test_partial_answers_skip_required_checks_but_not_types():
    assert validate_answers(ITEMS, {"notes": "draft"}, partial=True) == {"notes": "draft"}
    assert validate_answers(ITEMS, {"consent": False}, partial=True) == {"consent": False}
    with pytest.raises(ScriptError) as exc:
        validate_answers(ITEMS, {"plan": "platinum"}, partial=True)
    assert exc.value.field == "answers.plan"


def test_dispositions_old_and_new_forms():
    assert validate_dispositions(["sale", {"code": "dnc", "label": " Do not call ",
                                           "meaning": "do_not_call", "key": "D"}]) == (
        Disposition("sale", "sale"), Disposition("dnc", "Do not call", Meaning.DO_NOT_CALL, "d"))
    assert stored_dispositions(["no sale", {"code": "cb", "meaning": "callback"}, 3]) == (
        Disposition("no sale", "no sale"), Disposition("cb", "cb", Meaning.CALLBACK))


@pytest.mark.parametrize("dispositions, field", [
    ("sale", "dispositions"),
    (["sale", "sale"], "dispositions[1].code"),
    (["with space"], "dispositions[0]"),
    ([3], "dispositions[0]"),
    ([{"label": "Sale"}], "dispositions[0].code"),
    ([{"code": "a", "meaning": "maybe"}], "dispositions[0].meaning"),
    ([{"code": "a", "key": "F1"}], "dispositions[0].key"),
    ([{"code": "a", "key": "x"}, {"code": "b", "key": "X"}], "dispositions[1].key"),
    ([{"code": "a", "label": "x" * 65}], "dispositions[0].label"),
    ([{"code": "a", "colour": "red"}], "dispositions[0].colour"),
])
def test_bad_dispositions_name_the_field(dispositions, field):
    with pytest.raises(ScriptError) as exc:
        validate_dispositions(dispositions)
    assert exc.value.field == field


def test_check_disposition():
    offered = validate_dispositions(["sale", "no_sale"])
    assert check_disposition("sale", offered) == Disposition("sale", "sale")
    assert check_disposition("anything", ()) == Disposition("anything", "anything")
    assert check_disposition("do-not-call", ()).meaning is Meaning.DO_NOT_CALL  # a default
    with pytest.raises(ScriptError) as exc:
        check_disposition("maybe", offered)
    assert exc.value.field == "disposition" and "sale, no_sale" in str(exc.value)


def test_shortcuts_are_the_given_keys_then_free_digits():
    offered = validate_dispositions([{"code": "a"}, {"code": "b", "key": "1"},
                                     {"code": "c", "key": "s"}, "d"])
    assert [d.key for d in with_shortcuts(offered)] == ["2", "1", "s", "3"]
    assert [d.key for d in with_shortcuts(DEFAULT_DISPOSITIONS)] == ["1", "2", "3", "4", "5"]
    eleven = with_shortcuts(Disposition(f"d{i}", f"d{i}") for i in range(11))
    assert [d.key for d in eleven][-2:] == ["0", None]


def test_unanswered_names_the_first_required_item_left():
    assert unanswered(ITEMS, {}) == ITEMS[1]
    assert unanswered(ITEMS, {"consent": False, "plan": "gold", "adult": True}) == ITEMS[1]
    assert unanswered(ITEMS, {"consent": True, "plan": "gold"})["id"] == "adult"
    assert unanswered(ITEMS, BASE) is None  # a "no" answers a yes/no question


@given(st.fixed_dictionaries({}, optional={
    "consent": st.one_of(st.booleans(), st.text(max_size=2)),
    "plan": st.one_of(st.sampled_from(["basic", "gold", "x"]), st.integers()),
    "extras": st.lists(st.sampled_from(["tv", "phone", "net", "radio"]), max_size=4),
    "notes": st.one_of(st.text(max_size=20), st.none()),
    "adult": st.one_of(st.booleans(), st.none()),
    "zzz": st.text(max_size=2)}))
def test_answers_either_validate_to_script_values_or_name_a_real_key(answers):
    try:
        clean = validate_answers(ITEMS, answers)
    except ScriptError as exc:
        assert exc.field.startswith("answers.")
        assert exc.field[len("answers."):] in {i["id"] for i in ITEMS} | set(answers)
        return
    assert clean["consent"] is True and clean["plan"] in ("basic", "gold")
    assert isinstance(clean["adult"], bool)
    assert set(clean.get("extras", [])) <= {"tv", "phone", "net"}
    assert validate_answers(ITEMS, clean) == clean  # cleaning is idempotent
