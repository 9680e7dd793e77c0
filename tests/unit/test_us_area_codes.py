"""The shipped area-code table agrees with phonenumbers' geocoder (which the dialer does not
import: its data costs about 100 MB of memory)."""

from collections import Counter, defaultdict

import phonenumbers as pn
from phonenumbers.geodata import GEOCODE_DATA

from dialer.core.us_area_codes import US_AREA_CODE_STATES, us_state

STATE_NAMES = {name: code for code, name in (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "Washington D.C."),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"),
    ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"),
    ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"),
    ("NM", "New Mexico"), ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"),
    ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"),
    ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"))}


def test_the_table_is_the_geocoders_majority_state_of_each_area_code():
    by_code: dict[str, Counter] = defaultdict(Counter)
    codes = set(STATE_NAMES.values())
    for prefix, names in GEOCODE_DATA.items():
        place = names.get("en") if prefix.startswith("1") and len(prefix) >= 4 else None
        if place:
            state = place.rsplit(", ", 1)[-1] if ", " in place else STATE_NAMES.get(place)
            if state in codes:
                by_code[prefix[1:4]][state] += 1
    expected = {code: states.most_common(1)[0][0] for code, states in by_code.items()}
    assert US_AREA_CODE_STATES == expected


def test_a_number_s_state():
    assert us_state(pn.parse("+13055550100")) == "FL"
    assert us_state(pn.parse("+12125550100")) == "NY"
    assert us_state(pn.parse("+18005550100")) is None  # toll-free
    assert us_state(pn.parse("+14165550100")) is None  # Toronto: +1, not the US
    assert us_state(pn.parse("+442071234567")) is None
