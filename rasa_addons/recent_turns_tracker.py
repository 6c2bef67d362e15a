"""A conversation tracker whose dialogue states cover only the recent turns.

Each time a policy predicts, Rasa rebuilds the state of every turn since the conversation
started (6 ms at turn 220, several times per reply), although RulePolicy reads only as many
turns as its longest rule and MemoizationPolicy its `max_history`. This tracker builds the last
RECENT_TURNS or more, equal to the end of Rasa's own list, once per tracker length for every
kind of list the policies ask for. tests/test_serving.py compares the two on every turn of
real and random conversations, and checks that RECENT_TURNS covers what the policies read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker, is_prev_action_listen_in_state

RECENT_TURNS = 12


@dataclass(frozen=True)
class StatesKind:
    """The arguments of DialogueStateTracker.past_states (rule_only_data as JSON, to be hashable)."""

    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_json: str

    @property
    def rule_only_data(self) -> dict[str, Any] | None:
        return json.loads(self.rule_only_json)


class RecentTurnsTracker(DialogueStateTracker):
    # The kinds asked for so far in this process (two, for RulePolicy and MemoizationPolicy):
    # a tracker builds all of them in one pass over its events.
    kinds_asked_for: set[StatesKind] = set()

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        kind = StatesKind(
            omit_unset_slots, ignore_rule_only_turns, json.dumps(rule_only_data, sort_keys=True)
        )
        # Events are only ever appended, so length and last event identify what was built.
        built_for = (len(self.events), id(self.events[-1]) if self.events else None, id(domain))
        built = getattr(self, "_built_states", None)
        if built is None or built[0] != built_for or kind not in built[1]:
            RecentTurnsTracker.kinds_asked_for.add(kind)
            built = (
                built_for,
                recent_states(
                    self, domain, RECENT_TURNS, RecentTurnsTracker.kinds_asked_for | {kind}
                ),
            )
            self._built_states = built
        # Policies edit the last state's parts in place (a state is {part: {feature: value}}).
        return [
            {part: dict(features) for part, features in state.items()} for state in built[1][kind]
        ]


def recent_states(
    tracker: DialogueStateTracker, domain: Domain, turns: int, kinds: set[StatesKind]
) -> dict[StatesKind, list[State]]:
    """For each kind, the last `turns` (or more) of `Domain.states_for_tracker_history`, equal to it.

    Its loop is copied here with one change: `get_active_state`, the expensive part, runs only
    for turns near the end. A turn's state depends on the one before only through
    `_substitute_rule_only_user_input`, which leaves a state alone when its previous action is
    action_listen; states are therefore kept from the first such turn in the computed stretch.
    If too few remain (long runs of hidden rule turns), every turn is computed as Rasa does.
    """
    events = tracker.applied_events()
    positions = sum(isinstance(event, ActionExecuted) for event in events) + 1
    result: dict[StatesKind, list[State]] = {}
    for margin in (2 * turns + 2, positions):
        first_computed = positions - margin
        pending = [kind for kind in kinds if kind not in result]
        for kind, computed in _states_from(
            tracker, events, domain, first_computed, pending
        ).items():
            if first_computed > 0 and kind.ignore_rule_only_turns:
                anchor = next(
                    (i for i, (_, after_listen) in enumerate(computed) if after_listen),
                    len(computed),
                )
                computed = computed[anchor:]
            if first_computed <= 0 or len(computed) >= turns:
                result[kind] = [state for state, _ in computed]
        if len(result) == len(kinds):
            break
    return result


@dataclass
class _StatesSoFar:
    """Domain.states_for_tracker_history's loop variables, for one kind of states."""

    kind: StatesKind
    rule_only_data: dict[str, Any] | None
    states: list[tuple[State, bool]] = field(default_factory=list)
    last_ml_action_sub_state: dict[str, Any] | None = None
    turn_was_hidden: bool = False


def _states_from(
    tracker: DialogueStateTracker,
    events: list[Event],
    domain: Domain,
    first_computed: int,
    kinds: list[StatesKind],
) -> dict[StatesKind, list[tuple[State, bool]]]:
    """Domain.states_for_tracker_history (Rasa 3.6), skipping states of turns before first_computed.
    Each state comes with whether its own previous action was action_listen."""
    so_far = [_StatesSoFar(kind, kind.rule_only_data) for kind in kinds]
    for position, (prior, hide_rule_turn) in enumerate(_prior_trackers(tracker, events)):
        for one in so_far:
            if one.kind.ignore_rule_only_turns:
                if not one.turn_was_hidden:
                    one.last_ml_action_sub_state = domain._get_prev_action_sub_state(prior)
                if (
                    not prior.followup_action
                    and not prior.latest_action_name == prior.active_loop_name
                ):
                    one.turn_was_hidden = hide_rule_turn
                if one.turn_was_hidden:
                    continue
            if position < first_computed:
                continue
            state = domain.get_active_state(prior, omit_unset_slots=one.kind.omit_unset_slots)
            after_listen = is_prev_action_listen_in_state(state)
            if one.kind.ignore_rule_only_turns:
                domain._remove_rule_only_features(state, one.rule_only_data)
                if one.states:
                    domain._substitute_rule_only_user_input(state, one.states[-1][0])
                if one.last_ml_action_sub_state:
                    state[PREVIOUS_ACTION] = one.last_ml_action_sub_state
            one.states.append((domain._clean_state(state), after_listen))
    return {one.kind: one.states for one in so_far}


def _prior_trackers(
    tracker: DialogueStateTracker, events: list[Event]
) -> Iterator[tuple[DialogueStateTracker, bool]]:
    """DialogueStateTracker.generate_all_prior_trackers, reusing already applied events."""
    prior = tracker.init_copy()
    for event in events:
        if isinstance(event, ActionExecuted):
            yield prior, event.hide_rule_turn
        prior.update(event)
    yield prior, False
