"""One Controller per resource; ROUTES lists them all."""

from api.routes.approvals import ApprovalAuditController
from api.routes.cycles import CycleController
from api.routes.events import EventController
from api.routes.goal_trees import GoalTreeController
from api.routes.measurements import CheckInController, CheckInSeriesController
from api.routes.negotiations import NegotiationController
from api.routes.okrs import ObjectiveController
from api.routes.north_star import NorthStarController
from api.routes.teams import TeamController
from api.routes.tokens import TokenController
from api.routes.users import UserController

ROUTES = [
    CycleController, UserController, TokenController, TeamController, NorthStarController,
    ObjectiveController, NegotiationController, CheckInController, CheckInSeriesController,
    GoalTreeController, ApprovalAuditController, EventController,
]
