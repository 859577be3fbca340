import time

import pytest
import us
from hypothesis import given
from hypothesis import strategies as st

from lead_refinery.lib import postal
from lead_refinery.lib.postal import CountyResolver, parse_postal

# --- parse_postal ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["12345-6789", "123456789", "12345 6789", " 12345\u20136789 "])
def test_zip_plus4_spellings_normalise_to_one_code(raw):
    code = parse_postal(raw, "US")
    assert (code.kind, code.zip5, code.plus4, code.scf) == ("us", "12345", "6789", "123")
    assert code.normalized == "12345-6789"
    assert code.problems == ()
    assert code.routable


def test_plain_zip5():
    code = parse_postal("02134", "us")
    assert (code.kind, code.zip5, code.plus4, code.normalized) == ("us", "02134", None, "02134")
    assert code.country_code == "US"
    assert code.routable


def test_zip_with_letters_is_invalid_with_reason():
    code = parse_postal("12A45", "US")
    assert code.kind == "invalid"
    assert code.zip5 is None
    assert code.problems == ("invalid_characters",)
    assert not code.routable
    assert "letters" in code.messages()[0]


def test_letter_o_for_zero_gets_a_suggestion_but_is_not_routed():
    code = parse_postal("1234O", "US")
    assert code.problems == ("invalid_characters",)
    assert code.suggestion == "12340"
    assert code.zip5 is None
    assert "Did you mean 12340?" in code.messages()[0]


@pytest.mark.parametrize(
    ("raw", "suggestion"),
    [("2134", "02134"), ("501", "00501"), ("2134-1234", "02134-1234"), ("21341234", "02134-1234")],
)
def test_lost_leading_zero_is_flagged_not_guessed(raw, suggestion):
    code = parse_postal(raw, "US")
    assert code.kind == "invalid"
    assert code.problems == ("leading_zero_lost",)
    assert code.suggestion == suggestion
    assert code.zip5 is None and code.scf is None
    assert not code.routable
    assert suggestion in code.messages()[0]


def test_lost_zero_without_country_is_ambiguous():
    code = parse_postal("2134")
    assert code.kind == "invalid"
    assert code.problems == ("country_missing", "leading_zero_lost")
    assert code.suggestion == "02134"
    assert code.country_code is None


@pytest.mark.parametrize("raw", ["1234567890", "123456", "12"])
def test_wrong_number_of_digits(raw):
    code = parse_postal(raw, "US")
    assert code.problems == ("wrong_length",)
    assert f"{len(raw)} digits" in code.messages()[0]


def test_malformed_plus4_keeps_the_zip5_with_a_warning():
    code = parse_postal("12345-67", "US")
    assert (code.kind, code.zip5, code.plus4) == ("us", "12345", None)
    assert code.problems == ("plus4_dropped",)
    assert code.routable


@pytest.mark.parametrize("raw", ["K1A 0B1", "k1a0b1", "K1A-0B1"])
def test_canadian_postcode(raw):
    code = parse_postal(raw, "CA")
    assert (code.kind, code.normalized, code.zip5) == ("ca", "K1A 0B1", None)
    assert code.problems == ()
    assert not code.routable


@pytest.mark.parametrize(
    ("raw", "normalized"), [("SW1A 1AA", "SW1A 1AA"), ("sw1a1aa", "SW1A 1AA"), ("M1 1AE", "M1 1AE")]
)
def test_uk_postcode(raw, normalized):
    code = parse_postal(raw, "GB")
    assert (code.kind, code.normalized, code.problems) == ("uk", normalized, ())


def test_foreign_postcodes_without_country_are_recognised_not_read_as_us():
    canadian = parse_postal("K1A 0B1")
    assert (canadian.kind, canadian.country_code) == ("ca", "CA")
    assert canadian.problems == ("country_inferred",)
    british = parse_postal("SW1A 1AA", None)
    assert (british.kind, british.country_code) == ("uk", "GB")
    assert british.country_inferred


def test_canadian_postcode_on_a_us_address_is_a_mismatch():
    code = parse_postal("K1A 0B1", "US")
    assert code.kind == "invalid"
    assert code.looks_like == "ca"
    assert code.problems == ("country_mismatch",)
    assert "Canadian" in code.messages()[0]


