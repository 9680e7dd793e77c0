"""Where a number is, as local presence compares numbers: its country, its geographic
region and its area code, from phonenumbers' metadata and geocoder."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType, geocoder

# Types whose leading digits name a place (a US number is FIXED_LINE_OR_MOBILE).
_GEOGRAPHIC = frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# The geocoder names a North American region by its postal code ("Mountain View, CA") or,
# where it knows no town, in full ("California"): one name for both.
_NANP_REGIONS = dict(pair.replace("_", " ").split("=") for pair in (
    "Alabama=AL Alaska=AK Arizona=AZ Arkansas=AR California=CA Colorado=CO Connecticut=CT "
    "Delaware=DE Florida=FL Georgia=GA Hawaii=HI Idaho=ID Illinois=IL Indiana=IN Iowa=IA "
    "Kansas=KS Kentucky=KY Louisiana=LA Maine=ME Maryland=MD Massachusetts=MA Michigan=MI "
    "Minnesota=MN Mississippi=MS Missouri=MO Montana=MT Nebraska=NE Nevada=NV "
    "New_Hampshire=NH New_Jersey=NJ New_Mexico=NM New_York=NY North_Carolina=NC "
    "North_Dakota=ND Ohio=OH Oklahoma=OK Oregon=OR Pennsylvania=PA Rhode_Island=RI "
    "South_Carolina=SC South_Dakota=SD Tennessee=TN Texas=TX Utah=UT Vermont=VT Virginia=VA "
    "Washington=WA West_Virginia=WV Wisconsin=WI Wyoming=WY Washington_D.C.=DC "
    "Alberta=AB British_Columbia=BC Manitoba=MB New_Brunswick=NB "
    "Newfoundland_and_Labrador=NL Nova_Scotia=NS Ontario=ON Quebec=QC Saskatchewan=SK "
    "Prince_Edward_Island=PE").split())


@dataclass(frozen=True)
class Presence:
    """None where the data cannot tell (a mobile number has no area code)."""

    country: str | None = None  # phonenumbers' region code: "US"
    region: str | None = None   # the geocoder's region: "NY" of "New York, NY", "London"
    area: str | None = None     # country code and area code: "1-212"


@functools.lru_cache(maxsize=65536)
def presence_of(e164: str) -> Presence:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return Presence()
    country = phonenumbers.region_code_for_number(number) or None
    if phonenumbers.number_type(number) not in _GEOGRAPHIC:
        return Presence(country)
    place = geocoder.description_for_number(number, "en")
    named = place.rpartition(",")[2].strip()
    region = _NANP_REGIONS.get(named, named) or None
    digits = phonenumbers.length_of_geographical_area_code(number)
    area = (f"{number.country_code}-"
            f"{phonenumbers.national_significant_number(number)[:digits]}") if digits else None
    return Presence(country, region, area)


def closeness(caller: Presence, callee: Presence) -> int:
    """3: same area code, 2: same region, 1: same country, 0: none of those."""
    if caller.area is not None and caller.area == callee.area:
        return 3
    if caller.region is not None and caller.region == callee.region \
            and caller.country == callee.country:
        return 2
    return 1 if caller.country is not None and caller.country == callee.country else 0
