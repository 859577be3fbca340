"""A labelled lead-to-account benchmark set, built deterministically.

``build_dataset()`` returns accounts, variant-table entries and leads; every
lead carries the account it truly belongs to (or None for a new company) and
the kind of difficulty it represents. The kinds follow how respondents
really write: exact names with other legal forms, variants in and out of the
table, typos and sound-alike misspellings (with or without an address),
divisions, domain-only and phone-only leads, free-mail respondents, near-miss
new companies that share words with an account, and truly new companies.
"""

import random
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if "lead_refinery" not in sys.modules:  # lib/ without importing Odoo
    _package = types.ModuleType("lead_refinery")
    _package.__path__ = [str(ROOT / "lead_refinery")]
    sys.modules["lead_refinery"] = _package

from lead_refinery.lib import demodata, names  # noqa: E402

KINDS = (
    "exact",
    "alias_in_table",
    "abbreviation_not_in_table",
    "typo",
    "phonetic_misspelling",
    "division",
    "domain_only",
    "phone_only",
    "free_mail",
    "near_miss_new_company",
    "truly_new_company",
)
_LEGAL = ("Inc.", "LLC", "Co.", "Corporation", "Corp", "Incorporated", "Company", "")
_ABBREVIATIONS = (
    ("Manufacturing", "Mfg"),
    ("International", "Intl"),
    ("Technologies", "Tech"),
    ("Company", "Co"),
    ("Services", "Svcs"),
    ("Industries", "Inds"),
    ("Packaging", "Pkg"),
    (" and ", " & "),
    (" & ", " and "),
)
_SOUND_ALIKE = (
    ("ph", "f"),
    ("ck", "k"),
    ("ee", "ea"),
    ("c", "k"),
    ("s", "z"),
    ("y", "i"),
    ("er", "ur"),
)
_NEW_WORDS = (
    "Zephyr",
    "Quantum",
    "Obsidian",
    "Marigold",
    "Bluebonnet",
    "Tamarack",
    "Juniper",
    "Halcyon",
    "Sundance",
    "Wolverine",
    "Copperline",
    "Brightwater",
    "Stonegate",
    "Foxhollow",
    "Windward",
)
_NEW_TRADES = (
    "Bakery Supplies",
    "Dental Labs",
    "Veterinary Clinics",
    "Software",
    "Landscaping",
    "Printing",
    "Staffing",
    "Insurance Brokers",
    "Architects",
    "Brewing",
)
_DIVISIONS = ("Aerospace Division", "Health Care Division", "Controls Group", "Services Division")


def _core(name):
    words = name.split()
    if words and words[-1] in {
        "Inc.",
        "LLC",
        "Co.",
        "Corporation",
        "Incorporated",
        "Company",
        "Ltd.",
    }:
        words = words[:-1]
    return " ".join(words)


def _typo(rng, text):
    words = text.split()
    index = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[index]
    pos = rng.randint(1, max(1, len(word) - 2))
    edit = rng.randint(0, 2)
    if edit == 0:
        word = word[:pos] + word[pos] + word[pos:]
    elif edit == 1:
        word = word[:pos] + word[pos + 1 :]
    else:
        word = word[:pos] + word[pos + 1 : pos + 2] + word[pos] + word[pos + 2 :]
    words[index] = word
    return " ".join(words)


def _sound_alike(rng, text):
    options = [(old, new) for old, new in _SOUND_ALIKE if old in text.lower()]
    if not options:
        return _typo(rng, text)
    old, new = rng.choice(options)
    lower = text.lower()
    position = lower.index(old)
    replacement = new.capitalize() if text[position].isupper() else new
    return text[:position] + replacement + text[position + len(old) :]


def _abbreviate(rng, core):
    for long, short in rng.sample(_ABBREVIATIONS, len(_ABBREVIATIONS)):
        if long in core:
            return core.replace(long, short)
    return core.upper()


