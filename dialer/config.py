"""Configuration: a TOML file over embedded defaults, secrets from the environment.

The defaults run the dialer beside the bundled lab: ARI on 127.0.0.1:8088 with the
shipped asterisk-conf/ari.conf user, SQLite in ./var, the web console on loopback.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class AriConfig:
    url: str = "http://127.0.0.1:8088"
    user: str = "dialer"
    password: str = "change-me-now"
    app: str = "dialer"
    trunk: str = "carrier"  # PJSIP endpoint that carries campaign calls


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///var/dialer.sqlite3"


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # Reverse proxies (addresses or networks) whose X-Forwarded-For / -Proto are believed.
    trusted_proxies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for value in self.trusted_proxies:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ConfigError(f"[web] trusted_proxies: {value!r} is not an address "
                                  "or network") from None


@dataclass(frozen=True)
class WebhooksConfig:
    """Outbound webhooks (dialer/webhooks). `allow_private`: deliver to loopback and
    private addresses too (off: only public ones; link-local never)."""

    allow_private: bool = False
    timeout_seconds: int = 10   # for the receiver's whole answer
    max_attempts: int = 10      # tries before a delivery is given up

    def __post_init__(self) -> None:
        for name in ("timeout_seconds", "max_attempts"):
            if not 1 <= getattr(self, name) <= 3600:
                raise ConfigError(f"[webhooks] {name}: expected 1 to 3600")


@dataclass(frozen=True)
class Config:
    node: str = "node1"  # this process's name when several share one database
    ari: AriConfig = field(default_factory=AriConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    web: WebConfig = field(default_factory=WebConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)

    def redacted(self) -> dict:
        """For logs and `dialer config`: never print a secret."""
        return {
            "node": self.node,
            "ari": {**vars(self.ari), "password": "***"},
            "database": {"url": _redact_url(self.database.url)},
            "web": vars(self.web),
            "webhooks": vars(self.webhooks),
        }


def _redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


def _section(cls, data: dict, name: str):
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ConfigError(f"[{name}] unknown setting(s): {', '.join(sorted(unknown))}")
    values = {}
    for key, value in data.items():
        want = type(getattr(cls(), key))
        if want is tuple and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = tuple(value)  # TOML arrays of strings
        if not isinstance(value, want):
            raise ConfigError(f"[{name}] {key}: expected {want.__name__}, got {value!r}")
        values[key] = value
    return cls(**values)


def load_config(path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    data: dict = {}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    sections = {"ari": AriConfig, "database": DatabaseConfig, "web": WebConfig,
                "webhooks": WebhooksConfig}
    unknown = set(data) - set(sections) - {"node"}
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(unknown))}")
    cfg = Config(node=str(data.get("node", Config.node)),
                 **{name: _section(cls, data.get(name, {}), name)
                    for name, cls in sections.items()})
    if env.get("DIALER_ARI_PASSWORD"):
        cfg = replace(cfg, ari=replace(cfg.ari, password=env["DIALER_ARI_PASSWORD"]))
    if env.get("DIALER_TRUSTED_PROXIES"):  # comma-separated
        proxies = tuple(p.strip() for p in env["DIALER_TRUSTED_PROXIES"].split(",") if p.strip())
        cfg = replace(cfg, web=replace(cfg.web, trusted_proxies=proxies))
    if env.get("DIALER_DATABASE_URL"):
        cfg = replace(cfg, database=DatabaseConfig(url=env["DIALER_DATABASE_URL"]))
    return cfg
