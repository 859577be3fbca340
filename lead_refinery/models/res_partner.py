import itertools
import time

from rapidfuzz import fuzz

from odoo import api, fields, models
from odoo.tools import SQL, escape_psql

from ..lib import matching, names

#: Partner fields the identity keys are computed from.
IDENTITY_SOURCE_FIELDS = (
    "name",
    "email",
    "website",
    "phone",
    "zip",
    "city",
    "state_id",
    "country_id",
)
#: The stored keys, each indexed for the candidate query.
IDENTITY_KEY_FIELDS = (
    "identity_name_norm",
    "identity_phonetic",
    "identity_acronym",
    "identity_domain",
    "identity_phone",
    "identity_zip5",
    "identity_distinctive",
)
#: A word spelt like this many accounts' (or variants') words finds no candidates by itself.
COMMON_WORD_HITS = 40
#: Words found common, per database (see ``_identity_common_words``), skipped by later searches.
_COMMON_WORDS = {}
_COMMON_WORDS_MAX = 20000
_COMMON_WORDS_CHECK = 30
#: Names starting with a lead's short first word: scored only up to this many.
PREFIX_HITS = 200


def matching_trigram_index(cr, table, column):
    """The trigram GIN index matching searches ``table.column`` with.

    Without GIN's pending list (``fastupdate = off``): new accounts go into
    the index at once, so a bulk import does not leave every later search to
    scan a long unsorted list until autovacuum merges it (several times the
    search time at 100k accounts). Accounts are written far less often than
    they are searched.
    """
    index = f"{table}_{column}_trgm_idx"
    cr.execute(
        SQL(
            "CREATE INDEX IF NOT EXISTS %s ON %s USING gin (%s gin_trgm_ops) "
            "WITH (fastupdate = off) WHERE %s IS NOT NULL",
            SQL.identifier(index),
            SQL.identifier(table),
            SQL.identifier(column),
            SQL.identifier(column),
        )
    )
    # Existing installations: switch the option, merge what is pending.
    cr.execute(SQL("ALTER INDEX %s SET (fastupdate = off)", SQL.identifier(index)))
    cr.execute(SQL("SELECT gin_clean_pending_list(%s::regclass)", index))


