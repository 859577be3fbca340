"""Realistic US B2B demo and scale data, as plain frozen dataclasses.

``generate(scale)`` makes ``scale`` company accounts (divisions, name
variants as respondents write them, real ZIP/city/state triples, valid phone
numbers), their contacts, sales teams and reps, two channel partners with
portal logins, UTM campaigns, product categories and about 1.5 leads per
account spread over the refinery ladder with a realistic funnel.

Why it is built this way:

* Deterministic: one seeded ``random.Random`` per run (never the global one)
  and a ``today`` parameter (never the wall clock), so demo databases, tests
  and benchmarks see the same data for the same inputs.
* Fast and streaming-friendly: ``iter_blocks`` yields each account with its
  own contacts and leads (parents before their divisions), so a loader can
  write 100,000 accounts in batches without holding them all; the hot loop
  draws with ``rng.random()`` and pre-validated phone prefixes instead of
  ``rng.choice`` and a phonenumbers check per number.
* Realistic enough to exercise matching: names follow several real-world
  patterns (place + trade, founders, acronyms, classic "Minnesota Mining and
  Manufacturing" names), respondents write variants, and some leads carry a
  known account's variant without being linked to it (``true_account_key``
  says which, so matching can be measured).

The ORM loader (``models/lead_refinery_demo_loader.py``) turns this into
records; the benchmarks reuse it at scale.
"""

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache

import phonenumbers
import zipcodes


def _words(text):
    """A pool written as "a|b|c": compact, and entries may contain spaces."""
    return tuple(word.strip() for word in text.split("|"))


def _pairs(text):
    """Pairs written as "a:x|b:y"."""
    return tuple(tuple(item.split(":")) for item in _words(text))


# ------------------------------------------------------------------ word pools

