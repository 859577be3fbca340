"""Intake of buyer activities from files and web requests: decode, map, normalise, key.

Everything a channel needs before the ORM sees a row, free of Odoo:

* :func:`decode` turns uploaded bytes into text and says which encoding it
  found (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252, which
  also reads Latin-1);
* :func:`iter_rows` streams dict rows from CSV (delimiter sniffed among
  ``, ; TAB |``) or XLSX (read-only, row by row), so a 50 MB file is never
  held as a list of rows;
* :func:`guess_mapping` maps header names ("E-mail", "Firma", "Zip Code",
  "Event date"...) to canonical fields;
* :func:`normalise_row` gives the canonical payload the activity service
  takes, with per-field errors (the row is rejected) and warnings (a bad
  value dropped, the row kept);
* :func:`payload_key` is the idempotency key of a payload: re-importing the
  same file finds the same keys;
* :class:`TokenBucket` is the API's rate limiter.
"""

import csv
import hashlib
import io
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import names, postal

FIELDS = (
    "activity_type",
    "category",
    "occurred_at",
    "contact_name",
    "email",
    "phone",
    "company_name",
    "street",
    "city",
    "state_code",
    "zip",
    "country_code",
    "website",
    "utm_campaign",
    "utm_source",
    "utm_medium",
    "note",
    "external_id",
)

#: Header words (folded: lower case, letters and digits only) per canonical field.
_SYNONYMS = {
    "activity_type": ("activitytype", "activity", "type", "action", "interaction", "touch"),
    "category": ("category", "productcategory", "product", "interest", "productline"),
    "occurred_at": (
        "date",
        "when",
        "occurredat",
        "eventdate",
        "scandate",
        "timestamp",
        "datetime",
        "time",
        "visitdate",
        "createdat",
        "datum",
    ),
    "contact_name": ("name", "contact", "contactname", "fullname", "person", "attendee", "visitor"),
    "first_name": ("firstname", "givenname", "vorname", "prenom"),
    "last_name": ("lastname", "surname", "familyname", "nachname", "nom"),
    "email": ("email", "emailaddress", "mail", "courriel"),
    "phone": ("phone", "telephone", "tel", "phonenumber", "mobile", "cell", "telefon"),
    "company_name": (
        "company",
        "companyname",
        "organization",
        "organisation",
        "account",
        "firma",
        "employer",
        "business",
    ),
    "street": ("street", "address", "address1", "streetaddress", "strasse"),
    "city": ("city", "town", "ort", "ville"),
    "state_code": ("state", "province", "region", "statecode", "stateprovince"),
    "zip": ("zip", "zipcode", "postcode", "postalcode", "postal", "plz", "cp"),
    "country_code": ("country", "countrycode", "land", "pays"),
    "website": ("website", "web", "url", "site", "homepage"),
    "utm_campaign": ("campaign", "utmcampaign", "event", "eventname", "show", "tradeshow"),
    "utm_source": ("source", "utmsource", "leadsource"),
    "utm_medium": ("medium", "utmmedium", "channel"),
    "note": ("note", "notes", "comment", "comments", "remarks", "message"),
    "external_id": ("id", "externalid", "rowid", "badgeid", "registrationid", "recordid"),
}

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%b %d, %Y",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
#: An activity dated more than this in the future is an error (clock skew allowed).
FUTURE_TOLERANCE = timedelta(days=1)
#: ... or more than this in the past (a 1900 default, a wrong century).
OLDEST = timedelta(days=366 * 5)
_COUNTRIES = {
    "usa": "US",
    "unitedstates": "US",
    "unitedstatesofamerica": "US",
    "us": "US",
    "canada": "CA",
    "unitedkingdom": "GB",
    "uk": "GB",
    "greatbritain": "GB",
    "england": "GB",
    "germany": "DE",
    "deutschland": "DE",
    "france": "FR",
    "mexico": "MX",
}


def _fold(text):
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


# ---------------------------------------------------------------------------
# Bytes, rows, mapping
# ---------------------------------------------------------------------------