def test_us_zip_on_a_canadian_address_is_a_mismatch():
    code = parse_postal("12345", "CA")
    assert (code.kind, code.looks_like, code.problems) == ("invalid", "us", ("country_mismatch",))


def test_bad_canadian_postcode():
    code = parse_postal("K1A", "CA")
    assert (code.kind, code.problems) == ("invalid", ("bad_format",))


def test_missing_country_infers_us_from_a_clean_zip_and_says_so():
    for raw, normalized in (("12345", "12345"), ("123456789", "12345-6789")):
        code = parse_postal(raw, None)
        assert (code.kind, code.country_code, code.normalized) == ("us", "US", normalized)
        assert code.country_inferred
        assert code.problems == ("country_inferred",)
        assert code.routable  # a warning, not a blocking problem
        assert "inferred" in code.messages()[0]


def test_missing_country_and_unknown_format():
    code = parse_postal("75008 CEDEX", "")
    assert code.kind == "invalid"
    assert code.problems[0] == "country_missing"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_postcode(raw):
    code = parse_postal(raw, "US")
    assert (code.kind, code.problems) == ("missing", ("missing",))
    assert code.messages() == ("No postal code was given.",)


def test_other_countries_are_kept_as_typed():
    code = parse_postal(" 75008 ", "fr")
    assert (code.kind, code.country_code, code.normalized, code.problems) == (
        "other",
        "FR",
        "75008",
        (),
    )


def test_us_territories_use_zip_codes():
    code = parse_postal("00901", "PR")
    assert (code.kind, code.zip5) == ("us", "00901")


def test_every_problem_code_has_a_message():
    samples = [
        parse_postal(raw, country)
        for raw, country in [
            (None, "US"),
            ("12345", None),
            ("2134", None),
            ("K1A 0B1", "US"),
            ("12A45", "US"),
            ("123456", "US"),
            ("2134", "US"),
            ("12345-6", "US"),
            ("K1A", "CA"),
        ]
    ]
    seen = {code for sample in samples for code in sample.problems}
    assert seen == set(postal.PROBLEM_MESSAGES)
    for sample in samples:
        for message in sample.messages():
            assert "{" not in message and message.endswith((".", "?"))


@given(st.from_regex(r"\d{5}", fullmatch=True))
def test_any_five_digits_is_a_routable_zip(digits):
    code = parse_postal(digits, "US")
    assert code.routable
    assert (code.zip5, code.scf, code.normalized) == (digits, digits[:3], digits)


@given(st.from_regex(r"\d{5}", fullmatch=True), st.from_regex(r"\d{4}", fullmatch=True))
def test_any_zip_plus4_round_trips(zip5, plus4):
    for raw in (f"{zip5}-{plus4}", f"{zip5}{plus4}", f"{zip5} {plus4}"):
        code = parse_postal(raw, "US")
        assert (code.zip5, code.plus4) == (zip5, plus4)
        assert parse_postal(code.normalized, "US") == parse_postal(f"{zip5}-{plus4}", "US")


@given(st.text(max_size=12), st.sampled_from([None, "US", "CA", "GB", "FR", "PR"]))
def test_parse_never_raises_and_only_clean_us_codes_route(raw, country):
    code = parse_postal(raw, country)
    assert code.kind in {"us", "ca", "uk", "other", "invalid", "missing"}
    if code.routable:
        assert code.zip5.isdigit() and len(code.zip5) == 5
        assert code.kind == "us"
    for message in code.messages():
        assert message