def matching_words_index(cr, table, column):
    """A GIN index on the words of ``table.column``, for exact word lookups (``@>``).

    Looking up a word written exactly as the lead writes it reads one posting
    list; the trigram search reads one per trigram of the word and rechecks
    every name sharing them, so it runs only for words found nowhere as written.
    """
    cr.execute(
        SQL(
            "CREATE INDEX IF NOT EXISTS %s ON %s USING gin ((string_to_array(%s, ' '))) "
            "WITH (fastupdate = off)",
            SQL.identifier(f"{table}_{column}_words_idx"),
            SQL.identifier(table),
            SQL.identifier(column),
        )
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    identity_name_norm = fields.Char(
        string="Normalised name",
        compute="_compute_identity_keys",
        store=True,
        copy=False,
        index="btree_not_null",
    )
    identity_distinctive = fields.Char(
        string="Distinctive words",
        compute="_compute_identity_keys",
        store=True,
        copy=False,
        help="The name without generic words: what misspelling search compares.",
    )
    identity_phonetic = fields.Char(
        string="Sounds like", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    identity_acronym = fields.Char(
        string="Acronym key", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    identity_domain = fields.Char(
        string="Company domain",
        compute="_compute_identity_keys",
        store=True,
        index="btree_not_null",
        help="Website domain, or the domain of the company email when it is not a free-mail one.",
    )
    identity_phone = fields.Char(
        string="Phone (E.164)", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    identity_zip5 = fields.Char(
        string="ZIP5", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    alias_ids = fields.One2many("res.partner.alias", "partner_id", string="Name variants")

    def init(self):
        result = super().init()
        matching_trigram_index(self.env.cr, "res_partner", "identity_name_norm")
        matching_trigram_index(self.env.cr, "res_partner", "identity_distinctive")
        matching_words_index(self.env.cr, "res_partner", "identity_distinctive")
        return result

    @api.depends(*IDENTITY_SOURCE_FIELDS, "is_company")
    def _compute_identity_keys(self):
        empty = dict.fromkeys(IDENTITY_KEY_FIELDS, False)
        for partner in self:
            if not partner.is_company:
                # Only accounts are matched against; contacts carry no keys.
                partner.update(empty)
                continue
            partner.update(self._identity_columns(partner._identity_keys()))

    def _identity_keys(self):
        """The pure engine's identity keys of this company."""
        self.ensure_one()
        return names.identity_keys(
            name=self.name,
            email=self.email,
            website=self.website,
            phone=self.phone,
            zip=self.zip,
            city=self.city,
            state=self.state_id.code,
            country_code=self.country_id.code or "US",
        )

    @api.model
    def _identity_columns(self, keys):
        return {
            "identity_name_norm": keys.name_norm or False,
            "identity_phonetic": keys.phonetic or False,
            "identity_acronym": keys.acronym or False,
            "identity_domain": keys.website_domain or keys.email_domain or False,
            "identity_phone": keys.phone or False,
            "identity_zip5": keys.zip5 or False,
            "identity_distinctive": " ".join(keys.significant) or False,
        }

    # ------------------------------------------------------------------ matching API

    @api.model
    def _identity_candidate_ids(self, keys, limit=15, fuzzy=True):
        """Account ids worth scoring for these keys, found through indexes only.

        Exact branches look up the normalised name, the variant table, the
        acronym, the domain, the phone and the phonetic key; ``fuzzy`` adds the
        accounts and variants spelt alike (:meth:`_identity_misspelt_ids`).
        Every branch is an index lookup: nothing scans every account.
        """
        branches, params = [], {"limit": limit}
        if keys.name_norm:
            params["name"] = keys.name_norm
            branches.append(
                "(SELECT id FROM res_partner WHERE identity_name_norm = %(name)s AND active"
                " LIMIT %(limit)s)"
            )
            branches.append(
                "(SELECT partner_id FROM res_partner_alias WHERE name_norm = %(name)s AND active)"
            )
            params["acronym"] = keys.acronym or keys.name_norm.replace(" ", "")
            branches.append(
                "(SELECT id FROM res_partner WHERE identity_acronym = %(acronym)s AND active"
                " LIMIT %(limit)s)"
            )
        domains = {keys.website_domain, keys.email_domain} - {None}
        for column, value in (
            ("identity_phone", keys.phone),
            ("identity_phonetic", keys.phonetic),
            *(("identity_domain", domain) for domain in sorted(domains)),
        ):
            if value:
                name = f"value_{len(params)}"
                params[name] = value
                branches.append(
                    f"(SELECT id FROM res_partner WHERE {column} = %({name})s AND active"
                    " LIMIT %(limit)s)"
                )
        if not branches:
            return []
        self.flush_model(IDENTITY_KEY_FIELDS)
        self.env["res.partner.alias"].flush_model(
            ["name_norm", "distinctive", "active", "partner_id"]
        )
        self.env.cr.execute(" UNION ".join(branches), params)
        found = [row[0] for row in self.env.cr.fetchall()]
        if fuzzy and keys.name_norm and keys.significant:
            found += [pid for pid in self._identity_misspelt_ids(keys, limit) if pid not in found]
        return found

    @api.model
    def _identity_common_words(self):
        """This database's common distinctive words (a per-process memo).

        Seeded with the words written exactly the same in more than
        :data:`COMMON_WORD_HITS` account names or variants (one aggregate over
        the stored keys); :meth:`_identity_misspelt_ids` adds the words it
        finds common through spelling. Seeded again after an hour, or as soon
        as the partner table has grown by a fifth (a large import), checked
        at most every :data:`_COMMON_WORDS_CHECK` seconds.
        """
        dbname = self.env.cr.dbname
        memo = _COMMON_WORDS.get(dbname)
        now = time.monotonic()
        if memo and now - memo["checked"] < _COMMON_WORDS_CHECK:
            return memo["words"]
        self.env.cr.execute("SELECT COALESCE(max(id), 0) FROM res_partner")
        top = self.env.cr.fetchone()[0]
        if memo and now - memo["seeded"] < 3600 and top <= memo["top"] * 1.2 + 100:
            memo["checked"] = now
            return memo["words"]
        self.env.cr.execute(
            """SELECT word FROM (
                   SELECT unnest(string_to_array(identity_distinctive, ' ')) AS word
                     FROM res_partner WHERE identity_distinctive IS NOT NULL AND active
               ) names GROUP BY word HAVING count(*) > %(cap)s
               UNION
               SELECT word FROM (
                   SELECT unnest(string_to_array(distinctive, ' ')) AS word
                     FROM res_partner_alias WHERE distinctive IS NOT NULL AND active
               ) variants GROUP BY word HAVING count(*) > %(cap)s""",
            {"cap": COMMON_WORD_HITS},
        )
        words = {row[0] for row in self.env.cr.fetchall()}
        _COMMON_WORDS[dbname] = {"words": words, "seeded": now, "checked": now, "top": top}
        return words

    @api.model
    def _identity_misspelt_ids(self, keys, limit):
        """Accounts whose distinctive words are spelt like the lead's, best first.

        Each distinctive word of the lead looks up the accounts and variants
        holding it as written (a GIN index on the words), or, when none does,
        holding a word spelt like it (pg_trgm word similarity, trigram GIN
        indexes). A word held by more than :data:`COMMON_WORD_HITS` of them
        ("controls") says little by itself: its hits are dropped and the word
        is remembered as common for this database, so later leads skip its
        search. Without hits, adjacent pairs of common words are looked up the
        same way until one finds names (a pair of common words is rare), then
        names starting with a short first word (:meth:`_identity_prefix_hits`).
        The hits are ranked by the similarity of the whole distinctive name.
        Only when all that finds nothing is the whole name searched by trigram
        similarity (slower: all its trigrams are looked up). A lead whose rare
        words match nothing is a new company: nothing is returned.
        """
        self.flush_model(["identity_distinctive", "active"])
        self.env["res.partner.alias"].flush_model(["distinctive", "active", "partner_id"])
        distinctive = " ".join(keys.significant)
        common = self._identity_common_words()
        words = [word for word in dict.fromkeys(keys.significant) if len(word) >= 3]
        # The planner prices trigram GIN scans high and may scan a small variant
        # table row by row: forbid that for these queries, then restore it.
        self.env.cr.execute(
            "SET LOCAL pg_trgm.word_similarity_threshold = 0.6; "
            "SET LOCAL pg_trgm.similarity_threshold = 0.4; SET LOCAL enable_seqscan = off"
        )
        hits = {}

        def search(group):
            """Record the names holding every word of ``group``: found any, or None if too many.

            Words written exactly so first (one posting list per word); when
            no name holds them as written, names spelling them alike.
            """
            params = {f"w{index}": word for index, word in enumerate(group)}
            params.update(cap=COMMON_WORD_HITS + 1, words=list(group))

            def lookup(condition):
                """Names and variants whose ``{column}`` meets ``condition``, up to the cap."""
                self.env.cr.execute(
                    "(SELECT 'p', id, identity_distinctive FROM res_partner WHERE "
                    + condition.format(column="identity_distinctive")
                    + " AND active LIMIT %(cap)s) UNION ALL"
                    " (SELECT 'a', partner_id, distinctive FROM res_partner_alias WHERE "
                    + condition.format(column="distinctive")
                    + " AND active LIMIT %(cap)s)",
                    params,
                )
                return self.env.cr.fetchall()

            rows = lookup("string_to_array({column}, ' ') @> %(words)s::text[]") or lookup(
                " AND ".join(f"%(w{index})s <%% {{column}}" for index in range(len(group)))
            )
            by_source = max(sum(row[0] == "p" for row in rows), sum(row[0] == "a" for row in rows))
            if by_source > COMMON_WORD_HITS:
                return None
            for _source, partner_id, text in rows:
                similarity = fuzz.token_sort_ratio(distinctive, text or "")
                hits[partner_id] = max(similarity, hits.get(partner_id, 0))
            return bool(rows)

        rare = []
        for word in words:
            if word in common:
                continue
            if search((word,)) is not None:
                rare.append(word)
            elif len(common) < _COMMON_WORDS_MAX:
                common.add(word)
        if not hits and len(words) > 1:
            # Names holding two common words are few: the first pair that finds
            # some is enough. (A rare word that found nothing alone finds
            # nothing in a pair either.)
            for pair in itertools.pairwise(words[:4]):
                if not set(pair) & set(rare) and search(pair):
                    break
        if not hits and not rare:
            self._identity_prefix_hits(keys, distinctive, hits)
        if not hits and not rare:
            self.env.cr.execute(
                "(SELECT id FROM res_partner WHERE identity_distinctive %% %(d)s AND active"
                " ORDER BY similarity(identity_distinctive, %(d)s) DESC LIMIT %(limit)s)"
                " UNION (SELECT partner_id FROM res_partner_alias WHERE distinctive %% %(d)s"
                " AND active ORDER BY similarity(distinctive, %(d)s) DESC LIMIT %(limit)s)",
                {"d": distinctive, "limit": limit},
            )
            found = [row[0] for row in self.env.cr.fetchall()]
        else:
            found = sorted(hits, key=lambda pid: (-hits[pid], pid))[: limit * 2]
        self.env.cr.execute("SET LOCAL enable_seqscan TO DEFAULT")
        return found

    @api.model
    def _identity_prefix_hits(self, keys, distinctive, hits):
        """Names starting with the lead's short first word ("WG", "RD"), when few enough.

        Such a word is too short for the trigram search; with common words
        after it ("WG Health Care") it is still the most selective part of the
        name. A btree range scan on the normalised name (the database sorts
        in C order) reads those names only.
        """
        head = keys.name_norm.split(" ", 1)[0] if keys.name_norm else ""
        if not 0 < len(head) < 3:
            return
        pattern = escape_psql(head) + " %"
        self.env.cr.execute(
            "SELECT id, identity_distinctive FROM res_partner"
            " WHERE identity_name_norm LIKE %s AND active LIMIT %s",
            [pattern, PREFIX_HITS + 1],
        )
        rows = self.env.cr.fetchall()
        if len(rows) > PREFIX_HITS:
            return
        for partner_id, text in rows:
            hits[partner_id] = fuzz.token_sort_ratio(distinctive, text or "")

    @api.model
    def _identity_rank(self, keys, exclude_ids=(), limit=5):
        """Score the indexed candidates of ``keys``; best first, as plain dicts."""
        t_auto = self.env.company.refinery_match_auto
        excluded = set(exclude_ids)
        candidate_ids = [
            pid for pid in self._identity_candidate_ids(keys, fuzzy=False) if pid not in excluded
        ]
        ranked = self._identity_score(keys, candidate_ids)
        if (not ranked or ranked[0][1].score < t_auto) and keys.name_norm and keys.significant:
            # No sure link from exact keys: add the accounts spelt alike, score them all.
            known = excluded.union(candidate_ids)
            spelt = [pid for pid in self._identity_misspelt_ids(keys, 15) if pid not in known]
            if spelt:
                ranked = self._identity_score(keys, candidate_ids + spelt)
        return [
            {
                "partner_id": account_id,
                "score": round(result.score, 1),
                "breakdown": dict(result.breakdown),
                "reasons": list(result.reasons),
            }
            for account_id, result in ranked[:limit]
        ]

    @api.model
    def _identity_score(self, keys, candidate_ids):
        """Rank these candidate accounts for ``keys`` (:func:`lib.matching.rank_candidates`)."""
        candidate_ids = tuple(candidate_ids)
        if not candidate_ids:
            return []
        # Plain SQL on the stored keys: no record cache, no re-parsing (hot path).
        self.env.cr.execute(
            """SELECT p.id, p.name, p.identity_name_norm, p.identity_domain, p.identity_phone,
                      p.identity_zip5, p.city, s.code
                 FROM res_partner p
            LEFT JOIN res_country_state s ON s.id = p.state_id
                WHERE p.id IN %s AND p.is_company""",
            [candidate_ids],
        )
        accounts = self.env.cr.fetchall()
        self.env.cr.execute(
            "SELECT partner_id, name_norm FROM res_partner_alias WHERE active AND partner_id IN %s",
            [candidate_ids],
        )
        aliases = {}
        for partner_id, name_norm in self.env.cr.fetchall():
            aliases.setdefault(partner_id, []).append(name_norm)
        t_auto, t_review = self.env.company._refinery_match_thresholds()
        return matching.rank_candidates(
            keys,
            [
                (row[0], names.keys_from_columns(*row[1:]), tuple(aliases.get(row[0], ())))
                for row in accounts
            ],
            t_auto=t_auto,
            t_review=t_review,
        )

    @api.model
    def _refinery_create_contacts(self, vals_list):
        """Create contacts of companies in one batch, their company's fields given up front.

        Odoo's ``create`` syncs every new contact from its company afterwards,
        with several writes per contact (commercial fields, company-dependent
        ones in every other company, the address). Like Odoo's own data
        loading (``_load_records_create``), the synced values are put into the
        create values instead, and company-dependent values are written once
        per company and value: the same result without a write per contact.
        """
        commercial_fields = self._commercial_fields()
        address_fields = self._address_fields()
        # The companies' values, read together: computed fields (the pricelist)
        # are computed for all of them at once.
        parents = self.browse(
            sorted({values["parent_id"] for values in vals_list if values.get("parent_id")})
        )
        synced = {}  # parent id: (commercial values, address values or None, lang)
        for parent in parents:
            address = None
            if any(parent[name] for name in address_fields):
                address = parent._update_fields_values(address_fields)
            synced[parent.id] = (
                parent.commercial_partner_id._update_fields_values(commercial_fields),
                address,
                parent.lang or self.env.context.get("default_lang") or self.env.lang,
            )
        prepared = []
        for values in vals_list:
            values = dict(values)
            parent = self.browse(values.get("parent_id") or [])
            if parent:
                commercial, address, lang = synced[parent.id]
                values.update(commercial)
                if values.get("type", "contact") == "contact" and address is not None:
                    values.update(address)
                values.setdefault("lang", lang)
            prepared.append(values)
        partners = (
            self.with_context(_partners_skip_fields_sync=True).create(prepared).with_env(self.env)
        )
        dependent = self._company_dependent_commercial_fields()
        children = partners.filtered(lambda partner: partner.commercial_partner_id != partner)
        if dependent and children:
            others = self.env["res.company"].sudo().search([("id", "!=", self.env.company.id)])
            for company in others:
                groups = {}
                for partner in children.with_company(company):
                    values = partner.commercial_partner_id._update_fields_values(dependent)
                    if values != partner._update_fields_values(dependent):
                        groups.setdefault(repr(sorted(values.items())), (values, []))[1].append(
                            partner.id
                        )
                for values, ids in groups.values():
                    self.with_company(company).browse(ids).write(values)
        for partner, values in zip(partners, prepared, strict=True):
            partner._children_sync(values)
            partner._handle_first_contact_creation()
        return partners

    @api.model
    def _identity_keys_of(self, values):
        """Identity keys of company data given as :meth:`refinery_match_accounts` takes it."""
        return names.identity_keys(
            name=values.get("name"),
            email=values.get("email"),
            website=values.get("website"),
            phone=values.get("phone"),
            zip=values.get("zip"),
            city=values.get("city"),
            state=values.get("state"),
            country_code=values.get("country") or "US",
        )

    @api.model
    def _refinery_auto_match(self, keys):
        """The id of the account ``keys`` auto-link to, or False (intake's fast path)."""
        ranked = self._identity_rank(keys, limit=1)
        thresholds = self.env.company._refinery_match_thresholds()
        if ranked and matching.decide(ranked[0]["score"], *thresholds) == "auto":
            return ranked[0]["partner_id"]
        return False

    @api.model
    def refinery_match_accounts(self, values, limit=5):
        """Public API (RPC-friendly): ranked existing accounts for company data.

        ``values`` may hold name, email, website, phone, zip, city, state (code)
        and country (code). Returns up to ``limit`` dicts with partner_id, name,
        score (0-100), decision (auto / review / new), breakdown and reasons.
        """
        thresholds = self.env.company._refinery_match_thresholds()
        ranked = self._identity_rank(self._identity_keys_of(values), limit=limit)
        names_by_id = {
            partner.id: partner.display_name
            for partner in self.browse([r["partner_id"] for r in ranked])
        }
        for row in ranked:
            row["name"] = names_by_id[row["partner_id"]]
            row["decision"] = matching.decide(row["score"], *thresholds)
        return ranked
