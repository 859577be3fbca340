"""Territory routing: every lead goes straight to ONE accountable owner, with the reason.

A territory belongs to one owner (a sales team, a rep or a partner company
such as a distributor) for a period (``date_from``/``date_to``, both
inclusive, None = open-ended). Its rules say which addresses it covers, from
the most to the least specific kind:

    zip4 > zip5 > scf > county > state > country

* ``zip4``: a ZIP+4 range inside one ZIP5 ("12345-0000".."12345-4999");
* ``zip5``: one ZIP or a range ("10001".."10099");
* ``scf``: a 3-digit ZIP prefix (sectional center facility);
* ``county``: a 5-digit county FIPS, derived offline from the ZIP
  (:mod:`.postal`, with the user's corrections) unless the lead carries one;
* ``state``: "NY" (a US state, USPS code, incl. "PR") or "CA-ON" (country-
  subdivision, for other countries);
* ``country``: an ISO code ("US", "CA"), matched against the lead's country.

**Precedence.** The most specific matching rule wins. Between rules of the
same kind, the HIGHER ``priority`` wins (0 by default; Odoo's ``sequence``
is lower-first, but "priority 10 beats priority 0" is what a sales manager
reads). Equal kind and priority in two different territories is a conflict:
it is never resolved silently. The decision picks the lowest rule id (so
the result is reproducible), sets ``conflict`` and says so in its reason;
:meth:`RoutingEngine.find_conflicts` lists such overlaps up front.

A rule may be restricted to lead grades, product categories or sales teams
(empty = any). A rule whose filter does not match, or whose territory is
outside its dates, is not eligible: it appears among the decision's
``alternatives`` with that reason, as do the rules that lost.

**Named accounts override geography.** ``named_accounts`` maps an account id
to ``(owner_kind, owner_id, label)``; the ORM passes the lead's commercial
account and its parents (closest first) in ``LeadFacts.account_ids`` and the
first named one wins.

**Bad ZIPs are not guessed.** A US lead whose ZIP is missing or unusable
("2134", "1234O", a Canadian postcode on a US address) is left unrouted
(``no_zip``/``invalid_zip``/``ambiguous_zip``) by default, even when a state
or country rule would match: routing it to the state's owner would silently
take the lead from the owner of its real ZIP. ``strict_zip=False`` lets
state, county (when the lead has a FIPS) and country rules route it.
Foreign leads are routed by their country (and province/state) rules;
without one they are ``foreign_address``.

**Speed.** Indexes are built once per engine: dicts keyed by ZIP5, SCF,
FIPS, state and country, and for ZIP5 and ZIP+4 ranges a sorted list of
elementary segments searched with ``bisect``, so a decision costs a handful
of lookups whatever the number of rules. Rebuild the engine when rules change.

Round-robin inside a territory is :func:`pick_member`.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from . import postal

KINDS = ("zip4", "zip5", "scf", "county", "state", "country")
SPECIFICITY = {"zip4": 6, "zip5": 5, "scf": 4, "county": 3, "state": 2, "country": 1}
KIND_LABELS = {
    "zip4": "ZIP+4",
    "zip5": "ZIP5",
    "scf": "SCF",
    "county": "county",
    "state": "state",
    "country": "country",
    "named_account": "named account",
}
OWNER_KINDS = frozenset({"team", "user", "partner"})
UNROUTABLE_REASONS = ("no_zip", "invalid_zip", "ambiguous_zip", "foreign_address", "no_coverage")

#: Why a matching rule did not win (``Alternative.outcome``).
LESS_SPECIFIC = "less_specific"
LOWER_PRIORITY = "lower_priority"
TIE_LOST = "tie_lost"  # same kind and priority, other territory: a conflict
SAME_TERRITORY = "same_territory"  # a second rule of the winning territory
FILTER_MISMATCH = "filter_mismatch"
OUT_OF_DATES = "out_of_dates"
NAMED_ACCOUNT_WINS = "overridden_by_named_account"
ZIP_NEEDS_FIXING = "zip_needs_fixing"
SHADOWED_ACCOUNT = "shadowed_named_account"

#: Problems the router adds to the postal ones (``Decision.problems``).
DECISION_PROBLEM_MESSAGES = {
    "foreign_address": "The address is outside the US; only country and province rules apply.",
    "no_coverage": "No eligible territory rule covers this address.",
    "state_zip_mismatch": "The state on the lead differs from the state of its ZIP.",
    "county_estimated": "The ZIP has no county in the USPS data; the county of the nearest "
    "ZIP was used.",
    "unknown_zip": "The ZIP is not in the USPS list (new, retired or mistyped); "
    "its county and state are unknown.",
}

_ZIP_PROBLEM_REASON = {
    "missing": "no_zip",
    "invalid_characters": "invalid_zip",
    "wrong_length": "invalid_zip",
    "bad_format": "invalid_zip",
    "leading_zero_lost": "ambiguous_zip",
    "country_missing": "ambiguous_zip",
    "country_mismatch": "ambiguous_zip",
}


@dataclass(frozen=True, slots=True)
class Territory:
    """An owner's area for a period. Dates are inclusive; None is open-ended."""

    id: int
    owner_kind: str
    owner_id: int
    date_from: date | None = None
    date_to: date | None = None
    name: str = ""

    def __post_init__(self):
        # The ORM reads empty dates as False.
        for attr in ("date_from", "date_to"):
            if getattr(self, attr) is False:
                object.__setattr__(self, attr, None)

    def active_on(self, day):
        return (self.date_from is None or self.date_from <= day) and (
            self.date_to is None or day <= self.date_to
        )

    @property
    def label(self):
        return repr(self.name) if self.name else f"#{self.id}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One coverage rule of a territory; ``value_to`` makes ZIP5/ZIP+4 ranges (inclusive)."""

    id: int
    territory_id: int
    kind: str
    value: str
    value_to: str | None = None
    priority: int = 0
    grades: frozenset = frozenset()
    category_ids: frozenset = frozenset()
    team_ids: frozenset = frozenset()

    def __post_init__(self):
        # The ORM reads an empty "to" as False and passes lists or recordset ids.
        if not self.value_to:
            object.__setattr__(self, "value_to", None)
        for attr in ("grades", "category_ids", "team_ids"):
            object.__setattr__(self, attr, frozenset(getattr(self, attr) or ()))


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What routing needs to know about a lead (plain values read by the ORM).

    ``county_fips`` overrides the county derived from the ZIP. ``account_ids``
    are the lead's commercial account then its parents, closest first.
    """

    country_code: str | None
    state_code: str | None
    zip_raw: str | None
    county_fips: str | None = None
    grade: str | None = None
    category_id: int | None = None
    team_id: int | None = None
    account_ids: tuple = ()


class Owner(NamedTuple):
    kind: str
    id: int


@dataclass(frozen=True, slots=True)
class Alternative:
    """A rule (or named account) that matched the lead but did not decide it."""

    kind: str
    outcome: str
    detail: str
    rule_id: int | None = None
    territory_id: int | None = None
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The owner of one lead, or why there is none."""

    owner: Owner | None
    reason: str
    territory_id: int | None = None
    territory_name: str | None = None
    rule_id: int | None = None
    rule_kind: str | None = None
    account_id: int | None = None
    alternatives: tuple = ()
    problems: tuple = ()
    conflict: bool = False
    conflict_rule_ids: tuple = ()
    unroutable_reason: str | None = None
    postal_code: postal.PostalCode | None = None

    @property
    def routed(self):
        return self.owner is not None

    def problem_messages(self):
        """One human sentence per problem code."""
        out = []
        for code in self.problems:
            if code in DECISION_PROBLEM_MESSAGES:
                out.append(DECISION_PROBLEM_MESSAGES[code])
            elif self.postal_code is not None and code in postal.PROBLEM_MESSAGES:
                out.append(postal.describe_problem(code, self.postal_code))
            else:
                out.append(code)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two rules of different territories that can claim the same lead with equal priority."""

    kind: str
    rule_ids: tuple
    territory_ids: tuple
    priority: int
    overlap: str
    message: str


# ---------------------------------------------------------------------------
# Rule validation and preparation
# ---------------------------------------------------------------------------


def _zip4_number(text):
    """'12345-6789' / '123456789' / '12345 6789' -> 123456789, else None."""
    code = postal.parse_postal(text, "US")
    if code.kind != "us" or code.plus4 is None or code.problems:
        return None
    return int(code.zip5) * 10000 + int(code.plus4)


def _zip4_text(number):
    return f"{number // 10000:05d}-{number % 10000:04d}"


def rule_problems(rule, territories=None):
    """Human reasons why ``rule`` is unusable (empty when it is fine).

    For the ORM's ``_check_`` constraints; the engine skips such rules and
    lists them in ``invalid_rules``.
    """
    problems = []
    kind, value, value_to = rule.kind, (rule.value or "").strip(), rule.value_to
    if territories is not None and rule.territory_id not in territories:
        problems.append(f"territory #{rule.territory_id} does not exist")
    if kind not in SPECIFICITY:
        return (*problems, f"unknown kind {kind!r}")
    if value_to is not None and kind not in ("zip5", "zip4"):
        problems.append(f"a {KIND_LABELS[kind]} rule cannot be a range")
    if kind == "zip5":
        values = [value] if value_to is None else [value, value_to.strip()]
        if not all(len(v) == 5 and v.isdigit() for v in values):
            problems.append("a ZIP5 rule needs 5-digit ZIPs (keep leading zeros: 02134)")
        elif len(values) == 2 and values[1] < values[0]:
            problems.append(f"the range {values[0]}..{values[1]} is reversed")
    elif kind == "zip4":
        low = _zip4_number(value)
        high = low if value_to is None else _zip4_number(value_to)
        if low is None or high is None:
            problems.append("a ZIP+4 rule needs ZIP+4 codes such as 12345-0000")
        elif low // 10000 != high // 10000:
            problems.append("a ZIP+4 range must stay inside one ZIP5")
        elif high < low:
            problems.append(f"the range {_zip4_text(low)}..{_zip4_text(high)} is reversed")
    elif kind == "scf" and not (len(value) == 3 and value.isdigit()):
        problems.append("an SCF rule needs the 3 first digits of a ZIP (021)")
    elif kind == "county" and not (len(value) == 5 and value.isdigit()):
        problems.append("a county rule needs a 5-digit county FIPS (36061)")
    elif kind == "state" and _state_key(value) is None:
        problems.append("a state rule needs a state code (NY) or country-state (CA-ON)")
    elif kind == "country" and not (len(value) == 2 and value.isalpha()):
        problems.append("a country rule needs a 2-letter ISO code (US)")
    return tuple(problems)


def _state_key(value):
    """'ny' -> 'US-NY', 'ca-on' -> 'CA-ON'; None when it is not a state code."""
    text = value.strip().upper()
    country, _, state = text.rpartition("-")
    country = country or "US"
    if len(country) != 2 or not country.isalpha() or not 1 <= len(state) <= 3:
        return None
    if not state.isalnum():
        return None
    return f"{country}-{state}"


class _Entry:
    """A valid rule with what routing needs precomputed."""

    __slots__ = ("rank", "rule", "span", "specificity", "territory")

    def __init__(self, rule, territory, span):
        self.rule = rule
        self.territory = territory
        self.span = span
        self.specificity = SPECIFICITY[rule.kind]
        self.rank = (-self.specificity, -rule.priority, rule.id)

    def filter_mismatch(self, facts):
        """Why the rule's filters exclude this lead, or None."""
        rule = self.rule
        if rule.grades and facts.grade not in rule.grades:
            wanted = "/".join(sorted(rule.grades))
            got = f"grade {facts.grade}" if facts.grade else "no grade"
            return f"rule is for grade {wanted}, lead has {got}"
        if rule.category_ids and facts.category_id not in rule.category_ids:
            return f"rule is for categories {_ids(rule.category_ids)}, lead has {facts.category_id}"
        if rule.team_ids and facts.team_id not in rule.team_ids:
            return f"rule is for teams {_ids(rule.team_ids)}, lead has {facts.team_id}"
        return None

    def describe(self):
        return (
            f"{KIND_LABELS[self.rule.kind]} rule #{self.rule.id} ({self.span}) "
            f"of territory {self.territory.label}"
        )


