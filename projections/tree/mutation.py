"""`event.mutate(aggregate)`, for the events of the domain's `@event` methods, without the
library's lookups on every event.

For such an event, the library's `mutate` checks the aggregate's id and next version, looks
up the decorated method, works out which of the event's attributes it takes (a dict built
anew each time), binds it and calls it, then sets the version and modified time. Folding
the whole log runs that a million times; here the method and its parameters' names are
found once per event class, and the rest done exactly as the library does. A class whose
`mutate` or `apply` is not the library's own (an aggregate's first event, an `apply`
written by hand) is left to its own `mutate`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from operator import itemgetter
from types import FunctionType
from typing import Any

from eventsourcing.domain import (
    CanMutateAggregate,
    DecoratedFuncCaller,
    OriginatorIDError,
    OriginatorVersionError,
    decorated_funcs,
)

# (the method, its parameters' names, an itemgetter of their values in order if all may be
# passed by position)
_Call = tuple[Callable[..., None], tuple[str, ...], Callable[[dict], tuple] | None]


def _call_for(cls: type) -> _Call | None:
    """The decorated method of `cls`, the names of its parameters and, if all of them may
    be passed by position, a getter of their values in order; if `event.mutate(a)` is the
    library's: check, `DecoratedFuncCaller.apply`, set the version and time."""
    if cls.mutate is not CanMutateAggregate.mutate or cls.apply is not DecoratedFuncCaller.apply:
        return None
    func = decorated_funcs.get(cls)
    if type(func) is not FunctionType:
        return None
    # `DecoratedFuncCaller.apply` ends with `super().apply(aggregate)`: the library's no-op,
    # unless a class between them in the MRO has an `apply` of its own.
    mro = cls.__mro__
    after = mro[mro.index(DecoratedFuncCaller) + 1:]
    if next(c for c in after if "apply" in vars(c)) is not CanMutateAggregate:
        return None
    parameters = [p for name, p in inspect.signature(func).parameters.items() if name != "self"]
    names = tuple(p.name for p in parameters)
    positional = len(names) > 1 and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters)
    return func, names, itemgetter(*names) if positional else None


class Mutator:
    """`mutator(event, aggregate)` does what `event.mutate(aggregate)` does, and returns it."""

    def __init__(self) -> None:
        self._calls: dict[type, _Call | None] = {}

    def __call__(self, event: Any, aggregate: Any) -> Any:
        cls = type(event)
        try:
            call = self._calls[cls]
        except KeyError:
            call = self._calls[cls] = _call_for(cls)
        if call is None or aggregate is None:
            return event.mutate(aggregate)
        state = event.__dict__
        originator_id = state["originator_id"]
        if originator_id != aggregate.id:
            raise OriginatorIDError(originator_id, aggregate.id)
        version = state["originator_version"]
        if version != aggregate.version + 1:
            raise OriginatorVersionError(version, aggregate.version + 1)
        func, names, values = call
        try:
            args = None if values is None else values(state)
        except KeyError:  # a parameter the event leaves to its default: passed by name
            args = None
        if args is not None:
            func(aggregate, *args)
        else:
            func(aggregate, **{name: state[name] for name in names if name in state})
        aggregate.version = version
        aggregate.modified_on = state["timestamp"]
        return aggregate
