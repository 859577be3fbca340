import random
import re
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta

import phonenumbers
import pytest
import zipcodes
from hypothesis import given, settings
from hypothesis import strategies as st

from lead_refinery.lib import demodata, ladder

TODAY = date(2026, 11, 1)
VARIANT_KINDS = {"abbreviation", "former_name", "division", "acronym", "misspelling"}
FREEMAIL = {"gmail.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com"}


@pytest.fixture(scope="module")
def data():
    return demodata.generate(scale=60, seed=42, today=TODAY)


@pytest.fixture(scope="module")
def big():
    return demodata.generate(scale=2000, seed=7, today=TODAY)


@pytest.fixture(scope="module")
def zip_index():
    return {entry["zip_code"]: entry for entry in zipcodes.list_all()}


def _valid_phone(number):
    parsed = phonenumbers.parse(number)
    return phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) in {
        "US",
        None,
    }


def _core(name):
    head, _space, last = name.rpartition(" ")
    return head if head and last in demodata._SUFFIXES else name


# ------------------------------------------------------------------ determinism


def test_same_arguments_same_data_other_seed_other_data(data):
    assert demodata.generate(scale=60, seed=42, today=TODAY) == data
    other = demodata.generate(scale=60, seed=43, today=TODAY)
    assert [a.name for a in other.accounts] != [a.name for a in data.accounts]
    assert [lead.email_from for lead in other.leads] != [lead.email_from for lead in data.leads]
    assert [rep.name for rep in other.reps] != [rep.name for rep in data.reps]


def test_today_only_shifts_the_dates(data):
    later = demodata.generate(scale=60, seed=42, today=TODAY + timedelta(days=10))
    assert later.accounts == data.accounts and later.contacts == data.contacts
    shift = timedelta(days=10)
    for old, new in zip(data.leads, later.leads, strict=True):
        assert new.create_date == old.create_date + shift
        assert new.date_last_touch == (old.date_last_touch and old.date_last_touch + shift)
        assert replace(new, create_date=old.create_date, date_last_touch=old.date_last_touch) == old


def test_global_random_is_left_alone():
    random.seed(1234)
    expected = random.random()
    random.seed(1234)
    demodata.generate(scale=20, seed=5, today=TODAY)
    assert random.random() == expected


def test_streaming_gives_the_same_records(data):
    blocks = list(demodata.iter_blocks(scale=60, seed=42, today=TODAY))
    assert tuple(block.account for block in blocks) == data.accounts
    assert tuple(c for block in blocks for c in block.contacts) == data.contacts
    assert tuple(lead for block in blocks for lead in block.leads) == data.leads
    found = demodata.directory(scale=60, seed=42)
    assert (found.teams, found.reps, found.distributors) == (
        data.teams,
        data.reps,
        data.distributors,
    )
    for block in blocks:
        assert all(contact.account_key == block.account.key for contact in block.contacts)


def test_negative_scale_is_refused_and_zero_is_empty():
    with pytest.raises(ValueError):
        demodata.generate(scale=-1)
    empty = demodata.generate(scale=0)
    assert (empty.accounts, empty.contacts, empty.leads) == ((), (), ())
    assert len(empty.reps) == 6 and len(empty.distributors) == 2


# ------------------------------------------------------------------ directory


def test_counts_and_fixed_logins(data):
    assert len(data.accounts) == 60
    assert len(demodata.generate(scale=7, seed=1).accounts) == 7
    assert [d.kind for d in data.distributors] == ["distributor", "rep_firm"]
    assert data.reps[0].login == "rep" and not data.reps[0].manager
    assert data.distributors[0].portal_login == "partner"
    per_team = Counter(rep.team_key for rep in data.reps)
    assert set(per_team) == {team.key for team in data.teams}
    assert len(per_team) >= 2 and min(per_team.values()) >= 2
    assert Counter(rep.team_key for rep in data.reps if rep.manager) == Counter(set(per_team))
    logins = [rep.login for rep in data.reps] + [d.portal_login for d in data.distributors]
    assert len(set(logins)) == len(logins)
    assert {rep.role for rep in data.reps if rep.team_key == "inside"} == {"inside"}
    assert {rep.role for rep in data.reps if rep.team_key != "inside"} == {"field"}


