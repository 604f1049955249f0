"""Channel-conflict detection: which other partners already registered this customer.

A registration is matched against the Customer table (one row per distinct customer), never against the
deals: by normalized domain (btree index, ~0.2 ms over 200k customers) and by a similar normalized name.
On PostgreSQL the name match is pg_trgm's `%` operator, which the GIN trigram index answers (~7 ms);
`similarity(a, b) > x` would read every row (~4 s). Elsewhere (SQLite) a bounded candidate set sharing the
name's first letters is compared with difflib."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Lookup

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


@CharField.register_lookup
class TrigramSimilar(Lookup):
    """`field % value` (pg_trgm). Only used on PostgreSQL, where the migration created the extension."""

    lookup_name = "deals_trigram_similar"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} %% {rhs}", [*lhs_params, *rhs_params]


def uses_trigram() -> bool:
    return connection.vendor == "postgresql"


def similar_customer_ids(name: str, *, exclude_ids: set[int] = frozenset()) -> list[int]:
    norm = normalize_name(name)
    if len(norm) < 3:
        return []
    if uses_trigram():
        return list(
            Customer.objects.filter(name_normalized__deals_trigram_similar=norm)
            .exclude(pk__in=exclude_ids)
            .values_list("pk", flat=True)[:MAX_NAME_MATCHES]
        )
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
    """Other partners' active registrations of the customer `name`/`domain`: three indexed queries."""
    domain = normalize_domain(domain)
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
