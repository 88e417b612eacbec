"""Ottervale, the demo's fictional company: a meal-kit delivery business, its people and teams."""

from __future__ import annotations

from api.seed.specs import Person, TeamSpec

COMPANY = "Ottervale"

NORTH_STAR = (
    "Home cooking, made easy: 250,000 households cooking an Ottervale dinner "
    "at least three nights a week."
)

DOMAIN = "ottervale.example"


def _person(slug: str, name: str) -> Person:
    return Person(slug, name, f"{slug}@{DOMAIN}")


PEOPLE = (
    _person("maya.okafor", "Maya Okafor"),        # CEO
    _person("rosa.alvarez", "Rosa Alvarez"),      # chief of staff
    _person("priya.raman", "Priya Raman"),        # CPO
    _person("ines.duarte", "Ines Duarte"),
    _person("daniel.kim", "Daniel Kim"),          # CTO
    _person("oliver.grant", "Oliver Grant"),
    _person("grace.mensah", "Grace Mensah"),      # COO
    _person("fatima.haddad", "Fatima Haddad"),
    _person("tom.becker", "Tom Becker"),
    _person("jonas.weber", "Jonas Weber"),
    _person("chen.wei", "Chen Wei"),
    _person("sofia.marquez", "Sofia Marquez"),
    _person("amara.diallo", "Amara Diallo"),
    _person("noah.fischer", "Noah Fischer"),
    _person("aiko.tanaka", "Aiko Tanaka"),
    _person("ravi.patel", "Ravi Patel"),
    _person("elena.petrova", "Elena Petrova"),
    _person("lars.nilsen", "Lars Nilsen"),
    _person("mateo.rossi", "Mateo Rossi"),
    _person("hannah.schmidt", "Hannah Schmidt"),
)

# Parents come before their children: teams are formed in this order.
TEAMS = (
    TeamSpec("company", COMPANY, "maya.okafor", members=("rosa.alvarez",)),
    TeamSpec("product", "Product", "priya.raman", "company", ("ines.duarte",)),
    TeamSpec("engineering", "Engineering", "daniel.kim", "company", ("oliver.grant",)),
    TeamSpec("operations", "Operations", "grace.mensah", "company", ("fatima.haddad",)),
    TeamSpec("mobile", "Mobile", "tom.becker", "product", ("jonas.weber", "chen.wei")),
    TeamSpec("growth", "Growth", "sofia.marquez", "product", ("amara.diallo", "noah.fischer")),
    TeamSpec("platform", "Platform", "aiko.tanaka", "engineering", ("ravi.patel", "elena.petrova")),
    TeamSpec("fulfilment", "Fulfilment", "lars.nilsen", "operations",
             ("mateo.rossi", "hannah.schmidt")),
)

TEAM_BY_SLUG = {team.slug: team for team in TEAMS}


def level_of(team_slug: str) -> int:
    """1 for the company, 2 for the teams under it, and so on."""
    level, team = 1, TEAM_BY_SLUG[team_slug]
    while team.parent is not None:
        level, team = level + 1, TEAM_BY_SLUG[team.parent]
    return level


def measurer_of(team_slug: str) -> str:
    """Who records a team's weekly check-ins: its first member, else its lead."""
    team = TEAM_BY_SLUG[team_slug]
    return team.members[0] if team.members else team.lead
