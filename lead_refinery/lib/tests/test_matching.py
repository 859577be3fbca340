import pytest

from lead_refinery.lib import matching, names

K = names.identity_keys
PG = K(
    name="The Procter and Gamble Company",
    website="pg.com",
    zip="45202",
    city="Cincinnati",
    state="OH",
    phone="513-983-1100",
)
IBM = K(
    name="International Business Machines Corporation", website="ibm.com", city="Armonk", state="NY"
)
MMM = K(name="Minnesota Mining and Manufacturing", website="3m.com")


def decision(lead, account, aliases=()):
    return matching.decide(matching.score_candidate(lead, account, aliases))


def test_same_name_links_and_explains():
    result = matching.score_candidate(K(name="Procter & Gamble Co."), PG)
    assert matching.decide(result) == "auto"
    assert result.breakdown["name"] == 100.0
    assert any("same name" in reason for reason in result.reasons)


def test_misspelling_needs_corroboration():
    assert decision(K(name="Prockter and Gambel"), PG) == "review"
    assert decision(K(name="Prockter and Gambel", zip="45202-1234"), PG) == "auto"
    assert decision(K(name="Prockter and Gambel", city="Cincinnati", state="OH"), PG) == "auto"


@pytest.mark.parametrize(
    ("lead", "slip"),
    [
        ("Prockter and Gamble", ("prockter", "procter")),  # a letter too many
        ("Procter & Gambel", ("gambel", "gamble")),  # two letters swapped
        ("Prcter and Gamble", ("prcter", "procter")),  # a letter dropped
        ("Proctor and Gamble", ("proctor", "procter")),  # a letter mistyped
        ("Prokter and Gamble", ("prokter", "procter")),  # sounds the same, two edits
    ],
)
def test_one_slip_in_one_distinctive_word_links(lead, slip):
    result = matching.score_candidate(K(name=lead), PG)
    assert matching.one_slip(K(name=lead), PG) == slip
    assert matching.decide(result) == "auto"
    assert result.breakdown["slip"] == 100.0
    # A company that wants every misspelling reviewed raises its auto-link threshold.
    assert matching.decide(result, t_auto=95.0) == "review"


@pytest.mark.parametrize(
    ("lead", "account", "slip"),
    [
        ("EXC Maanufacturing", "EXC Manufacturing Ltd.", ("maanufacturing", "manufacturing")),
        ("BG Proudcts", "BG Products Inc.", ("proudcts", "products")),
        ("Nash Disribution", "Nash Distribution Co.", ("disribution", "distribution")),
    ],
)
def test_one_slip_in_a_generic_word_links_when_the_distinctive_words_agree(lead, account, slip):
    assert matching.one_slip(K(name=lead), K(name=account)) == slip
    assert decision(K(name=lead), K(name=account)) == "auto"


@pytest.mark.parametrize(
    ("lead", "account"),
    [
        ("Prockter and Gambel", "Procter and Gamble"),  # two words misspelt
        ("Acme Systems", "Acme Solutions"),  # another generic word, not a slip
        ("Global Systesm", "Global Systems"),  # no distinctive word to agree on
        ("Honeywel", "Honeywell"),  # one distinctive word only
        ("Sonus Acoustics", "Sonos Acoustics"),  # a short word: often another company
        ("Procter and Rumble", "Procter and Gamble"),  # two edits that do not sound the same
        ("Procter and Gamble Europe", "Procter and Gamble"),  # a word more
        ("Gamble and Procter", "Procter and Gamble"),  # another order
    ],
)
def test_what_is_not_a_slip(lead, account):
    assert matching.one_slip(K(name=lead), K(name=account)) is None
    assert decision(K(name=lead), K(name=account)) != "auto"


def test_acronym_with_domain_or_city():
    assert decision(K(name="IBM", website="www.ibm.com"), IBM) == "auto"
    assert decision(K(name="IBM", city="Armonk", state="NY"), IBM) == "auto"
    assert decision(K(name="IBM"), IBM) == "review"


def test_alias_hit():
    result = matching.score_candidate(K(name="3M"), MMM, [names.normalize_company("3M")])
    assert matching.decide(result) == "auto"
    assert result.breakdown["alias"] == 100.0


@pytest.mark.parametrize(
    ("lead", "account"),
    [
        ("American Airlines", "American Express"),
        ("Johnson & Johnson", "Johnson Controls"),
        ("General Motors", "General Mills"),
        ("Kessler Industries", "Kessler Industrial Supply"),
    ],
)
def test_near_misses_never_auto_link_even_next_door(lead, account):
    place = {"zip": "10001", "city": "New York", "state": "NY"}
    assert decision(K(name=lead, **place), K(name=account, **place)) != "auto"
    assert decision(K(name=account, **place), K(name=lead, **place)) != "auto"


def test_generic_and_short_names_do_not_carry_a_match():
    assert decision(K(name="Global Systems"), K(name="Global Systems Inc")) == "new"
    assert decision(K(name="AB"), K(name="AB Inc")) == "new"
    assert decision(K(name="Acme"), K(name="Acme Global Tech")) != "auto"


def test_domain_only_and_phone_only():
    assert decision(K(email="joe@pg.com"), PG) == "auto"
    assert decision(K(phone="(513) 983-1100"), PG) == "auto"
    assert decision(K(email="joe@gmail.com"), PG) == "new"


def test_conflicting_name_and_domain_goes_to_review():
    lead = K(name="Procter and Gamble", email="someone@ibm.com")
    ranked = matching.rank_candidates(lead, [(1, PG, ()), (2, IBM, ())])
    assert {account_id for account_id, _result in ranked} == {1, 2}
    assert all(matching.decide(result) == "review" for _account_id, result in ranked)
    assert any("conflicting" in reason for reason in ranked[0][1].reasons)


@pytest.mark.parametrize(("t_auto", "t_review"), [(90, 60), (80, 60), (70, 50), (62, 60)])
def test_conflict_cap_follows_the_company_thresholds(t_auto, t_review):
    cap = matching.conflict_cap(t_auto, t_review)
    assert t_review <= cap < t_auto
    # A company name that disagrees with the domain's account.
    lead = K(name="Kessler Industrial Supply", email="joe@pg.com")
    result = matching.score_candidate(lead, PG, t_auto=t_auto, t_review=t_review)
    assert matching.decide(result, t_auto, t_review) == "review"
    # Name and domain pointing at different accounts.
    lead = K(name="Procter and Gamble", email="someone@ibm.com")
    ranked = matching.rank_candidates(
        lead, [(1, PG, ()), (2, IBM, ())], t_auto=t_auto, t_review=t_review
    )
    assert all(
        matching.decide(result, t_auto, t_review) == "review" for _account_id, result in ranked
    )


def test_rank_is_best_first_and_stable():
    other = K(name="Procter Industrial Supply", city="Cincinnati", state="OH")
    ranked = matching.rank_candidates(K(name="Procter & Gamble"), [(7, other, ()), (3, PG, ())])
    assert [account_id for account_id, _result in ranked] == [3, 7]


def test_bad_input_never_links():
    for raw in ("", " ", "A", "AB", "Inc.", "N/A", "-", "🙂", "株式会社", "x" * 10000):
        lead = K(name=raw, email="bad", phone="12")
        assert decision(lead, PG) == "new"


def test_decide_thresholds():
    assert matching.decide(90) == "auto"
    assert matching.decide(89.9) == "review"
    assert matching.decide(59.9) == "new"
    assert matching.decide(70, t_auto=70, t_review=50) == "auto"
