"""Normalisation of company identity data: names, domains, phones, ZIP codes.

Every function accepts any input (None, empty, emoji, 10,000 characters,
non-Latin scripts) without raising, and the name normalisation is
idempotent: ``normalize_company(normalize_company(x)) == normalize_company(x)``.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import jellyfish
import phonenumbers
from cleanco import basename
from rapidfuzz import fuzz

#: Longest input looked at; company names and addresses are far shorter.
MAX_INPUT = 300

#: Generic abbreviations, expanded so "Intl Mfg Co" meets "International Manufacturing Company".
EQUIVALENCES = {
    "intl": "international",
    "int'l": "international",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "co": "company",
    "cos": "companies",
    "corp": "corporation",
    "svcs": "services",
    "svc": "services",
    "tech": "technologies",
    "technology": "technologies",
    "assoc": "associates",
    "assn": "association",
    "bros": "brothers",
    "natl": "national",
    "mgmt": "management",
    "dept": "department",
    "div": "division",
    "sys": "systems",
    "ind": "industries",
    "inds": "industries",
    "industrial": "industrial",
    "labs": "laboratories",
    "lab": "laboratories",
    "elec": "electric",
    "engg": "engineering",
    "eng": "engineering",
    "pkg": "packaging",
    "chem": "chemical",
    "mach": "machinery",
    "dist": "distribution",
    "ctr": "center",
    "hq": "headquarters",
    "st": "saint",
    "mt": "mount",
    "ft": "fort",
}

#: Words that say what kind of company it is, not which one: they never carry a match alone.
GENERIC_WORDS = frozenset(
    """
    global international national american general united universal north south east west
    systems system solutions services service group holdings holding industries industry
    company companies corporation enterprises enterprise technologies associates partners
    products manufacturing industrial supply supplies distribution logistics management
    consulting resources worldwide america usa us of and the for division department
    center centre laboratories brothers sons trust capital
    """.split()
)
_LONG_GENERIC = tuple(sorted(word for word in GENERIC_WORDS if len(word) >= 7))
STOP_WORDS = frozenset({"the", "of", "and", "for", "a", "an", "at", "de", "la", "le", "et", "y"})

#: Free-mail providers: their domain says nothing about the company.
FREEMAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk ymail.com rocketmail.com hotmail.com
    hotmail.co.uk outlook.com live.com msn.com aol.com icloud.com me.com mac.com gmx.com gmx.net
    gmx.de web.de proton.me protonmail.com mail.com zoho.com yandex.com yandex.ru mail.ru
    comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net earthlink.net
    optonline.net juno.com qq.com 163.com 126.com naver.com fastmail.com hey.com tutanota.com
    """.split()
)

_PUNCT = re.compile(r"[^a-z0-9&' ]+")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(
    r"^[^@\s]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)$"
)
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


_INITIALS = re.compile(r"(?<![a-z0-9])([a-z]{1,2})\s*(?:&|\+|\band\b)\s*([a-z]{1,2})(?![a-z0-9])")


def fold(text):
    """Lower-case ASCII, punctuation to spaces, '&' to 'and', one space between words.

    Initials joined by '&' are one word: "AT&T" and "AT and T" fold to "att",
    "P&G" to "pg".
    """
    if not text or not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text[:MAX_INPUT])
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = _INITIALS.sub(r"\1\2", text)
    text = text.replace("&", " and ").replace("+", " and ")
    text = _PUNCT.sub(" ", text).replace("'", "")
    return _SPACES.sub(" ", text).strip()


# Names that are nothing but a legal form once folded.
_LEGAL_ONLY = frozenset(
    "inc llc ltd limited corporation company co corp plc gmbh sa ag lp llp incorporated".split()
)

# What web forms get when a respondent has no company to give, once folded. A bare
# "NA" stays a name: it is a real acronym ("North American ..."); "N/A" folds to "n a".
PLACEHOLDER_NAMES = frozenset(
    {
        "n a",
        "none",
        "no company",
        "not applicable",
        "unknown",
        "private",
        "personal",
        "individual",
        "self",
        "self employed",
        "student",
        "retired",
        "null",
        "nil",
        "tbd",
        "test",
    }
)