_PLACES = _words(
    "Great Lakes|Keystone|Pacific|Atlantic|Summit|Riverbend|Prairie|Granite|Blue Ridge|Cascade|"
    "Lone Star|Bay State|Ozark|Sierra|Gulf Coast|Heartland|Liberty|Pioneer|Frontier|Capitol|"
    "Midwest|Northstar|Redwood|Silver Creek|Appalachian|Tidewater|Mesa|Harbor|Evergreen|"
    "Ironwood|Cumberland|Palmetto|Empire|Buckeye|Hoosier|Badger|Chesapeake|Mohawk|Shenandoah|"
    "Piedmont|Tri-State|Twin Cities|Delta|Canyon|Rocky Mountain|High Plains|Lakeshore|Hudson Valley"
)
_FOUNDERS = _words(
    "Anderson|Baxter|Callahan|Dempsey|Ellison|Fairbanks|Garrison|Hollister|Kessler|Lindqvist|"
    "Mercer|Novak|Oakley|Prescott|Quinlan|Rutherford|Sterling|Thornton|Underwood|Vance|Whitaker|"
    "Yardley|Zimmerman|Brandt|Holloway|Pritchard|Lambert|Donnelly|Hartman|Gallagher|Ashford|"
    "Bishop|Crawford|Delgado|Eastman|Fletcher|Gordon|Hammond|Ingram|Jennings|Keller|Lawson|"
    "Mueller|Nash|Osborne|Pruitt|Reinhardt|Sawyer|Tate|Voss|Wagner|Yates"
)
# State names for "Minnesota Precision Manufacturing" names, with the
# abbreviation old letterheads (and respondents) use.
_STATES = dict(
    _pairs(
        "Minnesota:Minn.|Michigan:Mich.|Wisconsin:Wis.|Indiana:Ind.|Illinois:Ill.|Kansas:Kan.|"
        "Nebraska:Neb.|Oregon:Ore.|Virginia:Va.|Georgia:Ga.|Tennessee:Tenn.|Kentucky:Ky.|"
        "Missouri:Mo.|Colorado:Colo.|Arizona:Ariz.|Alabama:Ala.|Louisiana:La.|Texas:Tex.|"
        "Pennsylvania:Penn.|Carolina:Car.|Ohio:O.|Iowa:Ia."
    )
)
_STATE_NAMES = tuple(_STATES)
_MODIFIERS = _words(
    "Precision|Advanced|Applied|Integrated|Industrial|Custom|Quality|Allied|Premier|Dynamic|"
    "Superior|Reliable|Modern|Accurate|Valley|Coastal|Northern|Southern|Western|Eastern|Central|"
    "Specialty|Technical|Commercial"
)
# (trade, industry): the industry follows from what the company makes.
_TRADES = _pairs(
    "Fluid Controls:Industrial Machinery|Packaging:Packaging|Manufacturing:Industrial Machinery|"
    "Plastics:Plastics|Machine Works:Industrial Machinery|Automation:Industrial Machinery|"
    "Foods:Food & Beverage|Chemical:Chemicals|Metal Fabrication:Metals|Electronics:Electronics|"
    "Logistics:Logistics|Paper Products:Paper & Forest Products|Pharmaceuticals:Pharmaceuticals|"
    "Castings:Metals|Water Technologies:Water & Wastewater|Motion Systems:Industrial Machinery|"
    "Controls:Electronics|Instruments:Electronics|Beverages:Food & Beverage|Tool & Die:Metals|"
    "Coatings:Chemicals|Steel:Metals|Polymers:Plastics|Extrusions:Plastics|"
    "Dairy:Food & Beverage|Baking:Food & Beverage|Brewing:Food & Beverage|"
    "Medical Products:Medical Devices|Aerospace Components:Aerospace|Auto Parts:Automotive|"
    "Gear:Industrial Machinery|Hydraulics:Industrial Machinery|Pumps:Water & Wastewater|"
    "Valve:Industrial Machinery|Wire & Cable:Electronics|Container:Packaging|Labels:Packaging|"
    "Millwork:Building Products|Glass:Building Products|Power Systems:Utilities|"
    "Laboratories:Pharmaceuticals|Engineering:Industrial Machinery|"
    "Industries:Industrial Machinery|Distribution:Logistics"
)
# One-word trades of "<State> <A> and <B>" names.
_CLASSIC_TRADES = _words(
    "Mining|Manufacturing|Mills|Machine|Tool|Steel|Glass|Paper|Rubber|Chemical|Electric|Power|"
    "Foundry|Pump|Valve|Wire|Box|Can|Brass|Forge"
)
_CLASSIC_PREFIXES = dict(
    _pairs(
        "General:Gen.|American:Amer.|United:Utd.|National:Natl|Consolidated:Consol.|"
        "Universal:Univ.|Standard:Std.|Continental:Cont.|International:Intl|Associated:Assoc."
    )
)
_CLASSIC_PREFIX_NAMES = tuple(_CLASSIC_PREFIXES)
_ACRONYM_LETTERS = "ABCDEGHJKLMNPRSTVWX"
_ACRONYM_TAILS = _words(
    "Systems|Technologies|Industries|Controls|Automation|Engineering|Solutions|Manufacturing|"
    "Products|Instruments|Labs|Dynamics"
)
# Legal suffixes, weighted as they occur (repeats raise the weight; "" is none).
_SUFFIXES = _words("Inc.|Inc.|Inc.|LLC|LLC|LLC|Co.|Corporation|Corp.|Incorporated|Company|Ltd.|")
# Legal forms as respondents type them.
_WRITTEN_SUFFIXES = ("Inc", "LLC", "Corp", "Co", "")
# Respondents' usual abbreviations; the first that applies is used.
_ABBREVIATIONS = (
    *_pairs(
        "Manufacturing:Mfg|Technologies:Tech|Pharmaceuticals:Pharma|International:Intl|"
        "Laboratories:Labs|Engineering:Eng.|Distribution:Dist.|Industries:Inds|Industrial:Ind.|"
        "Packaging:Pkg|Instruments:Instr.|Corporation:Corp|Components:Comp.|Fabrication:Fab|"
        "Automation:Auto.|Products:Prods|Precision:Prec.|Company:Co|Systems:Sys|Services:Svcs|"
        "Mountain:Mtn"
    ),
    (" & ", " and "),
)
# (division label, its industry); "Services" keeps the parent's industry.
_DIVISIONS = _pairs(
    "Aerospace Division:Aerospace|Health Care Division:Medical Devices|"
    "Controls Division:Electronics|Packaging Group:Packaging|Services:|"
    "Automotive Division:Automotive|Industrial Products Division:Industrial Machinery|"
    "Motion Division:Industrial Machinery|Filtration Group:Water & Wastewater|"
    "Food Equipment Division:Food & Beverage"
)
_FIRST = _words(
    "James|Mary|Robert|Patricia|John|Jennifer|Michael|Linda|David|Susan|William|Karen|Richard|"
    "Nancy|Joseph|Lisa|Thomas|Sandra|Carlos|Maria|Wei|Priya|Ahmed|Olga|Kenji|Fatima|Luis|Grace|"
    "Daniel|Emily|Christopher|Jessica|Matthew|Ashley|Anthony|Sarah|Mark|Kimberly|Steven|Michelle|"
    "Brian|Amanda|Kevin|Melissa|Jason|Stephanie|Jose|Rebecca|Ryan|Laura|Eric|Rachel|Jacob|"
    "Heather|Gary|Nicole|Tyler|Angela|Brandon|Megan|Juan|Ana|Hiroshi|Mei|Raj|Anjali|Dmitri|"
    "Svetlana|Tomasz|Agnieszka|Kwame|Aisha|Andre|Keisha"
)
_LAST = _words(
    "Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Rodriguez|Martinez|Hernandez|Lopez|"
    "Wilson|Anderson|Thomas|Taylor|Moore|Jackson|Martin|Lee|Nguyen|Patel|Kim|Chen|Kowalski|"
    "O'Brien|Schmidt|Rossi|Thompson|White|Harris|Sanchez|Clark|Ramirez|Lewis|Robinson|Walker|"
    "Young|Allen|King|Wright|Scott|Torres|Hill|Flores|Green|Adams|Nelson|Baker|Hall|Rivera|"
    "Campbell|Mitchell|Carter|Roberts|Gomez|Phillips|Evans|Turner|Diaz|Parker|Cruz|Edwards|"
    "Collins|Reyes|Stewart|Morris|Murphy|Cook|Rogers|Gutierrez|Ortiz|Morgan|Cooper|Peterson|"
    "Bailey|Reed|Kelly|Howard|Nowak|Yamamoto|Tanaka|Singh|Shah|Okafor|Mensah|Johansson|Lindgren|"
    "Fischer|Dubois|MacDonald|McCarthy"
)
_FUNCTIONS = _words(
    "Plant Manager|Maintenance Manager|Maintenance Supervisor|Purchasing Manager|Senior Buyer|"
    "Buyer|Process Engineer|Controls Engineer|Automation Engineer|Project Engineer|"
    "Manufacturing Engineer|Operations Director|VP Operations|VP Engineering|Engineering Manager|"
    "Reliability Engineer|Production Supervisor|Facilities Manager|Supply Chain Manager|"
    "Quality Manager|Electrical Engineer|Packaging Engineer|General Manager|President|Owner"
)
_STREET_NAMES = _words(
    "Industrial|Commerce|Enterprise|Technology|Mill|Oak|Maple|Lake|River|Airport|Harbor|Park|"
    "Center|Washington|Lincoln|Jefferson|Madison|Franklin|Pine|Cedar|Elm|Highland|Ridge|Valley|"
    "Corporate|Gateway|Progress|Innovation|Railroad|Canal"
)
_STREET_TYPES = _words("St|Ave|Rd|Dr|Blvd|Pkwy|Way|Ct|Ln|Cir|Hwy")
_FREEMAIL = ("gmail.com",) * 5 + ("yahoo.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com")
# Mail address formats: one per company, as its mail system imposes.
_EMAIL_FORMATS = ("{f}.{l}", "{f}.{l}", "{i}{l}", "{f}{m}", "{f}_{l}", "{f}")
# Words that start no account name: companies built from them are never accounts.
_NEW_WORDS = _words(
    "Zephyr|Obsidian|Marigold|Bluebonnet|Tamarack|Juniper|Halcyon|Sundance|Wolverine|Copperline|"
    "Brightwater|Stonegate|Foxhollow|Windward|Kestrel|Osprey|Larkspur|Thistle|Cobalt|Saffron|"
    "Birchwood|Driftwood|Falcon|Ember|Meridian|Tanglewood"
)
_NEW_TAILS = _words("Group|Partners|Works|Solutions|Enterprises|Holdings|Fabricators|Supply")
_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)
# Field Sales West covers the states west of the Mississippi.
_WEST = frozenset("WA OR CA NV ID MT WY UT CO AZ NM AK HI TX OK KS NE SD ND MN IA MO AR LA".split())
_DASH = "\u2013"  # en dash, as marketing writes titles

