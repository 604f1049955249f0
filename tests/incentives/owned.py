"""Incentives rows for the isolation, permission and list walks (tests/core/)."""

from incentives.models import Accrual, Award, IncentiveProgram, MdfClaim, MdfFund, MdfProof, MdfRequest, PayoutStatement
from prm.accounts.roles import Role

from ..factories import PartnerUserFactory
from .factories import (
    AccrualFactory,
    AwardFactory,
    IncentiveProgramFactory,
    MdfClaimFactory,
    MdfFundFactory,
    MdfRequestFactory,
    PayoutStatementFactory,
)


def _admin(org):
    return PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)


def _program(org):
    # meant for organization A's tier (Gold) only: B (no tier) must not find it
    program = IncentiveProgramFactory()
    program.audience_tiers.set([org.tier])
    return program, _admin(org)


def _accrual(org):
    return AccrualFactory(partner=org), _admin(org)


def _statement(org):
    return PayoutStatementFactory(partner=org), _admin(org)


def _fund(org):
    return MdfFundFactory(partner=org), _admin(org)


def _request(org):
    return MdfRequestFactory(fund=MdfFundFactory(partner=org)), _admin(org)


def _claim(org):
    return MdfClaimFactory(request=MdfRequestFactory(fund=MdfFundFactory(partner=org), status="approved")), _admin(org)


def _proof(org):
    from django.core.files.base import ContentFile

    claim, user = _claim(org)
    proof = MdfProof(claim=claim, name="invoice.pdf", size=20)
    proof.file.save("invoice.pdf", ContentFile(b"%PDF-1.4 proof of performance"), save=True)
    return proof, user


def _award(org):
    return AwardFactory(partner=org), _admin(org)


MAKERS = {
    IncentiveProgram: _program,
    Accrual: _accrual,
    PayoutStatement: _statement,
    MdfFund: _fund,
    MdfRequest: _request,
    MdfClaim: _claim,
    MdfProof: _proof,
    Award: _award,
}
