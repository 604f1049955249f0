"""For each tenant-owned model: make a row owned by an organization, and a user of that organization who may
see it. A route to a model missing here fails the isolation walk, so a new model cannot be left uncovered."""

from partners.models import Agreement, Partner
from prm.accounts.models import ApiKey, User
from prm.accounts.roles import Role
from prm.plugins import DOMAIN_APPS, app_modules

from ..factories import AgreementFactory, PartnerUserFactory, make_api_key


def _partner(org):
    return org, PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)


def _user(org):
    admin = PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)
    return PartnerUserFactory(partner=org, role=Role.PARTNER_REP), admin


def _agreement(org):
    return AgreementFactory(partner=org), PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)


def _api_key(org):
    owner = PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)
    return make_api_key(owner)[0], owner


OWNED_OBJECT_MAKERS = {
    Partner: _partner,
    User: _user,
    Agreement: _agreement,
    ApiKey: _api_key,
}

# Each app's tests add their models' makers in tests/<app>/owned.py as `MAKERS = {Model: maker}`. A maker
# gets organization A (tier Gold, country GB) and returns (object A may see, a user of A who may see it);
# organization B (no tier, DE) must get a 404 for it.
for _owned in app_modules("owned", [f"tests.{app}" for app in DOMAIN_APPS]):
    OWNED_OBJECT_MAKERS.update(_owned.MAKERS)
