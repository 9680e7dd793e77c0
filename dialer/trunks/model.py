"""A trunk as the routing choice sees it, and what an admin may type for one.

A trunk's target is a PJSIP endpoint ("carrier" or "PJSIP/carrier": the number is dialled
as PJSIP/<e164>@carrier) or a dial pattern of one fixed shape,
PJSIP/<prefix>{e164}@<endpoint> or PJSIP/<prefix>{digits}@<endpoint>, where the prefix is
at most 8 of 0-9 * #. Nothing else: no other channel driver, no parallel dial (&), no dial
options (,), no sip: URI, no second @. The number put in is an E.164 number checked again
here, so a stored value cannot make Asterisk dial anything but the contact through that
endpoint.

Destinations allowed: "+<digits>" prefixes or two-letter regions (phonenumbers' region of
the number, "US", "GB"); none: anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers

from ..core.asterisk_input import UnsafeValue

_ENDPOINT = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_BARE = re.compile(rf"(?:PJSIP/)?(?P<endpoint>{_ENDPOINT})")
_PATTERN = re.compile(rf"PJSIP/(?P<prefix>[0-9*#]{{0,8}})\{{(?P<form>e164|digits)\}}"
                      rf"@(?P<endpoint>{_ENDPOINT})")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_PREFIX = re.compile(r"\+[0-9]{1,15}")
_REGION = re.compile(r"[A-Z]{2}")
_RULE_PREFIX = re.compile(r"[0-9*#]{0,16}")
TARGET_HELP = ("a PJSIP endpoint (carrier or PJSIP/carrier), or a pattern "
               "PJSIP/<prefix>{e164}@<endpoint> or PJSIP/<prefix>{digits}@<endpoint> "
               "(prefix: up to 8 of 0-9 * #; no other driver, &, comma or URI)")


@dataclass(frozen=True)
class TrunkTarget:
    """Where a trunk's calls go: the endpoint, and the number as the carrier wants it."""

    endpoint: str
    prefix: str = ""
    with_plus: bool = True  # {e164}: +15551234567; {digits}: 15551234567

    def dial_string(self, e164: str, rule_prefix: str = "") -> str:
        """`rule_prefix`: digits a campaign rule (add_prefix) dials before the number."""
        check_dialled(e164, rule_prefix)
        number = e164 if self.with_plus else e164[1:]
        return f"PJSIP/{self.prefix}{rule_prefix}{number}@{self.endpoint}"

    @property
    def text(self) -> str:
        """As stored and shown: the endpoint alone when the pattern is the plain one."""
        if not self.prefix and self.with_plus:
            return self.endpoint
        return f"PJSIP/{self.prefix}{{{'e164' if self.with_plus else 'digits'}}}@{self.endpoint}"


def parse_target(value: str) -> TrunkTarget:
    """A typed target; UnsafeValue for anything that is not one of the two shapes."""
    bare = _BARE.fullmatch(value)
    if bare and ".." not in value and bare["endpoint"].strip(".") != "":
        return TrunkTarget(bare["endpoint"])
    pattern = _PATTERN.fullmatch(value)
    if pattern and ".." not in pattern["endpoint"]:
        return TrunkTarget(pattern["endpoint"], pattern["prefix"], pattern["form"] == "e164")
    raise UnsafeValue(TARGET_HELP)


def split_dialled(phone: str) -> tuple[str, str]:
    """An attempt's phone as dialled ("9+12125550100": a rule's prefix, then the E.164
    number) into the prefix and the number; UnsafeValue if they are not."""
    prefix, plus, number = phone.partition("+")
    parts = (prefix, plus + number) if plus else ("", phone)
    check_dialled(parts[1], parts[0])
    return parts


def check_dialled(e164: str, rule_prefix: str) -> None:
    if not _E164.fullmatch(e164):
        raise UnsafeValue(f"{e164!r} is not an E.164 number")
    if not _RULE_PREFIX.fullmatch(rule_prefix):
        raise UnsafeValue(f"{rule_prefix!r} is not a dial prefix")


def parse_destination(value: str) -> str:
    """"+44" (a number prefix) or "GB" (a region); UnsafeValue else."""
    if _PREFIX.fullmatch(value) or (_REGION.fullmatch(value)
                                     and value in phonenumbers.SUPPORTED_REGIONS):
        return value
    raise UnsafeValue(f"{value!r}: a number prefix like +44 or a region like GB")


def region_of(e164: str) -> str | None:
    """The number's region ("US"), or None when phonenumbers cannot tell."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or None
    except phonenumbers.NumberParseException:
        return None


@dataclass(frozen=True)
class Trunk:
    """A carrier's trunk. Lower `priority` is tried first; `weight` spreads calls among
    trunks of one priority and cost; None caps are no cap; `account_ids` None: every
    account may use it."""

    id: int
    name: str
    target: TrunkTarget
    priority: int = 100
    weight: int = 1
    max_channels: int | None = None
    max_cps: int | None = None
    destinations: tuple[str, ...] = ()
    cost_per_minute: Decimal | None = None
    account_ids: frozenset[int] | None = None
    enabled: bool = True

    def serves(self, account_id: int, e164: str, region: str | None) -> bool:
        """Whether this account's call to this number may go through this trunk."""
        if not self.enabled or (self.account_ids is not None
                                and account_id not in self.account_ids):
            return False
        if not self.destinations:
            return True
        return any(e164.startswith(d) if d.startswith("+") else d == region
                   for d in self.destinations)


DEFAULT_TRUNK_ID = 0  # the `[ari] trunk` of the config: no row, used while no trunk is defined


def default_trunk(endpoint: str) -> Trunk:
    """What an install that defines no trunk dials through: the configured endpoint,
    uncapped, anywhere."""
    return Trunk(DEFAULT_TRUNK_ID, "default", parse_target(endpoint))
