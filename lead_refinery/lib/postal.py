"""Postal codes for routing: parse what people type, derive state and county offline.

Routing by ZIP only works if the ZIP is the one the lead really has. Web forms
and spreadsheets mangle ZIPs in known ways, so :func:`parse_postal` never
repairs a code silently: it returns a :class:`PostalCode` whose ``problems``
are stable machine codes (see :data:`PROBLEM_MESSAGES`) and the router decides
what a problem means. The main traps:

* a spreadsheet turned "02134" into the number 2134. That could be Allston,
  MA, or a 4-digit postcode of another country, so the code is flagged
  ``leading_zero_lost`` with the likely ZIP in ``suggestion`` but is *not*
  routable: an owner is never chosen on a guess;
* Canadian ("K1A 0B1") and UK ("SW1A 1AA") postcodes are recognised as such,
  never read as broken US ZIPs;
* without a country, US is inferred only from a clean 5- or 9-digit ZIP, and
  the inference is reported (``country_inferred``).

County and state per ZIP come from the offline ``zipcodes`` package (USPS
ZIPs with a county *name*) and ``addfips`` (county name to Census FIPS). The
table is built lazily once per process, under a lock (Odoo serves requests
from several threads), takes one to two seconds, and afterwards every lookup
is a dict access. ZIPs that ``zipcodes`` lists without a county (PO boxes,
unique ZIPs) or with a county of the neighbouring state take the county of
the nearest ZIP (by latitude/longitude) in the same SCF, else the same
state; :func:`zip_info` says which source was used. Military ZIPs (AA, AE,
AP) have no county. Users correct any ZIP with :class:`CountyResolver`.
"""

import math
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

import addfips
import zipcodes

#: ISO country codes whose addresses use USPS ZIP codes (Odoo keeps Puerto
#: Rico & co. as countries of their own).
US_POSTAL_COUNTRIES = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "UM", "FM", "MH", "PW"})
#: Country codes written with UK-format postcodes (incl. Crown dependencies).
UK_POSTAL_COUNTRIES = frozenset({"GB", "UK", "GG", "JE", "IM"})
_COUNTRY_ALIASES = {"USA": "US", "UNITED STATES": "US", "CAN": "CA", "GBR": "GB", "UK": "GB"}

#: Problems that still let the ZIP be routed (they are reported, nothing more).
WARNINGS = frozenset({"country_inferred", "plus4_dropped"})

#: Human text for every problem code; ``{suggestion}`` and ``{raw}`` are filled in.
PROBLEM_MESSAGES = {
    "missing": "No postal code was given.",
    "country_inferred": "No country was given; {country} was inferred from the format {raw!r}.",
    "country_missing": "No country was given and {raw!r} is not a recognisable US, Canadian "
    "or UK postcode.",
    "country_mismatch": "The country is {country} but {raw!r} looks like a {looks_like} postcode.",
    "invalid_characters": "The ZIP {raw!r} contains letters or symbols.",
    "wrong_length": "The ZIP {raw!r} has {digits} digits; a ZIP has 5 (or 9 with the +4).",
    "leading_zero_lost": "The ZIP {raw!r} looks like {suggestion} with its leading zero lost "
    "(a spreadsheet stored it as a number); please confirm it.",
    "plus4_dropped": "The +4 part of {raw!r} is malformed; only the ZIP {zip5} is used.",
    "bad_format": "{raw!r} is not a valid {looks_like} postcode.",
}

