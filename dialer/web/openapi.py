"""The OpenAPI 3.1 document of the REST API, built from the app's router at request time:
whatever route is registered is described, so the document cannot fall behind the code.

- paths: each route's canonical path; path parameters from `{name}` / `{name:regex}`
  (a regex of plain alternatives becomes an enum, digits an integer);
- summary and description: the handler's docstring (first line, then the rest);
- security: a bearer API token or the session cookie, and the access rule's need
  (dialer.web.access.RULES) in `x-dialer-access`; public routes need neither;
- request bodies: a JSON object whose properties are the keys the handler accepts (read
  from `json_body(request, KEYS)` / `reject_unknown(body, KEYS)` in its source, or from
  the service it passes `**body` to: its keyword-only parameters and its own
  `reject_unknown`), so fuzzers send the real fields with wrong values, not only junk keys;
- list endpoints (handlers that answer with a page) take `limit` and `offset` and return
  {"items", "total", "limit", "offset"}; query parameters named in a docstring as
  `?name=` are listed too.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import lru_cache

from aiohttp import web

from .. import __version__
from ..webhooks.schema import openapi_parts
from . import access
from .common import MAX_PAGE

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"\{([^}]+)\}")
_QUERY = re.compile(r"`\?(\w+)=")  # query parameters a docstring names: `?status=`
_ALTERNATIVES = re.compile(r"[\w-]+(\|[\w-]+)*\Z")

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_RESPONSES = {
    "400": "invalid request: the field at fault is named",
    "401": "not signed in",
    "403": "not allowed: privilege, account or campaign profile",
    "404": "no such object",
    "409": "conflicts with the object's state",
}
PAGE_PARAMETERS = [
    {"name": "limit", "in": "query", "required": False,
     "description": f"items per page (1 to {MAX_PAGE})",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100}},
    {"name": "offset", "in": "query", "required": False,
     "description": "items to skip",
     "schema": {"type": "integer", "minimum": 0, "default": 0}},
]


def _group_patterns(pattern: str) -> dict[str, str]:
    """{name: regex} of the named groups of a compiled route pattern (balanced parens)."""
    out = {}
    for match in re.finditer(r"\(\?P<(\w+)>", pattern):
        depth, i = 1, match.end()
        while i < len(pattern) and depth:
            if pattern[i] == "\\":
                i += 2
                continue
            depth += {"(": 1, ")": -1}.get(pattern[i], 0)
            i += 1
        out[match.group(1)] = pattern[match.end():i - 1]
    return out


def _param_schema(name: str, regex: str | None) -> dict:
    if regex is not None and _ALTERNATIVES.match(regex):
        return {"type": "string", "enum": regex.split("|")}
    if regex in (r"\d+", "[0-9]+") or name == "id" or name.endswith("_id") \
            or name in ("contact", "followup", "list"):
        return {"type": "integer", "minimum": 1}
    return {"type": "string"}


@lru_cache(maxsize=None)
def _is_list(handler) -> bool:
    """Handlers that answer with a page of items (they read limit/offset)."""
    try:
        source = inspect.getsource(handler)
    except (OSError, TypeError):
        return False
    return bool(re.search(r"\b(page|_?paged|page_args)\(", source))


_KEYS = re.compile(r"(?:json_body\(request,|reject_unknown\(\w+,)\s*(\([^)]*\)|[\w.]+)")
_SPREAD = re.compile(r"\.run\(\s*([\w.]+),[^()]*(?:\([^()]*\)[^()]*)*\*\*body")
_CALLS = re.compile(r"\b(_?\w+)\(")


def _resolve(name: str, namespace: dict):
    head, *rest = name.split(".")
    value = namespace.get(head)
    for part in rest:
        value = getattr(value, part, None)
    return value


def _keys_in(fn, depth: int = 0) -> list[str]:
    """Body keys that `fn`'s source accepts (see the module docstring)."""
    fn = inspect.unwrap(fn)
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return []
    namespace = getattr(fn, "__globals__", {})
    keys: list[str] = []
    for match in _KEYS.finditer(source):
        text = match.group(1)
        try:
            value = ast.literal_eval(text) if text.startswith("(") else \
                _resolve(text, namespace)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, (tuple, list, set, frozenset, dict)):
            keys += [k for k in value if isinstance(k, str)]
    if depth == 0:
        for match in _SPREAD.finditer(source):
            target = _resolve(match.group(1), namespace)
            if callable(target):
                keys += [p.name for p in inspect.signature(target).parameters.values()
                         if p.kind is p.KEYWORD_ONLY and p.name != "now"]
                keys += _keys_in(target, 1)
    if depth == 1:  # the service's own helpers: plans._clean(values)...
        for name in dict.fromkeys(_CALLS.findall(source)):
            helper = namespace.get(name)
            if name.startswith("_") and inspect.isfunction(helper) and helper is not fn:
                keys += _keys_in(helper, 2)
    return list(dict.fromkeys(keys))


@lru_cache(maxsize=None)
def _body_schema(handler) -> dict:
    keys = _keys_in(handler)
    if not keys:
        return {"type": "object"}
    return {"type": "object", "properties": {k: {} for k in keys}}


@lru_cache(maxsize=None)
def _takes_multipart(handler) -> bool:
    try:
        return '"multipart/' in inspect.getsource(handler)
    except (OSError, TypeError):
        return False


@lru_cache(maxsize=None)
def _form_schema(handler) -> dict:
    """The JSON body's keys as form fields, and a file part."""
    fields: dict = {k: {"type": "string"} for k in _keys_in(handler)}
    return {"type": "object",
            "properties": {**fields, "file": {"type": "string", "format": "binary"}}}