def _ids(ids):
    return ", ".join(str(i) for i in sorted(ids))


class _IntervalIndex:
    """Stabbing queries on integer ranges, overlaps allowed: O(log n) per query.

    The ranges cut the number line into elementary segments; each segment
    stores the tuple of ranges that cover it, and a query bisects the
    segment starts.
    """

    __slots__ = ("covers", "starts")

    def __init__(self, items):
        starting, ending = {}, {}
        for low, high, entry in items:
            starting.setdefault(low, []).append(entry)
            ending.setdefault(high + 1, []).append(entry)
        active = {}
        self.starts, self.covers = [], []
        for bound in sorted(starting.keys() | ending.keys()):
            for entry in ending.get(bound, ()):
                del active[entry.rule.id]
            for entry in starting.get(bound, ()):
                active[entry.rule.id] = entry
            self.starts.append(bound)
            self.covers.append(tuple(active.values()))

    def at(self, number):
        index = bisect_right(self.starts, number) - 1
        return self.covers[index] if index >= 0 else ()


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------


class RoutingEngine:
    """Territories and rules indexed once; :meth:`route` decides one lead.

    ``county_resolver`` (a :class:`postal.CountyResolver`) applies the user's
    ZIP-to-county corrections. ``invalid_rules`` maps the id of each skipped
    rule to its problems.
    """

    def __init__(
        self, territories, rules, named_accounts=None, county_resolver=None, strict_zip=True
    ):
        self.territories = {t.id: t for t in territories}
        self.named_accounts = dict(named_accounts or {})
        self.county_resolver = county_resolver or postal.CountyResolver()
        self.strict_zip = strict_zip
        self.invalid_rules = {}
        self.entries = []
        self._zip5 = {}
        self._scf = {}
        self._county = {}
        self._state = {}
        self._country = {}
        zip5_ranges, zip4_ranges = [], []
        keyed = {
            "zip5": self._zip5,
            "scf": self._scf,
            "county": self._county,
            "state": self._state,
            "country": self._country,
        }
        for territory in self.territories.values():
            if territory.owner_kind not in OWNER_KINDS:
                raise ValueError(
                    f"Territory {territory.label}: owner kind must be one of "
                    f"{sorted(OWNER_KINDS)}, not {territory.owner_kind!r}."
                )
        for rule in sorted(rules, key=lambda r: r.id):
            problems = rule_problems(rule, self.territories)
            if problems:
                self.invalid_rules[rule.id] = problems
                continue
            entry = self._prepare(rule)
            self.entries.append(entry)
            value = rule.value.strip()
            if rule.kind == "zip4":
                low = _zip4_number(value)
                high = low if rule.value_to is None else _zip4_number(rule.value_to)
                zip4_ranges.append((low, high, entry))
            elif rule.kind == "zip5" and rule.value_to is not None:
                zip5_ranges.append((int(value), int(rule.value_to.strip()), entry))
            else:
                key = _state_key(value) if rule.kind == "state" else value.upper()
                keyed[rule.kind].setdefault(key, []).append(entry)
        self._zip5_ranges = _IntervalIndex(zip5_ranges)
        self._zip4 = _IntervalIndex(zip4_ranges)

    def _prepare(self, rule):
        value = rule.value.strip().upper()
        if rule.kind == "zip4":
            low = _zip4_number(value)
            high = low if rule.value_to is None else _zip4_number(rule.value_to)
            span = _zip4_text(low) if low == high else f"{_zip4_text(low)}..{_zip4_text(high)}"
        elif rule.kind == "zip5" and rule.value_to is not None:
            span = f"{value}..{rule.value_to.strip()}"
        elif rule.kind == "state":
            span = _state_key(value)
        else:
            span = value
        return _Entry(rule, self.territories[rule.territory_id], span)

    # -- one lead -----------------------------------------------------------

    def route(self, facts, on_date):
        """Decide the owner of the lead described by ``facts`` on ``on_date`` (a date)."""
        if isinstance(on_date, datetime):
            on_date = on_date.date()
        code = postal.parse_postal(facts.zip_raw, facts.country_code)
        country = postal.normalize_country(facts.country_code) or code.country_code
        is_us = country in postal.US_POSTAL_COUNTRIES
        problems = list(code.problems)
        where = _Where(code, country)
        if country is not None and not is_us:
            problems.append("foreign_address")
        if is_us and code.routable:
            self._locate_us(facts, code, where, problems)
        elif facts.state_code and country is not None:
            where.state = facts.state_code.strip().upper() or None
            if is_us and facts.county_fips:
                where.county = facts.county_fips
        held = is_us and not code.routable and self.strict_zip
        candidates = self._candidates(where)
        return self._decide(facts, on_date, where, candidates, problems, held)

    def _locate_us(self, facts, code, where, problems):
        zip5 = code.zip5
        info = postal.zip_info(zip5)
        where.zip5, where.plus4 = zip5, code.plus4
        if facts.county_fips:
            where.county = facts.county_fips
        else:
            where.county = self.county_resolver.fips_for_zip(zip5)
            where.county_source = self.county_resolver.source_for_zip(zip5)
        zip_state = info.state if info else None
        given = facts.state_code.strip().upper() if facts.state_code else None
        if info is None:
            problems.append("unknown_zip")
        if given and zip_state and given != zip_state:
            problems.append("state_zip_mismatch")
        where.state = given or zip_state

    def _candidates(self, where):
        found = []
        if where.zip5 is not None:
            number = int(where.zip5)
            if where.plus4 is not None:
                found.extend(self._zip4.at(number * 10000 + int(where.plus4)))
            found.extend(self._zip5.get(where.zip5, ()))
            found.extend(self._zip5_ranges.at(number))
            found.extend(self._scf.get(where.zip5[:3], ()))
        if where.county is not None:
            found.extend(self._county.get(where.county, ()))
        if where.state is not None and where.country is not None:
            prefix = "US" if where.country in postal.US_POSTAL_COUNTRIES else where.country
            found.extend(self._state.get(f"{prefix}-{where.state}", ()))
        if where.country is not None:
            found.extend(self._country.get(where.country, ()))
        return found

    def _decide(self, facts, on_date, where, candidates, problems, held):
        alternatives = []
        eligible = []
        for entry in sorted(candidates, key=lambda e: e.rank):
            territory = entry.territory
            if not territory.active_on(on_date):
                alternatives.append(_alt(entry, OUT_OF_DATES, _dates_text(territory, on_date)))
                continue
            mismatch = entry.filter_mismatch(facts)
            if mismatch:
                alternatives.append(_alt(entry, FILTER_MISMATCH, mismatch))
            elif held:
                alternatives.append(
                    _alt(entry, ZIP_NEEDS_FIXING, "not used until the ZIP is fixed")
                )
            else:
                eligible.append(entry)
        named = self._named_account(facts, alternatives)
        if named is not None:
            account_id, (owner_kind, owner_id, label) = named
            alternatives[:0] = [
                _alt(entry, NAMED_ACCOUNT_WINS, f"account #{account_id} is a named account")
                for entry in eligible
            ]
            reason = (
                f"Account #{account_id} is the named account {label!r} of "
                f"{owner_kind} {owner_id}; named accounts override territories."
            )
            return Decision(
                Owner(owner_kind, owner_id),
                reason,
                rule_kind="named_account",
                account_id=account_id,
                alternatives=tuple(alternatives),
                problems=tuple(problems),
                postal_code=where.code,
            )
        if not eligible:
            return self._unroutable(where, candidates, alternatives, problems)
        winner = eligible[0]
        rivals = [
            e
            for e in eligible[1:]
            if e.specificity == winner.specificity
            and e.rule.priority == winner.rule.priority
            and e.territory.id != winner.territory.id
        ]
        # Rules that lost first (most specific first), then the ineligible ones.
        alternatives[:0] = [_lost(entry, winner, rivals) for entry in eligible[1:]]
        territory = winner.territory
        reason = f"{_match_sentence(winner, where)} of territory {territory.label}"
        reason += f" (owner: {territory.owner_kind} {territory.owner_id})."
        conflict_ids = ()
        if rivals:
            conflict_ids = (winner.rule.id, *(e.rule.id for e in rivals))
            reason += (
                f" CONFLICT: rules {_ids(conflict_ids)} match with the same kind and "
                f"priority {winner.rule.priority}; #{winner.rule.id} was chosen as the "
                "lowest rule id. Fix the territories."
            )
        if winner.rule.kind == "county" and where.county_source == "nearest":
            problems.append("county_estimated")
        return Decision(
            Owner(territory.owner_kind, territory.owner_id),
            reason,
            territory_id=territory.id,
            territory_name=territory.name,
            rule_id=winner.rule.id,
            rule_kind=winner.rule.kind,
            alternatives=tuple(alternatives),
            problems=tuple(problems),
            conflict=bool(rivals),
            conflict_rule_ids=conflict_ids,
            postal_code=where.code,
        )

    def _named_account(self, facts, alternatives):
        chosen = None
        for account_id in facts.account_ids or ():
            named = self.named_accounts.get(account_id)
            if named is None:
                continue
            if chosen is None:
                chosen = (account_id, named)
            else:
                alternatives.append(
                    Alternative(
                        "named_account",
                        SHADOWED_ACCOUNT,
                        f"account #{account_id} ({named[2]!r}) is further up the "
                        f"hierarchy than account #{chosen[0]}",
                        account_id=account_id,
                    )
                )
        return chosen

    def _unroutable(self, where, candidates, alternatives, problems):
        code = where.code
        blocking = [p for p in code.blocking_problems if p in _ZIP_PROBLEM_REASON]
        if "foreign_address" in problems:
            why = "foreign_address"
            message = f"No eligible rule covers {where.describe()}."
        elif blocking and (where.country is None or where.country in postal.US_POSTAL_COUNTRIES):
            why = _ZIP_PROBLEM_REASON[blocking[0]]
            message = " ".join(code.messages()[code.problems.index(p)] for p in blocking)
            if any(a.outcome == ZIP_NEEDS_FIXING for a in alternatives):
                message += " Broader rules match but are not used until the ZIP is fixed."
        else:
            why = "no_coverage"
            problems.append("no_coverage")
            if candidates:
                message = (
                    f"{len(candidates)} rule(s) match the address but none is eligible "
                    "(see the alternatives)."
                )
            else:
                message = f"No territory rule covers {where.describe()}."
        return Decision(
            None,
            message,
            alternatives=tuple(alternatives),
            problems=tuple(problems),
            unroutable_reason=why,
            postal_code=code,
        )

    # -- whole rule set -----------------------------------------------------

    def find_conflicts(self):
        """Pairs of rules of different territories that claim the same leads at equal priority.

        Two rules conflict when they are of the same kind, their values or
        ranges overlap, their priorities are equal, their territories' dates
        overlap and their filters can match the same lead (two rules for the
        same ZIP but for grades A and B do not conflict).
        """
        found = {}
        for index in (self._zip5, self._scf, self._county, self._state, self._country):
            for entries in index.values():
                for i, first in enumerate(entries):
                    for second in entries[i + 1 :]:
                        _consider(found, first, second)
        for index, singles in ((self._zip5_ranges, self._zip5), (self._zip4, None)):
            for cover in index.covers:
                for i, first in enumerate(cover):
                    for second in cover[i + 1 :]:
                        _consider(found, first, second)
            if singles:
                for value, entries in singles.items():
                    for ranged in index.at(int(value)):
                        for entry in entries:
                            _consider(found, entry, ranged)
        order = {kind: i for i, kind in enumerate(KINDS)}
        return sorted(found.values(), key=lambda c: (order[c.kind], c.rule_ids))

    def coverage(self, zip5_list=None, on_date=None):
        """ZIPs (default: every USPS ZIP) that no rule of any kind covers.

        A ZIP is covered by a ZIP5 rule or range, its SCF, its county, its
        state or its country (US, or the territory's own code for Puerto
        Rico & co.). ZIP+4 rules cover only part of a ZIP and do not count;
        rules with filters count. With ``on_date``, only territories active
        that day count.
        """
        zips = postal.all_us_zip5() if zip5_list is None else zip5_list

        def live(entries):
            if not entries or on_date is None:
                return bool(entries)
            return any(e.territory.active_on(on_date) for e in entries)

        gaps = []
        for zip5 in zips:
            if live(self._zip5.get(zip5)) or live(self._scf.get(zip5[:3])):
                continue
            if zip5.isdigit() and live(self._zip5_ranges.at(int(zip5))):
                continue
            if live(self._county.get(self.county_resolver.fips_for_zip(zip5))):
                continue
            state = postal.state_for_zip(zip5)
            if state and live(self._state.get(f"US-{state}")):
                continue
            country = state if state in postal.US_POSTAL_COUNTRIES else "US"
            if live(self._country.get(country)):
                continue
            gaps.append(zip5)
        return gaps