_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})
_US_RE = re.compile(r"(\d{5})(?:[ -]?(\d{4}))?")
_US_BAD_PLUS4_RE = re.compile(r"(\d{5})[ -](\d{1,3}|\d{5,})")
_LOST_ZERO_RE = re.compile(r"(\d{3,4})(?:[ -](\d{4}))?")
_LOST_ZERO_PACKED_RE = re.compile(r"\d{7,8}")
_CA_RE = re.compile(r"([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?-?(\d[ABCEGHJ-NPRSTV-Z]\d)")
_UK_RE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?|GIR) ?(\d[A-Z]{2})")
_LOOKALIKE_DIGITS = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True, slots=True)
class PostalCode:
    """A parsed postal code.

    ``kind`` is "us", "ca", "uk", "other" (a country we do not validate),
    "invalid" or "missing". An invalid code keeps in ``looks_like`` the
    format it resembles ("ca" for a Canadian postcode on a US address) and
    in ``country_code`` the country it was given for. ``zip5``/``plus4``/
    ``scf`` are set for US codes only. ``normalized`` is the canonical
    spelling ("02134-1234", "K1A 0B1").
    ``suggestion`` is the likely intended code for ``leading_zero_lost`` and
    look-alike letters; it is never used for routing.
    """

    raw: str | None
    kind: str
    country_code: str | None = None
    zip5: str | None = None
    plus4: str | None = None
    scf: str | None = None
    normalized: str | None = None
    problems: tuple[str, ...] = ()
    suggestion: str | None = None
    country_inferred: bool = False
    looks_like: str | None = None

    @property
    def routable(self):
        """True when the ZIP can be routed on: a US ZIP5 without blocking problems."""
        return (
            self.kind == "us"
            and self.zip5 is not None
            and all(code in WARNINGS for code in self.problems)
        )

    @property
    def blocking_problems(self):
        return tuple(code for code in self.problems if code not in WARNINGS)

    def messages(self):
        """One human sentence per problem, in the order of ``problems``."""
        return tuple(describe_problem(code, self) for code in self.problems)


def describe_problem(code, postal):
    """Human sentence for one problem code of ``postal``."""
    raw = postal.raw.strip() if postal.raw else ""
    template = PROBLEM_MESSAGES.get(code, code)
    names = {"us": "US", "ca": "Canadian", "uk": "UK", None: "known"}
    if code == "invalid_characters" and postal.suggestion:
        template += " Did you mean {suggestion}?"
    return template.format(
        raw=raw,
        suggestion=postal.suggestion,
        zip5=postal.zip5,
        country=postal.country_code or "?",
        looks_like=names.get(postal.looks_like, postal.looks_like),
        digits=sum(ch.isdigit() for ch in raw),
    )


def normalize_country(country_code):
    """Upper-case ISO alpha-2 code ("us" -> "US", "USA" -> "US"); None when blank."""
    if not country_code:
        return None
    code = country_code.strip().upper()
    return _COUNTRY_ALIASES.get(code, code) or None


def parse_postal(raw, country_code=None):
    """Parse a postal code typed for a lead in ``country_code`` (ISO alpha-2 or None)."""
    country = normalize_country(country_code)
    text = " ".join(raw.translate(_DASHES).upper().split()) if raw else ""
    if not text:
        return PostalCode(raw, "missing", country, problems=("missing",))
    if country is None:
        return _parse_without_country(raw, text)
    if country in US_POSTAL_COUNTRIES:
        return _parse_us(raw, text, country)
    if country == "CA":
        return _parse_foreign(raw, text, country, "ca", _match_ca)
    if country in UK_POSTAL_COUNTRIES:
        return _parse_foreign(raw, text, country, "uk", _match_uk)
    return PostalCode(raw, "other", country, normalized=text)


def _match_us(text):
    match = _US_RE.fullmatch(text)
    if not match:
        return None
    zip5, plus4 = match.groups()
    return zip5, plus4


def _match_ca(text):
    match = _CA_RE.fullmatch(text)
    return f"{match[1]} {match[2]}" if match else None


def _match_uk(text):
    match = _UK_RE.fullmatch(text)
    if not match or (match[1] == "GIR" and match[2] != "0AA"):
        return None
    return f"{match[1]} {match[2]}"


def _us_code(raw, country, zip5, plus4, problems=(), inferred=False):
    normalized = f"{zip5}-{plus4}" if plus4 else zip5
    return PostalCode(
        raw,
        "us",
        country,
        zip5=zip5,
        plus4=plus4,
        scf=zip5[:3],
        normalized=normalized,
        problems=problems,
        country_inferred=inferred,
        looks_like="us",
    )


def _parse_without_country(raw, text):
    us = _match_us(text)
    if us:
        return _us_code(raw, "US", *us, problems=("country_inferred",), inferred=True)
    for kind, country, matcher in (("ca", "CA", _match_ca), ("uk", "GB", _match_uk)):
        normalized = matcher(text)
        if normalized:
            return PostalCode(
                raw,
                kind,
                country,
                normalized=normalized,
                problems=("country_inferred",),
                country_inferred=True,
                looks_like=kind,
            )
    # Neither clean US nor CA/UK: a broken ZIP or some other country's code.
    broken = _parse_us(raw, text, None)
    problems = ("country_missing", *(p for p in broken.problems if p != "country_missing"))
    return PostalCode(
        raw, "invalid", None, normalized=text, problems=problems, suggestion=broken.suggestion
    )


