"""An ARI request path as a template (`/channels/{id}/play/{id}`): what a metric may be
labelled with. Ids (channels, bridges, playbacks, recordings, endpoints) are never kept,
so the labels stay a small set however many calls pass; a path of unknown shape is
`/other`."""

from __future__ import annotations

ID = "{id}"
# Resources laid out /<resource>[/<id>[/<verb>[/<id>]]] ...
_BY_ID = frozenset({"channels", "bridges", "playbacks", "applications", "deviceStates",
                    "sounds", "mailboxes"})
# ... but for their verbs that take no id (POST /channels/create).
_COLLECTION_VERBS = frozenset({"create", "externalMedia"})
_RECORDINGS = frozenset({"live", "stored"})
_ASTERISK = frozenset({"info", "ping", "modules", "logging", "variable", "config"})


def template(path: str) -> str:
    """`/channels/1733-5/snoop/x` -> `/channels/{id}/snoop/{id}`."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    head, rest = parts[0], parts[1:]
    if head in _BY_ID:
        shaped = _alternating(rest, first_fixed=bool(rest) and rest[0] in _COLLECTION_VERBS)
    elif head == "recordings" and rest and rest[0] in _RECORDINGS:
        shaped = [rest[0], *_alternating(rest[1:], first_fixed=False)]
    elif head == "endpoints":
        shaped = [ID] * min(len(rest), 2) + (["{other}"] if len(rest) > 2 else [])
    elif head == "asterisk" and rest and rest[0] in _ASTERISK:
        shaped = [rest[0], *([ID] if len(rest) > 1 else [])]
    else:
        return "/other"
    return "/" + "/".join([head, *shaped])


def _alternating(parts: list[str], *, first_fixed: bool) -> list[str]:
    """id, verb, id, verb...: ids replaced, verbs (ARI's own words, letters only) kept."""
    shaped = []
    for index, part in enumerate(parts):
        is_verb = (index % 2 == 1) != first_fixed
        shaped.append(part if is_verb and part.isalpha() and part.isascii() else ID)
    return shaped
