"""The state-machine helper every status model uses (deals, leads, cases, applications, onboarding steps, and the
coming MDF requests, claims and payouts).

A machine is declared next to its status choices, in the models module, as the one place that says which status
may follow which. Services call `.check(current, target)` before they change a status; pages and serializers ask
`.allowed(current)` to offer only the buttons that will work. A refused move is `InvalidTransition` (409) with a
message naming both states, worded the same way for every model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prm.errors import InvalidTransition


class StateMachine:
    """`StateMachine({from: {to, ...}}, noun="deal", labels=DealStatus, verbs={to: "approve"})`.

    `labels` (a TextChoices class or a mapping) words the states in messages; `verbs` names the action that moves
    into a state ("approve" for approved), so a refusal reads "Cannot approve a deal that is rejected." `closed` is
    said of a state with no way out."""

    def __init__(
        self,
        transitions: Mapping[str, Iterable[str]],
        *,
        noun: str,
        labels: Mapping[str, str] | type | None = None,
        verbs: Mapping[str, str] | None = None,
        closed: str = "It is closed.",
    ) -> None:
        self.transitions: dict[str, frozenset[str]] = {str(k): frozenset(map(str, v)) for k, v in transitions.items()}
        unknown = {t for targets in self.transitions.values() for t in targets} - set(self.transitions)
        if unknown:
            raise ValueError(f"The {noun} state machine moves to undeclared states: {sorted(unknown)}")
        self.noun = noun
        self.verbs = {str(k): v for k, v in (verbs or {}).items()}
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

    def can(self, current: str, target: str) -> bool:
        return str(target) in self.allowed(current)

    def is_final(self, current: str) -> bool:
        return not self.allowed(current)

    def check(self, current: str, target: str) -> None:
        """Raise InvalidTransition unless `current` may move to `target`."""
        if not self.can(current, target):
            raise InvalidTransition(self.refusal(current, target))

    def refusal(self, current: str, target: str) -> str:
        current, target = self._known(current), self._known(target)
        now = self._label(current)
        if current == target:
            return f"This {self.noun} is already {now}."
        if target in self.verbs:
            article = "an" if self.noun[:1].lower() in "aeiou" else "a"
            message = f"Cannot {self.verbs[target]} {article} {self.noun} that is {now}."
        else:
            message = f"This {self.noun} is {now}: it cannot become {self._label(target)}."
        options = sorted(self.verbs.get(s) or self._label(s) for s in self.transitions[current])
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