def _doc(handler, method: str, path: str) -> tuple[str, str | None]:
    text = inspect.getdoc(handler) or ""
    if not text:
        return f"{method} {path}", None
    first, _, rest = text.partition("\n")
    return first.strip(), (text if rest.strip() else None)


def _operation_id(handler, method: str, path: str, taken: set[str]) -> str:
    base = getattr(handler, "__name__", "") or "op"
    name = base
    if name in taken:
        name = f"{base}_{method.lower()}_" + re.sub(r"\W+", "_", path).strip("_")
    taken.add(name)
    return name


def _operation(route, method: str, path: str, taken: set[str]) -> dict:
    handler = route.handler
    need = access.rule_for(method, path)
    summary, description = _doc(handler, method, path)
    tag = path.split("/")[2] if path.count("/") >= 2 else "api"
    op: dict = {"operationId": _operation_id(handler, method, path, taken),
                "summary": summary, "tags": [tag], "x-dialer-access": need or "refused"}
    if description:
        op["description"] = description
    info = route.resource.get_info() if route.resource is not None else {}
    regexes = _group_patterns(info["pattern"].pattern) if "pattern" in info else {}
    params = [{"name": name, "in": "path", "required": True,
               "schema": _param_schema(name, regexes.get(name))}
              for name in _PARAM.findall(path)]
    listing = method == "GET" and _is_list(handler)
    if listing:
        params += PAGE_PARAMETERS
    for name in dict.fromkeys(_QUERY.findall(inspect.getdoc(handler) or "")):
        if name not in ("limit", "offset"):
            params.append({"name": name, "in": "query", "required": False,
                           "schema": _param_schema(name, None)
                           if name.endswith("_id") else {"type": "string"}})
    if params:
        op["parameters"] = params
    if need == "public":
        op["security"] = []
    if method in ("POST", "PUT", "PATCH"):
        op["requestBody"] = {"required": False, "content": {
            "application/json": {"schema": _body_schema(handler)}}}
        if _takes_multipart(handler):
            op["requestBody"]["content"]["multipart/form-data"] = {"schema": _form_schema(handler)}
        # a handler that takes other bodies says so (e.g. an audio upload)
        op["requestBody"]["content"] = getattr(handler, "openapi_body",
                                               op["requestBody"]["content"])
    ok = {"$ref": "#/components/schemas/Page"} if listing else {}
    responses = {"200" if method != "POST" else "2XX": {
        "description": "a page of items" if listing else "success",
        "content": {"application/json": {"schema": ok}}}}
    for status, text in ERROR_RESPONSES.items():
        if need == "public" and status in ("401", "403"):
            continue
        responses[status] = {"description": text,
                             "content": {"application/json": {"schema": ERROR}}}
    op["responses"] = responses
    return op


def _link_created_objects(paths: dict[str, dict]) -> None:
    """OpenAPI links from each POST that creates an object of a collection (its path ends
    in the collection's name, its answer holds the new `id`) to every operation on
    /api/<collection>/{id}...: what a client, or a stateful fuzzer, does next with it."""
    for path, item in paths.items():
        collection = path.rstrip("/").rsplit("/", 1)[-1]
        if "post" not in item or collection.startswith("{"):
            continue
        prefix = f"/api/{collection}/{{id}}"
        links = {f"{op['operationId']}": {
                     "operationId": op["operationId"],
                     "parameters": {"id": "$response.body#/id"}}
                 for target, target_item in paths.items()
                 if target == prefix or target.startswith(prefix + "/")
                 for op in target_item.values()}
        if links:
            item["post"]["responses"]["2XX"]["links"] = links


def document(app: web.Application) -> dict:
    """The OpenAPI 3.1 document of every /api/ route of `app`."""
    paths: dict[str, dict] = {}
    taken: set[str] = set()
    routes = sorted(((r.resource.canonical, r) for r in app.router.routes()
                     if r.method in METHODS and r.resource is not None
                     and r.resource.canonical.startswith("/api/")),
                    key=lambda pair: (pair[0], METHODS.index(pair[1].method)))
    for path, route in routes:
        item = paths.setdefault(path, {})
        method = route.method.lower()
        if method not in item:  # first registered wins, as in the router
            item[method] = _operation(route, route.method, path, taken)
    _link_created_objects(paths)
    webhooks, webhook_schemas = openapi_parts()
    return {
        "openapi": "3.1.0",
        "info": {"title": "dialer", "version": __version__,
                 "description": "Call-campaign dialer REST API. Every error is "
                                "{\"error\": {\"field\", \"message\"}}. Lists take "
                                "?limit= and ?offset=."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": paths,
        "webhooks": webhooks,  # what the account's webhook endpoints receive
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "an API token (POST /api/users/{id}/api-tokens)"},
                "cookieAuth": {"type": "apiKey", "in": "cookie",
                               "name": access.SESSION_COOKIE,
                               "description": "the session of POST /api/session; changes "
                                              "also need the X-CSRF-Token header"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "object", "required": ["field", "message"],
                              "properties": {"field": {"type": "string"},
                                             "message": {"type": "string"}}}}},
                "Page": {"type": "object", "required": ["items", "total", "limit", "offset"],
                         "properties": {"items": {"type": "array"},
                                        "total": {"type": "integer", "minimum": 0},
                                        "limit": {"type": "integer", "minimum": 1},
                                        "offset": {"type": "integer", "minimum": 0}}},
                **webhook_schemas,
            },
        },
    }
