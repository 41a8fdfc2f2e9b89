"""The load test's users: social workers and officials browsing their own jurisdiction.

Run by ``bench/load.py`` (which prepares the users and starts the server); not on its own. Each
simulated person signs in with a session prepared for one real user of the generated data, then,
with a pause of 0.5–2 s between actions, lists and pages recipients, searches by name and by ID
number, opens files and looks at visits and cases, as a social worker does in a working day.
A redirect (to the sign-in page), an error status or a page without its marker counts as a failure.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

PEOPLE = json.loads(open(os.environ["SHEGONG_LOAD_USERS"], encoding="utf-8").read())
_next = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SocialWorker(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        self.me = PEOPLE[next(_next) % len(PEOPLE)]
        self.rng = random.Random(self.me["username"])
        self.client.cookies.set("sessionid", self.me["session"])

    def get(self, url, name, marker="<main"):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif marker not in response.text:
                response.failure("the page lacks its content")
            else:
                response.success()
            return response

    @task(3)
    def recipients_list(self):
        self.get("/recipients/", "recipients list")

    @task(1)
    def recipients_page(self):
        self.get(f"/recipients/?page={self.rng.randint(2, 20)}", "recipients list, a later page")

    @task(2)
    def search_by_name(self):
        self.get(f"/recipients/?q={self.rng.choice(self.me['initials'])}", "recipients search by name")

    @task(3)
    def open_file(self):
        self.get(f"/recipients/{self.rng.choice(self.me['recipients'])}/", "recipient file")

    @task(2)
    def visits_list(self):
        self.get("/casework/visits/", "visits list")

    @task(1)
    def visits_due(self):
        self.get("/casework/visits/due/", "visits due")

    @task(1)
    def cases_list(self):
        self.get("/casework/cases/", "cases list")

    @task(1)
    def search_by_id_number(self):
        form = self.get("/recipients/search-id/", "ID search form")
        token = CSRF.search(form.text or "")
        if not token:
            return
        number, pk = self.rng.choice(self.me["id_numbers"])
        with self.client.post("/recipients/search-id/", {"csrfmiddlewaretoken": token.group(1), "id_number": number},
                              headers={"Referer": self.host + "/recipients/search-id/"}, name="exact search by ID number",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code == 302 and response.headers.get("Location", "").endswith(f"/recipients/{pk}/"):
                response.success()
            else:
                response.failure(f"status {response.status_code}, to {response.headers.get('Location')}")