def _parse_us(raw, text, country):
    us = _match_us(text)
    if us:
        return _us_code(raw, country, *us)
    bad_plus4 = _US_BAD_PLUS4_RE.fullmatch(text)
    if bad_plus4:
        return _us_code(raw, country, bad_plus4[1], None, problems=("plus4_dropped",))
    for kind, matcher in (("ca", _match_ca), ("uk", _match_uk)):
        normalized = matcher(text)
        if normalized:
            return PostalCode(
                raw,
                "invalid",
                country,
                normalized=normalized,
                problems=("country_mismatch",),
                looks_like=kind,
            )
    suggestion = _lost_zero_suggestion(text)
    if suggestion:
        return PostalCode(
            raw,
            "invalid",
            country,
            normalized=text,
            problems=("leading_zero_lost",),
            suggestion=suggestion,
            looks_like="us",
        )
    if any(ch.isalpha() for ch in text) or not all(ch.isdigit() or ch in " -" for ch in text):
        lookalike = _match_us(text.translate(_LOOKALIKE_DIGITS))
        return PostalCode(
            raw,
            "invalid",
            country,
            normalized=text,
            problems=("invalid_characters",),
            suggestion=("-".join(p for p in lookalike if p) if lookalike else None),
            looks_like="us",
        )
    return PostalCode(
        raw, "invalid", country, normalized=text, problems=("wrong_length",), looks_like="us"
    )


def _lost_zero_suggestion(text):
    """Likely ZIP of digits that lost leading zeros: 2134 -> 02134, 21341234 -> 02134-1234."""
    match = _LOST_ZERO_RE.fullmatch(text)
    if match:
        zip5 = match[1].zfill(5)
        return f"{zip5}-{match[2]}" if match[2] else zip5
    if _LOST_ZERO_PACKED_RE.fullmatch(text):
        return f"{text[:-4].zfill(5)}-{text[-4:]}"
    return None


def _parse_foreign(raw, text, country, kind, matcher):
    normalized = matcher(text)
    if normalized:
        return PostalCode(raw, kind, country, normalized=normalized, looks_like=kind)
    problem, looks_like = ("country_mismatch", "us") if _match_us(text) else ("bad_format", kind)
    return PostalCode(
        raw, "invalid", country, normalized=text, problems=(problem,), looks_like=looks_like
    )


# ---------------------------------------------------------------------------
# County names to FIPS
# ---------------------------------------------------------------------------

