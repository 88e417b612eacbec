"""`okr demo`: a sample organisation seeded through the use cases, with an injected clock."""

from api.seed.runner import DemoFailed, DemoRefused, seed_demo
from api.seed.summary import DemoSummary, count_events, render
from api.seed.timeline import DemoClock

__all__ = [
    "DemoClock", "DemoFailed", "DemoRefused", "DemoSummary", "count_events", "render", "seed_demo",
]
