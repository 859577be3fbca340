"""Scoring a lead's company against candidate accounts: one score, every reason.

The SQL layer narrows the accounts to a few dozen candidates through indexed
keys; this module scores each candidate from the evidence both sides carry
(see ``identity_keys`` in names.py) and decides: link automatically, ask a
human, or treat the company as new.

How the score is built (0-100):

* An **anchor**, the single strongest piece of identity evidence:
  an exact variant from the table (95), a corporate email or website domain
  (92), a valid phone number (90), the same normalised name (90), an acronym
  written as one ("IBM" for "International Business Machines", 70), a close
  spelling of the same distinctive words (45-75, +6 when they also sound
  alike), anything looser (at most 30). A *slip* counts as the same name
  (90): the same two or more distinctive words in the same order but one,
  and that one (six letters or more) differs by a single typed letter
  (doubled, dropped, swapped or wrong) or sounds the same within two edits
  ("Prockter & Gamble"). Raising the auto-link threshold above 90 sends
  slips to review.
* **Corroboration**: half of a second, independent anchor; the same ZIP
  (+20) or the same city and state (+20), or only the same state (+5).
* **Guards** (precision first): names whose distinctive words differ
  ("American Airlines" / "American Express", "General Motors" / "General
  Mills") never anchor above 30; a name made only of generic words
  ("Global Systems") or of one or two characters never anchors above 30;
  a domain or phone that points at an account whose name clearly disagrees
  with the lead's company name is capped below the auto-link threshold, so
  conflicting evidence always reaches a human.
"""

from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from . import names

T_AUTO = 90.0
T_REVIEW = 60.0

ALIAS_EXACT = 95.0
DOMAIN = 92.0
PHONE = 90.0
NAME_EXACT = 90.0
ACRONYM = 70.0
CONTAINED = 60.0
SAME_DISTINCTIVE = 65.0
SLIP = NAME_EXACT
SLIP_MIN_LENGTH = 6
LOOSE_CAP = 30.0
CONFLICT_MARGIN = 5.0
CONFLICT_CAP = T_AUTO - CONFLICT_MARGIN
ZIP_BONUS = CITY_BONUS = 20.0
STATE_BONUS = 5.0
PHONETIC_BONUS = 6.0


@dataclass(frozen=True, slots=True)
class MatchScore:
    score: float
    breakdown: dict = field(default_factory=dict)
    reasons: tuple = ()


def decide(score, t_auto=T_AUTO, t_review=T_REVIEW):
    """ "auto" (link), "review" (a human decides) or "new" (no existing account)."""
    score = score.score if isinstance(score, MatchScore) else score
    if score >= t_auto:
        return "auto"
    if score >= t_review:
        return "review"
    return "new"


def name_similarity(lead, account):
    """0-1 similarity of the full normalised names (order of words ignored)."""
    if not lead.name_norm or not account.name_norm:
        return 0.0
    return (
        max(
            fuzz.ratio(lead.name_norm, account.name_norm),
            fuzz.token_sort_ratio(lead.name_norm, account.name_norm),
        )
        / 100.0
    )


def distinctive_agreement(lead, account):
    """0-1 agreement of the distinctive words; 0 when either side has none."""
    if not lead.significant or not account.significant:
        return 0.0
    ordered_lead, ordered_account = " ".join(lead.significant), " ".join(account.significant)
    return (
        max(
            fuzz.ratio(ordered_lead, ordered_account),
            fuzz.token_sort_ratio(ordered_lead, ordered_account),
        )
        / 100.0
    )


def _contains(lead, account):
    """The account's distinctive words all appear, in order, in the lead's name."""
    wanted = account.significant
    if not wanted or len("".join(wanted)) < 4 or len(lead.significant) <= len(wanted):
        return False
    return tuple(lead.significant[: len(wanted)]) == tuple(wanted)


def one_slip(lead, account):
    """``(lead word, account word)`` when the names differ by one slip in one word.

    The names have the same two or more words in the same order but one pair:
    first their distinctive words are compared, then all their words (a slip
    in "Manufacturing" or "Systems"), in which case they must share a
    distinctive word. Both words of the pair have at least
    ``SLIP_MIN_LENGTH`` letters and differ by one edit (a letter doubled,
    dropped, swapped or mistyped), or by two edits when they sound the same.
    A different word ("Airlines" / "Express", "Motors" / "Mills"), an extra
    word or a short word ("Sonos" / "Sonus") is never a slip.
    """
    slip = _slip(lead.significant, account.significant)
    if slip is None and set(lead.significant) & set(account.significant):
        slip = _slip(lead.tokens, account.tokens)
    return slip


