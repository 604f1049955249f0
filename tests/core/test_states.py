"""The one state-machine helper (prm/states.py) and the machines every status model declares with it."""

import pytest

from deals.models import DEAL_STATES, LEAD_STATES, DealStatus, LeadStatus
from onboarding.models import STEP_STATES, StepStatus
from partners.models import APPLICATION_STATES, CASE_STATES, ApplicationStatus, CaseStatus
from prm.errors import InvalidTransition
from prm.states import StateMachine

MACHINES = {
    "deal": (DEAL_STATES, DealStatus),
    "lead": (LEAD_STATES, LeadStatus),
    "case": (CASE_STATES, CaseStatus),
    "application": (APPLICATION_STATES, ApplicationStatus),
    "onboarding step": (STEP_STATES, StepStatus),
}


def test_check_refuses_a_move_the_machine_does_not_declare_naming_both_states():
    machine = StateMachine({"draft": {"sent"}, "sent": {"paid"}, "paid": set()}, noun="invoice", verbs={"paid": "pay"})

    machine.check("draft", "sent")  # allowed: no error
    with pytest.raises(InvalidTransition) as exc:
        machine.check("draft", "paid")

    assert exc.value.status_code == 409
    assert exc.value.message == "Cannot pay an invoice that is draft. Only sent is possible now."


def test_a_final_state_and_a_repeated_move_say_so():
    machine = StateMachine({"open": {"closed"}, "closed": set()}, noun="case", closed="It is finished.")

    with pytest.raises(InvalidTransition, match="^This case is already closed.$"):
        machine.check("closed", "closed")
    with pytest.raises(InvalidTransition, match="^This case is closed: it cannot become open. It is finished.$"):
        machine.check("closed", "open")


def test_two_moves_into_one_state_are_two_actions_and_neither_does_the_other():
    machine = StateMachine(
        {"draft": {"open"}, "open": {"done"}, "done": {"open"}},
        noun="task",
        verbs={"open": "start", "done": "finish", ("done", "open"): "reopen"},
    )

    machine.check("draft", "open", verb="start")
    machine.check("done", "open", verb="reopen")
    machine.check("done", "open")  # without a verb, any declared move
    with pytest.raises(InvalidTransition) as exc:
        machine.check("done", "open", verb="start")
    assert exc.value.message == "Cannot start a task that is done. Only reopen is possible now."
    with pytest.raises(InvalidTransition) as exc:
        machine.check("draft", "open", verb="reopen")
    assert exc.value.message == "Cannot reopen a task that is draft. Only start is possible now."


def test_allowed_lists_the_next_states():
    machine = StateMachine({"a": {"b", "c"}, "b": set(), "c": set()}, noun="thing")

    assert machine.allowed("a") == {"b", "c"}
    assert machine.allowed("b") == frozenset()
    assert machine.can("a", "b") and not machine.can("b", "a")


def test_a_machine_that_moves_to_an_undeclared_state_is_refused_when_declared():
    with pytest.raises(ValueError, match="undeclared"):
        StateMachine({"a": {"b"}}, noun="thing")


def test_an_unknown_current_state_is_an_error_not_a_silent_refusal():
    with pytest.raises(ValueError, match="not a deal status"):
        DEAL_STATES.allowed("archived")


@pytest.mark.parametrize("noun", MACHINES)
def test_every_status_model_declares_a_machine_over_exactly_its_choices(noun):
    machine, choices = MACHINES[noun]
    assert machine.states == {c.value for c in choices}
    assert machine.noun == noun.split()[-1]


def test_the_deal_machine_keeps_its_wording():
    assert (
        DEAL_STATES.refusal(DealStatus.REJECTED, DealStatus.WON) == "Cannot win a deal that is rejected. It is closed."
    )
    assert DEAL_STATES.refusal(DealStatus.APPROVED, DealStatus.APPROVED) == "This deal is already approved."
    assert (
        CASE_STATES.refusal(CaseStatus.OPEN, CaseStatus.RESOLVED)
        == "Cannot resolve a case that is open. Only close or review is possible now."
    )
