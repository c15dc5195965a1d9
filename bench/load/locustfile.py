"""Officers at work, for locust: 70% person searches, 20% profile reads, 10% vehicle look-ups.

Driven by `bench.load.run`, which writes the plan (`ICJS_LOAD_PLAN`: per state, an officer token
and the queries drawn from that state's records) and starts locust headless. Each simulated
officer belongs to one state, types names as officers do (a typo, sometimes a birth year or the
father's name), opens a profile from one of their own earlier results, and looks up plates
written with separators. Think time between actions: `ICJS_LOAD_THINK_S` (min,max seconds).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, task

_PLAN: dict[str, Any] = json.loads(Path(os.environ["ICJS_LOAD_PLAN"]).read_text(encoding="utf-8"))
_THINK = tuple(float(x) for x in os.environ.get("ICJS_LOAD_THINK_S", "1,3").split(","))


class Officer(FastHttpUser):
    wait_time = between(_THINK[0], _THINK[1])

    def on_start(self) -> None:
        self.state = random.choice(sorted(_PLAN["states"]))
        plan = _PLAN["states"][self.state]
        self.headers = {"Authorization": f"Bearer {plan['token']}"}
        self.persons: list[dict[str, Any]] = plan["persons"]
        self.plates: list[str] = plan["plates"]
        self.profiles: list[str] = []

    def _search(self) -> None:
        body = dict(random.choice(self.persons))
        body["purpose"] = "load: case enquiry"
        with self.client.post(
            "/v1/persons/search",
            json=body,
            headers=self.headers,
            name="persons.search",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            profiles = response.json().get("profiles", [])
            for profile in profiles[:3]:
                if profile.get("profile_id"):
                    self.profiles.append(profile["profile_id"])
            del self.profiles[:-50]

    @task(70)
    def search_person(self) -> None:
        self._search()

    @task(20)
    def read_profile(self) -> None:
        if not self.profiles:
            self._search()  # an officer opens a profile from a result: search first
            return
        profile_id = random.choice(self.profiles)
        with self.client.get(
            f"/v1/persons/{profile_id}",
            params={"purpose": "load: case enquiry"},
            headers=self.headers,
            name="persons.get",
            catch_response=True,
        ) as response:
            # a profile may have changed since the search (404 is an answer, not an error)
            if response.status_code not in (200, 404):
                response.failure(f"status {response.status_code}")

    @task(10)
    def look_up_vehicle(self) -> None:
        if not self.plates:
            self._search()
            return
        body = {"registration_no": random.choice(self.plates), "purpose": "load: checkpoint"}
        with self.client.post(
            "/v1/vehicles/search",
            json=body,
            headers=self.headers,
            name="vehicles.search",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
