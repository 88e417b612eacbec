"""The goal tree read model: a cycle's aligned objectives and one objective in detail, each as
of any log position, read by index lookups, never replay. (A key result's check-in series is
the `check_ins` read model's; `check_ins_at` is found here too.)

`TreeProjection(load=...)` writes the temporal tables; the functions of `queries` read them.
"""

from projections.check_ins import check_ins_at  # the series beside the tree, where callers look
from projections.tree.projection import TreeProjection
from projections.tree.queries import (
    cycle_at, cycles_at, goal_tree, north_star_at, objective_at, team_at, teams_at,
)

__all__ = [
    "TreeProjection", "check_ins_at", "cycle_at", "cycles_at", "goal_tree", "north_star_at",
    "objective_at", "team_at", "teams_at",
]
