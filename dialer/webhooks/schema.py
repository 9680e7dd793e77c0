"""The webhooks in the OpenAPI 3.1 document (its top-level `webhooks`): one operation per
event kind, whose request body is that kind's JSON, its `data` described from the event's
record (events.py) field by field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Any

from . import events, policy

_SCALARS: dict[object, dict[str, Any]] = {
    int: {"type": "integer"}, str: {"type": "string"}, bool: {"type": "boolean"},
    dt.datetime: {"type": "string", "format": "date-time"}}


def _field_schema(hint: object) -> dict[str, Any]:
    if typing.get_origin(hint) is typing.Literal:
        return {"type": "string", "enum": list(typing.get_args(hint))}
    if isinstance(hint, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = _field_schema(options[0])
        return {**inner, "type": [inner["type"], "null"]}
    return dict(_SCALARS[hint])


def schema_name(kind: str) -> str:
    """attempt.finished -> AttemptFinishedEvent"""
    return "".join(p.capitalize() for p in kind.replace("_", ".").split(".")) + "Event"


def event_schema(event_type: type[events.WebhookEvent]) -> dict[str, Any]:
    hints = typing.get_type_hints(event_type)
    fields = [f.name for f in dataclasses.fields(event_type)]
    data = {"type": "object", "required": fields, "additionalProperties": False,
            "properties": {name: _field_schema(hints[name]) for name in fields}}
    return {"type": "object", "description": (event_type.__doc__ or "").strip(),
            "required": ["id", "type", "created_at", "account_id", "data"],
            "properties": {
                "id": {"type": "string", "description": "the event's id: the same on "
                       "every try, replay and endpoint (deduplicate by it)"},
                "type": {"type": "string", "const": event_type.kind},
                "created_at": {"type": "string", "format": "date-time"},
                "account_id": {"type": "integer"},
                "data": data}}


_HEADERS = {
    policy.SIGNATURE_HEADER: "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.' + the raw "
                             "body, keyed by the endpoint's secret>",
    policy.EVENT_HEADER: "the event's kind",
    policy.EVENT_ID_HEADER: "the event's id (as the body's `id`)",
    policy.DELIVERY_HEADER: "this delivery (replays get a new one)",
}


def _operation(event_type: type[events.WebhookEvent]) -> dict[str, Any]:
    return {
        "summary": (event_type.__doc__ or event_type.kind).strip().splitlines()[0],
        "description": "Sent as a POST to each enabled endpoint of the account that "
                       f"subscribes to `{event_type.kind}`. Any 2xx answer within the "
                       "timeout delivers it; anything else is retried with backoff.",
        "parameters": [{"name": name, "in": "header", "required": True,
                        "description": text, "schema": {"type": "string"}}
                       for name, text in _HEADERS.items()],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{schema_name(event_type.kind)}"}}}},
        "responses": {"2XX": {"description": "delivered"},
                      "default": {"description": "tried again later"}}}


def openapi_parts() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the document's `webhooks`, the schemas they use for `components.schemas`)."""
    return ({t.kind: {"post": _operation(t)} for t in events.EVENT_TYPES},
            {schema_name(t.kind): event_schema(t) for t in events.EVENT_TYPES})
