"""A small organisation over HTTP for the objective tests: Company (led by Pat) over Team A
(led by Lea, with member Max), an active quarter and the next one planned."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Story:
    api: object
    company: str
    team: str
    cycle: str
    next_cycle: str

    def draft(self, title: str = "Ship the mobile app", as_: str = "Lea", **fields) -> str:
        body = {"cycle_id": self.cycle, "team_id": self.team, "title": title, "kind": "committed", **fields}
        return self.api.ok(self.api.post("/objectives", body, as_=as_), 201)["id"]

    def add_metric(self, objective: str, title: str = "Crash-free sessions", baseline=90, target=99,
                   as_: str = "Lea") -> str:
        return self.api.ok(self.api.post(f"/objectives/{objective}/key-results", {
            "title": title, "unit": "%", "baseline": baseline, "target": target,
        }, as_=as_), 201)["id"]

    def act(self, objective: str, action: str, as_: str, body: dict | None = None, status: int = 200) -> dict:
        return self.api.ok(self.api.post(f"/objectives/{objective}/{action}", body or {}, as_=as_), status)

    def approved(self, title: str = "Ship the mobile app") -> tuple[str, str]:
        objective = self.draft(title)
        kr = self.add_metric(objective)
        self.act(objective, "submit", "Lea")
        self.act(objective, "approve", "Pat")
        return objective, kr

    def check_in(self, objective: str, kr: str, value: float, confidence: float = 0.7, as_: str = "Max",
                 **extra) -> dict:
        return self.api.ok(self.api.post(f"/objectives/{objective}/key-results/{kr}/check-ins",
                                         {"value": value, "confidence": confidence, **extra}, as_=as_), 201)


def a_story(api) -> Story:
    for name in ("Pat", "Lea", "Max"):
        api.given_user(name)
    company = api.given_team("Company", "Pat")
    team = api.given_team("Team A", "Lea", parent=company, members=["Max"])
    api.ok(api.request("PUT", "/north-star", json={"statement": "Every team knows why its work matters"}))
    cycle = api.ok(api.post("/cycles", {"name": "2026-Q1", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}), 201)["id"]
    api.ok(api.post(f"/cycles/{cycle}/activate"))
    following = api.ok(api.post("/cycles", {"name": "2026-Q2", "starts_on": "2026-04-01", "ends_on": "2026-06-30"}), 201)["id"]
    return Story(api, company, team, cycle, following)
