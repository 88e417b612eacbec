"""One Controller per resource; ROUTES lists them all."""

from api.routes.cycles import CycleController

ROUTES = [CycleController]