#: (key, name, phrase used in lead titles)
CATEGORIES = (
    ("servo", "Servo drives", "servo drives"),
    ("plc", "PLCs", "PLCs"),
    ("sensors", "Sensors", "sensors"),
    ("packaging", "Packaging machinery", "packaging machinery"),
    ("iiot", "Industrial IoT", "industrial IoT"),
    ("spares", "Spare parts", "spare parts"),
)
#: (key, name, utm medium, utm source, what a first contact from it is called)
CAMPAIGNS = (
    ("packexpo", "Pack Expo 2026 badge scans", "Trade show", "Pack Expo", ("Badge scan",)),
    ("fabtech", "FABTECH 2026 booth visits", "Trade show", "FABTECH", ("Booth visit", "Demo")),
    ("webinar_pm", "Q3 webinar: predictive maintenance", "Webinar", "Webinar", ("Attendee",)),
    ("catalog", f"Literature request {_DASH} catalog 2026", "Website", "Website form", ()),
    ("newsletter", "Spring newsletter: retrofit offer", "Email", "Newsletter", ("Offer reply",)),
    ("seminar", f"Motion seminar {_DASH} Chicago", "Email", "Invitation", ("Seminar sign-up",)),
    ("inbound", "Inbound calls", "Phone", "Switchboard", ("Inbound call", "Price inquiry")),
)
_FIRST_REQUESTS = ("Literature request", "Catalog download", "Information request")
_LATE_REQUESTS = _words(
    "Evaluation request|Quote request|Visit request|Retrofit project|Line upgrade|Trial unit"
)
#: Codes of the lost reasons the addon defines for rejections.
REJECT_REASONS = _words(
    "spam|duplicate|no_budget|competitor_customer|out_of_territory|not_our_product"
)
_REJECT_WEIGHTS = (25, 20, 15, 10, 15, 15)
#: (stage, weight, probability range, touch count range): many touches, few wins.
FUNNEL = (
    ("touch", 22, (0, 5), (0, 0)),
    ("contact", 18, (5, 10), (1, 2)),
    ("lead", 20, (10, 25), (1, 3)),
    ("qualified", 10, (25, 45), (2, 5)),
    ("opportunity", 9, (40, 80), (3, 8)),
    ("won", 3, (100, 100), (4, 10)),
    ("lost", 4, (0, 0), (3, 8)),
    ("incubating", 6, (5, 15), (1, 4)),
    ("rejected", 8, (0, 0), (0, 1)),
)
# Stages a lead of an unlinked or brand-new company can be at: nobody
# qualifies or wins a deal with a company the CRM does not know.
_EARLY = frozenset({"touch", "contact", "lead", "incubating", "rejected"})
_REVENUES = (5000, 12000, 25000, 40000, 60000, 90000, 150000, 250000, 400000)
# Employees, weighted: most accounts are small and mid-sized plants.
_EMPLOYEES = (25, 40, 60, 85, 120, 180, 250, 400, 600, 900, 1500, 2500, 5000, 12000, 30000)
_EMPLOYEE_WEIGHTS = (9, 9, 9, 8, 8, 8, 8, 7, 7, 6, 6, 5, 4, 2, 1)
# Leads per account: about 1.5 on average, some accounts quiet, a few busy.
_LEAD_COUNTS, _LEAD_COUNT_WEIGHTS = (0, 1, 2, 3, 4), (22, 33, 24, 13, 8)
_CONTACT_COUNTS, _CONTACT_COUNT_WEIGHTS = (2, 3, 4, 5), (35, 35, 20, 10)
# Weyl step: stage i is read at (u0 + i * 0.618...) mod 1 on the cumulative
# funnel, so every stage shows up within any ~55 consecutive leads instead of
# depending on luck at small scales.
_GOLDEN = 0.6180339887498949


# ------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class Team:
    """A sales team (crm.team): ``key`` is the generator's id, ``name`` its label."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Rep:
    """A sales rep (res.users).

    ``login`` is stable whatever the scale and seed (the first rep's is
    "rep"); ``team_key`` names a Team; ``role`` is "field" or "inside";
    ``manager`` marks the one leader of each team.
    """

    key: str
    name: str
    login: str
    email: str
    team_key: str
    role: str
    manager: bool


@dataclass(frozen=True, slots=True)
class Distributor:
    """A channel partner company; its one contact gets a portal user.

    ``kind`` is "distributor" or "rep_firm"; ``portal_login`` is stable (the
    first is "partner"); ``contact_name``, ``email`` and ``phone`` are the
    contact's; the address is a real ZIP/city/state triple.
    """

    key: str
    name: str
    kind: str
    portal_login: str
    contact_name: str
    email: str
    phone: str
    street: str
    city: str
    state_code: str
    zip: str


@dataclass(frozen=True, slots=True)
class Campaign:
    """A UTM campaign with the names of its utm.medium and utm.source."""

    key: str
    name: str
    medium: str
    source: str


@dataclass(frozen=True, slots=True)
class Category:
    """A product category (a crm.tag on leads)."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Account:
    """A company account (res.partner with is_company).

    ``website`` is "www.<domain>", the domain derived from the name and
    unique, except that a division shares its parent's; ``phone`` is a valid
    US number written "+1 AAA-EEE-NNNN"; ``zip`` is a real ZIP of ``city`` in
    ``state_code`` (one in five as ZIP+4); ``annual_revenue`` (USD) follows
    ``employees``; ``parent_key`` names the parent Account of a division;
    ``variants`` are ``(text, kind)`` pairs, the name as respondents write it,
    kind in "abbreviation", "former_name", "division", "acronym",
    "misspelling", never equal to the name with or without its legal suffix;
    ``named_account`` marks national accounts; ``owner_key`` is the Rep who
    owns the account's territory (Inside Sales below 100 employees).
    """

    key: str
    name: str
    website: str
    phone: str
    street: str
    city: str
    state_code: str
    zip: str
    industry: str
    employees: int
    annual_revenue: int
    parent_key: str | None
    variants: tuple[tuple[str, str], ...]
    named_account: bool
    owner_key: str


