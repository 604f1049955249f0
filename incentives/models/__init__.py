"""Incentives: programs and their accruals (programs.py), payout statements (statements.py), market development
funds (mdf.py) and recognition (recognition.py)."""

from .mdf import MdfActivityType, MdfClaim, MdfClaimStatus, MdfFund, MdfProof, MdfRequest, MdfRequestStatus
from .programs import Accrual, AccrualKind, AccrualStatus, IncentiveProgram, ProgramKind
from .recognition import Award, Badge, BadgeRule
from .statements import PayoutStatement, StatementStatus

__all__ = [
    "Accrual",
    "AccrualKind",
    "AccrualStatus",
    "Award",
    "Badge",
    "BadgeRule",
    "IncentiveProgram",
    "MdfActivityType",
    "MdfClaim",
    "MdfClaimStatus",
    "MdfFund",
    "MdfProof",
    "MdfRequest",
    "MdfRequestStatus",
    "PayoutStatement",
    "ProgramKind",
    "StatementStatus",
]