class _Where:
    """The address facts a lead is routed on (mutable scratch, one per decision)."""

    __slots__ = ("code", "country", "county", "county_source", "plus4", "state", "zip5")

    def __init__(self, code, country):
        self.code = code
        self.country = country
        self.zip5 = self.plus4 = self.county = self.county_source = self.state = None

    def describe(self):
        if self.zip5:
            return f"ZIP {self.code.normalized}"
        parts = [p for p in (self.state, self.country) if p]
        return ", ".join(parts) if parts else "this address"


def _match_sentence(entry, where):
    rule = entry.rule
    kind = rule.kind
    head = f"rule #{rule.id}"
    if kind == "zip4":
        return f"ZIP+4 {where.zip5}-{where.plus4} is in {head} ({entry.span})"
    if kind == "zip5":
        if rule.value_to is None:
            return f"ZIP {where.zip5} matches {head}"
        return f"ZIP {where.zip5} is in {head} ({entry.span})"
    if kind == "scf":
        return f"ZIP {where.zip5} is in SCF {entry.span}, {head}"
    if kind == "county":
        origin = f" of ZIP {where.zip5}" if where.zip5 else ""
        return f"County {where.county}{origin} matches {head}"
    if kind == "state":
        return f"State {entry.span} matches {head}"
    return f"Country {where.country} matches {head}"