@dataclass(frozen=True, slots=True)
class Contact:
    """A person at an account (a res.partner child). ``mobile`` may be ""."""

    key: str
    account_key: str
    name: str
    function: str
    email: str
    phone: str
    mobile: str


@dataclass(frozen=True, slots=True)
class Lead:
    """A crm.lead as its respondent wrote it and the sales team left it.

    ``account_key`` is the linked Account, None for a new company or an
    unlinked respondent. ``true_account_key`` is the account the respondent
    really belongs to: ``account_key`` when linked, a known account while
    ``account_key`` is None when the respondent wrote one of its variants
    (matching should find it), None for a genuinely new company.
    ``contact_key`` is a Contact of the linked account or None (someone new).
    ``contact_name``, ``email_from``, ``phone``, ``partner_name`` (often a
    variant) and the address fields are as typed and may be "".
    ``refinery_stage`` is a ladder code; ``reject_reason`` is one of
    REJECT_REASONS exactly when rejected; ``probability`` (0-100) fits the
    stage; ``owner_key`` is a Rep, or None for untriaged touches and a few
    leads of the unowned queue; ``distributor_key`` marks the indirect
    channel; ``create_date`` falls in the 120 days before ``today``;
    ``date_last_touch`` (None when never touched) lies between it and
    ``today``; ``touch_count`` counts the rep's touches.
    """

    key: str
    name: str
    account_key: str | None
    true_account_key: str | None
    contact_key: str | None
    contact_name: str
    email_from: str
    phone: str
    partner_name: str
    street: str
    city: str
    state_code: str
    zip: str
    campaign_key: str
    category_key: str
    refinery_stage: str
    reject_reason: str | None
    expected_revenue: float
    probability: float
    owner_key: str | None
    distributor_key: str | None
    create_date: datetime
    date_last_touch: datetime | None
    touch_count: int


@dataclass(frozen=True, slots=True)
class Directory:
    """What does not grow with the accounts: teams, reps, channel, taxonomies."""

    teams: tuple[Team, ...]
    reps: tuple[Rep, ...]
    distributors: tuple[Distributor, ...]
    campaigns: tuple[Campaign, ...]
    categories: tuple[Category, ...]


@dataclass(frozen=True, slots=True)
class AccountBlock:
    """One account with its own contacts and leads: the unit of streaming."""

    account: Account
    contacts: tuple[Contact, ...]
    leads: tuple[Lead, ...]


@dataclass(frozen=True, slots=True)
class DemoData:
    """The whole data set; every ``*_key`` refers to a record in it."""

    teams: tuple[Team, ...]
    reps: tuple[Rep, ...]
    distributors: tuple[Distributor, ...]
    campaigns: tuple[Campaign, ...]
    categories: tuple[Category, ...]
    accounts: tuple[Account, ...]
    contacts: tuple[Contact, ...]
    leads: tuple[Lead, ...]


# ------------------------------------------------------------------ public API


def generate(scale: int = 60, seed: int = 42, today: date = date(2026, 11, 1)) -> DemoData:
    """All demo records for ``scale`` accounts; the same arguments give equal data."""
    found = directory(scale, seed)
    accounts, contacts, leads = [], [], []
    for block in iter_blocks(scale, seed, today):
        accounts.append(block.account)
        contacts.extend(block.contacts)
        leads.extend(block.leads)
    return DemoData(
        found.teams,
        found.reps,
        found.distributors,
        found.campaigns,
        found.categories,
        tuple(accounts),
        tuple(contacts),
        tuple(leads),
    )


def directory(scale: int = 60, seed: int = 42) -> Directory:
    """Teams, reps (about one per 40 accounts), distributors, campaigns, categories."""
    rng = random.Random(f"lead_refinery.demodata/{seed}/directory")
    teams = (
        Team("east", "Field Sales East"),
        Team("west", "Field Sales West"),
        Team("inside", "Inside Sales"),
    )
    return Directory(
        teams=teams,
        reps=_reps(rng, teams, scale),
        distributors=_distributors(rng),
        campaigns=tuple(Campaign(*spec[:4]) for spec in CAMPAIGNS),
        categories=tuple(Category(key, name) for key, name, _phrase in CATEGORIES),
    )


def iter_blocks(
    scale: int = 60, seed: int = 42, today: date = date(2026, 11, 1)
) -> Iterator[AccountBlock]:
    """Each account with its contacts and leads, parents before their divisions.

    Consuming it all gives exactly ``generate()``'s accounts, contacts and
    leads in the same order; ``directory(scale, seed)`` has the records
    their ``owner_key``, ``campaign_key``... refer to.
    """
    if scale < 0:
        raise ValueError(f"scale must be >= 0, got {scale}")
    builder = _Builder(random.Random(seed), directory(scale, seed), today)
    for index in range(scale):
        yield builder.block(index)


# ------------------------------------------------------------------ directory


