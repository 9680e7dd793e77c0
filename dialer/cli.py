"""The `dialer` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys

from .config import ConfigError, load_config

DESCRIPTION = """\
dialer: a call-campaign dialer that runs as an Asterisk ARI (Stasis) application.

  dialer serve [--config FILE] [--lab]   run the dialer (ARI app + web console)
  dialer lab up|down|status|cli          the bundled Asterisk lab (PBX + carrier simulator)
  dialer db migrate [--config FILE]      create or upgrade the database schema
  dialer config [--config FILE]          print the effective configuration (no secrets)
"""


def _cmd_serve(args) -> int:
    from .runtime.server import serve

    cfg = load_config(args.config)
    if args.lab:
        from .lab import Lab

        info = Lab().up(say=lambda m: print(m, file=sys.stderr))
        print(f"lab: PBX ARI at {info['pbx']['ari_url']}", file=sys.stderr)
    try:
        asyncio.run(serve(cfg))
    except KeyboardInterrupt:
        pass
    return 0


def _cmd_lab(args) -> int:
    from .lab import Lab

    lab = Lab()
    if args.action == "up":
        print(json.dumps(lab.up(say=lambda m: print(m, file=sys.stderr)), indent=2))
    elif args.action == "down":
        lab.down()
        print("lab: stopped")
    elif args.action == "status":
        status = lab.status()
        print(json.dumps(status, indent=2))
        return 0 if status["pbx"] and status["sim"] else 1
    elif args.action == "cli":
        inst = lab.sim if args.sim else lab.pbx
        if args.command:
            print(inst.rx(" ".join(args.command)), end="")
        else:
            os.execvp("chroot", ["chroot", str(inst.root), "/usr/sbin/asterisk", "-C",
                                 inst.conf, "-r"])
    return 0


def _cmd_db(args) -> int:
    from .db.database import open_database
    from .db.migrate import migrate

    cfg = load_config(args.config)
    applied = migrate(open_database(cfg.database.url))
    print(f"db: {len(applied)} migration(s) applied" if applied else "db: up to date")
    return 0


def _cmd_config(args) -> int:
    print(json.dumps(load_config(args.config).redacted(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialer", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="cmd", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the dialer")
    serve.add_argument("--config", help="TOML config file (default: embedded defaults)")
    serve.add_argument("--lab", action="store_true",
                       help="start the bundled Asterisk lab first and use it")
    serve.set_defaults(func=_cmd_serve)

    lab = sub.add_parser("lab", help="the bundled Asterisk lab (needs root)")
    lab.add_argument("action", choices=["up", "down", "status", "cli"])
    lab.add_argument("--sim", action="store_true", help="cli: the simulator, not the PBX")
    lab.add_argument("command", nargs="*", help="cli: a CLI command to run, e.g. 'core show channels'")
    lab.set_defaults(func=_cmd_lab)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["migrate"])
    db.add_argument("--config")
    db.set_defaults(func=_cmd_db)

    config = sub.add_parser("config", help="print the effective configuration")
    config.add_argument("--config")
    config.set_defaults(func=_cmd_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"dialer: config: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - lab errors and the like: one clear line
        from .lab import LabError

        if isinstance(exc, LabError):
            print(f"dialer: lab: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
