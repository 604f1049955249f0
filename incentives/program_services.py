"""Every write to incentive programs, and finance's adjustment lines.

A program's rule is checked per kind, in words a program administrator can act on: a rebate's percent, a SPIFF's
amount and currency, a volume bonus's thresholds. Fields another kind uses are cleared, so a rebate never carries a
stale SPIFF amount. The budget cap can never be set below what the program has already committed (the database's
CHECK would refuse it too; here it is a sentence, not a 500). A recomputation runs in a Celery task (ids in) and
says how many lines it made with the event `incentive_program.recomputed`."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from prm.audience import apply_audience, split_audience
from prm.events.services import event_emit
from prm.money import check_currency, plain_decimal, round_money
from prm.permissions import require_perm
from prm.services import apply_changes, service, validate_and_save

from . import accruals
from .accruals import fmt, program_currency
from .models import Accrual, AccrualKind, AccrualStatus, IncentiveProgram, ProgramKind

if TYPE_CHECKING:
    from partners.models import Partner
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

__all__ = [
    "program_create",
    "program_update",
    "program_recompute_start",
    "program_recompute_run",
    "accrual_adjust",
    "program_rule_text",
    "remaining_budget",
]

HUNDRED = Decimal(100)
#: The fields only one kind uses, cleared on the others (value when cleared).
_KIND_FIELDS = {
    ProgramKind.REBATE: {"rate_percent": None},
    ProgramKind.SPIFF: {"amount": None, "currency": "", "products": "", "min_deal_amount": None},
    ProgramKind.VOLUME_BONUS: {"thresholds": []},
}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _check_thresholds(raw: Any) -> list[dict[str, str]]:
    """The thresholds sorted by minimum revenue, stored as strings; a ValidationError in words otherwise."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError(
            {"thresholds": "A volume bonus needs at least one threshold: a minimum quarterly revenue and its percent."}
        )
    rows: list[tuple[Decimal, Decimal]] = []
    for number, item in enumerate(raw, start=1):
        item = item if isinstance(item, dict) else {}
        minimum, percent = _decimal(item.get("min_revenue")), _decimal(item.get("percent"))
        if minimum is None or not minimum.is_finite() or minimum <= 0:
            raise ValidationError({"thresholds": f"Threshold {number}: the minimum revenue must be above zero."})
        if percent is None or not percent.is_finite() or not Decimal(0) <= percent <= HUNDRED:
            raise ValidationError({"thresholds": f"Threshold {number}: the percent must be from 0 to 100."})
        rows.append((minimum, percent))
    minimums = [m for m, _ in rows]
    repeated = sorted({m for m in minimums if minimums.count(m) > 1})
    if repeated:
        raise ValidationError(
            {
                "thresholds": f"Two thresholds start at the same revenue ({fmt(repeated[0])} {program_currency()}): "
                "each minimum revenue pays one percent."
            }
        )
    return [{"min_revenue": plain_decimal(m), "percent": plain_decimal(p)} for m, p in sorted(rows)]


def _check(program: IncentiveProgram) -> None:
    """The rule of the program's kind, its dates and its budget, each problem under its field."""
    for field, empty in _KIND_FIELDS.items():
        if field != program.kind:
            for name, value in empty.items():
                setattr(program, name, value)
    errors: dict[str, str] = {}
    if program.kind == ProgramKind.REBATE:
        if program.rate_percent is not None and not Decimal(0) <= program.rate_percent <= HUNDRED:
            errors["rate_percent"] = (
                "A rebate's rate is a percent from 0 to 100, or empty to pay each partner its tier's rebate percent."
            )
    elif program.kind == ProgramKind.SPIFF:
        if program.amount is None or program.amount <= 0:
            errors["amount"] = "A SPIFF needs an amount above zero, paid per qualifying won deal."
        if not program.currency:
            errors["currency"] = "A SPIFF needs the currency of its amount (for example USD)."
        else:
            try:
                program.currency = check_currency(program.currency)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if program.min_deal_amount is not None and program.min_deal_amount < 0:
            errors["min_deal_amount"] = "The smallest qualifying deal cannot be negative."
    elif program.kind == ProgramKind.VOLUME_BONUS:
        try:
            program.thresholds = _check_thresholds(program.thresholds)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if program.starts_on and program.ends_on and program.ends_on < program.starts_on:
        errors["ends_on"] = "The program cannot end before it starts."
    if program.budget_cap is not None:
        if program.budget_cap < 0:
            errors["budget_cap"] = "The budget cap cannot be negative (leave it empty for no cap)."
        elif program.pk and program.budget_cap < program.committed:
            errors["budget_cap"] = (
                f"The budget cap cannot be below what the program has already committed "
                f"({fmt(program.committed)} {program_currency()}); set it to at least that, or leave it empty."
            )
    if errors:
        raise ValidationError(errors)


@service
def program_create(*, actor: User, data: dict[str, Any]) -> IncentiveProgram:
    """A program from the API's names mapped to the model's (`audience_tiers`, `audience_partner_types`,
    `audience_countries` for the audience)."""
    require_perm(actor, "incentive_program.manage")
    plain, audience = split_audience(dict(data))
    program = IncentiveProgram(**plain, created_by=actor)
    _check(program)
    validate_and_save(program)
    apply_audience(program, audience)
    event_emit(
        name="incentive_program.created",
        instance=program,
        actor=actor,
        partner_id=None,
        payload={"id": program.pk, "name": program.name, "kind": program.kind},
    )
    logger.info("incentive_program.created", extra={"program": program.pk, "actor": actor.pk})
    return program