def _slip(words, account_words):
    if len(words) < 2 or len(words) != len(account_words):
        return None
    differ = [i for i, (a, b) in enumerate(zip(words, account_words, strict=True)) if a != b]
    if len(differ) != 1:
        return None
    word, account_word = words[differ[0]], account_words[differ[0]]
    if min(len(word), len(account_word)) < SLIP_MIN_LENGTH:
        return None
    distance = DamerauLevenshtein.distance(word, account_word)
    if distance == 1 or (
        distance == 2 and names.phonetic_code(word) == names.phonetic_code(account_word)
    ):
        return word, account_word
    return None


def _weak_name(keys):
    compact = keys.name_norm.replace(" ", "")
    return len(compact) <= 2 or not keys.significant


def _name_anchor(lead, account, breakdown, reasons):
    similarity = name_similarity(lead, account)
    agreement = distinctive_agreement(lead, account)
    breakdown["name"] = round(similarity * 100, 1)
    breakdown["distinctive_words"] = round(agreement * 100, 1)
    if not similarity:
        return 0.0
    if _weak_name(lead) or _weak_name(account):
        reasons.append("name too short or generic to identify a company")
        return min(LOOSE_CAP, similarity * LOOSE_CAP)
    if lead.name_norm == account.name_norm:
        reasons.append(f"same name once normalised ({lead.name_norm})")
        return NAME_EXACT
    slip = one_slip(lead, account) if similarity >= 0.85 else None
    if slip:
        breakdown["slip"] = 100.0
        reasons.append(f"the same name but for a slip: '{slip[0]}' for '{slip[1]}'")
        return SLIP
    if similarity >= 0.85 and agreement >= 0.8:
        anchor = 50.0 + (similarity - 0.85) / 0.15 * 40.0
        if lead.phonetic_codes and lead.phonetic_codes == account.phonetic_codes:
            breakdown["phonetic"] = 100.0
            anchor += PHONETIC_BONUS
            reasons.append(f"close spelling that sounds the same ({similarity:.0%})")
        else:
            reasons.append(f"close spelling ({similarity:.0%})")
        return min(anchor, 79.0)
    if _contains(lead, account):
        reasons.append("the company name contains the account's name (division or subsidiary?)")
        return CONTAINED
    if lead.significant == account.significant:
        reasons.append("same distinctive words, other generic words")
        return SAME_DISTINCTIVE
    if agreement < 0.8:
        reasons.append("distinctive words differ")
        return similarity * LOOSE_CAP
    return similarity * 40.0


def _acronym_anchor(lead, account, breakdown, reasons):
    compact = lead.name_norm.replace(" ", "")
    account_compact = account.name_norm.replace(" ", "")
    if lead.raw_acronym and len(compact) >= 2 and compact == account.acronym:
        breakdown["acronym"] = 100.0
        reasons.append(f"'{compact.upper()}' is the acronym of the account name")
        return ACRONYM
    if account.raw_acronym and len(account_compact) >= 2 and account_compact == lead.acronym:
        breakdown["acronym"] = 100.0
        reasons.append(
            f"the account '{account_compact.upper()}' is the acronym of the lead's company"
        )
        return ACRONYM
    return 0.0


def _alias_anchor(lead, aliases, breakdown, reasons):
    if not lead.name_norm or not aliases:
        return 0.0
    if lead.name_norm in aliases:
        breakdown["alias"] = 100.0
        reasons.append(f"'{lead.name_norm}' is a known variant of the account")
        return ALIAS_EXACT
    best = max(fuzz.ratio(lead.name_norm, alias) for alias in aliases) / 100.0
    breakdown["alias"] = round(best * 100, 1)
    if best >= 0.92 and len(lead.name_norm) >= 6:
        reasons.append(f"close to a known variant ({best:.0%})")
        return 45.0 + (best - 0.85) / 0.15 * 30.0
    return 0.0


def _domain_anchor(lead, account, breakdown, reasons):
    account_domain = account.website_domain or account.email_domain
    for domain in {lead.email_domain, lead.website_domain} - {None}:
        if account_domain and (domain == account_domain or domain.endswith("." + account_domain)):
            breakdown["domain"] = 100.0
            reasons.append(f"same company domain ({account_domain})")
            return DOMAIN
    if account_domain and (lead.email_domain or lead.website_domain):
        breakdown["domain"] = 0.0
    return 0.0


