"""Channel-conflict detection: which other partners already registered this customer.

A registration is matched against the Customer table (one row per distinct customer), never against the
deals: by normalized domain (btree index) and by a similar normalized name, the most similar first. On
PostgreSQL the name match is pg_trgm's `%` operator answered by the GIN trigram index, at a similarity of
NAME_SIMILARITY rather than pg_trgm's default 0.3: the GIN scan then only has to read the rarest trigrams'
posting lists (~3x less work), and two names that merely share two of their three words ("Alpha Apex Cloud",
"Alpha Apex Data") stop being reported as the same customer. Domain, name and the competing deals come back in
one round trip. Elsewhere (SQLite) a bounded candidate set sharing the name's first letters is compared with
difflib."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection

from partners.models import Partner
from partners.services import normalize_domain
from prm.permissions import has_perm

from .models import ACTIVE_STATUSES, Customer, Deal

if TYPE_CHECKING:
    from prm.accounts.models import User

LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "pty",
    "kk",
    "group",
    "holding",
    "holdings",
}
MAX_NAME_MATCHES = 20
#: pg_trgm similarity from which two normalized names are the same customer. A typo (~0.68), an added or
#: dropped word (0.62-0.75) and another word order (1.0) still match; sharing two of three words (~0.48) does not.
NAME_SIMILARITY = 0.6
MAX_CONFLICTS = 20
FALLBACK_CANDIDATES = 500
FALLBACK_RATIO = 0.75


def normalize_name(value: str) -> str:
    """'ACME Corporation, Inc.' -> 'acme': case, accents, punctuation and legal suffixes do not make a new
    customer."""
    value = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower()
    value = value.replace("&", " and ")
    value = re.sub(r"\b(\w)\.", r"\1", value)  # "S.A." -> "SA"
    words = re.sub(r"[^a-z0-9]+", " ", value).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)[:200]


def customer_key(name: str, domain: str) -> str:
    domain = normalize_domain(domain)
    return domain if domain else f"name:{normalize_name(name)}"


def uses_trigram() -> bool:
    return connection.vendor == "postgresql"


def similar_customer_ids(name: str, *, exclude_ids: set[int] = frozenset()) -> list[int]:
    """The customers whose name is like `name`, the most similar first (SQLite: difflib over a bounded set)."""
    norm = normalize_name(name)
    if len(norm) < 3:
        return []
    candidates = (
        Customer.objects.filter(name_normalized__startswith=norm[:3])
        .exclude(pk__in=exclude_ids)
        .values_list("pk", "name_normalized")[:FALLBACK_CANDIDATES]
    )
    scored = [
        (ratio, pk)
        for pk, other in candidates
        if (ratio := difflib.SequenceMatcher(None, norm, other).ratio()) >= FALLBACK_RATIO
    ]
    return [pk for _, pk in sorted(scored, reverse=True)[:MAX_NAME_MATCHES]]


# One statement list, one round trip: SET LOCAL lasts until the end of the transaction (in autocommit, the implicit
# one around these statements), so the threshold never leaks into another request's queries.
_CONFLICTS_SQL = f"""
SET LOCAL pg_trgm.similarity_threshold = {NAME_SIMILARITY};
WITH by_domain AS (
    SELECT id FROM deals_customer WHERE %(domain)s <> '' AND domain = %(domain)s
), by_name AS (
    SELECT id, similarity(name_normalized, %(name)s) AS score FROM deals_customer
    WHERE %(name)s <> '' AND name_normalized %% %(name)s AND id NOT IN (SELECT id FROM by_domain)
    ORDER BY score DESC, id
    LIMIT {MAX_NAME_MATCHES}
), customers AS (
    SELECT id, 2.0 AS score FROM by_domain UNION ALL SELECT id, score FROM by_name
)
SELECT d.id, d.customer_id, d.customer_name, d.status, d.partner_id, p.name, c.score > 1 AS by_domain
FROM customers c
JOIN deals_deal d ON d.customer_id = c.id
JOIN partners_partner p ON p.id = d.partner_id
WHERE d.status IN %(active)s AND d.partner_id IS DISTINCT FROM %(partner)s AND d.id IS DISTINCT FROM %(exclude)s
ORDER BY c.score DESC, d.status DESC, d.id
LIMIT {MAX_CONFLICTS}
"""  # noqa: S608  (constants only; every value is a parameter)


def _trigram_conflicts(*, domain: str, norm: str, partner_id: int | None, exclude_deal_id: int | None) -> list:
    params = {
        "domain": domain,
        "name": norm if len(norm) >= 3 else "",
        "active": tuple(ACTIVE_STATUSES),
        "partner": partner_id,
        "exclude": exclude_deal_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(_CONFLICTS_SQL, params)
        rows = cursor.fetchall()
    db = connection.alias
    matches = []
    for deal_id, customer_id, customer_name, status, other_partner_id, partner_name, by_domain in rows:
        # from_db takes the values in the model's field order (what `.only(...)` would have loaded)
        deal = Deal.from_db(
            db, ["id", "partner_id", "customer_id", "customer_name", "status"],
            [deal_id, other_partner_id, customer_id, customer_name, status],
        )  # fmt: skip
        deal.partner = Partner.from_db(db, ["id", "name"], [other_partner_id, partner_name])
        matches.append(Match(deal, "domain" if by_domain else "name"))
    return matches


def discloses_conflicts(actor: User | None) -> bool:
    """Staff always see both sides of a conflict. A partner learns the other partner's name and deal id only
    when the program discloses them (PRM_DISCLOSE_CONFLICTS, off by default): otherwise any guessed name or
    domain would tell a partner which competitor holds a customer."""
    return bool(settings.PRM_DISCLOSE_CONFLICTS) or (actor is not None and has_perm(actor, "portal.manager"))


@dataclass(frozen=True)
class Match:
    deal: Deal
    match: str  # "domain" or "name"

    def as_dict(self, *, disclose: bool) -> dict:
        """What the caller may learn about someone else's registration: that it exists, why it matched and its
        status (what happens next), never amounts or notes; who holds it (partner, deal id) only if `disclose`."""
        return {
            "deal": self.deal.pk if disclose else None,
            "partner": self.deal.partner.name if disclose else None,
            "customer_name": self.deal.customer_name,
            "status": self.deal.status,
            "match": self.match,
        }


def find_conflicts(
    *, name: str, domain: str, partner_id: int | None, exclude_deal_id: int | None = None
) -> list[Match]:
    """Other partners' active registrations of the customer `name`/`domain`: domain matches first, then the
    most similar names. PostgreSQL: one round trip (domain, trigram name, deals); elsewhere three queries."""
    domain = normalize_domain(domain)
    if uses_trigram():
        return _trigram_conflicts(
            domain=domain, norm=normalize_name(name), partner_id=partner_id, exclude_deal_id=exclude_deal_id
        )
    domain_ids = set(Customer.objects.filter(domain=domain).values_list("pk", flat=True)) if domain else set()
    name_ids = set(similar_customer_ids(name, exclude_ids=domain_ids))
    if not domain_ids and not name_ids:
        return []
    deals = (
        Deal.objects.filter(customer_id__in=domain_ids | name_ids, status__in=ACTIVE_STATUSES)
        .select_related("partner")
        .only("id", "customer_id", "customer_name", "status", "partner_id", "partner__name")
        .order_by("-status", "id")
    )
    if partner_id is not None:
        deals = deals.exclude(partner_id=partner_id)
    if exclude_deal_id is not None:
        deals = deals.exclude(pk=exclude_deal_id)
    return [Match(d, "domain" if d.customer_id in domain_ids else "name") for d in deals[:MAX_CONFLICTS]]