@service
def program_update(*, actor: User, program: IncentiveProgram, data: dict[str, Any]) -> IncentiveProgram:
    """Change the rule, dates, budget or audience. Lines already made stay as they are (never edited); a
    recomputation applies a new rule to won deals that have no line yet."""
    require_perm(actor, "incentive_program.manage")
    program = IncentiveProgram.objects.select_for_update().get(pk=program.pk)  # committed read under the lock
    plain, audience = split_audience(dict(data))
    changed = apply_changes(program, plain)
    _check(program)
    if changed:
        validate_and_save(program)
    changed += apply_audience(program, audience)
    if changed:
        event_emit(
            name="incentive_program.updated",
            instance=program,
            actor=actor,
            partner_id=None,
            payload={"id": program.pk, "changed": sorted(set(changed))},
        )
    return program


@service
def program_recompute_start(*, actor: User, program: IncentiveProgram) -> None:
    """Apply the program to past won deals in a task (after this transaction commits)."""
    require_perm(actor, "accrual.recompute")
    if program.kind == ProgramKind.VOLUME_BONUS:
        raise ValidationError(
            "A volume bonus is paid when each quarter closes, not per deal: there is nothing to recompute."
        )
    program_id, actor_id = program.pk, actor.pk
    transaction.on_commit(lambda: _enqueue(program_id, actor_id))
    logger.info("incentive_program.recompute_started", extra={"program": program_id, "actor": actor_id})


def _enqueue(program_id: int, actor_id: int) -> None:
    from .tasks import program_recompute  # tasks import this module

    program_recompute.delay(program_id, actor_id)


def program_recompute_run(program_id: int, actor_id: int | None = None) -> int:
    """The task's work: the lines the program owes past won deals (idempotent: a second run makes none)."""
    program = IncentiveProgram.objects.filter(pk=program_id).first()
    if program is None:
        return 0
    made = accruals.program_recompute(program)
    with transaction.atomic():
        event_emit(
            name="incentive_program.recomputed",
            instance=program,
            payload={"id": program.pk, "count": made, "requested_by": actor_id},
            partner_id=None,
        )
    logger.info("incentive_program.recomputed", extra={"program": program.pk, "count": made})
    return made


@service
def accrual_adjust(*, actor: User, partner: Partner, amount: Decimal, explanation: str) -> Accrual:
    """Finance's correction: an adjustment line (no program, no deal) for the partner's next statement, positive
    or negative, in the program currency, rounded half up once."""
    require_perm(actor, "accrual.adjust")
    explanation = (explanation or "").strip()
    errors = {}
    if not explanation:
        errors["explanation"] = "Say why: the partner reads this on its statement."
    currency = program_currency()
    amount = round_money(Decimal(amount), currency) if amount is not None else Decimal(0)
    if amount == 0:
        errors["amount"] = "An adjustment needs an amount other than zero (negative takes money back)."
    if errors:
        raise ValidationError(errors)
    line = Accrual(
        partner=partner,
        kind=AccrualKind.ADJUSTMENT,
        status=AccrualStatus.ACCRUED,
        amount=amount,
        currency=currency,
        explanation=f"Adjustment: {explanation}"[:500],
    )
    validate_and_save(line)
    event_emit(
        name="accrual.adjusted",
        instance=line,
        actor=actor,
        partner_id=partner.pk,
        payload={"id": line.pk, "amount": str(amount), "currency": currency},
    )
    logger.info("accrual.adjusted", extra={"line": line.pk, "partner": partner.pk, "actor": actor.pk})
    return line


# --- reading a program -------------------------------------------------------------------------------------------


def remaining_budget(program: IncentiveProgram) -> Decimal | None:
    """What is left of the cap (None: no cap)."""
    if program.budget_cap is None:
        return None
    return max(program.budget_cap - program.committed, Decimal(0))


def program_rule_text(program: IncentiveProgram) -> str:
    """The rule in words, as partners and managers read it (no budget figures)."""
    own = program_currency()
    if program.kind == ProgramKind.REBATE:
        if program.rate_percent is None:
            return "Your tier's rebate percent of won revenue."
        return f"{plain_decimal(program.rate_percent)}% of won revenue."
    if program.kind == ProgramKind.SPIFF:
        amount = f"{fmt(program.amount)} {program.currency or own}" if program.amount is not None else "—"
        text = f"{amount} per won deal"
        words = [w.strip() for w in (program.products or "").split(",") if w.strip()]
        if words:
            text += f" with {' or '.join(words)}"
        if program.min_deal_amount:
            text += f" of at least {fmt(program.min_deal_amount)} {own}"
        return text + "."
    levels = [
        f"{plain_decimal(Decimal(str(t['percent'])))}% from {fmt(Decimal(str(t['min_revenue'])))} {own}"
        for t in program.thresholds or []
    ]
    if not levels:
        return "A volume bonus without thresholds (pays nothing)."
    return (
        "Per quarter, the highest threshold reached pays its percent of the quarter's won revenue: "
        + "; ".join(levels)
        + "."
    )