def test_reps_grow_with_scale_but_stay_capped_and_logins_stay_stable(data):
    larger = demodata.directory(scale=2000, seed=42)
    assert len(larger.reps) == 3 * 17  # one per 40 accounts
    assert [rep.login for rep in larger.reps[:2]] == [rep.login for rep in data.reps[:2]]
    assert Counter(rep.team_key for rep in demodata.directory(100_000).reps) == {
        "east": 40,
        "west": 40,
        "inside": 40,
    }


def test_campaigns_and_categories(data):
    assert {c.medium for c in data.campaigns} == {
        "Trade show",
        "Webinar",
        "Website",
        "Email",
        "Phone",
    }
    assert all(c.name and c.source for c in data.campaigns)
    assert len(data.categories) == 6
    assert len({c.key for c in data.categories}) == len(data.categories)


# ------------------------------------------------------------------ accounts and contacts


def test_phones_are_valid_us_numbers(big):
    numbers = [a.phone for a in big.accounts] + [d.phone for d in big.distributors]
    numbers += [c.phone for c in big.contacts] + [c.mobile for c in big.contacts if c.mobile]
    numbers += [lead.phone for lead in big.leads if lead.phone]
    for number in numbers:
        assert re.fullmatch(r"\+1 \d{3}-\d{3}-\d{4}", number), number
        assert number[7:10] != "555", number
        assert _valid_phone(number), number
    assert sum(not c.mobile for c in big.contacts) > 0  # not everyone gives a mobile


def test_zips_are_real_and_match_city_and_state(big, zip_index):
    places = [(a.zip, a.city, a.state_code) for a in big.accounts]
    places += [(d.zip, d.city, d.state_code) for d in big.distributors]
    places += [(lead.zip, lead.city, lead.state_code) for lead in big.leads if lead.zip]
    for zip_code, city, state in places:
        assert re.fullmatch(r"\d{5}(-\d{4})?", zip_code), zip_code
        entry = zip_index[zip_code[:5]]
        assert (entry["state"], entry["city"]) == (state, city), zip_code
    assert zipcodes.matching(big.accounts[0].zip[:5])[0]["state"] == big.accounts[0].state_code
    plus_four = sum("-" in a.zip for a in big.accounts) / len(big.accounts)
    assert 0.1 < plus_four < 0.3
    assert len({a.state_code for a in big.accounts}) > 40


def test_names_are_unique_and_variants_are_real_variants(big):
    names = [a.name.lower() for a in big.accounts]
    assert len(set(names)) == len(names)
    kinds = Counter()
    for account in big.accounts:
        texts = [text.lower() for text, _kind in account.variants]
        assert len(set(texts)) == len(texts)
        for text, kind in account.variants:
            assert kind in VARIANT_KINDS
            assert text.lower() not in {account.name.lower(), _core(account.name).lower()}
            kinds[kind] += 1
        assert account.variants  # every account is misspelled by someone
    assert set(kinds) == VARIANT_KINDS
    styles = {
        "acronym-style": r"[A-Z]{2,3} \w+",
        "founders": r"\w+ & \w+ .+",
        "classic": r"\w+ \w+ and \w+",
    }
    for style, pattern in styles.items():
        assert any(re.fullmatch(pattern, _core(a.name)) for a in big.accounts), style


def test_no_numbered_names_even_at_large_scale():
    accounts = [block.account for block in demodata.iter_blocks(scale=10_000, seed=3)]
    numbered = [a.name for a in accounts if re.search(r"\d", a.name)]
    assert len(numbered) == 0, numbered[:5]
    domains = [a.website for a in accounts if a.parent_key is None]
    assert len(set(domains)) == len(domains)


