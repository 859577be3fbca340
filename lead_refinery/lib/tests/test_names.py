import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lead_refinery.lib import names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Procter & Gamble Company", "procter and gamble"),
        ("Procter & Gamble Co.", "procter and gamble"),
        ("PROCTER AND GAMBLE, INC.", "procter and gamble"),
        ("Intl Business Machines Corp", "international business machines"),
        ("International Business Machines Corporation", "international business machines"),
        ("Acme Mfg Co", "acme manufacturing"),
        ("AT&T", "att"),
        ("AT and T", "att"),
        ("Société Générale S.A.", "societe generale"),
        ("Inc.", ""),
        ("  ", ""),
        ("", ""),
        ("🙂🙂", ""),
        ("N/A", ""),
        ("n.a.", ""),
        ("-", ""),
        ("None", ""),
        ("Unknown", ""),
        ("Private", ""),
        ("Self-Employed", ""),
        ("The Unknown Inc.", ""),
        ("Unknown Worlds Entertainment", "unknown worlds entertainment"),
        ("Private Label Foods", "private label foods"),
        ("NA", "na"),
    ],
)
def test_normalize_company(raw, expected):
    assert names.normalize_company(raw) == expected


@given(st.text(max_size=400))
@settings(max_examples=300)
def test_normalisation_is_idempotent_and_never_crashes(text):
    once = names.normalize_company(text)
    assert names.normalize_company(once) == once
    keys = names.identity_keys(
        name=text, email=text, website=text, phone=text, zip=text, city=text, state=text
    )
    assert isinstance(keys.name_norm, str)
    assert names.is_acronym_like(text) in (True, False)


def test_huge_and_foreign_inputs_are_cheap_and_safe():
    keys = names.identity_keys(name="x" * 10000, email="a" * 10000, phone="9" * 10000)
    assert len(keys.name_norm) <= names.MAX_INPUT
    assert keys.phone is None and keys.email_domain is None
    assert names.identity_keys(name="株式会社トヨタ").name_norm == ""
    assert names.identity_keys(name="Газпром").name_norm == ""


def test_acronyms_and_phonetics():
    assert names.acronym_of("international business machines") == "ibm"
    assert names.acronym_of("minnesota mining and manufacturing") == "mmm"
    assert names.acronym_of("acme") == ""
    assert (
        names.is_acronym_like("3M")
        and names.is_acronym_like("HPE")
        and names.is_acronym_like("AT&T")
    )
    assert not names.is_acronym_like("Procter & Gamble")
    assert names.phonetic_key("prockter and gamble") == names.phonetic_key("procter and gamble")
    assert names.significant_tokens("american airlines") == ["airlines"]


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("Pat Buyer <pat@PG.com>", "pg.com"),
        ("pat@sales.pg.com", "sales.pg.com"),
        ("someone@gmail.com", None),
        ("someone@yahoo.co.uk", None),
        ("not-an-email", None),
        ("a@b", None),
        (None, None),
    ],
)
def test_email_domain(email, domain):
    assert names.email_domain(email) == domain


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.pg.com/about?x=1", "pg.com"),
        ("pg.com", "pg.com"),
        ("HTTP://WWW.IBM.COM:8080", "ibm.com"),
        ("not a url", None),
        ("", None),
    ],
)
def test_website_domain(url, domain):
    assert names.website_domain(url) == domain


def test_phones_and_zips():
    assert names.phone_e164("(513) 983-1100") == "+15139831100"
    assert names.phone_e164("+1 513 983 1100") == "+15139831100"
    assert names.phone_e164("555-0100") is None
    assert names.phone_e164("12") is None
    assert names.phone_e164("+44 20 7946 0958", "US") == "+442079460958"
    for raw in ("12345-6789", "123456789", "12345 6789", "12345"):
        assert names.zip5(raw) == "12345"
    for raw in ("2134", "1234A", "K1A 0B1", "SW1A 1AA", None):
        assert names.zip5(raw) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("OH", "OH"),
        ("oh", "OH"),
        ("Ohio", "OH"),
        (" new york ", "NY"),
        ("District of Columbia", "DC"),
        ("Ontario", ""),
        ("on", "ON"),
        ("Jal", "JAL"),
        ("", ""),
        (None, ""),
        ("O" * 10000, ""),
    ],
)
def test_state_code(raw, code):
    assert names.state_code(raw) == code


def test_state_name_and_code_give_the_same_keys():
    assert names.identity_keys(name="Acme", state="Ohio").state_code == "OH"
    assert names.identity_keys(name="Acme", state="OH").state_code == "OH"
