"""Tenant-owned models of the deals app for the isolation walk: (object A may see, a user of A who sees it)."""

from deals.models import Deal, DealAttachment, DealComment, Lead
from prm.accounts.roles import Role

from ..factories import PartnerUserFactory
from .factories import DealAttachmentFactory, DealCommentFactory, DealFactory, LeadFactory


def _user(org):
    return PartnerUserFactory(partner=org, role=Role.PARTNER_REP)


def _deal(org):
    return DealFactory(partner=org), _user(org)


def _comment(org):
    return DealCommentFactory(deal=DealFactory(partner=org)), _user(org)


def _attachment(org):
    return DealAttachmentFactory(deal=DealFactory(partner=org)), _user(org)


def _lead(org):
    return LeadFactory(offer=org), _user(org)


MAKERS = {Deal: _deal, DealComment: _comment, DealAttachment: _attachment, Lead: _lead}