def test_divisions_named_accounts_and_sizes(big):
    by_key = {a.key: a for a in big.accounts}
    position = {a.key: index for index, a in enumerate(big.accounts)}
    divisions = [a for a in big.accounts if a.parent_key]
    assert 0.05 < len(divisions) / len(big.accounts) < 0.15
    for division in divisions:
        parent = by_key[division.parent_key]
        assert parent.parent_key is None and position[parent.key] < position[division.key]
        assert division.name.startswith(_core(parent.name) + " ")
        assert division.website == parent.website
        assert division.employees < parent.employees
        assert any(kind == "division" for _text, kind in division.variants)
    named = sum(a.named_account for a in big.accounts) / len(big.accounts)
    assert 0.005 < named < 0.04
    for account in big.accounts:
        assert 150_000 <= account.annual_revenue / account.employees <= 450_000
        assert account.website.startswith("www.") and account.website.endswith((".com", ".net"))
        assert re.fullmatch(r"www\.[a-z0-9-]+\.(com|net)", account.website), account.website


def test_contacts_per_account_and_their_emails(big):
    per_account = Counter(c.account_key for c in big.contacts)
    assert set(per_account) == {a.key for a in big.accounts}
    assert min(per_account.values()) >= 2 and max(per_account.values()) <= 5
    websites = {a.key: a.website.removeprefix("www.") for a in big.accounts}
    free = 0
    for contact in big.contacts:
        domain = contact.email.rsplit("@", 1)[1]
        if domain in FREEMAIL:
            free += 1
        else:
            assert domain == websites[contact.account_key]
        assert contact.function and " " in contact.name
    assert 0.05 < free / len(big.contacts) < 0.15
    emails = [c.email for c in big.contacts]
    assert len(set(emails)) == len(emails)


# ------------------------------------------------------------------ leads


def test_every_key_resolves(big):
    keys = {
        "account": {a.key for a in big.accounts},
        "contact": {c.key: c.account_key for c in big.contacts},
        "rep": {r.key for r in big.reps},
        "team": {t.key for t in big.teams},
        "campaign": {c.key for c in big.campaigns},
        "category": {c.key for c in big.categories},
        "distributor": {d.key for d in big.distributors},
    }
    assert {r.team_key for r in big.reps} <= keys["team"]
    for account in big.accounts:
        assert account.parent_key is None or account.parent_key in keys["account"]
        assert account.owner_key in keys["rep"]
    for contact in big.contacts:
        assert contact.account_key in keys["account"]
    for lead in big.leads:
        assert lead.account_key is None or lead.account_key in keys["account"]
        assert lead.true_account_key is None or lead.true_account_key in keys["account"]
        if lead.account_key:
            assert lead.true_account_key == lead.account_key
        if lead.contact_key is not None:
            assert keys["contact"][lead.contact_key] == lead.account_key
        assert lead.owner_key is None or lead.owner_key in keys["rep"]
        assert lead.campaign_key in keys["campaign"]
        assert lead.category_key in keys["category"]
        assert lead.distributor_key is None or lead.distributor_key in keys["distributor"]
    assert len({lead.key for lead in big.leads}) == len(big.leads)


def test_lead_volume_and_shares(big):
    leads, n = big.leads, len(big.leads)
    assert 1.35 < n / len(big.accounts) < 1.65
    unlinked = [lead for lead in leads if lead.account_key is None]
    assert 0.05 < len(unlinked) / n < 0.15
    assert 0.04 < sum(bool(lead.distributor_key) for lead in leads) / n < 0.12
    accounts = {a.key: a for a in big.accounts}
    known = {a.name.lower() for a in big.accounts}
    known |= {text.lower() for a in big.accounts for text, _kind in a.variants}
    new = [lead for lead in unlinked if lead.true_account_key is None]
    misfiled = [lead for lead in unlinked if lead.true_account_key is not None]
    assert new and misfiled
    for lead in new:
        assert lead.partner_name.lower() not in known and lead.contact_key is None
    for lead in misfiled:
        account = accounts[lead.true_account_key]
        written = {text for text, _kind in account.variants} | {account.name}
        assert lead.partner_name in written
    for lead in unlinked:
        assert lead.refinery_stage in {"touch", "contact", "lead", "incubating", "rejected"}
    as_variant = sum(
        lead.partner_name in {text for text, _kind in accounts[lead.account_key].variants}
        for lead in leads
        if lead.account_key
    )
    assert as_variant > 0.2 * n  # respondents often write a variant