@lru_cache(maxsize=65536)
def normalize_company(name):
    """Canonical company name: folded, equivalences expanded, legal suffixes and a
    leading "the" removed (repeatedly, until stable). Empty for a name that is only
    a legal form or a placeholder ("N/A", "none", "-", "unknown", "private")."""
    if not name or not isinstance(name, str):
        return ""
    ascii_name = unicodedata.normalize("NFKD", name[:MAX_INPUT]).encode("ascii", "ignore").decode()
    # cleanco knows legal forms best with their punctuation ("S.A.", "Co.").
    text = fold(basename(ascii_name) or ascii_name)
    previous = None
    while text and text != previous:
        previous = text
        stripped = fold(basename(text)) if text else ""
        # cleanco strips "co" / "company" / "corp": keep the name when that empties it.
        text = stripped or text
        words = [EQUIVALENCES.get(word, word) for word in text.split()]
        if words and words[0] == "the" and len(words) > 1:
            words = words[1:]
        text = " ".join(words)
        stripped = fold(basename(text))
        text = stripped if stripped else text
    if text in _LEGAL_ONLY or text in PLACEHOLDER_NAMES:
        return ""
    return text


def tokens(normalized):
    """Words of a normalised name, stop words removed."""
    return [word for word in normalized.split() if word not in STOP_WORDS]


@lru_cache(maxsize=65536)
def is_generic(word):
    """A generic word, or a misspelling of a long one ("productz", "industreis")."""
    if word in GENERIC_WORDS:
        return True
    if len(word) < 7:
        return False
    return any(
        abs(len(word) - len(generic)) <= 1 and fuzz.ratio(word, generic) >= 85
        for generic in _LONG_GENERIC
    )


def significant_tokens(normalized):
    """Words that say *which* company: no stop words, no generic words."""
    return [word for word in tokens(normalized) if not is_generic(word)]


def acronym_of(normalized):
    """Initials of the name's words ("international business machines" -> "ibm").

    Stop words are skipped; a name of one word has no acronym.
    """
    words = tokens(normalized)
    if len(words) < 2:
        return ""
    return "".join(word[0] for word in words)


def is_acronym_like(raw):
    """Whether the name as written looks like an acronym: "3M", "HPE", "AT&T", "IBM Corp"."""
    if not raw or not isinstance(raw, str):
        return False
    core = normalize_company(raw).replace(" ", "")
    letters = re.sub(r"[^A-Za-z0-9]", "", raw[:40])
    if not core or len(core) > 6 or not letters:
        return False
    head = re.sub(r"[^A-Za-z0-9&]", "", raw.split()[0]) if raw.split() else ""
    return head.isupper() or any(char.isdigit() for char in head) or "&" in head


def phonetic_code(word):
    """Metaphone code of one word; the word itself when it is not alphabetic."""
    if not word.isalpha():
        return word
    try:
        return jellyfish.metaphone(word)
    except Exception:  # jellyfish refuses some inputs; the word itself is a fine key then
        return word


def phonetic_codes(normalized):
    """Metaphone codes of the significant words ("prockter gamble" -> ["PRKTR", "KMBL"])."""
    return [phonetic_code(word) for word in significant_tokens(normalized)]


def phonetic_key(normalized):
    """One indexable key: the codes of the first two significant words."""
    return " ".join(phonetic_codes(normalized)[:2])


def email_domain(email):
    """The company domain of an email address; None for free-mail and invalid addresses."""
    if not email or not isinstance(email, str):
        return None
    address = email.strip().lower()[:MAX_INPUT]
    match = _EMAIL.match(address.split()[-1].strip("<>")) if address.split() else None
    if not match:
        return None
    domain = match.group(1)
    return None if domain in FREEMAIL_DOMAINS else domain


def website_domain(url):
    """Host of a website without scheme, "www.", port or path; None on junk."""
    if not url or not isinstance(url, str):
        return None
    host = url.strip().lower()[:MAX_INPUT]
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host)
    host = host.split("/")[0].split("?")[0].split("#")[0].split("@")[-1].split(":")[0]
    if host.startswith("www."):
        host = host[4:]
    return host if _HOST.match(host) else None