def _alt(entry, outcome, detail):
    return Alternative(
        entry.rule.kind,
        outcome,
        f"{entry.describe()}: {detail}",
        rule_id=entry.rule.id,
        territory_id=entry.territory.id,
    )


def _lost(entry, winner, rivals):
    if entry.specificity < winner.specificity:
        detail = f"less specific than {KIND_LABELS[winner.rule.kind]}"
        return _alt(entry, LESS_SPECIFIC, detail)
    if entry.rule.priority < winner.rule.priority:
        detail = f"priority {entry.rule.priority} < {winner.rule.priority}"
        return _alt(entry, LOWER_PRIORITY, detail)
    if entry in rivals:
        detail = f"tie with rule #{winner.rule.id}, which has the lower id (conflict)"
        return _alt(entry, TIE_LOST, detail)
    detail = f"same territory as the winning rule #{winner.rule.id}"
    return _alt(entry, SAME_TERRITORY, detail)


def _dates_text(territory, day):
    start = territory.date_from.isoformat() if territory.date_from else "open"
    end = territory.date_to.isoformat() if territory.date_to else "open"
    return f"territory valid {start}..{end}, not on {day.isoformat()}"


def _dates_overlap(first, second):
    if first.date_to is not None and second.date_from is not None:
        if first.date_to < second.date_from:
            return False
    if second.date_to is not None and first.date_from is not None:
        if second.date_to < first.date_from:
            return False
    return True


