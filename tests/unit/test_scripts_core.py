"""dialer.core.scripts: script definitions, answers and dispositions, errors by item."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.core.scripts import (ScriptError, check_disposition, validate_answers,
                                 validate_definition, validate_dispositions)

DEFINITION = [
    {"id": "intro", "type": "text", "label": "  Hello, I am calling from Acme.  "},
    {"id": "consent", "type": "checkbox", "label": "Recording disclosed", "required": True},
    {"id": "owner", "type": "checkbox", "label": "Owns the home"},
    {"id": "plan", "type": "choice", "label": "Plan", "options": ["basic", "gold"],
     "required": True},
    {"id": "extras", "type": "multi", "label": "Extras", "options": ["tv", "phone", "net"]},
    {"id": "notes", "type": "free", "label": "Notes"},
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


def test_answers_are_cleaned():
    clean = validate_answers(ITEMS, {"consent": True, "plan": "gold", "extras": ["net", "tv"],
                                     "notes": "  call back after 6  ", "owner": None})
    assert clean == {"consent": True, "plan": "gold", "extras": ["tv", "net"],
                     "notes": "call back after 6"}


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


def test_dispositions():
    assert validate_dispositions(["sale", "no_sale", "callback"]) == ["sale", "no_sale",
                                                                      "callback"]
    for bad in ("sale", ["sale", "sale"], ["with space"], [3]):
        with pytest.raises(ScriptError) as exc:
            validate_dispositions(bad)
        assert exc.value.field == "dispositions"
    assert check_disposition("sale", ["sale", "no_sale"]) == "sale"
    assert check_disposition("anything", []) == "anything"
    with pytest.raises(ScriptError) as exc:
        check_disposition("maybe", ["sale", "no_sale"])
    assert exc.value.field == "disposition" and "sale, no_sale" in str(exc.value)


@given(st.fixed_dictionaries({}, optional={
    "consent": st.one_of(st.booleans(), st.text(max_size=2)),
    "plan": st.one_of(st.sampled_from(["basic", "gold", "x"]), st.integers()),
    "extras": st.lists(st.sampled_from(["tv", "phone", "net", "radio"]), max_size=4),
    "notes": st.one_of(st.text(max_size=20), st.none()),
    "zzz": st.text(max_size=2)}))
def test_answers_either_validate_to_script_values_or_name_a_real_key(answers):
    try:
        clean = validate_answers(ITEMS, answers)
    except ScriptError as exc:
        assert exc.field.startswith("answers.")
        assert exc.field[len("answers."):] in {i["id"] for i in ITEMS} | set(answers)
        return
    assert clean["consent"] is True and clean["plan"] in ("basic", "gold")
    assert set(clean.get("extras", [])) <= {"tv", "phone", "net"}
    assert validate_answers(ITEMS, clean) == clean  # cleaning is idempotent