def test_lead_titles_follow_the_category(big):
    phrases = {key: phrase for key, _name, phrase in demodata.CATEGORIES}
    for lead in big.leads:
        assert lead.name.endswith(f"\u2013 {phrases[lead.category_key]}"), lead.name


@pytest.mark.parametrize("seed", range(8))
def test_funnel_covers_every_stage_at_demo_scale(seed):
    leads = demodata.generate(scale=60, seed=seed, today=TODAY).leads
    stages = Counter(lead.refinery_stage for lead in leads)
    assert set(stages) == set(ladder.ALL_CODES)
    unowned = [
        lead
        for lead in leads
        if lead.owner_key is None and lead.refinery_stage not in ("touch", "rejected")
    ]
    assert len(unowned) >= 2


def test_funnel_shape_and_stage_consistency(big):
    stages = Counter(lead.refinery_stage for lead in big.leads)
    assert stages["touch"] > stages["qualified"] > stages["won"] > 0
    assert stages["contact"] + stages["lead"] > stages["opportunity"] + stages["won"]
    bounds = {stage: (low, high) for stage, _weight, (low, high), _touches in demodata.FUNNEL}
    reasons = Counter()
    for lead in big.leads:
        stage = lead.refinery_stage
        low, high = bounds[stage]
        assert low <= lead.probability <= high
        assert (lead.reject_reason is not None) == (stage == "rejected")
        if stage == "rejected":
            reasons[lead.reject_reason] += 1
            assert lead.expected_revenue == 0
        if stage == "won":
            assert lead.probability == 100 and lead.expected_revenue > 0
        if stage in ("lost", "rejected"):
            assert lead.probability == 0
        if lead.owner_key is None:
            assert stage in ("touch", "contact", "lead")
    assert set(reasons) == set(demodata.REJECT_REASONS)
    unowned_touches = sum(
        lead.owner_key is None and lead.refinery_stage == "touch" for lead in big.leads
    )
    assert 0.03 < unowned_touches / len(big.leads) < 0.08


def test_dates_stay_in_the_window_before_today(big):
    start, midnight = TODAY - timedelta(days=120), datetime(2026, 11, 1)
    for lead in big.leads:
        assert start <= lead.create_date.date() < TODAY
        assert (lead.touch_count == 0) == (lead.date_last_touch is None)
        if lead.date_last_touch:
            assert lead.create_date <= lead.date_last_touch <= midnight
    assert all(lead.touch_count == 0 for lead in big.leads if lead.refinery_stage == "touch")


@settings(max_examples=25, deadline=None)
@given(scale=st.integers(min_value=1, max_value=40), seed=st.integers(0, 10**9))
def test_any_seed_gives_consistent_records(scale, seed):
    data = demodata.generate(scale=scale, seed=seed, today=TODAY)
    assert len(data.accounts) == scale
    accounts = {a.key for a in data.accounts}
    contacts = {c.key for c in data.contacts}
    assert data.reps[0].login == "rep" and data.distributors[0].portal_login == "partner"
    for account in data.accounts:
        assert _valid_phone(account.phone)
        assert account.parent_key is None or account.parent_key in accounts
        assert all(text.lower() != account.name.lower() for text, _kind in account.variants)
    for lead in data.leads:
        assert lead.account_key is None or lead.account_key in accounts
        assert lead.contact_key is None or lead.contact_key in contacts
        assert (lead.reject_reason is not None) == (lead.refinery_stage == "rejected")