def _filters_overlap(first, second):
    for a, b in (
        (first.grades, second.grades),
        (first.category_ids, second.category_ids),
        (first.team_ids, second.team_ids),
    ):
        if a and b and not (a & b):
            return False
    return True


def _consider(found, first, second):
    a, b = first.rule, second.rule
    if a.territory_id == b.territory_id or a.priority != b.priority:
        return
    if not _dates_overlap(first.territory, second.territory) or not _filters_overlap(a, b):
        return
    if a.id > b.id:
        first, second, a, b = second, first, b, a
    if (a.id, b.id) in found:
        return
    overlap = _overlap_text(first, second)
    found[(a.id, b.id)] = Conflict(
        kind=a.kind,
        rule_ids=(a.id, b.id),
        territory_ids=(a.territory_id, b.territory_id),
        priority=a.priority,
        overlap=overlap,
        message=(
            f"{first.describe()} and {second.describe()} both cover {overlap} "
            f"with priority {a.priority}."
        ),
    )


def _overlap_text(first, second):
    kind = first.rule.kind
    if kind not in ("zip5", "zip4"):
        return first.span
    bounds = []
    for entry in (first, second):
        rule = entry.rule
        if kind == "zip4":
            low = _zip4_number(rule.value)
            high = low if rule.value_to is None else _zip4_number(rule.value_to)
        else:
            low = int(rule.value)
            high = low if rule.value_to is None else int(rule.value_to)
        bounds.append((low, high))
    low, high = max(b[0] for b in bounds), min(b[1] for b in bounds)
    show = _zip4_text if kind == "zip4" else (lambda n: f"{n:05d}")
    return show(low) if low == high else f"{show(low)}..{show(high)}"


