"""The state-machine helper every status model uses (deals, leads, cases, applications, onboarding steps, and the
coming MDF requests, claims and payouts).

A machine is declared next to its status choices, in the models module, as the one place that says which status
may follow which. Services call `.check(current, target)` before they change a status; pages and serializers ask
`.allowed(current)` to offer only the buttons that will work. A refused move is `InvalidTransition` (409) with a
message naming both states, worded the same way for every model.

Two moves into one state can be two different actions (a submitted deal is approved, a won one reopened, both into
approved): `verbs` may name a single move by its `(from, to)` pair, and a service passes its verb to `.check()` so
that approving cannot reopen and reopening cannot approve."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prm.errors import InvalidTransition


class StateMachine:
    """`StateMachine({from: {to, ...}}, noun="deal", labels=DealStatus, verbs={to: "approve"})`.

    `labels` (a TextChoices class or a mapping) words the states in messages; `verbs` names the action that moves
    into a state ("approve" for approved), so a refusal reads "Cannot approve a deal that is rejected." A `(from, to)`
    key names one move instead ({(won, approved): "reopen"}). `closed` is said of a state with no way out."""

    def __init__(
        self,
        transitions: Mapping[str, Iterable[str]],
        *,
        noun: str,
        labels: Mapping[str, str] | type | None = None,
        verbs: Mapping[str | tuple[str, str], str] | None = None,
        closed: str = "It is closed.",
    ) -> None:
        self.transitions: dict[str, frozenset[str]] = {str(k): frozenset(map(str, v)) for k, v in transitions.items()}
        unknown = {t for targets in self.transitions.values() for t in targets} - set(self.transitions)
        if unknown:
            raise ValueError(f"The {noun} state machine moves to undeclared states: {sorted(unknown)}")
        self.noun = noun
        self.verbs: dict[str | tuple[str, str], str] = {
            (tuple(map(str, k)) if isinstance(k, tuple) else str(k)): v for k, v in (verbs or {}).items()
        }
        self.closed = closed
        if labels is None:
            self.labels: dict[str, str] = {}
        elif isinstance(labels, Mapping):
            self.labels = {str(k): str(v) for k, v in labels.items()}
        else:  # a TextChoices class
            self.labels = {str(choice.value): str(choice.label) for choice in labels}

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.transitions)

    def allowed(self, current: str) -> frozenset[str]:
        """The statuses `current` may move to (none for a final state)."""
        return self.transitions[self._known(current)]

    def verb(self, current: str, target: str) -> str | None:
        """The action that moves `current` to `target` ("reopen" for won -> approved, else the target's verb)."""
        current, target = str(current), str(target)
        return self.verbs.get((current, target)) or self.verbs.get(target)

    def can(self, current: str, target: str, *, verb: str | None = None) -> bool:
        """May `current` move to `target` (and, given `verb`, is that move this action)?"""
        if str(target) not in self.allowed(current):
            return False
        return verb is None or self.verb(current, target) == verb

    def is_final(self, current: str) -> bool:
        return not self.allowed(current)

    def check(self, current: str, target: str, *, verb: str | None = None) -> None:
        """Raise InvalidTransition unless `current` may move to `target` (by the action `verb`, when given)."""
        if not self.can(current, target, verb=verb):
            raise InvalidTransition(self.refusal(current, target, verb=verb))

    def refusal(self, current: str, target: str, *, verb: str | None = None) -> str:
        current, target = self._known(current), self._known(target)
        now = self._label(current)
        if current == target:
            return f"This {self.noun} is already {now}."
        verb = verb or self.verb(current, target)
        if verb:
            article = "an" if self.noun[:1].lower() in "aeiou" else "a"
            message = f"Cannot {verb} {article} {self.noun} that is {now}."
        else:
            message = f"This {self.noun} is {now}: it cannot become {self._label(target)}."
        options = sorted(self.verb(current, s) or self._label(s) for s in self.transitions[current])
        if options:
            return f"{message} Only {' or '.join(options)} is possible now."
        return f"{message} {self.closed.format(current=now)}"

    def _known(self, state: str) -> str:
        state = str(state)
        if state not in self.transitions:
            raise ValueError(f"{state!r} is not a {self.noun} status")
        return state

    def _label(self, state: str) -> str:
        return self.labels.get(state, state).lower()