# --- county names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "name", "fips"),
    [
        ("MO", "St. Louis County", "29189"),
        ("MO", "Saint Louis County", "29189"),
        ("MO", "st louis co", "29189"),
        ("MO", "ST. LOUIS CO.", "29189"),
        ("Missouri", "St Louis", "29189"),
        ("MO", "St. Louis city", "29510"),
        ("MN", "St Louis County", "27137"),
        ("FL", "Miami-Dade", "12086"),
        ("FL", "Miami Dade County", "12086"),
        ("FL", "Dade", "12086"),
        ("IL", "De Kalb", "17037"),
        ("IL", "DeKalb County", "17037"),
        ("GA", "De Kalb County", "13089"),
        ("TX", "De Witt", "48123"),
        ("IN", "La Porte County", "18091"),
        ("LA", "LaSalle Parish", "22059"),
        ("AK", "Municipality of Anchorage", "02020"),
        ("AK", "City and Borough of Juneau", "02110"),
        ("MD", "St Mary's County", "24037"),
        ("NM", "Dona Ana", "35013"),
        ("NM", "Doña Ana County", "35013"),
        ("VA", "Richmond city", "51760"),
        ("VA", "Richmond County", "51159"),
        ("PR", "Comerío Municipio", "72045"),
        ("NY", "36061", "36061"),
    ],
)
def test_county_names_in_any_spelling(state, name, fips):
    assert postal.county_fips(state, name) == fips


@pytest.mark.parametrize(
    ("state", "name"), [("NY", "Nowhere"), ("XX", "Kings"), (None, "Kings"), ("NY", "")]
)
def test_unknown_counties(state, name):
    assert postal.county_fips(state, name) is None


# --- ZIP table ------------------------------------------------------------------------------


def test_zip_to_county_and_state():
    assert postal.county_fips_for_zip("02134") == "25025"  # Allston: Suffolk County, MA
    assert postal.county_fips_for_zip("10001") == "36061"  # Manhattan
    assert postal.county_fips_for_zip("63105") == "29189"  # Clayton: St. Louis County
    assert postal.county_fips_for_zip("00501") == "36103"  # Holtsville IRS: Suffolk, NY
    assert postal.state_for_zip("02134") == "MA"
    assert postal.state_for_zip("00901") == "PR"
    assert postal.county_fips_for_zip("00000") is None
    assert postal.state_for_zip("00000") is None


def test_zip_info_says_where_the_county_came_from():
    assert postal.zip_info("10001").county_source == "name"
    dc_parcels = postal.zip_info("56999")  # USPS lists no county; DC has one county
    assert (dc_parcels.state, dc_parcels.county_fips, dc_parcels.county_source) == (
        "DC",
        "11001",
        "state",
    )
    cross_border = postal.zip_info("15439")  # PA ZIP that USPS puts in Monongalia, WV
    assert cross_border.county_source == "nearest"
    assert cross_border.county_fips.startswith("42")
    military = postal.zip_info("09001")
    assert (military.state, military.county_fips, military.county_source) == ("AE", None, None)


def test_every_zip_of_the_states_has_a_county_of_that_state():
    fips_prefix = {s.abbr: s.fips for s in [*us.states.STATES, us.states.DC]}
    missing, wrong = [], []
    for zip5 in postal.all_us_zip5():
        info = postal.zip_info(zip5)
        if info.state not in fips_prefix:
            continue
        if info.county_fips is None:
            missing.append(zip5)
        elif info.county_fips[:2] != fips_prefix[info.state]:
            wrong.append(zip5)
    assert wrong == []
    # Only the APO/DPO ZIPs that USPS files under NJ (09905, 0998x) lack a county.
    assert missing == ["09905", "09980", "09981", "09982", "09983", "09984"]


def test_all_us_zip5():
    zips = postal.all_us_zip5()
    assert len(zips) > 40_000
    assert zips == sorted(zips)
    assert len(set(zips)) == len(zips)
    assert all(len(z) == 5 and z.isdigit() for z in zips)
    assert "02134" in zips and "99950" in zips


def test_lookups_are_fast_after_the_first_build():
    postal.all_us_zip5()  # build
    assert postal.build_seconds is not None
    zips = postal.all_us_zip5()
    began = time.perf_counter()
    for zip5 in zips:
        postal.county_fips_for_zip(zip5)
        postal.state_for_zip(zip5)
    assert time.perf_counter() - began < 0.5  # ~85k lookups; about 30 ms in practice


def test_overrides_win():
    assert postal.county_fips_for_zip("10001", overrides={"10001": "36047"}) == "36047"
    resolver = CountyResolver({"02134": "25017"})
    assert resolver.fips_for_zip("02134") == "25017"
    assert resolver.source_for_zip("02134") == "override"
    assert resolver.fips_for_zip("10001") == "36061"
    assert resolver.source_for_zip("10001") == "name"
    assert resolver.fips_for_zip("00000") is None
