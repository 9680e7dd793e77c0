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
        _check_networks("[web] trusted_proxies", self.trusted_proxies)


def _check_networks(setting: str, values: tuple[str, ...]) -> None:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ConfigError(f"{setting}: {value!r} is not an address or network") from None


@dataclass(frozen=True)
class MetricsConfig:
    """`/metrics` (Prometheus): off unless enabled; then only for a client sending
    `Authorization: Bearer <token>` or whose address is in `allow` (addresses or networks;
    ["0.0.0.0/0", "::/0"] opens it to all)."""
    enabled: bool = False
    token: str = ""
    allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_networks("[metrics] allow", self.allow)
        if self.enabled and not (self.token or self.allow):
            raise ConfigError("[metrics] enabled: set a token (or DIALER_METRICS_TOKEN) or an "
                              "allow list, else anyone who reaches the console reads them")


@dataclass(frozen=True)
class LogConfig:
    format: str = "text"  # or "json": one JSON object per line (dialer/logs.py)

    def __post_init__(self) -> None:
        if self.format not in ("text", "json"):
            raise ConfigError(f"[log] format: expected text or json, got {self.format!r}")


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
class PromptsConfig:
    """Audio prompts (dialer/prompts): `directory` where the dialer writes them (a folder per
    account, files named by prompt id), `pbx_directory` the same folder as Asterisk reads it
    (a shared mount or an rsync target on a remote PBX; empty: `directory`, made absolute)."""
    directory: str = "var/prompts"
    pbx_directory: str = ""


@dataclass(frozen=True)
class AmdConfig:
    """The AMD classifier's phrase spotting (dialer/amd/words.py): at most `words_calls` calls
    listened to for words at once (each ~27 MB; ~3% of a core while it listens; 0: never).
    Calls beyond it are classified from their sound alone."""
    words_calls: int = 10

    def __post_init__(self) -> None:
        if not 0 <= self.words_calls <= 500:
            raise ConfigError("[amd] words_calls: expected 0 to 500")


@dataclass(frozen=True)
class Config:
    node: str = "node1"  # this process's name when several share one database
    ari: AriConfig = field(default_factory=AriConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    web: WebConfig = field(default_factory=WebConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    log: LogConfig = field(default_factory=LogConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    prompts: PromptsConfig = field(default_factory=PromptsConfig)
    amd: AmdConfig = field(default_factory=AmdConfig)

    def redacted(self) -> dict:
        """For logs and `dialer config`: never print a secret."""
        return {
            "node": self.node,
            "ari": {**vars(self.ari), "password": "***"},
            "database": {"url": _redact_url(self.database.url)},
            "web": vars(self.web),
            "metrics": {**vars(self.metrics), "token": "***" if self.metrics.token else ""},
            "log": vars(self.log),
            "webhooks": vars(self.webhooks),
            "prompts": vars(self.prompts),
            "amd": vars(self.amd),
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


def _table(value: object, name: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table of settings")
    return dict(value)


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
                "metrics": MetricsConfig, "log": LogConfig, "webhooks": WebhooksConfig,
                "prompts": PromptsConfig, "amd": AmdConfig}
    unknown = set(data) - set(sections) - {"node"}
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(unknown))}")
    given = {name: _table(data.get(name, {}), name) for name in sections}
    if env.get("DIALER_METRICS_TOKEN"):  # before the section is checked: it needs one
        given["metrics"]["token"] = env["DIALER_METRICS_TOKEN"]
    cfg = Config(node=str(data.get("node", Config.node)),
                 **{name: _section(cls, given[name], name) for name, cls in sections.items()})
    if env.get("DIALER_ARI_PASSWORD"):
        cfg = replace(cfg, ari=replace(cfg.ari, password=env["DIALER_ARI_PASSWORD"]))
    if env.get("DIALER_TRUSTED_PROXIES"):  # comma-separated
        proxies = tuple(p.strip() for p in env["DIALER_TRUSTED_PROXIES"].split(",") if p.strip())
        cfg = replace(cfg, web=replace(cfg.web, trusted_proxies=proxies))
    if env.get("DIALER_DATABASE_URL"):
        cfg = replace(cfg, database=DatabaseConfig(url=env["DIALER_DATABASE_URL"]))
    return cfg