# ---------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------


def explain(decision):
    """Multi-line "Why this owner?" text for the lead form and the audit trail."""
    lines = []
    if decision.owner is None:
        lines.append(f"No owner ({decision.unroutable_reason}).")
    else:
        kind = KIND_LABELS.get(decision.rule_kind, decision.rule_kind)
        where = (
            f"territory {decision.territory_name!r}, rule #{decision.rule_id}"
            if decision.territory_id is not None
            else f"account #{decision.account_id}"
        )
        lines.append(f"Owner: {decision.owner.kind} {decision.owner.id} (by {kind}; {where}).")
    lines.append(f"Why: {decision.reason}")
    if decision.conflict:
        lines.append(
            "Conflict: rules "
            + _ids(decision.conflict_rule_ids)
            + " tie; the lowest id decided. A manager should fix the territories."
        )
    if decision.alternatives:
        lines.append("Other candidates:")
        lines.extend(f"  - {alt.detail}" for alt in decision.alternatives)
    messages = decision.problem_messages()
    if messages:
        lines.append("Problems:")
        lines.extend(f"  - {message}" for message in messages)
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Round-robin inside a territory
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """A territory member as the assignment sees them.

    ``weight`` 2 takes twice the leads of weight 1 (0 pauses the member).
    ``capacity`` caps open leads (None = no cap). ``assigned_count`` counts
    leads received in the current fairness window; ``last_assigned`` (any
    comparable value: a datetime, a sequence number) breaks ties in favour
    of whoever waited longest. ``grades`` empty = any grade. ``leaves`` are
    inclusive (date_from, date_to) absences checked against ``on_date``;
    ``available`` False is a manual "no leads now".
    """

    id: int
    weight: float = 1.0
    capacity: int | None = None
    open_count: int = 0
    assigned_count: int = 0
    available: bool = True
    grades: frozenset = frozenset()
    leaves: tuple = ()
    last_assigned: object = None
    name: str = ""

    @property
    def label(self):
        return f"{self.name} (#{self.id})" if self.name else f"#{self.id}"