def phone_e164(raw, region="US"):
    """E.164 form of a valid phone number; None when the number is not valid."""
    if not raw or not isinstance(raw, str):
        return None
    try:
        number = phonenumbers.parse(raw[:40], region or "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1)
def _state_codes():
    """{folded state name or postal code: postal code}, from addfips' offline table."""
    table = {}
    text = resources.files("addfips").joinpath("data", "states.csv").read_text(encoding="utf-8")
    for line in text.splitlines()[1:]:
        name, postal, _fips = line.split(",")
        table[fold(name)] = postal
        table[postal.lower()] = postal
    return table


def state_code(raw):
    """US postal state code of "Ohio", "ohio", "OH" or "oh"; "" when empty.

    Another short code (a Canadian "ON", a Mexican "JAL") passes upper-cased,
    as Odoo stores it; an unknown long name is not guessed and gives "".
    """
    if not raw or not isinstance(raw, str):
        return ""
    folded = fold(raw[:40])
    known = _state_codes().get(folded)
    if known:
        return known
    return folded.upper() if 0 < len(folded) <= 3 and " " not in folded else ""


_ZIP = re.compile(r"^(\d{5})(?:[\s-]?(\d{4}))?$")


def zip5(raw):
    """The 5-digit ZIP of "12345", "12345-6789", "123456789" or "12345 6789"; else None."""
    if not raw or not isinstance(raw, str):
        return None
    match = _ZIP.match(raw.strip()[:20])
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class IdentityKeys:
    """Everything matching compares about one company, computed once."""

    name_norm: str = ""
    tokens: tuple = ()
    significant: tuple = ()
    acronym: str = ""
    phonetic: str = ""
    phonetic_codes: tuple = ()
    email_domain: str | None = None
    website_domain: str | None = None
    phone: str | None = None
    zip5: str | None = None
    city_norm: str = ""
    state_code: str = ""
    raw_acronym: bool = False


def identity_keys(
    name=None,
    email=None,
    website=None,
    phone=None,
    zip=None,
    city=None,
    state=None,
    country_code="US",
):
    """All identity keys of one record, in one call."""
    return _keys(
        name,
        normalize_company(name) if isinstance(name, str) else "",
        email_domain=email_domain(email),
        website_domain=website_domain(website),
        phone=phone_e164(phone, country_code or "US"),
        zip5=zip5(zip),
        city_norm=fold(city),
        state_code=state_code(state),
    )


@lru_cache(maxsize=131072)
def _name_features(name_norm):
    """(tokens, significant tokens, acronym, phonetic key, phonetic codes) of a name."""
    return (
        tuple(tokens(name_norm)),
        tuple(significant_tokens(name_norm)),
        acronym_of(name_norm),
        phonetic_key(name_norm),
        tuple(phonetic_codes(name_norm)),
    )


def _keys(raw_name, name_norm, **contact):
    """IdentityKeys of a normalised name (features cached) and already clean contact keys."""
    word_list, significant, acronym, phonetic, codes = _name_features(name_norm)
    return IdentityKeys(
        name_norm=name_norm,
        tokens=word_list,
        significant=significant,
        acronym=acronym,
        phonetic=phonetic,
        phonetic_codes=codes,
        raw_acronym=is_acronym_like(raw_name),
        **contact,
    )


def keys_from_columns(name, name_norm, domain, phone, zip_code, city, state):
    """Identity keys rebuilt from the stored, already normalised columns of an account.

    Used for the candidates of a search: nothing is parsed again (the phone is
    already E.164, the ZIP already five digits) and the name features are
    cached per normalised name.
    """
    return _keys(
        name,
        name_norm or "",
        email_domain=None,
        website_domain=domain or None,
        phone=phone or None,
        zip5=zip_code or None,
        city_norm=fold(city),
        state_code=(state or "").upper(),
    )


def distinctive(name_norm):
    """The distinctive words of a normalised name, joined: what fuzzy search looks at.

    Generic words ("controls", "industries", "services") are shared by
    thousands of accounts; searching on the distinctive part keeps the
    trigram candidates few.
    """
    return " ".join(_name_features(name_norm or "")[1])
