"""One Controller per resource; ROUTES lists them all."""

from api.routes.cycles import CycleController
from api.routes.north_star import NorthStarController
from api.routes.teams import TeamController
from api.routes.tokens import TokenController
from api.routes.users import UserController

ROUTES = [CycleController, UserController, TokenController, TeamController, NorthStarController]