def decode(data):
    """``(text, encoding)`` of uploaded bytes: BOMs first, then UTF-8, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(sample):
    """The delimiter of a CSV sample among comma, semicolon, tab and pipe (comma if unsure)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {sep: sample.count(sep) for sep in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def is_xlsx(data):
    return data[:4] == b"PK\x03\x04"


def iter_rows(data):
    """``(headers, rows)``: the header list and a generator of ``{header: value}`` dicts.

    Rows shorter than the header get empty values; extra cells are kept under
    ``"__extra__"``. Empty rows are skipped.
    """
    if is_xlsx(data):
        return _iter_xlsx(data)
    text, _encoding = decode(data)
    delimiter = sniff_delimiter(text[:20000])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [str(h or "").strip() for h in next(reader, [])]
    return headers, _dict_rows(headers, reader)


def _dict_rows(headers, rows):
    for row in rows:
        cells = ["" if cell is None else str(cell) for cell in row]
        if not any(cell.strip() for cell in cells):
            continue
        record = dict(zip(headers, cells + [""] * (len(headers) - len(cells)), strict=False))
        if len(cells) > len(headers):
            record["__extra__"] = cells[len(headers) :]
        yield record


def _iter_xlsx(data):
    import openpyxl  # noqa: PLC0415 (only files that are XLSX need it)

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = [str(h or "").strip() for h in next(rows, ())]

    def cells():
        for row in rows:
            yield [cell.isoformat(" ") if isinstance(cell, datetime) else cell for cell in row]
        book.close()

    return headers, _dict_rows(headers, cells())


def guess_mapping(headers):
    """``{header: canonical field}`` for the headers recognised (each field used once)."""
    mapping, used = {}, set()
    for header in headers:
        folded = _fold(header)
        for name, words in _SYNONYMS.items():
            if name not in used and folded in words:
                mapping[header] = name
                used.add(name)
                break
    return mapping


# ---------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------


@dataclass
class RowResult:
    payload: dict | None
    errors: dict = field(default_factory=dict)
    warnings: dict = field(default_factory=dict)


def parse_datetime(value):
    """A naive UTC datetime from ISO 8601 (with or without zone) or common formats, or None."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        moment = None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if moment is None:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def normalise_row(raw, mapping=None, *, now_utc, defaults=None):
    """The canonical payload of one raw row (see the module docstring).

    ``mapping`` maps raw keys to canonical fields (default: the raw keys are
    canonical already); ``defaults`` fills fields the row leaves empty (the
    event's activity type, category or date).
    """
    mapping = mapping if mapping is not None else {key: key for key in raw}
    values = {}
    for key, target in mapping.items():
        if target and key in raw and raw[key] not in (None, ""):
            values[target] = " ".join(str(raw[key]).split())[:1000]
    if not values.get("contact_name") and (values.get("first_name") or values.get("last_name")):
        first, last = values.get("first_name", ""), values.get("last_name", "")
        values["contact_name"] = f"{first} {last}".strip()
    for key, value in (defaults or {}).items():
        if value not in (None, "") and not values.get(key):
            values[key] = value
    errors, warnings = {}, {}
    payload = {name: values.get(name) or None for name in FIELDS}
    payload["raw"] = {str(k): ("" if v is None else str(v)) for k, v in raw.items()}

    kind = payload["activity_type"]
    payload["activity_type"] = _fold_code(kind) if kind else None
    if not payload["activity_type"]:
        errors["activity_type"] = "No activity type."

    occurred = parse_datetime(values.get("occurred_at"))
    if occurred is None:
        errors["occurred_at"] = (
            f"Unreadable date “{values['occurred_at']}”."
            if values.get("occurred_at")
            else "No date."
        )
    elif occurred > now_utc + FUTURE_TOLERANCE:
        errors["occurred_at"] = f"{occurred:%Y-%m-%d %H:%M} is in the future."
    elif occurred < now_utc - OLDEST:
        errors["occurred_at"] = f"{occurred:%Y-%m-%d} is too far in the past."
    payload["occurred_at"] = occurred

    email = (payload["email"] or "").strip().lower()
    if email and not _EMAIL.match(email):
        warnings["email"] = f"Invalid email “{payload['email']}” dropped."
        email = ""
    payload["email"] = email or None

    country = payload["country_code"]
    if country:
        folded = _fold(country)
        code = _COUNTRIES.get(folded) or (folded.upper() if len(folded) == 2 else None)
        if code is None:
            warnings["country_code"] = f"Unknown country “{country}” dropped."
        payload["country_code"] = code

    if payload["phone"]:
        e164 = names.phone_e164(payload["phone"], payload["country_code"] or "US")
        if not e164:
            warnings["phone"] = f"Invalid phone “{payload['phone']}” dropped."
        payload["phone"] = e164

    if payload["zip"]:
        code = postal.parse_postal(payload["zip"], payload["country_code"])
        if code.normalized and not code.blocking_problems:
            payload["zip"] = code.normalized
        else:
            # Kept as typed: routing flags it in the Unroutable queue, nobody guesses.
            warnings["zip"] = f"ZIP “{payload['zip']}” needs checking: " + "; ".join(
                code.messages()
            )
    if payload["state_code"]:
        payload["state_code"] = payload["state_code"].upper()[:3]

    if not any(payload[name] for name in ("company_name", "email", "phone", "contact_name")):
        errors["contact"] = "Nothing identifies the contact or the company."
    if errors:
        return RowResult(None, errors, warnings)
    return RowResult(payload, errors, warnings)


def _fold_code(text):
    return re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")


def payload_key(payload, sender=None):
    """Idempotency key: the sender's own id when given, else a hash of the content."""
    if payload.get("external_id"):
        basis = {"sender": sender, "external_id": payload["external_id"]}
    else:
        basis = {
            key: value
            for key, value in payload.items()
            if key not in ("raw", "idempotency_key", "note") and value not in (None, "")
        }
        basis["sender"] = sender
    text = json.dumps(basis, sort_keys=True, default=str, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# Rate limiting
# ---------------------------------------------------------------------------


class TokenBucket:
    """``rate`` requests per second on average, bursts up to ``burst``; clock injectable."""

    def __init__(self, rate, burst, clock=time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst, self.clock = float(rate), float(burst), clock
        self._tokens, self._last = float(burst), clock()

    def take(self, cost=1.0):
        """``(allowed, retry_after_seconds)``."""
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= cost:
            self._tokens -= cost
            return True, 0.0
        return False, (cost - self._tokens) / self.rate
