"""The goal tree read model: a cycle's aligned objectives, one objective in detail and a key
result's check-in series, each as of any log position, read by index lookups, never replay.

`TreeProjection(load=...)` writes the temporal tables; the functions of `queries` read them.
"""

from projections.tree.projection import TreeProjection
from projections.tree.queries import (
    check_ins_at, cycle_at, cycles_at, goal_tree, north_star_at, objective_at, team_at, teams_at,
)

__all__ = [
    "TreeProjection", "check_ins_at", "cycle_at", "cycles_at", "goal_tree", "north_star_at",
    "objective_at", "team_at", "teams_at",
]