#: Counties renamed or merged since the Census vintage ``addfips`` ships, or
#: spelled by their old name in USPS data: (state, normalised name) -> FIPS.
_HISTORICAL_COUNTIES = {
    ("FL", "dade"): "12086",  # Dade County became Miami-Dade in 1997 (new FIPS)
    ("SD", "shannon"): "46102",  # renamed Oglala Lakota County in 2015
    ("AK", "wadehampton"): "02158",  # renamed Kusilvak Census Area in 2015
    ("AK", "chugach"): "02063",  # split from Valdez-Cordova in 2019
    ("AK", "princeofwalesouterketchikan"): "02198",  # now Prince of Wales-Hyder
    ("VA", "bedfordcity"): "51019",  # merged into Bedford County in 2013
    ("VA", "cliftonforgecity"): "51005",  # merged into Alleghany County in 2001
}
_TYPE_WORDS = (
    "city and borough",
    "island district",
    "census area",
    "municipality",
    "municipio",
    "borough",
    "parish",
    "county",
    "district",
)
_PREFIX_RE = re.compile(r"^(?:municipality|city and borough|county|borough|parish) of ")
_TYPE_SUFFIX_RE = re.compile(r" (?:" + "|".join(_TYPE_WORDS) + r")$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
_SUFFIX_ABBREVIATIONS = {"co": "county", "cnty": "county", "cty": "county", "par": "parish"}

_county_lock = threading.Lock()
_county_data = None  # (names by state, addfips finder, state FIPS by postal code)


def _fold(text):
    """Lower-case ASCII words: accents, apostrophes, dots and hyphens removed."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    if words and words[0] in _ABBREVIATIONS:
        words[0] = _ABBREVIATIONS[words[0]]
    if len(words) > 1 and words[-1] in _SUFFIX_ABBREVIATIONS:
        words[-1] = _SUFFIX_ABBREVIATIONS[words[-1]]
    return _PREFIX_RE.sub("", " ".join(words))


def _keys(folded):
    """Lookup keys of a folded name: with its type word, then without ("bare").

    Spaces are squeezed out so "De Kalb" finds "DeKalb" and "La Salle" finds
    "LaSalle".
    """
    bare = _TYPE_SUFFIX_RE.sub("", folded)
    return folded.replace(" ", ""), bare.replace(" ", "")


def _county_index():
    """Build once: ({state: {squeezed name: FIPS}}, addfips finder, {state: state FIPS})."""
    global _county_data
    if _county_data is not None:
        return _county_data
    with _county_lock:
        if _county_data is None:
            data = resources.files("addfips").joinpath("data")
            state_fips = {}
            with data.joinpath("states.csv").open(encoding="utf-8") as handle:
                next(handle)
                for line in handle:
                    _name, postal, fips = line.rstrip("\n").split(",")
                    state_fips.setdefault(postal, fips)
            postal_by_fips = {fips: postal for postal, fips in state_fips.items()}
            names = {}
            with data.joinpath("counties_2020.csv").open(encoding="utf-8") as handle:
                next(handle)
                for line in handle:
                    statefp, countyfp, name = line.rstrip("\n").split(",", 2)
                    state = postal_by_fips.get(statefp)
                    if state is None:
                        continue
                    table = names.setdefault(state, {})
                    fips = statefp + countyfp
                    for key in dict.fromkeys(_keys(_fold(name))):
                        # Richmond city and Richmond County, VA share the bare key.
                        table[key] = fips if table.get(key, fips) == fips else None
            _county_data = (names, addfips.AddFIPS(), state_fips)
    return _county_data


def county_fips(state, county_name):
    """5-digit county FIPS of ``county_name`` in ``state``, or None.

    ``state`` is a postal code ("MO"), a name ("Missouri") or a state FIPS.
    Tolerant of spellings: "Saint Louis County", "St. Louis Co." and "st louis
    county" are the same county; so are "De Kalb" and "DeKalb", "Municipality
    of Anchorage" and "Anchorage", "Dade" and "Miami-Dade". As in Census
    names, the plain name is the county and an independent city carries
    "city": "St. Louis" is St. Louis County, "St. Louis city" the city. A
    name that two counties of the state share after normalisation gives None
    rather than a guess. A 5-digit FIPS is returned as is.
    """
    if not state or not county_name:
        return None
    name = county_name.strip()
    if name.isdigit() and len(name) == 5:
        return name
    names, finder, state_fips = _county_index()
    postal = _state_postal(state, finder, state_fips)
    table = names.get(postal)
    if table is None:
        return None
    for key in _keys(_fold(name)):
        if key in table:
            return table[key]  # None when ambiguous
        historical = _HISTORICAL_COUNTIES.get((postal, key))
        if historical:
            return historical
    return None


def _state_postal(state, finder, state_fips):
    code = state.strip().upper()
    if code in state_fips:
        return code
    fips = finder.get_state_fips(state.strip())
    for postal, known in state_fips.items():
        if known == fips:
            return postal
    return None


# ---------------------------------------------------------------------------
# ZIP table
# ---------------------------------------------------------------------------


class ZipInfo(NamedTuple):
    """What the offline data says about one ZIP.

    ``county_source``: "name" (the USPS county name resolved), "state" (no
    county name, but the state has a single county: DC, Guam), "nearest" (no
    usable county name: the county of the nearest ZIP of the same SCF or
    state, by distance, or by number when USPS gives no location) or None
    (no county: military ZIPs and a few islands).
    """

    zip5: str
    state: str
    city: str
    county_name: str
    county_fips: str | None
    county_source: str | None


_zip_lock = threading.Lock()
_zip_table = None  # {zip5: ZipInfo}
#: Seconds the last table build took (for benchmarks and logs).
build_seconds = None


def _load_zip_rows():
    # The compiled module's list is not cached: the public ``list_all`` keeps
    # all 42k dicts (about 90 MB) alive for the life of the process.
    native = getattr(zipcodes, "_zipcodes", None)
    return native.list_all() if native is not None else zipcodes.list_all()


def _zip_index():
    global _zip_table, build_seconds
    if _zip_table is not None:
        return _zip_table
    with _zip_lock:
        if _zip_table is None:
            began = time.perf_counter()
            _zip_table = _build_zip_table(_load_zip_rows())
            build_seconds = time.perf_counter() - began
    return _zip_table


def _build_zip_table(rows):
    names, _finder, state_fips = _county_index()
    resolved = {}
    table = {}
    pending = []
    located = {}  # {scf or state: [((lat, lon), fips)]} of ZIPs with a resolved county
    numbered = {}  # {scf: [(zip as int, fips)]}
    for row in rows:
        zip5, state, county = row["zip_code"], row["state"], row["county"]
        key = (state, county)
        if key not in resolved:
            fips = county_fips(state, county) if county else None
            # A county of the neighbouring state (cross-border ZIP) is not trusted.
            resolved[key] = fips if fips and fips[:2] == state_fips.get(state) else None
        fips = resolved[key]
        if fips is None:
            pending.append(row)
            continue
        table[zip5] = ZipInfo(zip5, state, row["city"], county, fips, "name")
        point = _point(row)
        if point:
            located.setdefault(zip5[:3], []).append((point, fips))
            located.setdefault(state, []).append((point, fips))
        numbered.setdefault(zip5[:3], []).append((int(zip5), fips))
    single = {}  # states with one county-equivalent (DC, Guam)
    for state, counties in names.items():
        found = {fips for fips in counties.values() if fips}
        if len(found) == 1:
            single[state] = found.pop()
    for row in pending:
        zip5, state = row["zip_code"], row["state"]
        fips, source = single.get(state), "state"
        if fips is None:
            fips, source = _borrowed_county(zip5, state, _point(row), located, numbered), "nearest"
        table[zip5] = ZipInfo(
            zip5, state, row["city"], row["county"], fips, source if fips else None
        )
    return table


def _borrowed_county(zip5, state, point, located, numbered):
    """County of the closest ZIP: by distance in the SCF, then the state; else by number."""
    if point:
        found = _nearest(point, located.get(zip5[:3])) or _nearest(point, located.get(state))
        if found:
            return found
    neighbours = numbered.get(zip5[:3])
    if not neighbours:
        return None
    number = int(zip5)
    return min(neighbours, key=lambda item: (abs(item[0] - number), item[0]))[1]


def _point(row):
    try:
        lat, lon = float(row["lat"]), float(row["long"])
    except (TypeError, ValueError):
        return None
    return (lat, lon) if lat or lon else None


def _nearest(point, candidates):
    if not candidates:
        return None
    lat, lon = point
    scale = math.cos(math.radians(lat)) ** 2
    best = min(candidates, key=lambda c: (c[0][0] - lat) ** 2 + scale * (c[0][1] - lon) ** 2)
    return best[1]


def zip_info(zip5):
    """:class:`ZipInfo` of a 5-digit ZIP, or None when USPS does not know it."""
    return _zip_index().get(zip5)


def county_fips_for_zip(zip5, overrides=None):
    """County FIPS of a ZIP (``overrides``: {zip5: fips} corrections win), or None."""
    if overrides and zip5 in overrides:
        return overrides[zip5]
    info = _zip_index().get(zip5)
    return info.county_fips if info else None


def state_for_zip(zip5):
    """USPS state code of a ZIP ("NY", "PR", "AE" for military), or None."""
    info = _zip_index().get(zip5)
    return info.state if info else None


def all_us_zip5():
    """Every ZIP in the offline data, sorted."""
    return sorted(_zip_index())


class CountyResolver:
    """County FIPS per ZIP with the user's corrections applied first.

    Corrections matter where USPS and the sales organisation disagree: a ZIP
    spanning two counties, a new county (Connecticut's planning regions), a
    PO-box ZIP placed in the wrong county by the nearest-ZIP fallback.
    """

    __slots__ = ("overrides",)

    def __init__(self, overrides=None):
        self.overrides = dict(overrides or {})

    def fips_for_zip(self, zip5):
        """County FIPS of ``zip5``, the override if there is one."""
        found = self.overrides.get(zip5)
        if found is not None:
            return found
        info = _zip_index().get(zip5)
        return info.county_fips if info else None

    def source_for_zip(self, zip5):
        """Where :meth:`fips_for_zip` got its answer: "override", "name", "state", "nearest"."""
        if zip5 in self.overrides:
            return "override"
        info = _zip_index().get(zip5)
        return info.county_source if info else None
