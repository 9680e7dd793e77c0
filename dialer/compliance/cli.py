"""`dialer dnc import FILE ...`: a registry file into a new do-not-call list (or, with
--list, in place of an existing list's numbers), streamed, with progress on stderr."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from typing import Callable

from ..db.models import database_proxy
from .importer import Progress, import_lines
from .lists import create_list
from ..db.models.dnc import SCOPES


def _cmd_import(args, open_db: Callable) -> int:
    open_db(args)
    with database_proxy.atomic():
        list_id = args.list or create_list(
            name=args.name or args.file, scope=args.scope, format=args.format,
            source=args.source, account_id=args.account, campaign_id=args.campaign,
            as_of=args.as_of, default_region=args.region).id
    started = time.monotonic()

    def say(p: Progress) -> None:
        print(f"dnc: list {p.list_id}: {p.lines_read:,} lines read, {p.count:,} numbers, "
              f"{p.bad_lines:,} bad ({time.monotonic() - started:.0f} s)", file=sys.stderr)

    with open(args.file, encoding="utf-8", errors="replace", newline="") as lines:
        done = import_lines(list_id, lines, replace=bool(args.list), column=args.column,
                            as_of=dt.date.fromisoformat(args.as_of) if args.as_of else None,
                            on_progress=say)
    for error in done.errors[:20]:
        print(f"dnc: line {error['line']}: {error['reason']}: {error['text']!r}",
              file=sys.stderr)
    print(f"list {done.list_id}: {done.count} numbers, {done.bad_lines} bad lines, "
          f"{done.status}")
    return 0


def add_parser(sub: argparse._SubParsersAction, open_db: Callable) -> None:
    dnc = sub.add_parser("dnc", help="do-not-call lists (writes the database)")
    dnc.add_argument("action", choices=["import"])
    dnc.add_argument("file", help="the list as published")
    dnc.add_argument("--format", required=True, choices=["us", "uk", "e164", "csv"])
    dnc.add_argument("--scope", choices=SCOPES, default="system")
    dnc.add_argument("--account", type=int, help="scope account: its id")
    dnc.add_argument("--campaign", type=int, help="scope campaign: its id")
    dnc.add_argument("--as-of", help="the date the publisher says the list is true of")
    dnc.add_argument("--name", help="default: the file name")
    dnc.add_argument("--source", help="who published it (default: the name)")
    dnc.add_argument("--column", help="csv: the column holding the numbers")
    dnc.add_argument("--region", help="e164/csv: region of national numbers")
    dnc.add_argument("--list", type=int, help="replace this list's numbers instead")
    dnc.add_argument("--config")
    dnc.set_defaults(func=lambda args: _cmd_import(args, open_db))
