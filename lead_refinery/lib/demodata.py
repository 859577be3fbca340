"""Realistic US B2B demo and scale data, as plain frozen dataclasses.

``generate(scale)`` makes ``scale`` company accounts (with divisions, name
variants as respondents write them, real ZIP/city/state triples and valid
phone numbers), their contacts, sales teams and reps, two channel partners
with portal logins, UTM campaigns, product categories and leads spread over
the refinery ladder. It is deterministic (a seeded ``random.Random`` and a
``today`` parameter, never the wall clock) and fast enough for 100,000
accounts; the ORM loader (``models/lead_refinery_demo_loader.py``) turns it
into records and the benchmarks reuse it.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import phonenumbers
import zipcodes

# ---------------------------------------------------------------- word pools

_PLACES = (
    "Great Lakes",
    "Keystone",
    "Pacific",
    "Atlantic",
    "Summit",
    "Riverbend",
    "Prairie",
    "Granite",
    "Blue Ridge",
    "Cascade",
    "Lone Star",
    "Bay State",
    "Ozark",
    "Sierra",
    "Gulf Coast",
    "Heartland",
    "Liberty",
    "Pioneer",
    "Frontier",
    "Capitol",
    "Midwest",
    "Northstar",
    "Redwood",
    "Silver Creek",
    "Appalachian",
    "Tidewater",
    "Mesa",
    "Harbor",
    "Evergreen",
    "Ironwood",
    "Cumberland",
    "Palmetto",
)
_FOUNDERS = (
    "Anderson",
    "Baxter",
    "Callahan",
    "Dempsey",
    "Ellison",
    "Fairbanks",
    "Garrison",
    "Hollister",
    "Kessler",
    "Lindqvist",
    "Mercer",
    "Novak",
    "Oakley",
    "Prescott",
    "Quinlan",
    "Rutherford",
    "Sterling",
    "Thornton",
    "Underwood",
    "Vance",
    "Whitaker",
    "Yardley",
    "Zimmerman",
    "Brandt",
)
_TRADES = (
    "Fluid Controls",
    "Packaging",
    "Precision Manufacturing",
    "Industrial Supply",
    "Plastics",
    "Machine Works",
    "Automation",
    "Foods",
    "Chemical",
    "Metal Fabrication",
    "Electronics",
    "Logistics",
    "Paper Products",
    "Pharmaceuticals",
    "Castings",
    "Water Technologies",
    "Motion Systems",
    "Controls",
    "Instruments",
    "Beverages",
    "Tool & Die",
    "Coatings",
)
_SUFFIXES = ("Inc.", "LLC", "Co.", "Corporation", "Incorporated", "Company", "Ltd.", "")
_INDUSTRIES = (
    "Food & Beverage",
    "Automotive",
    "Chemicals",
    "Pharmaceuticals",
    "Packaging",
    "Industrial Machinery",
    "Electronics",
    "Utilities",
    "Logistics",
    "Plastics",
)
_DIVISIONS = (
    "Aerospace Division",
    "Health Care Division",
    "Packaging Group",
    "Controls Division",
    "Services",
)
_FIRST = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Susan",
    "William",
    "Karen",
    "Richard",
    "Nancy",
    "Joseph",
    "Lisa",
    "Thomas",
    "Sandra",
    "Carlos",
    "Maria",
    "Wei",
    "Priya",
    "Ahmed",
    "Olga",
    "Kenji",
    "Fatima",
    "Luis",
    "Grace",
    "Daniel",
    "Emily",
)
_LAST = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Nguyen",
    "Patel",
    "Kim",
    "Chen",
    "Kowalski",
    "O'Brien",
    "Schmidt",
    "Rossi",
)
_FUNCTIONS = (
    "Plant Manager",
    "Maintenance Manager",
    "Purchasing Manager",
    "Process Engineer",
    "Operations Director",
    "Controls Engineer",
    "VP Engineering",
    "Buyer",
    "Project Engineer",
)
_STREETS = (
    "Industrial Pkwy",
    "Commerce Dr",
    "Main St",
    "Enterprise Blvd",
    "Technology Way",
    "Mill Rd",
)
_FREEMAIL = ("gmail.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com")
_REQUESTS = (
    "Evaluation request",
    "Literature request",
    "Visit request",
    "Quote request",
    "Seminar follow-up",
    "Badge scan",
    "Web download",
    "Inbound call",
)

CATEGORIES = (
    ("servo", "Servo drives"),
    ("plc", "PLCs"),
    ("sensors", "Sensors"),
    ("packaging", "Packaging machinery"),
    ("iiot", "Industrial IoT"),
    ("spares", "Spare parts"),
)
CAMPAIGNS = (
    ("packexpo", "Pack Expo 2026 badge scans", "Trade show", "Pack Expo"),
    ("webinar_pm", "Q3 webinar: predictive maintenance", "Webinar", "Webinar platform"),
    ("catalog", "Literature request - catalog 2026", "Website", "Website"),
    ("seminar_chicago", "Motion control seminar Chicago", "Seminar", "Seminar"),
    ("inbound", "Inbound calls", "Phone", "Phone"),
)
REJECT_REASONS = (
    "spam",
    "duplicate",
    "no_budget",
    "competitor_customer",
    "out_of_territory",
    "not_our_product",
)
# (stage, weight, probability range) — a realistic funnel: many touches, few wins.
_FUNNEL = (
    ("touch", 22, (0, 5)),
    ("contact", 18, (5, 10)),
    ("lead", 20, (10, 25)),
    ("qualified", 10, (25, 45)),
    ("opportunity", 9, (40, 80)),
    ("won", 3, (100, 100)),
    ("lost", 4, (0, 0)),
    ("incubating", 6, (5, 15)),
    ("rejected", 8, (0, 0)),
)


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Team:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Rep:
    key: str
    name: str
    login: str
    email: str
    team_key: str
    role: str  # "field" or "inside"
    manager: bool


@dataclass(frozen=True, slots=True)
class Distributor:
    key: str
    name: str
    kind: str  # "distributor" or "rep_firm"
    portal_login: str
    contact_name: str
    email: str
    street: str
    city: str
    state_code: str
    zip: str


@dataclass(frozen=True, slots=True)
class Campaign:
    key: str
    name: str
    medium: str
    source: str


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Account:
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
    variants: (
        tuple  # ((text, kind), ...) kind: abbreviation/former_name/division/acronym/misspelling
    )
    named_account: bool


@dataclass(frozen=True, slots=True)
class Contact:
    key: str
    account_key: str
    name: str
    function: str
    email: str
    phone: str
    mobile: str


@dataclass(frozen=True, slots=True)
class Lead:
    key: str
    name: str
    account_key: str | None
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
class DemoData:
    teams: tuple
    reps: tuple
    distributors: tuple
    campaigns: tuple
    categories: tuple
    accounts: tuple
    contacts: tuple
    leads: tuple


# ---------------------------------------------------------------- helpers


@lru_cache(maxsize=1)
def _places():
    """Real (zip, city, state, area codes) of the 50 states + DC, loaded once."""
    rows = []
    for entry in zipcodes.list_all():
        if entry["zip_code_type"] == "STANDARD" and entry["active"] and entry["area_codes"]:
            if entry["state"] not in (
                "PR",
                "VI",
                "GU",
                "AS",
                "MP",
                "AA",
                "AE",
                "AP",
                "FM",
                "MH",
                "PW",
            ):
                rows.append(
                    (entry["zip_code"], entry["city"], entry["state"], tuple(entry["area_codes"]))
                )
    return tuple(rows)


_EXCHANGES = {}


def _exchanges(area_code):
    """Up to eight exchanges of an area code that phonenumbers accepts as valid.

    Validity depends on the area code and the exchange only, so each area
    code is checked once (100,000 accounts stay fast).
    """
    if area_code not in _EXCHANGES:
        probe = random.Random(area_code)
        found = []
        for exchange in probe.sample(range(201, 990), 24):
            if phonenumbers.is_valid_number(phonenumbers.parse(f"+1 {area_code}-{exchange}-5678")):
                found.append(exchange)
                if len(found) == 8:
                    break
        _EXCHANGES[area_code] = tuple(found)
    return _EXCHANGES[area_code]


def _phone(rng, area_codes):
    """A valid US phone number in one of the given area codes."""
    for area_code in rng.sample(area_codes, len(area_codes)):
        exchanges = _exchanges(area_code)
        if exchanges:
            return f"+1 {area_code}-{rng.choice(exchanges)}-{rng.randint(1000, 9999)}"
    return "+1 212-736-4410"


def _slug(text):
    return "".join(char for char in text.lower() if char.isalnum())


def _acronym(words):
    return "".join(word[0] for word in words if word[0].isalpha()).upper()


def _misspell(rng, name):
    """One plausible typo: a doubled, dropped or swapped letter in the longest word."""
    words = name.split()
    index = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[index]
    if len(word) < 4:
        return name + "s"
    pos = rng.randint(1, len(word) - 2)
    choice = rng.randint(0, 2)
    if choice == 0:
        word = word[:pos] + word[pos] + word[pos:]
    elif choice == 1:
        word = word[:pos] + word[pos + 1 :]
    else:
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    words[index] = word
    return " ".join(words)


def _unique(core, taken, rng):
    """The name, or a founder-qualified one, or a numbered one: never a duplicate."""
    candidate = core
    for _attempt in range(3):
        if candidate not in taken:
            break
        candidate = f"{rng.choice(_FOUNDERS)} {core}"
    serial = 2
    while candidate in taken:
        candidate = f"{core} {serial}"
        serial += 1
    taken.add(candidate)
    return candidate


def _variants(rng, core, suffix):
    words = core.replace("&", "and").split()
    variants = []
    acronym = _acronym(words)
    if len(acronym) >= 2:
        variants.append((acronym, "acronym"))
    short = (
        core.replace("Manufacturing", "Mfg")
        .replace("Technologies", "Tech")
        .replace("Packaging", "Pkg")
    )
    short = short.replace("Industrial", "Ind.").replace("Company", "Co")
    if short != core:
        variants.append((short, "abbreviation"))
    variants.append((_misspell(rng, core), "misspelling"))
    if rng.random() < 0.15:
        variants.append((f"{rng.choice(_FOUNDERS)} {words[-1]}", "former_name"))
    full = f"{core} {suffix}".strip()
    return tuple((text, kind) for text, kind in dict.fromkeys(variants) if text not in (core, full))


# ---------------------------------------------------------------- generator


def generate(scale=60, seed=42, today=date(2026, 11, 1)):
    """All demo records for ``scale`` accounts; the same inputs give the same data."""
    rng = random.Random(seed)
    places = _places()
    teams = (
        Team("east", "Field Sales East"),
        Team("west", "Field Sales West"),
        Team("inside", "Inside Sales"),
    )
    reps = _reps(rng, teams, scale)
    distributors = _distributors(rng, places)
    campaigns = tuple(
        Campaign(key, name, medium, source) for key, name, medium, source in CAMPAIGNS
    )
    categories = tuple(Category(key, name) for key, name in CATEGORIES)
    accounts = _accounts(rng, places, scale)
    contacts = _contacts(rng, accounts)
    leads = _leads(rng, accounts, contacts, reps, distributors, today)
    return DemoData(teams, reps, distributors, campaigns, categories, accounts, contacts, leads)


def _reps(rng, teams, scale):
    per_team = max(2, min(40, scale // 120 + 2))
    reps, used = [], set()
    for team in teams:
        for index in range(per_team):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            login = "rep" if not reps else f"rep.{team.key}{index + 1}"
            name = f"{first} {last}"
            while name in used:
                name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            used.add(name)
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


def _distributors(rng, places):
    specs = (
        ("dist_keystone", "Keystone Industrial Distribution", "distributor", "partner"),
        ("dist_pacific", "Pacific Rep Group", "rep_firm", "partner.pacific"),
    )
    result = []
    for key, name, kind, login in specs:
        zip_code, city, state, _areas = rng.choice(places)
        contact = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        result.append(
            Distributor(
                key=key,
                name=name,
                kind=kind,
                portal_login=login,
                contact_name=contact,
                email=f"{_slug(contact)}@{_slug(name)}.example.com",
                street=f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}",
                city=city,
                state_code=state,
                zip=zip_code,
            )
        )
    return tuple(result)


def _accounts(rng, places, scale):
    accounts, names = [], set()
    parents, cores = [], {}
    for index in range(scale):
        key = f"acc_{index}"
        is_division = parents and rng.random() < 0.1
        if is_division:
            parent = rng.choice(parents)
            core = f"{cores[parent.key]} {rng.choice(_DIVISIONS)}"
            suffix, parent_key, website = "", parent.key, parent.website
        else:
            core = f"{rng.choice(_PLACES + _FOUNDERS)} {rng.choice(_TRADES)}"
            suffix, parent_key = rng.choice(_SUFFIXES), None
            website = ""
        core = _unique(core, names, rng)
        zip_code, city, state, areas = rng.choice(places)
        if rng.random() < 0.2:
            zip_code = f"{zip_code}-{rng.randint(1, 9999):04d}"
        website = website or f"www.{_slug(core)[:28]}.com"
        account = Account(
            key=key,
            name=f"{core} {suffix}".strip(),
            website=website,
            phone=_phone(rng, areas),
            street=f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}",
            city=city,
            state_code=state,
            zip=zip_code,
            industry=rng.choice(_INDUSTRIES),
            employees=rng.choice((25, 60, 120, 250, 600, 1500, 5000, 20000)),
            annual_revenue=rng.choice((2, 8, 20, 60, 150, 500, 2000)) * 1_000_000,
            parent_key=parent_key,
            variants=_variants(rng, core, suffix),
            named_account=rng.random() < 0.02,
        )
        accounts.append(account)
        cores[key] = core
        if not parent_key:
            parents.append(account)
    return tuple(accounts)


def _contacts(rng, accounts):
    contacts = []
    for account in accounts:
        domain = account.website.removeprefix("www.")
        areas = (account.phone[3:6],)
        for index in range(rng.randint(2, 5)):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            local = f"{first}.{last}".lower().replace("'", "")
            email_domain = rng.choice(_FREEMAIL) if rng.random() < 0.1 else domain
            contacts.append(
                Contact(
                    key=f"{account.key}_c{index}",
                    account_key=account.key,
                    name=f"{first} {last}",
                    function=rng.choice(_FUNCTIONS),
                    email=f"{local}@{email_domain}",
                    phone=_phone(rng, areas),
                    mobile=_phone(rng, areas),
                )
            )
    return tuple(contacts)


def _leads(rng, accounts, contacts, reps, distributors, today):
    by_account = {}
    for contact in contacts:
        by_account.setdefault(contact.account_key, []).append(contact)
    stages, weights = zip(*((stage, weight) for stage, weight, _range in _FUNNEL), strict=True)
    probability_range = {stage: bounds for stage, _weight, bounds in _FUNNEL}
    now = datetime.combine(today, time(12, 0))
    leads = []
    unowned_left = max(2, len(accounts) // 30)
    for index in range(int(len(accounts) * 1.5)):
        account = rng.choice(accounts)
        stage = rng.choices(stages, weights)[0]
        new_company = rng.random() < 0.1
        contact = None if new_company else rng.choice(by_account[account.key])
        if new_company:
            tail = rng.choice(("Group", "Partners", "Works"))
            company = f"{rng.choice(_PLACES)} {rng.choice(_TRADES)} {tail}"
            contact_name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            email = f"{_slug(contact_name)[:12]}@{_slug(company)[:24]}.com"
            zip_code, city, state = account.zip, account.city, account.state_code
        else:
            written = rng.random()
            if written < 0.5 or not account.variants:
                company = account.name
            else:
                company = rng.choice(account.variants)[0]
            contact_name, email = contact.name, contact.email
            zip_code, city, state = account.zip, account.city, account.state_code
        low, high = probability_range[stage]
        owner = rng.choice(reps).key
        if stage == "touch" and rng.random() < 0.3:
            owner = None
        elif stage in ("lead", "contact") and unowned_left and rng.random() < 0.2:
            owner, unowned_left = None, unowned_left - 1
        created = now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 8))
        touches = 0 if stage in ("touch", "rejected") else rng.randint(1, 7)
        leads.append(
            Lead(
                key=f"lead_{index}",
                name=f"{rng.choice(_REQUESTS)} - {rng.choice(CATEGORIES)[1].lower()}",
                account_key=None if new_company else account.key,
                contact_key=contact.key if contact else None,
                contact_name=contact_name,
                email_from=email,
                phone=contact.phone if contact else "",
                partner_name=company,
                street=account.street,
                city=city,
                state_code=state,
                zip=zip_code,
                campaign_key=rng.choice(CAMPAIGNS)[0],
                category_key=rng.choice(CATEGORIES)[0],
                refinery_stage=stage,
                reject_reason=rng.choice(REJECT_REASONS) if stage == "rejected" else None,
                expected_revenue=float(rng.choice((0, 5000, 12000, 25000, 60000, 150000))),
                probability=float(rng.randint(low, high)),
                owner_key=owner,
                distributor_key=rng.choice(distributors).key if rng.random() < 0.08 else None,
                create_date=created,
                date_last_touch=created + timedelta(days=rng.randint(0, 10)) if touches else None,
                touch_count=touches,
            )
        )
    if not any(
        lead.owner_key is None and lead.refinery_stage not in ("touch", "rejected")
        for lead in leads
    ):
        leads[0] = _unowned_copy(leads[0])
    return tuple(leads)


def _unowned_copy(lead):
    fields = {name: getattr(lead, name) for name in Lead.__slots__}
    fields.update(owner_key=None, refinery_stage="lead", reject_reason=None)
    return Lead(**fields)