def _reps(rng, teams, scale):
    """About one rep per 40 accounts: at least two and at most 40 per team."""
    per_team = max(2, min(40, -(-scale // (40 * len(teams)))))
    reps, used = [], set()
    for team in teams:
        for index in range(per_team):
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            while name in used:
                name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            used.add(name)
            login = "rep" if not reps else f"rep.{team.key}{index + 1}"
            reps.append(
                Rep(
                    key=f"rep_{team.key}_{index}",
                    name=name,
                    login=login,
                    email=f"{login.replace('.', '_')}@refinery-demo.example.com",
                    team_key=team.key,
                    role="inside" if team.key == "inside" else "field",
                    manager=index == per_team - 1,
                )
            )
    return tuple(reps)


def _distributors(rng):
    """Keystone in Pennsylvania serves the East, Pacific in California the West."""
    specs = (
        ("dist_keystone", "Keystone Industrial Distribution", "distributor", "partner", "PA"),
        ("dist_pacific", "Pacific Rep Group", "rep_firm", "partner.pacific", "CA"),
    )
    result = []
    for key, name, kind, login, state in specs:
        zip_code, city, _state, prefixes = rng.choice(_places_by_state()[state])
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        domain = "".join(word.lower() for word in name.split()[:2]) + ".example.com"
        street = f"{rng.randint(100, 9999)} {rng.choice(_STREET_NAMES)} {rng.choice(_STREET_TYPES)}"
        result.append(
            Distributor(
                key=key,
                name=name,
                kind=kind,
                portal_login=login,
                contact_name=f"{first} {last}",
                email=f"{_ascii(first)}.{_ascii(last)}@{domain}",
                phone=f"{rng.choice(prefixes)}{rng.randint(1000, 9999)}",
                street=street,
                city=city,
                state_code=state,
                zip=zip_code,
            )
        )
    return tuple(result)


# ------------------------------------------------------------------ places and phones


@cache
def _places():
    """(zip, city, state, phone prefixes) of the standard ZIPs of the 50 states and DC.

    Loaded once: ``zipcodes.list_all()`` decompresses its data on every call.
    """
    rows = []
    for entry in zipcodes.list_all():
        if (
            entry["zip_code_type"] == "STANDARD"
            and entry["active"]
            and entry["state"] in _US_STATES
        ):
            prefixes = _prefixes(tuple(entry["area_codes"] or ()))
            if prefixes:
                rows.append((entry["zip_code"], entry["city"], entry["state"], prefixes))
    return tuple(rows)


@cache
def _places_by_state():
    by_state = {}
    for place in _places():
        by_state.setdefault(place[2], []).append(place)
    return {state: tuple(rows) for state, rows in by_state.items()}


@cache
def _prefixes(area_codes):
    """The "+1 AAA-EEE-" prefixes of these area codes that phonenumbers accepts."""
    return tuple(prefix for area_code in area_codes for prefix in _exchanges(area_code))


@cache
def _exchanges(area_code):
    """Up to six valid US exchanges of an area code, checked once each.

    Validity depends on the area code and the exchange, so a prefix that
    validates with two line numbers validates with any. Some border ZIPs list
    Canadian area codes (306 Saskatchewan): checking the region drops them.
    555 (whose 01xx numbers are fictional) and N11 exchanges are never used.
    """
    probe = random.Random(f"exchanges/{area_code}")
    found = []
    for exchange in probe.sample(range(201, 1000), 40):
        if exchange == 555 or exchange % 100 == 11:
            continue
        prefix = f"+1 {area_code}-{exchange}-"
        numbers = [phonenumbers.parse(prefix + line) for line in ("1000", "9999")]
        if all(phonenumbers.is_valid_number_for_region(number, "US") for number in numbers):
            found.append(prefix)
            if len(found) == 6:
                break
    return tuple(found)


# ------------------------------------------------------------------ text helpers


@lru_cache(maxsize=65536)
def _ascii(text):
    """Lower-case letters and digits only, for mail local parts and domains.

    Cached: the inputs come from the word pools, so they repeat endlessly.
    """
    return "".join(char for char in text.lower() if char.isalnum())


def _initials(words):
    """Upper-case first letters, skipping "&", "and" and "of"."""
    return "".join(
        word[0] for word in words if word[0].isalpha() and word.lower() not in ("and", "of")
    ).upper()


def _short_form(core):
    """How people shorten a company: its leading acronym ("ATX"), else its initials."""
    head = core.split()[0]
    return head if len(head) >= 2 and head.isupper() else _initials(core.split())


def _abbreviate(core):
    for long, short in _ABBREVIATIONS:
        if long in core:
            return core.replace(long, short)
    return core


def _misspell(pick_index, core):
    """One typing slip in the longest plain word: a doubled, dropped or swapped letter."""
    words = core.split()
    index, word = -1, ""
    for position, candidate in enumerate(words):
        if len(candidate) > len(word) and len(candidate) >= 4 and candidate.isalpha():
            index, word = position, candidate
    if index < 0:
        return core + "s"
    pos = 1 + pick_index(len(word) - 2)
    edit = pick_index(3)
    if edit == 0:
        word = word[:pos] + word[pos] + word[pos:]
    elif edit == 1 or word[pos] == word[pos + 1]:
        word = word[:pos] + word[pos + 1 :]
    else:
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    words[index] = word
    return " ".join(words)


def _distinct(variants, core, name):
    """Variants in order, each once, none equal to the name with or without its suffix."""
    seen, kept = {core.lower(), name.lower()}, []
    for text, kind in variants:
        if text and text.lower() not in seen:
            seen.add(text.lower())
            kept.append((text, kind))
    return tuple(kept)


def _cumulative(weights):
    total, running, result = sum(weights), 0, []
    for weight in weights:
        running += weight
        result.append(running / total)
    result[-1] = 1.0
    return tuple(result)


_STAGES = tuple(row[0] for row in FUNNEL)
_STAGE_CUMULATIVE = _cumulative([row[1] for row in FUNNEL])
_PROBABILITY = {row[0]: row[2] for row in FUNNEL}
_TOUCHES = {row[0]: row[3] for row in FUNNEL}
_REJECT_CUMULATIVE = _cumulative(_REJECT_WEIGHTS)
_EMPLOYEE_CUMULATIVE = _cumulative(_EMPLOYEE_WEIGHTS)
_LEAD_COUNT_CUMULATIVE = _cumulative(_LEAD_COUNT_WEIGHTS)
_CONTACT_COUNT_CUMULATIVE = _cumulative(_CONTACT_COUNT_WEIGHTS)


# ------------------------------------------------------------------ builder


class _Builder:
    """Builds account blocks one by one from a single random stream.

    It keeps only what later blocks need: the names and domains taken, the
    accounts big enough to have divisions, and how many leads the unowned
    queue still has to receive.
    """

    def __init__(self, rng, found, today):
        self.rnd = rng.random
        self.places = _places()
        self.midnight = datetime.combine(today, time())
        self.reps_by_team = {}
        for rep in found.reps:
            self.reps_by_team.setdefault(rep.team_key, []).append(rep.key)
        self.all_reps = tuple(rep.key for rep in found.reps)
        self.distributor_by_region = {
            "east": found.distributors[0].key,
            "west": found.distributors[1].key,
        }
        self.cores = set()  # lower-case names without legal suffix
        self.domains = set()
        self.emails = set()  # contacts' addresses, unique across accounts
        self.groups = []  # (key, core, website, short form, industry, employees)
        self.weyl = self.rnd()
        self.lead_number = 0
        self.forced_unowned = 2  # the unowned queue is never empty in a demo

    # -- draws on rng.random(): several times faster than choice() and randint()

    def pick(self, seq):
        return seq[int(self.rnd() * len(seq))]

    def two(self, seq):
        """Two different items (what rng.sample(seq, 2) gives, without its overhead)."""
        first = int(self.rnd() * len(seq))
        second = int(self.rnd() * (len(seq) - 1))
        return seq[first], seq[second + (second >= first)]

    def index(self, size):
        return int(self.rnd() * size)

    def weighted(self, values, cumulative):
        return values[bisect.bisect_right(cumulative, self.rnd())]

    def between(self, low, high):
        return low + int(self.rnd() * (high - low + 1))

    def phone(self, prefixes):
        return f"{self.pick(prefixes)}{1000 + int(self.rnd() * 9000)}"

    def street(self):
        return f"{self.between(10, 9999)} {self.pick(_STREET_NAMES)} {self.pick(_STREET_TYPES)}"

    def block(self, index):
        account, prefixes = self.account(f"acc_{index}")
        contacts = self.contacts(account, prefixes)
        count = self.weighted(_LEAD_COUNTS, _LEAD_COUNT_CUMULATIVE)
        leads = tuple(self.lead(account, contacts) for _lead in range(count))
        return AccountBlock(account, contacts, leads)

    # -- accounts

    def account(self, key):
        zip_code, city, state, prefixes = self.pick(self.places)
        if self.rnd() < 0.2:
            zip_code = f"{zip_code}-{self.between(1, 9999):04d}"
        employees = self.weighted(_EMPLOYEES, _EMPLOYEE_CUMULATIVE)
        division = self.division() if self.groups and self.rnd() < 0.1 else None
        if division:
            parent_key, core, industry, variants, website, group_size = division
            employees = max(25, min(employees, group_size // 3))
            suffix = ""
        else:
            parent_key = None
            core, industry, variants = self.company_name()
            suffix = self.pick(_SUFFIXES)
            website = f"www.{self.domain(core)}"
            variants += self.occasional_variants(core, city)
        name = f"{core} {suffix}".strip()
        region = "inside" if employees < 100 else ("west" if state in _WEST else "east")
        if not parent_key and employees >= 400:
            self.groups.append((key, core, website, _short_form(core), industry, employees))
        account = Account(
            key=key,
            name=name,
            website=website,
            phone=self.phone(prefixes),
            street=self.street(),
            city=city,
            state_code=state,
            zip=zip_code,
            industry=industry,
            employees=employees,
            annual_revenue=employees * self.between(15, 45) * 10_000,
            parent_key=parent_key,
            variants=_distinct(variants, core, name),
            named_account=parent_key is None and employees >= 2500 and self.rnd() < 0.2,
            owner_key=self.pick(self.reps_by_team[region]),
        )
        return account, prefixes

    def company_name(self):
        """(core, industry, variants): a name no account has, without legal suffix."""
        for attempt in range(12):
            trade, industry = self.pick(_TRADES)
            # A retry draws from the roomier patterns: the short ones fill up first.
            pattern = self.rnd() if not attempt else 0.36 + 0.54 * self.rnd()
            core, builder = self.name_pattern(trade, pattern)
            if core.lower() not in self.cores:  # checked before building variants
                self.cores.add(core.lower())
                return core, industry, builder(core)
        # The patterns are nearly exhausted (very large scales): qualify the
        # name the way regional companies do, then, as a last resort, number it.
        for _attempt in range(8):
            qualified = f"{core} of {self.pick(_STATE_NAMES)}"
            if qualified.lower() not in self.cores:
                break
        serial = 2
        while qualified.lower() in self.cores:
            qualified = f"{core} {serial}"
            serial += 1
        self.cores.add(qualified.lower())
        return qualified, industry, self.plain_variants(qualified)

    def name_pattern(self, trade, pattern):
        """(core, variant builder) in one of the styles real company names follow."""
        if pattern < 0.22:
            return f"{self.pick(_PLACES)} {trade}", self.plain_variants
        if pattern < 0.36:
            return f"{self.pick(_FOUNDERS)} {trade}", self.plain_variants
        if pattern < 0.56:
            core = f"{self.pick(_PLACES)} {self.pick(_MODIFIERS)} {trade}"
            return core, self.plain_variants
        if pattern < 0.66:
            core = f"{self.pick(_STATE_NAMES)} {self.pick(_MODIFIERS)} {trade}"
            return core, self.plain_variants
        if pattern < 0.76:
            first, second = self.two(_FOUNDERS)
            return f"{first} & {second} {trade}", self.founders_variants
        if pattern < 0.90:
            letters = "".join(self.two(_ACRONYM_LETTERS))
            if self.rnd() < 0.6:
                letters += self.pick(
                    _ACRONYM_LETTERS.replace(letters[0], "").replace(letters[1], "")
                )
            return f"{letters} {self.pick(_ACRONYM_TAILS)}", self.acronym_variants
        if pattern < 0.95:
            first, second = self.two(_CLASSIC_TRADES)
            core = f"{self.pick(_STATE_NAMES)} {first} and {second}"
            return core, self.classic_variants
        return f"{self.pick(_CLASSIC_PREFIX_NAMES)} {trade}", self.prefix_variants

    def plain_variants(self, core):
        """ "Great Lakes Packaging": a typo, "Great Lakes Pkg", "GLP"."""
        variants = [(_misspell(self.index, core), "misspelling")]
        short = _abbreviate(core)
        if short != core:
            variants.append((short, "abbreviation"))
        initials = _initials(core.split())
        if len(initials) >= 3 or (len(initials) == 2 and self.rnd() < 0.5):
            variants.append((initials, "acronym"))
        return variants

    def founders_variants(self, core):
        """ "Baxter & Kessler Gear": "B&K Gear", "Baxter & Kessler", "Baxter and Kessler Gear"."""
        first, _amp, second, *trade = core.split()
        trade = " ".join(trade)
        return [
            (f"{first[0]}&{second[0]} {trade}", "acronym"),
            (f"{first} & {second}", "abbreviation"),
            (f"{first} and {second} {_abbreviate(trade)}", "abbreviation"),
            (_misspell(self.index, core), "misspelling"),
        ]

    def acronym_variants(self, core):
        """ "ATX Systems": "ATX", "A.T.X. Systems", "ATX Sys", a typo."""
        letters, tail = core.split()
        return [
            (letters, "acronym"),
            (f"{'.'.join(letters)}. {tail}", "acronym"),
            (_abbreviate(core), "abbreviation"),
            (_misspell(self.index, core), "misspelling"),
        ]

    def classic_variants(self, core):
        """ "Minnesota Mining and Manufacturing": "MMM" (or "3M"), "Minn. Mining & Mfg"."""
        state, first, _and, second = core.split()
        letters = _initials(core.split())
        acronym = f"{len(letters)}{letters[0]}" if len(set(letters)) == 1 else letters
        return [
            (acronym, "acronym"),
            (_abbreviate(f"{_STATES[state]} {first} & {second}"), "abbreviation"),
            (_misspell(self.index, core), "misspelling"),
        ]

    def prefix_variants(self, core):
        """ "General Gear": "GG", "Gen. Gear", a typo."""
        prefix, trade = core.split(" ", 1)
        return [
            (_initials(core.split()), "acronym"),
            (f"{_CLASSIC_PREFIXES[prefix]} {trade}", "abbreviation"),
            (_misspell(self.index, core), "misspelling"),
        ]

    def occasional_variants(self, core, city):
        """A name the company had before, and a plant named after its town."""
        variants = []
        if self.rnd() < 0.12:
            variants.append((f"{self.pick(_FOUNDERS)} {core.split()[-1]}", "former_name"))
        if self.rnd() < 0.12:
            variants.append((f"{core} {city.title()} Plant", "division"))
        return variants

    def division(self):
        """(parent key, core, industry, variants, website, parent size) or None.

        A division shares its parent's website, as real divisions do: that is
        what makes domain evidence ambiguous for the identity engine.
        """
        for _attempt in range(4):
            parent_key, parent_core, website, short, industry, size = self.pick(self.groups)
            label, label_industry = self.pick(_DIVISIONS)
            core = f"{parent_core} {label}"
            if core.lower() in self.cores:
                continue
            self.cores.add(core.lower())
            area = label.removesuffix(" Division").removesuffix(" Group")
            variants = [(f"{parent_core} - {area}", "division")]
            if len(short) >= 2:
                variants.append((f"{short} {area}", "acronym"))
            variants.append((_misspell(self.index, core), "misspelling"))
            return parent_key, core, label_industry or industry, variants, website, size
        return None

    def domain(self, core):
        """A domain that looks like the company's own and no other account has.

        Long names are shortened as companies do ("highplainschemical" to
        "highchemical" or "hpmchemical"); taken ones get a usual tail ("inc",
        "usa", ".net") before, as a last resort, a number.
        """
        words = [word for word in map(_ascii, core.split()) if word]
        full = "".join(words)
        short = [words[0] + words[-1], _initials(words).lower() + words[-1]]
        if self.rnd() < 0.5:
            short.reverse()
        stems = ([full] if len(full) <= 20 else []) + short + ["-".join(words), full]
        for stem in dict.fromkeys(stems):
            for candidate in (f"{stem}.com", f"{stem}inc.com", f"{stem}usa.com", f"{stem}.net"):
                if candidate not in self.domains:
                    self.domains.add(candidate)
                    return candidate
        serial = 2
        while f"{full}{serial}.com" in self.domains:
            serial += 1
        self.domains.add(f"{full}{serial}.com")
        return f"{full}{serial}.com"

    # -- contacts

    def contacts(self, account, prefixes):
        """2-5 people; direct lines in the main number's block, most with a mobile."""
        domain = account.website.removeprefix("www.")
        email_format = self.pick(_EMAIL_FORMATS)
        count = self.weighted(_CONTACT_COUNTS, _CONTACT_COUNT_CUMULATIVE)
        block_prefix = account.phone[:11]  # "+1 AAA-EEE-"
        result, names, emails = [], set(), self.emails
        for index in range(count):
            first, last = self.pick(_FIRST), self.pick(_LAST)
            while (first, last) in names:
                first, last = self.pick(_FIRST), self.pick(_LAST)
            names.add((first, last))
            email = self.email(first, last, domain, email_format)
            local, _at, host = email.partition("@")
            serial = 2
            while email in emails:  # a second "jsmith" (or one at a division) gets a digit
                email = f"{local}{serial}@{host}"
                serial += 1
            emails.add(email)
            result.append(
                Contact(
                    key=f"{account.key}_c{index}",
                    account_key=account.key,
                    name=f"{first} {last}",
                    function=self.pick(_FUNCTIONS),
                    email=email,
                    phone=f"{block_prefix}{1000 + int(self.rnd() * 9000)}",
                    mobile=self.phone(prefixes) if self.rnd() < 0.75 else "",
                )
            )
        return tuple(result)

    def email(self, first, last, domain, email_format):
        """At the company's domain in its format; one in ten uses a free-mail box."""
        first, last = _ascii(first), _ascii(last)
        if self.rnd() < 0.1:
            return f"{first}{last}{self.between(1, 99)}@{self.pick(_FREEMAIL)}"
        return email_format.format(f=first, l=last, i=first[0], m=last[0]) + f"@{domain}"

    # -- leads

    def lead(self, account, contacts):
        rnd = self.rnd
        number = self.lead_number
        self.lead_number += 1
        position = (self.weyl + number * _GOLDEN) % 1.0
        stage = _STAGES[bisect.bisect_right(_STAGE_CUMULATIVE, position)]
        mode = rnd() if stage in _EARLY else 1.0
        if mode < 0.08:
            who = self.new_company()
        elif mode < 0.135:
            who = self.unlinked(account, contacts)
        else:
            who = self.linked(account, contacts)
        (account_key, true_key, contact_key, contact_name, email, phone, company, where) = who
        campaign = self.pick(CAMPAIGNS)
        category_key, _name, phrase = self.pick(CATEGORIES)
        if stage in ("touch", "contact", "rejected") or rnd() < 0.4:
            request = self.pick(campaign[4] or _FIRST_REQUESTS)
        else:
            request = self.pick(_LATE_REQUESTS)
        low, high = _PROBABILITY[stage]
        owner = account.owner_key if rnd() < 0.8 else self.pick(self.all_reps)
        if stage == "touch" and rnd() < 0.25:
            owner = None
        elif stage in ("contact", "lead") and (self.forced_unowned or rnd() < 0.02):
            owner, self.forced_unowned = None, max(0, self.forced_unowned - 1)
        # Closed deals started earlier: skew their age towards the window's start.
        age = rnd() ** 0.6 if stage in ("won", "lost") else rnd()
        days, hour = (1 + int(age * 120), self.between(7, 17))  # office hours, before today
        created = self.midnight - timedelta(days=days) + timedelta(hours=hour)
        touches = self.between(*_TOUCHES[stage])
        last_touch = None
        if touches:
            elapsed = (self.midnight - created).total_seconds() * (0.2 + 0.8 * rnd())
            last_touch = created + timedelta(seconds=int(elapsed))
        revenue = 0.0
        if stage != "rejected" and (stage not in ("touch", "contact") or rnd() < 0.3):
            revenue = float(self.pick(_REVENUES) * (3 if account.named_account else 1))
        distributor = None
        if rnd() < 0.08:
            region = "west" if (where[2] or account.state_code) in _WEST else "east"
            distributor = self.distributor_by_region[region]
        return Lead(
            key=f"lead_{number}",
            name=f"{request} {_DASH} {phrase}",
            account_key=account_key,
            true_account_key=true_key,
            contact_key=contact_key,
            contact_name=contact_name,
            email_from=email,
            phone=phone,
            partner_name=company,
            street=where[0],
            city=where[1],
            state_code=where[2],
            zip=where[3],
            campaign_key=campaign[0],
            category_key=category_key,
            refinery_stage=stage,
            reject_reason=self.weighted(REJECT_REASONS, _REJECT_CUMULATIVE)
            if stage == "rejected"
            else None,
            expected_revenue=revenue,
            probability=float(self.between(low, high)),
            owner_key=owner,
            distributor_key=distributor,
            create_date=created,
            date_last_touch=last_touch,
            touch_count=touches,
        )

    # A respondent: (account_key, true_account_key, contact_key, contact_name,
    # email, phone, company as written, (street, city, state_code, zip)).

    def linked(self, account, contacts):
        """A lead linked to its account, from a known contact or someone new there."""
        if self.rnd() < 0.92:
            contact = self.pick(contacts)
            name, email, contact_key = contact.name, contact.email, contact.key
            phone = self.pick((contact.phone, contact.mobile or contact.phone, ""))
        else:
            first, last = self.pick(_FIRST), self.pick(_LAST)
            name, contact_key, phone = f"{first} {last}", None, ""
            email = f"{_ascii(first)}.{_ascii(last)}@{account.website.removeprefix('www.')}"
        written = self.written_name(account)
        return (
            account.key,
            account.key,
            contact_key,
            name,
            email,
            phone,
            written,
            self.address(account),
        )

    def unlinked(self, account, contacts):
        """A known account's person who typed a variant: matching should link it later."""
        contact = self.pick(contacts)
        phone = contact.phone if self.rnd() < 0.5 else ""
        written = self.pick(account.variants)[0] if account.variants else account.name
        return (
            None,
            account.key,
            None,
            contact.name,
            contact.email,
            phone,
            written,
            self.address(account),
        )

    def new_company(self):
        """A company that is no account: its first word starts no account name."""
        company = f"{self.pick(_NEW_WORDS)} {self.pick(_TRADES)[0]} {self.pick(_NEW_TAILS)}"
        first, last = self.pick(_FIRST), self.pick(_LAST)
        zip_code, city, state, prefixes = self.pick(self.places)
        if self.rnd() < 0.3:
            email = f"{_ascii(first)}{_ascii(last)}{self.between(1, 99)}@{self.pick(_FREEMAIL)}"
        else:
            email = f"{_ascii(first)}.{_ascii(last)}@{_ascii(company)[:24]}.com"
        phone = self.phone(prefixes) if self.rnd() < 0.7 else ""
        street = self.street() if self.rnd() < 0.6 else ""
        return (
            None,
            None,
            None,
            f"{first} {last}",
            email,
            phone,
            company,
            (street, city, state, zip_code),
        )

    def address(self, account):
        """What a respondent gives: the full address, city/state/ZIP only, or nothing."""
        form = self.rnd()
        if form < 0.6:
            return account.street, account.city, account.state_code, account.zip
        if form < 0.85:
            return "", account.city, account.state_code, account.zip
        return "", "", "", ""

    def written_name(self, account):
        """The company as typed: canonical, another legal form, a variant, or nothing."""
        form = self.rnd()
        if form < 0.45 or (form < 0.94 and not account.variants):
            return account.name
        if form < 0.6:
            head, _space, last = account.name.rpartition(" ")
            core = head if head and last in _SUFFIXES else account.name
            return f"{core} {self.pick(_WRITTEN_SUFFIXES)}".strip()
        if form < 0.94:
            return self.pick(account.variants)[0]
        return ""