def build_dataset(n_accounts=300, n_leads=1000, seed=7):
    """(accounts, aliases, leads) as lists of plain dicts."""
    rng = random.Random(seed)
    generated = demodata.generate(scale=n_accounts, seed=seed)
    accounts = []
    for account in generated.accounts:
        domain = account.website.removeprefix("www.")
        accounts.append(
            {
                "key": account.key,
                "name": account.name,
                "website": account.website,
                "email": f"info@{domain}",
                "domain": domain,
                "phone": account.phone,
                "street": account.street,
                "city": account.city,
                "state": account.state_code,
                "zip": account.zip,
                "variants": account.variants,
                "parent_key": account.parent_key,
            }
        )
    existing = {_core(account["name"]).lower() for account in accounts} | {
        account["name"].lower() for account in accounts
    }
    aliases = []
    aliased = {}
    taken = {names.normalize_company(account["name"]) for account in accounts}
    for account in rng.sample(accounts, len(accounts) // 3):
        for text, kind in account["variants"]:
            norm = names.normalize_company(text)
            # The table holds a variant once: an ambiguous one cannot be a label.
            if norm and norm not in taken:
                taken.add(norm)
                aliases.append({"name": text, "account_key": account["key"], "kind": kind})
                aliased[account["key"]] = text
                break
    leads = []
    for index in range(n_leads):
        kind = KINDS[index % len(KINDS)]
        account = rng.choice(accounts)
        if kind == "division":
            account = rng.choice([account for account in accounts if not account["parent_key"]])
        if kind == "alias_in_table":
            account = accounts_by_key(accounts)[rng.choice(sorted(aliased))]
        leads.append(_lead(rng, kind, account, aliased, existing, index))
    return accounts, aliases, leads


def accounts_by_key(accounts, _cache={}):  # noqa: B006 (a per-list memo)
    key = id(accounts)
    if key not in _cache:
        _cache[key] = {account["key"]: account for account in accounts}
    return _cache[key]


def _lead(rng, kind, account, aliased, existing, index):
    core = _core(account["name"])
    person = f"{rng.choice(demodata._FIRST)} {rng.choice(demodata._LAST)}"
    local = person.lower().replace(" ", ".").replace("'", "")
    freemail = f"{local}@{rng.choice(('gmail.com', 'yahoo.com', 'outlook.com', 'aol.com'))}"
    corporate = f"{local}@{account['domain']}"
    with_address = rng.random() < 0.7
    lead = {
        "kind": kind,
        "expected": account["key"],
        "partner_name": "",
        "contact_name": person,
        "email": freemail,
        "phone": "",
        "city": account["city"] if with_address else "",
        "state": account["state"] if with_address else "",
        "zip": account["zip"] if with_address else "",
        "name": f"Request {index}",
    }
    if kind == "exact":
        lead["partner_name"] = f"{core} {rng.choice(_LEGAL)}".strip()
        lead["email"] = rng.choice((freemail, corporate))
    elif kind == "alias_in_table":
        lead["partner_name"] = aliased[account["key"]]
    elif kind == "abbreviation_not_in_table":
        lead["partner_name"] = _abbreviate(rng, core)
    elif kind == "typo":
        lead["partner_name"] = _typo(rng, core)
    elif kind == "phonetic_misspelling":
        lead["partner_name"] = _sound_alike(rng, core)
    elif kind == "division":
        free = [label for label in _DIVISIONS if f"{core} {label}".lower() not in existing]
        lead["partner_name"] = f"{core} {rng.choice(free or ['Field Office'])}"
        lead["email"] = corporate
    elif kind == "domain_only":
        lead["email"] = corporate
        lead.update(city="", state="", zip="")
    elif kind == "phone_only":
        lead.update(email="", phone=account["phone"], city="", state="", zip="")
    elif kind == "free_mail":
        lead["partner_name"] = account["name"]
        lead.update(city="", state="", zip="")
    elif kind == "near_miss_new_company":
        words = core.split()
        for _attempt in range(10):
            changed = list(words)
            changed[-1] = rng.choice((*_NEW_WORDS, "Plastics", "Controls", "Logistics", "Foods"))
            candidate = " ".join(changed)
            if candidate.lower() not in existing:
                break
        lead.update(partner_name=candidate, expected=None)
        lead["email"] = f"{local}@{changed[-1].lower()}-{words[0].lower()}.net"
    else:  # truly_new_company
        name = f"{rng.choice(_NEW_WORDS)} {rng.choice(_NEW_TRADES)}"
        lead.update(partner_name=name, expected=None, city="", state="", zip="")
        lead["email"] = rng.choice((freemail, f"{local}@{name.lower().replace(' ', '')[:20]}.com"))
    return lead
