"""`dialer trunks list|add|update|remove`: carriers' trunks from the shell (writes the
database, with the API's checks)."""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable

from . import store

# option -> the API's field
_OPTIONS = {"name": "name", "target": "target", "priority": "priority", "weight": "weight",
            "max_channels": "max_channels", "max_cps": "max_cps", "destination": "destinations",
            "cost": "cost_per_minute", "account": "account_ids", "enabled": "enabled"}


def _values(args: argparse.Namespace) -> dict[str, Any]:
    values = {field: getattr(args, option) for option, field in _OPTIONS.items()
              if getattr(args, option) is not None}
    if args.every_account:
        values["account_ids"] = None
    return values


def _line(trunk: dict) -> str:
    caps = (f"channels {trunk['max_channels'] or '-'}, cps {trunk['max_cps'] or '-'}")
    where = ",".join(trunk["destinations"]) or "anywhere"
    accounts = ",".join(map(str, trunk["account_ids"] or [])) or "every account"
    state = "" if trunk["enabled"] else " (disabled)"
    return (f"{trunk['id']:>4} {trunk['name']}{state}: {trunk['target']}, priority "
            f"{trunk['priority']}, weight {trunk['weight']}, {caps}, {where}, {accounts}, "
            f"cost {trunk['cost_per_minute'] or '-'}")


def _cmd(args: argparse.Namespace, open_db: Callable) -> int:
    open_db(args)
    if args.action == "list":
        trunks = store.list_trunks(None)
        print(json.dumps(trunks, indent=2) if args.json else
              "\n".join(map(_line, trunks)) or "no trunk: calls go through [ari] trunk")
        return 0
    if args.action == "add":
        done = store.create_trunk(_values(args))
    elif args.id is None:
        raise SystemExit(f"dialer: trunks {args.action}: give the trunk's id")
    elif args.action == "update":
        done = store.update_trunk(args.id, _values(args))
    else:
        done = store.delete_trunk(args.id)
    print(json.dumps(done, indent=2) if args.json else
          f"{'removed' if args.action == 'remove' else args.action + 'ed'}: {_line(done)}")
    return 0


def add_parser(sub: argparse._SubParsersAction, open_db: Callable) -> None:
    trunks = sub.add_parser("trunks", help="carriers' trunks (writes the database)")
    trunks.add_argument("action", choices=["list", "add", "update", "remove"])
    trunks.add_argument("id", nargs="?", type=int, help="update, remove: the trunk's id")
    trunks.add_argument("--name")
    trunks.add_argument("--target", help="a PJSIP endpoint, or PJSIP/<prefix>{e164}@<endpoint>")
    trunks.add_argument("--priority", type=int, help="lower is tried first (default 100)")
    trunks.add_argument("--weight", type=int, help="spread among trunks of one priority and cost")
    trunks.add_argument("--max-channels", type=int, help="concurrent channels, all nodes")
    trunks.add_argument("--max-cps", type=int, help="new calls per second, all nodes")
    trunks.add_argument("--destination", action="append",
                        help="a prefix (+44) or region (GB) it may call; repeat; none: anywhere")
    trunks.add_argument("--cost", help="cost per minute")
    trunks.add_argument("--account", type=int, action="append",
                        help="an account it is open to; repeat; none: every account")
    trunks.add_argument("--every-account", action="store_true",
                        help="update: open it to every account again")
    state = trunks.add_mutually_exclusive_group()
    state.add_argument("--enabled", dest="enabled", action="store_true", default=None)
    state.add_argument("--disabled", dest="enabled", action="store_false")
    trunks.add_argument("--json", action="store_true", help="machine-readable output")
    trunks.add_argument("--config")
    trunks.set_defaults(func=lambda args: _cmd(args, open_db))
