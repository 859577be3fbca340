from collections import Counter
from datetime import date

import phonenumbers
import pytest
import zipcodes

from lead_refinery.lib import demodata


@pytest.fixture(scope="module")
def data():
    return demodata.generate(scale=60, seed=42, today=date(2026, 11, 1))


def test_same_seed_same_data_other_seed_other_data(data):
    assert demodata.generate(scale=60, seed=42, today=date(2026, 11, 1)) == data
    assert demodata.generate(scale=60, seed=43, today=date(2026, 11, 1)).accounts != data.accounts


def test_counts_and_fixed_logins(data):
    assert len(data.accounts) == 60
    assert len(data.distributors) == 2
    assert data.reps[0].login == "rep"
    assert data.distributors[0].portal_login == "partner"
    per_team = Counter(rep.team_key for rep in data.reps)
    assert len(per_team) >= 2 and min(per_team.values()) >= 2
    assert len({rep.login for rep in data.reps}) == len(data.reps)


def test_phones_valid_and_zips_real(data):
    for account in data.accounts:
        assert phonenumbers.is_valid_number(phonenumbers.parse(account.phone)), account.phone
        assert zipcodes.matching(account.zip[:5])[0]["state"] == account.state_code
    for contact in data.contacts:
        assert phonenumbers.is_valid_number(phonenumbers.parse(contact.phone))


def test_variants_differ_from_names_and_keys_resolve(data):
    accounts = {account.key: account for account in data.accounts}
    contacts = {contact.key: contact for contact in data.contacts}
    reps = {rep.key for rep in data.reps}
    for account in data.accounts:
        assert all(text != account.name for text, _kind in account.variants)
        assert account.parent_key is None or account.parent_key in accounts
    for lead in data.leads:
        assert lead.account_key is None or lead.account_key in accounts
        assert lead.contact_key is None or lead.contact_key in contacts
        assert lead.owner_key is None or lead.owner_key in reps


def test_funnel_covers_every_stage(data):
    stages = Counter(lead.refinery_stage for lead in data.leads)
    assert set(stages) == {
        "touch",
        "contact",
        "lead",
        "qualified",
        "opportunity",
        "won",
        "lost",
        "incubating",
        "rejected",
    }
    assert stages["touch"] > stages["won"]
    assert all(
        lead.reject_reason in demodata.REJECT_REASONS
        for lead in data.leads
        if lead.refinery_stage == "rejected"
    )
    unowned = [
        lead
        for lead in data.leads
        if lead.owner_key is None and lead.refinery_stage not in ("touch", "rejected")
    ]
    assert len(unowned) >= 2