def _phone_anchor(lead, account, breakdown, reasons):
    if lead.phone and account.phone:
        if lead.phone == account.phone:
            breakdown["phone"] = 100.0
            reasons.append(f"same phone number ({account.phone})")
            return PHONE
        breakdown["phone"] = 0.0
    return 0.0


def _location_bonus(lead, account, breakdown, reasons):
    if lead.zip5 and lead.zip5 == account.zip5:
        breakdown["location"] = 100.0
        reasons.append(f"same ZIP {lead.zip5}")
        return ZIP_BONUS
    if (
        lead.city_norm
        and lead.city_norm == account.city_norm
        and lead.state_code == account.state_code
    ):
        breakdown["location"] = 80.0
        reasons.append(f"same city ({lead.city_norm}, {lead.state_code})")
        return CITY_BONUS
    if lead.state_code and lead.state_code == account.state_code:
        breakdown["location"] = 25.0
        return STATE_BONUS
    return 0.0


def conflict_cap(t_auto=T_AUTO, t_review=T_REVIEW):
    """Highest score of a candidate with conflicting evidence: below the company's
    auto-link threshold, yet not below its review threshold (a human must see it)."""
    return max(t_auto - CONFLICT_MARGIN, min(t_review, t_auto - 0.1))


def score_candidate(lead, account, aliases=(), weights=None, t_auto=T_AUTO, t_review=T_REVIEW):
    """Score one candidate account for a lead; both are ``IdentityKeys``."""
    del weights  # kept for API stability; the anchors above are the weights
    breakdown, reasons = {}, []
    anchors = {
        "alias": _alias_anchor(lead, frozenset(aliases), breakdown, reasons),
        "domain": _domain_anchor(lead, account, breakdown, reasons),
        "phone": _phone_anchor(lead, account, breakdown, reasons),
        "name": _name_anchor(lead, account, breakdown, reasons),
        "acronym": _acronym_anchor(lead, account, breakdown, reasons),
    }
    ranked = sorted(anchors.values(), reverse=True)
    score = ranked[0] + 0.5 * ranked[1] + _location_bonus(lead, account, breakdown, reasons)
    contact_only = anchors["domain"] or anchors["phone"]
    name_evidence = max(anchors["alias"], anchors["name"], anchors["acronym"])
    if (
        contact_only
        and lead.significant
        and name_evidence < 40
        and not (anchors["domain"] and anchors["phone"])
    ):
        score = min(score, conflict_cap(t_auto, t_review))
        reasons.append("conflicting evidence: the company name disagrees with the domain or phone")
    return MatchScore(
        score=round(min(score, 100.0), 1), breakdown=breakdown, reasons=tuple(reasons)
    )


def rank_candidates(lead, candidates, t_auto=T_AUTO, t_review=T_REVIEW):
    """Score every ``(account_id, IdentityKeys, aliases)``; best first.

    When the best candidate by name and the best by domain/phone are different
    accounts, neither may be linked automatically: both go to review.
    """
    scored = [
        (account_id, score_candidate(lead, keys, aliases, t_auto=t_auto, t_review=t_review))
        for account_id, keys, aliases in candidates
    ]
    scored.sort(
        key=lambda item: (
            -item[1].score,
            -max(item[1].breakdown.get("name", 0), item[1].breakdown.get("alias", 0)),
            item[0],
        )
    )
    by_name = [
        item
        for item in scored
        if item[1].breakdown.get("name", 0) >= 90 or item[1].breakdown.get("alias", 0) == 100
    ]
    by_contact = [
        item
        for item in scored
        if item[1].breakdown.get("domain") == 100 or item[1].breakdown.get("phone") == 100
    ]
    if not scored:
        return scored
    top_name = max(scored[0][1].breakdown.get("name", 0), scored[0][1].breakdown.get("alias", 0))
    shared_contact = (
        len(by_contact) > 1
        and by_contact[0] is scored[0]
        and scored[0][1].score - by_contact[1][1].score < 5
        and top_name < 100
    )
    cap = conflict_cap(t_auto, t_review)
    if shared_contact:
        scored = _cap(scored, "several accounts share this domain or phone", cap)
    elif by_name and by_contact and by_name[0][0] != by_contact[0][0]:
        scored = _cap(
            scored, "conflicting evidence: name and domain/phone point at different accounts", cap
        )
    return scored


def _cap(scored, why, cap):
    """Cap every would-be automatic link below the auto threshold, saying why."""
    capped = []
    for account_id, result in scored:
        if result.score >= cap:
            result = MatchScore(
                score=cap, breakdown=result.breakdown, reasons=(*result.reasons, why)
            )
        capped.append((account_id, result))
    return capped
