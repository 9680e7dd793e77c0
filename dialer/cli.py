"""The `dialer` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from dataclasses import replace

from . import logs
from .config import ConfigError, PromptsConfig, load_config

DESCRIPTION = """\
dialer: a call-campaign dialer that runs as an Asterisk ARI (Stasis) application.

  dialer serve [--config FILE] [--lab] [--demo]
                                         run the dialer (ARI app + web console)
  dialer lab up|down|status|cli          the bundled Asterisk lab (PBX + carrier simulator)
  dialer db migrate [--config FILE]      create or upgrade the database schema
  dialer config [--config FILE]          print the effective configuration (no secrets)
  dialer campaign why CAMPAIGN CONTACT   may this contact be dialled now, and if not, why
  dialer campaign progress CAMPAIGN      totals, outcomes and abandon rate
  dialer agent login|logout|ready|not-ready AGENT   ask the running dialer (its web API)
  dialer dnc import FILE --format us|uk|e164|csv [--scope ...] [--as-of DATE]
                                         import a do-not-call list (streamed, with progress)
  dialer trunks list|add|update|remove [ID] [--target ... --max-channels N ...]
                                         carriers' trunks (priority, caps, destinations)
"""


def _cmd_serve(args) -> int:
    from .server import serve

    cfg = load_config(args.config)
    if args.log_format is None:
        logs.use_format(cfg.log.format)
    if args.lab:
        from .lab import Lab

        info = Lab().ensure_up(say=lambda m: print(m, file=sys.stderr))
        print(f"lab: PBX ARI at {info['pbx']['ari_url']}", file=sys.stderr)
        cfg = replace(cfg, ari=replace(cfg.ari, url=info["pbx"]["ari_url"]),  # a named lab too
                      prompts=PromptsConfig(directory=info["pbx"]["prompts_dir"],
                                            pbx_directory=info["pbx"]["prompts_pbx_dir"]))
    try:
        asyncio.run(serve(cfg, demo=args.demo))
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
        return 0 if all(status[inst.role] for inst in lab.instances()) else 1
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


def _open_db(args):
    from .db.database import open_database
    from .db.migrate import migrate
    from .db.models import database_proxy

    db = open_database(load_config(args.config).database.url)
    migrate(db)
    database_proxy.initialize(db)
    return db


def _cmd_campaign(args) -> int:
    import datetime as dt

    from .db import campaigns
    from .outbound import store as dialing
    from .db.models import Campaign

    _open_db(args)
    Campaign.get_by_id(args.campaign)  # "no such campaign" rather than empty figures
    if args.action == "progress":
        result = dialing.progress(args.campaign)
    else:
        if args.contact is None:
            raise SystemExit("dialer: campaign why: give a contact id or phone number")
        contact_id = campaigns.find_contact(args.campaign, args.contact)
        result = campaigns.why_not(args.campaign, contact_id, dt.datetime.now(dt.UTC))
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    elif args.action == "progress":
        for key, value in result.items():
            print(f"{key:>14}: {value}")
    else:
        print(_why_text(result))
    return 0


def _why_text(why: dict) -> str:
    head = (f"contact {why['contact_id']} in campaign {why['campaign_id']} "
            f"({why['state']}, {why['attempts']} attempt(s)): ")
    if why["eligible"]:
        return head + "may be dialled now"
    lines = [head + "not now"] + [f"  - {r['message']} [{r['code']}]" for r in why["reasons"]]
    if why["next_possible_at"]:
        lines.append(f"  next possible: {why['next_possible_at']}")
    if why["last_reason"]:
        lines.append(f"  last said: {why['last_reason']}")
    return "\n".join(lines)


def _cmd_user(args) -> int:
    """Users from the shell: the first admin of a new install, API tokens, passwords.
    Passwords come from $DIALER_PASSWORD or a prompt (never the command line)."""
    import getpass

    from .db import auth
    from .db.models import User

    _open_db(args)

    def password() -> str:
        return os.environ.get("DIALER_PASSWORD") or getpass.getpass("password: ")
    if args.action == "add":
        if args.account is None:
            raise SystemExit("dialer: user add: give --account ID")
        user = auth.create_user(args.account, username=args.username, password=password(),
                                role=args.role)
        print(f"user {user['id']} {user['username']} ({user['role']}) added")
        return 0
    user_id = User.get(User.username == args.username).id
    if args.action == "token":
        print(auth.create_api_token(user_id, name="cli")["token"])
    else:
        auth.update_user(user_id, password=password())
        print(f"password of {args.username} changed; their sessions are closed")
    return 0


def _cmd_agent(args) -> int:
    import urllib.error
    import urllib.request

    cfg = load_config(args.config)
    url = args.url or f"http://{cfg.web.host}:{cfg.web.port}"
    token = os.environ.get("DIALER_TOKEN", "")
    request = urllib.request.Request(f"{url}/api/agents/{args.agent}/{args.action}",
                                     method="POST", data=b"",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            print(json.dumps(json.load(resp), indent=2))
            return 0
    except urllib.error.HTTPError as exc:
        print(f"dialer: agent {args.action}: {exc.read().decode()}", file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"dialer: agent {args.action}: no dialer at {url} ({exc.reason})", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialer", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--log-format", choices=logs.FORMATS,
                        help="text, or one JSON object per line (default: [log] format)")
    sub = parser.add_subparsers(dest="cmd", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the dialer")
    serve.add_argument("--config", help="TOML config file (default: embedded defaults)")
    serve.add_argument("--lab", action="store_true",
                       help="start the bundled Asterisk lab first if it is not running "
                            "(a running lab and its calls are left alone) and use it")
    serve.add_argument("--demo", action="store_true",
                       help="seed and run a sample campaign with three agents (for the lab)")
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

    campaign = sub.add_parser("campaign", help="look into a campaign (reads the database)")
    campaign.add_argument("action", choices=["why", "progress"])
    campaign.add_argument("campaign", type=int, help="campaign id")
    campaign.add_argument("contact", nargs="?", help="why: contact id or phone number")
    campaign.add_argument("--json", action="store_true", help="machine-readable output")
    campaign.add_argument("--config")
    campaign.set_defaults(func=_cmd_campaign)

    agent = sub.add_parser("agent", help="agent sessions on the running dialer",
                           description="The API token is read from $DIALER_TOKEN "
                                       "(make one with `dialer user token NAME`).")
    agent.add_argument("action", choices=["login", "logout", "ready", "not-ready"])
    agent.add_argument("agent", type=int, help="agent id")
    agent.add_argument("--url", help="the dialer's web address (default: from the config)")
    agent.add_argument("--config")
    agent.set_defaults(func=_cmd_agent)

    user = sub.add_parser("user", help="users: add, API token, password (writes the database)")
    user.add_argument("action", choices=["add", "token", "password"])
    user.add_argument("username")
    user.add_argument("--account", type=int, help="add: the user's account id")
    user.add_argument("--role", default="admin",
                      help="add: admin, supervisor, campaign manager, agent or your own")
    user.add_argument("--config")
    user.set_defaults(func=_cmd_user)
    _add_feature_parsers(sub)
    return parser


def _add_feature_parsers(sub) -> None:
    """The commands a feature folder defines (cli.py), each opening the database."""
    from .compliance.cli import add_parser as add_dnc_parser
    from .trunks.cli import add_parser as add_trunks_parser
    add_dnc_parser(sub, _open_db)
    add_trunks_parser(sub, _open_db)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet = args.cmd in ("campaign", "agent", "config", "user", "trunks")  # their output is the answer
    logs.configure(logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO,
                   args.log_format or "text")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"dialer: config: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - lab and input errors: one clear line
        import peewee

        from .db.validation import FieldError
        from .lab import LabError

        if isinstance(exc, LabError):
            print(f"dialer: lab: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, FieldError):
            print(f"dialer: {exc.field}: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, peewee.DoesNotExist):
            print(f"dialer: no such {args.cmd}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