def _skip_reason(member, grade, on_date):
    if not member.available:
        return "unavailable"
    if on_date is not None:
        for start, end in member.leaves:
            if start <= on_date <= end:
                return f"on leave {start.isoformat()}..{end.isoformat()}"
    if member.weight <= 0:
        return "weight 0 (paused)"
    if member.capacity is not None and member.open_count >= member.capacity:
        return f"at capacity ({member.open_count}/{member.capacity} open leads)"
    if member.grades and grade not in member.grades:
        wanted = "/".join(sorted(member.grades))
        return f"takes grade {wanted} only, lead is {grade or 'ungraded'}"
    return None


def pick_member(members, grade=None, on_date=None):
    """Weighted, deterministic round-robin: ``(member_id or None, explanation)``.

    The eligible member with the lowest load ``(assigned_count + 1) / weight``
    wins; ties go to the member assigned longest ago, then to the lowest id.
    The result depends only on the members' counts, never on the order of
    ``members`` (Odoo core's assignment favours members created first). With
    equal weights, counting each pick keeps every member within one lead of
    the others. Members unavailable, on leave, at capacity or not taking the
    lead's grade are skipped, and the explanation says why.
    """
    if isinstance(on_date, datetime):
        on_date = on_date.date()
    best, best_key = None, None
    skipped, considered = [], []
    for member in members:
        why = _skip_reason(member, grade, on_date)
        if why:
            skipped.append(f"skipped {member.label}: {why}")
            continue
        load = (member.assigned_count + 1) / member.weight
        waited = (0,) if member.last_assigned is None else (1, member.last_assigned)
        key = (load, waited, member.id)
        considered.append((key, member))
        if best_key is None or key < best_key:
            best, best_key = member, key
    if best is None:
        lines = ["No member can take this lead."]
        return None, "\n".join(lines + skipped)
    lines = [
        f"Picked {best.label}: lowest load {best_key[0]:.3g} "
        f"= ({best.assigned_count} assigned + 1) / weight {best.weight:g}."
    ]
    for key, member in sorted(considered, key=lambda item: item[0]):
        if member is not best:
            tie = " (tie: waited less or higher id)" if key[0] == best_key[0] else ""
            lines.append(f"{member.label}: load {key[0]:.3g}{tie}")
    return best.id, "\n".join(lines + skipped)
