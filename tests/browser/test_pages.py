"""The console and the citizen portal in a real browser (Debian's chromium, driven by
Playwright): sign in with the authorisation-code flow, search, open a profile, search a vehicle,
issue and verify a NOC as an officer and as a citizen (with its PDF), read the audit log,
switch language, the idle lock, keyboard use, and axe-core's WCAG 2.1 A/AA rules on every page.

Every page is screenshotted to `.ci/artifacts/browser/`; a page that renders blank, logs a
console error or fails a script fails its test.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest

from api.ratelimit import TokenBucket
from auth.principal import Role
from records import Source
from tests.plugins.api import LiveApi, api_settings_for, start_api

playwright_sync = pytest.importorskip("playwright.sync_api")

# A page is read once it has loaded: `expect` retries until then (the machine may be busy), where
# `count()` would read whatever part of the page had arrived.
LOADED_MS = 30_000
ARTIFACTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts" / "browser"
AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    from config.settings import SearchSettings
    from indexer import open_backend
    from tests.plugins.api import api_world, fill
    from tests.unit.web.test_proclaimed import LEFT_OUT, PUBLISHED

    root = tmp_path_factory.mktemp("site")
    # the API tests' world, and proclaimed offenders: one to publish, several to leave out
    backend = open_backend(SearchSettings(backend="embedded", path=root / "site.db"))
    fill(backend, [*api_world(), PUBLISHED, *LEFT_OUT])
    settings = api_settings_for(root, rate_limit_per_minute=100_000)
    with start_api(settings, backend, pages=True) as api:
        # one browser from one address runs every portal test and every sign-in within a
        # minute: the portal's and the sign-in form's per-address throttles (tested in
        # tests/integration/web) are set out of reach here
        api.app.state.public_limit = TokenBucket(100_000)
        api.app.state.signin_limit = TokenBucket(100_000)
        accounts = api.app.state.officer_accounts
        accounts.create(
            "MH-1001",
            name="Insp. Asha Kulkarni",
            role=Role.OFFICER,
            state="MH",
            district="PUNE",
            password=PASSWORD,
        )
        accounts.create(
            "TN-2001", name="SI Meena", role=Role.OFFICER, state="TN", password=PASSWORD
        )
        accounts.create(
            "AUD-1", name="Auditor Rao", role=Role.AUDITOR, state=None, password=PASSWORD
        )
        accounts.create(
            "MH-SUP-1",
            name="DySP Kale",
            role=Role.SUPERVISOR,
            state="MH",
            district="PUNE",
            password=PASSWORD,
        )
        yield api
    backend.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is missing: make test installs it (scripts/chromium.py ensure)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


class Watched:
    """A page whose console errors and script failures are collected."""

    def __init__(self, browser: object, base: str) -> None:
        self.context = browser.new_context(base_url=base, locale="en-GB")  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))

    def check(self, name: str) -> None:
        """Not blank, no console error, no WCAG 2.1 A/AA violation; a screenshot."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        text = self.page.inner_text("body").strip()
        assert len(text) > 40, f"{name}: the page is blank"
        assert not self.problems, f"{name}: console errors {self.problems}"
        self.page.evaluate(AXE)
        result = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            WCAG,
        )
        violations = [(v["id"], v["help"], len(v["nodes"])) for v in result["violations"]]
        assert not violations, f"{name}: accessibility violations {violations}"

    def close(self) -> None:
        self.context.close()


def submit(w: Watched) -> None:
    """Submit the page's form and wait for the answer page, which must be a 200 (a refusal,
    such as the portal's throttle, fails here with its status rather than as a missing
    element)."""
    with w.page.expect_navigation(timeout=LOADED_MS * 2) as navigation:
        w.page.click("main button[type=submit]")
    response = navigation.value
    assert response is not None and response.status == 200, response and response.status


def sign_in(w: Watched, officer_id: str = "MH-1001") -> None:
    w.page.goto("/console")
    assert "/oauth/authorize" in w.page.url and "code_challenge_method=S256" in w.page.url
    w.check("signin")
    # keyboard only: type, tab, type, enter
    w.page.focus("#officer_id")
    w.page.keyboard.type(officer_id)
    w.page.keyboard.press("Tab")
    w.page.keyboard.type(PASSWORD)
    with w.page.expect_navigation():
        w.page.keyboard.press("Enter")
    assert re.match(r".*/console/(search|audit)$", w.page.url), w.page.inner_text("main")


def test_officer_console(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        sign_in(w)
        cookie = next(c for c in w.context.cookies() if c["name"] == "icjs_console")
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        w.check("console-search")
        w.page.fill("#purpose", "FIR 0123/2024 Pune")
        w.page.fill("#name", "Rajendra Patil")
        w.page.click("button[type=submit] >> text=Search")
        w.page.wait_for_selector("ol.profiles li")
        assert "Rajendra" in w.page.inner_text("#results").title()
        w.check("console-results")
        # the profile of four records (Sarathi, Vahan, CCTNS, e-Prisons), opened from the
        # result with the purpose carried
        w.page.click("ol.profiles li:has-text('Records: 4') h3 a")
        w.page.wait_for_selector("h2:has-text('Sources')")
        assert "Provenance" in w.page.inner_text("main")
        assert w.page.locator("article.record").count() >= 4
        assert "Links" in w.page.inner_text("main")
        w.check("console-profile")
        # the read is audited with the officer, the purpose and the records shown
        from state.audit import AuditQuery

        everything = site.app.state.audit.entries(AuditQuery(limit=1000))
        assert PASSWORD not in repr(everything)  # the sign-in's password is never logged
        entries = site.app.state.audit.entries(AuditQuery(actor="MH-1001", limit=50))
        read = [e for e in entries if e.route.startswith("/console/profiles") and e.status == 200]
        assert read and read[0].purpose == "FIR 0123/2024 Pune" and read[0].record_ids
        # the same profile without a purpose asks for one first
        profile_path = w.page.url.split("?")[0]
        w.page.goto(profile_path)
        assert w.page.is_visible("text=State the purpose")
        w.check("console-purpose")
        # vehicles
        w.page.goto("/console/vehicles")
        w.page.fill("#purpose", "checkpoint NH48")
        w.page.fill("#registration_no", "MH-12-AB-1234")
        w.page.click("main button[type=submit]")
        w.page.wait_for_selector("article.record")
        w.check("console-vehicles")
        # NOC: a citizen's certificate (the portal), verified by the officer; officers may
        # verify (noc:read) but not issue (noc:issue), so the console offers no issue form
        w.page.goto("/public/noc")
        w.page.fill("#registration_no", "MH12AB1234")
        w.page.fill("#chassis_tail", "23456")
        w.page.click("main button[type=submit]")
        decision = w.page.inner_text("section.noc .decision")
        assert "NOT_CLEAR" in decision  # the sample world has it stolen
        noc_id = re.search(r"noc_[0-9a-f]{32}", w.page.inner_text("section.noc")).group(0)
        w.page.goto("/console/noc")
        assert not w.page.is_visible("text=Issue a NOC")
        w.page.fill("#noc_id", noc_id)
        w.page.keyboard.press("Enter")
        w.page.wait_for_selector("section.noc")
        assert "NOT_CLEAR" in w.page.inner_text("section.noc")
        w.check("console-noc")
        # an officer may not read the audit log: the page says so, and shows no entry
        w.page.goto("/console/audit")
        assert w.page.is_visible("h1:has-text('Not permitted')")
        assert not w.page.is_visible("table")
        w.problems.clear()  # the browser logs the 403
    finally:
        w.close()


def test_profile_page_prints_the_mini_docket(site: LiveApi, browser: object) -> None:
    """#20: the profile page's docket link downloads the PDF for the purpose the page was
    opened with; the printing is audited with it, and the PDF's footer says who and why."""
    w = Watched(browser, site.url)
    try:
        sign_in(w)
        w.page.fill("#purpose", "FIR 0456/2024 Pune docket")
        w.page.fill("#name", "Rajendra Patil")
        w.page.click("button[type=submit] >> text=Search")
        w.page.wait_for_selector("ol.profiles li")
        w.page.click("ol.profiles li:has-text('Records: 4') h3 a")
        w.page.wait_for_selector("h2:has-text('Sources')")
        shown = {
            t.strip().split(" · ")[-1]
            for t in w.page.locator("article.record h3").all_inner_texts()
        }
        w.check("console-profile-docket")
        with w.page.expect_download() as download:
            w.page.click("a.docket")
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        from io import BytesIO

        from pypdf import PdfReader

        text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())
        assert "Printed by MH-1001" in text and "FIR 0456/2024 Pune docket" in text
        assert shown and all(record_id in text for record_id in shown), (shown, text[:500])
        from state.audit import AuditQuery

        entries = site.app.state.audit.entries(AuditQuery(actor="MH-1001", limit=50))
        printed = [e for e in entries if e.route.endswith("/docket") and e.status == 200]
        assert printed and printed[0].purpose == "FIR 0456/2024 Pune docket"
        # the profile's records, and any connected record the network summary printed
        assert shown <= set(printed[0].record_ids)
    finally:
        w.close()


def test_network_view_draws_the_profile_and_lists_its_evidence(
    site: LiveApi, browser: object
) -> None:
    from network import GraphStore
    from network.hook import rebuild, store_path

    store = GraphStore(store_path(site.app.state.settings.data_dir))
    try:
        rebuild(store, site.backend.records())
    finally:
        store.close()
    w = Watched(browser, site.url)
    try:
        sign_in(w)
        w.page.fill("#purpose", "FIR 0123/2024 Pune")
        w.page.fill("#name", "Rajendra Patil")
        w.page.click("button[type=submit] >> text=Search")
        w.page.wait_for_selector("ol.profiles li")
        w.page.click("ol.profiles li:has-text('Records: 4') h3 a")
        w.page.wait_for_selector("h2:has-text('Sources')")
        with w.page.expect_navigation():
            w.page.click("text=Network view")
        # drawn by the vendored Cytoscape.js (a canvas in the holder), purpose carried over
        w.page.wait_for_selector("#network-graph canvas", timeout=LOADED_MS)
        main = w.page.inner_text("main")
        assert "FIR 0123/2024 Pune" in main and "Edges (evidence)" in main
        assert "fir:" in main.lower() or "MH/" in main
        assert w.page.locator("table").count() == 2
        w.check("console-network")
    finally:
        w.close()


def test_alerts_inbox_asks_a_purpose_and_acknowledges(site: LiveApi, browser: object) -> None:
    from datetime import UTC, datetime

    # an alert for the Pune district desk (the officer's district), as the delivery worker
    # writes it, and one for another desk that this officer must not see
    store = site.app.state.alerts
    revoked = {"noc_id": "noc_" + "b" * 32, "registration_no": "MH12AB1234", "reason": "theft"}
    for desk, key in (("district:MH/PUNE", "browser-pune"), ("district:TN/CHENNAI", "browser-tn")):
        now = datetime.now(UTC)
        store.deliver(recipient=desk, kind="noc_revoked", dedup_key=key, payload=revoked, now=now)
    w = Watched(browser, site.url)
    try:
        sign_in(w)
        w.page.click("nav >> text=Alerts")
        assert w.page.is_visible("text=State the purpose")  # nothing is read before it
        w.check("console-alerts-purpose")
        w.page.fill("#purpose", "daily desk review")
        with w.page.expect_navigation():
            w.page.keyboard.press("Enter")
        items = w.page.locator("ol.alerts > li")
        playwright_sync.expect(items).to_have_count(1, timeout=LOADED_MS)  # Pune's only
        assert "NOC revoked" in items.inner_text() and "MH12AB1234" in items.inner_text()
        w.check("console-alerts")
        with w.page.expect_navigation():
            w.page.click("ol.alerts button[type=submit]")
        assert "purpose=daily+desk+review" in w.page.url  # back to the inbox, purpose kept
        playwright_sync.expect(w.page.locator("ol.alerts > li")).to_contain_text(
            "Acknowledged: MH-1001", timeout=LOADED_MS
        )
        assert w.page.locator("ol.alerts button[type=submit]").count() == 0
        w.check("console-alerts-acknowledged")
        # live: an alert delivered while the page is open arrives without a reload (the
        # page's stream), at the top; another desk's does not
        url = w.page.url
        later = {**revoked, "noc_id": "noc_" + "c" * 32, "registration_no": "MH14ZZ0001"}
        for desk, key in (("district:TN/CHENNAI", "browser-tn-2"), ("district:MH/PUNE", "live")):
            now = datetime.now(UTC)
            store.deliver(recipient=desk, kind="noc_revoked", dedup_key=key, payload=later, now=now)
        live = w.page.locator("ol.alerts > li")
        playwright_sync.expect(live).to_have_count(2, timeout=LOADED_MS)
        assert "MH14ZZ0001" in live.first.inner_text() and w.page.url == url
        assert live.first.locator("button[type=submit]").count() == 1  # to acknowledge
        w.page.wait_for_timeout(1500)  # a second poll of the stream brings nothing more
        assert live.count() == 2
        w.check("console-alerts-live")
    finally:
        w.close()


def test_a_supervisor_approves_an_access_request(site: LiveApi, browser: object) -> None:
    """A CBI client is told a CCTNS record exists (a hit-flag) and asks for it; a Maharashtra
    supervisor reads the request in the console and approves it with a reason."""
    token = site.partner(
        agency="CBI",
        sources=[Source.SARATHI],
        scopes=["persons:search", "persons:read", "access:request"],
    )
    found = site.post(
        "/v1/persons/search",
        token,
        json={"name": "Rajendra Shankar Patil", "purpose": "RC 0042/2026 CBI"},
    ).json()
    hit = next(h for h in found["hits"] if h["source"] == "cctns" and h["state"] == "MH")
    filed = site.post(
        "/v1/access/requests",
        token,
        json={"handle": hit["handle"], "reason": "co-accused", "case_reference": "RC 0042/2026"},
    ).json()
    w = Watched(browser, site.url)
    try:
        sign_in(w, "MH-SUP-1")
        w.page.click("nav >> text=Access requests")
        assert w.page.is_visible("text=State the purpose")
        w.page.fill("#purpose", "daily review of access requests")
        with w.page.expect_navigation():
            w.page.keyboard.press("Enter")
        item = w.page.locator("ol.requests > li", has_text=filed["request_id"])
        playwright_sync.expect(item).to_contain_text("RC 0042/2026", timeout=LOADED_MS)
        assert "CBI" in item.inner_text()
        w.check("console-access")
        item.locator("input[name=reason]").fill("RC verified with CBI ACB Mumbai")
        with w.page.expect_navigation():
            item.locator("button[value=approve]").click()
        assert "purpose=daily+review" in w.page.url
        playwright_sync.expect(
            w.page.locator("ol.requests > li", has_text=filed["request_id"])
        ).to_have_count(0, timeout=LOADED_MS)
        w.check("console-access-decided")
    finally:
        w.close()
    status = site.get(f"/v1/access/requests/{filed['request_id']}", token).json()
    assert status["status"] == "approved"
    assert status["decided_by"] == "supervisor:MH-SUP-1"
    assert status["decision_reason"] == "RC verified with CBI ACB Mumbai"


@pytest.fixture(scope="module")
def flagged_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """The API tests' world under a policy that answers officers e-Prisons only as hit-flags
    (`hit_flag = ["eprisons"]` on the officer role), with one officer and one supervisor."""
    from config.settings import SearchSettings
    from indexer import open_backend
    from tests.plugins.api import api_world, fill

    root = tmp_path_factory.mktemp("flagged-site")
    policy = (files("auth") / "default_policy.toml").read_text(encoding="utf-8")
    marked = policy.replace("[roles.officer]\n", '[roles.officer]\nhit_flag = ["eprisons"]\n', 1)
    assert marked != policy
    (root / "policy.toml").write_text(marked, encoding="utf-8")
    backend = open_backend(SearchSettings(backend="embedded", path=root / "site.db"))
    fill(backend, api_world())
    settings = api_settings_for(
        root, auth={"policy_path": root / "policy.toml"}, rate_limit_per_minute=100_000
    )
    with start_api(settings, backend, pages=True) as api:
        api.app.state.signin_limit = TokenBucket(100_000)
        accounts = api.app.state.officer_accounts
        accounts.create(
            "MH-1001", name="Insp. Asha Kulkarni", role=Role.OFFICER, state="MH", password=PASSWORD
        )
        yield api
    backend.close()


def test_the_console_search_shows_hit_flags_with_the_request_access_action(
    flagged_site: LiveApi, browser: object
) -> None:
    """An officer whose role is answered e-Prisons only as hit-flags sees, under his results,
    that a record exists there, where and whom to ask (never the inmate), and files a request
    from the page; it is then pending in his requests, for the owning agency to decide."""
    w = Watched(browser, flagged_site.url)
    try:
        sign_in(w)
        w.page.fill("#purpose", "FIR 0123/2024 Pune")
        w.page.fill("#name", "Rajendra Shankar Patil")
        w.page.click("button[type=submit] >> text=Search")
        hits = w.page.locator("ol.hits > li")
        playwright_sync.expect(hits).to_have_count(1, timeout=LOADED_MS)
        text = hits.first.inner_text()
        assert "eprisons" in text and "MH Police" in text
        assert "YERAWADA" not in w.page.inner_text("#results").upper()  # the inmate is not shown
        assert "eprisons:" not in w.page.inner_text("#results")
        w.check("console-search-hit-flags")
        hits.first.locator("input[name=reason]").fill("co-accused in FIR 0123/2024")
        assert hits.first.locator("input[name=case_reference]").input_value() == (
            "FIR 0123/2024 Pune"
        )
        with w.page.expect_navigation():
            hits.first.locator("button[type=submit]").click()
        assert "/console/access" in w.page.url
        mine = w.page.locator("section[aria-labelledby=mine] tbody tr")
        playwright_sync.expect(mine).to_have_count(1, timeout=LOADED_MS)
        row = mine.first.inner_text()
        assert "eprisons" in row and "MH Police" in row and "pending" in row
        w.check("console-access-filed")
        # the inmate's own profile id opens as its hit-flag, with the same action (a 403)
        inmate = flagged_site.app.state.persons.ids.issue(["eprisons:MH/YERAWADA/2024/000123"])
        w.page.goto(f"/console/profiles/{inmate}?purpose=FIR+0123%2F2024+Pune")
        flagged = w.page.locator("ol.hits > li")
        playwright_sync.expect(flagged).to_have_count(1, timeout=LOADED_MS)
        assert "eprisons" in flagged.first.inner_text()
        assert flagged.first.locator("button[type=submit]").count() == 1
        assert "YERAWADA" not in w.page.inner_text("main").upper()
        w.problems.clear()  # the browser logs the 403
        w.check("console-profile-hit-flags")
    finally:
        w.close()
    service = flagged_site.app.state.access
    from auth.principal import Caller

    filed = service.mine(Caller("MH-1001", Role.OFFICER, frozenset()))
    assert [(r.source, r.reason, r.case_reference) for r in filed] == [
        ("eprisons", "co-accused in FIR 0123/2024", "FIR 0123/2024 Pune")
    ]
    assert filed[0].record_ids == ("eprisons:MH/YERAWADA/2024/000123",)


def test_auditor_reads_the_audit_log(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        sign_in(w, "AUD-1")
        w.page.goto("/console/audit")
        w.page.wait_for_selector("table tbody tr")
        assert "/oauth/authorize" in w.page.inner_text("table")
        w.check("console-audit")
    finally:
        w.close()


def test_wrong_password_and_forged_state_are_refused(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        w.page.goto("/console")
        w.page.fill("#officer_id", "MH-1001")
        w.page.fill("#password", "not the password at all")
        w.page.click("button[type=submit]")
        assert w.page.is_visible("text=Wrong officer id or password")
        assert not any(c["name"] == "icjs_console" for c in w.context.cookies())
        w.page.goto("/console/callback?code=made-up&state=made-up")
        assert w.page.is_visible("text=Sign-in refused")
        w.page.goto("/console/search")
        assert "/oauth/authorize" in w.page.url
    finally:
        w.problems.clear()  # the refusals above are 4xx answers the browser logs
        w.close()


def test_idle_lock_after_thirty_minutes(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    sessions = site.app.state.web_sessions
    try:
        sign_in(w)
        real = sessions.clock
        sessions.clock = lambda: real() + 31 * 60
        try:
            w.page.goto("/console/search")
            assert "/oauth/authorize" in w.page.url
            assert w.page.is_visible("text=locked after 30 minutes")
        finally:
            sessions.clock = real
    finally:
        w.close()


def test_a_form_without_the_csrf_token_is_refused(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        sign_in(w)
        answer = w.context.request.post(
            f"{site.url}/console/search",
            form={"purpose": "x", "name": "Rajendra Patil", "csrf": "forged"},
        )
        assert answer.status == 403 and "Rajendra" not in answer.text()
    finally:
        w.close()


def test_citizen_noc_pdf_and_verification(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        w.page.goto("/public")
        w.check("public-index")
        # keyboard: the first Tab reaches the skip link, which moves focus to the content
        w.page.keyboard.press("Tab")
        assert w.page.evaluate("document.activeElement.getAttribute('href')") == "#main"
        w.page.click("main >> text=Vehicle NOC")
        w.page.fill("#registration_no", "MH 12 AB 1234")
        w.page.fill("#chassis_tail", "23456")
        w.page.keyboard.press("Enter")
        w.page.wait_for_selector("section.noc")
        text = w.page.inner_text("main")
        assert "RAJENDRA" not in text.upper()  # vehicle status only
        w.check("public-noc")
        with w.page.expect_download() as download:
            w.page.click("text=Download the certificate (PDF)")
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        from io import BytesIO

        from pypdf import PdfReader

        body = PdfReader(BytesIO(pdf)).pages[0].extract_text()
        assert "Vehicle No-Objection Certificate" in body and "/public/verify?noc_id=" in body
        w.page.click("main >> text=Verify a certificate")
        w.page.wait_for_selector("section.noc")
        assert "valid" in w.page.inner_text("section.noc")
        w.check("public-verify")
    finally:
        w.close()


def test_missing_person_look_up_reveals_nothing_personal(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        w.page.goto("/public/missing")
        w.page.fill("#name", "Priya Kumari")
        w.page.fill("#age", "9")
        submit(w)
        answer = w.page.inner_text("section[role=status]")
        assert "A report exists" in answer and "KP-2024-000311" in answer
        assert "PRIYA" not in answer.upper() and " 9" not in answer  # only whom to contact
        w.check("public-missing")
        # a person in other police records (an accused, a convict) is not a missing report:
        # the answer is the same as for someone in no record at all
        answers = []
        for name, age in (("Rajendra Shankar Patil", "34"), ("Zorawar Nobody Imaginary", "34")):
            w.page.goto("/public/missing")
            w.page.fill("#name", name)
            w.page.fill("#age", age)
            submit(w)
            answers.append(w.page.inner_text("section[role=status]"))
        assert answers[0] == answers[1] and "No missing-person report" in answers[0]
    finally:
        w.close()


def test_names_in_their_recorded_script_beside_the_latin_form(
    site: LiveApi, browser: object
) -> None:
    w = Watched(browser, site.url)
    try:
        sign_in(w, "TN-2001")
        w.page.fill("#purpose", "warrant 77/2024")
        w.page.fill("#name", "Murugan")
        w.page.click("main button[type=submit]")
        w.page.wait_for_selector("ol.profiles li")
        w.page.click("ol.profiles li h3 a >> nth=0")
        w.page.wait_for_selector("h2:has-text('Sources')")
        assert "க. முருகன்" in w.page.inner_text("main")  # as e-Prisons recorded it
        assert "K. Murugan" in w.page.inner_text("main")
        w.check("console-profile-tamil")
    finally:
        w.close()


def test_proclaimed_offenders_list(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        w.page.goto("/public")
        with w.page.expect_navigation():
            w.page.click("main >> text=Proclaimed offenders")
        rows = w.page.locator("table tbody tr")
        # the labelled, the minors, the arrested are left out
        playwright_sync.expect(rows).to_have_count(1, timeout=LOADED_MS)
        row = rows.inner_text()
        assert "SURESH YADAV" in row and "सुरेश यादव" in row and "0099/2023" in row
        w.page.select_option("#state", "UP")
        with w.page.expect_navigation():
            w.page.click("main button[type=submit]")
        assert "state=UP" in w.page.url
        playwright_sync.expect(w.page.locator("table tbody tr")).to_have_count(1, timeout=LOADED_MS)
        w.check("public-proclaimed")
    finally:
        w.close()


def test_language_switch_to_hindi(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    try:
        w.page.goto("/public/noc")
        w.page.click("a[hreflang=hi]")
        assert w.page.get_attribute("html", "lang") == "hi"
        assert "वाहन एनओसी" in w.page.inner_text("h1")
        w.check("public-noc-hi")
        w.page.goto("/public/verify")  # remembered
        assert w.page.get_attribute("html", "lang") == "hi"
        sign_in_page = w.page.goto("/console")
        assert sign_in_page is not None
        assert "अधिकारी साइन-इन" in w.page.inner_text("h1")
        w.check("signin-hi")
        w.page.fill("#officer_id", "MH-1001")
        w.page.fill("#password", PASSWORD)
        with w.page.expect_navigation():
            w.page.keyboard.press("Enter")
        assert "व्यक्ति खोज" in w.page.inner_text("h1")  # the console, in Hindi too
        w.check("console-search-hi")
    finally:
        w.close()


def test_docs_and_redoc_render_offline(site: LiveApi, browser: object) -> None:
    w = Watched(browser, site.url)
    outside: list[str] = []
    # scripts, styles, fonts and data from this server only (ReDoc's footer logo points at
    # its CDN; the page's CSP blocks that image)
    w.page.on(
        "request",
        lambda r: (
            r.resource_type != "image"
            and not r.url.startswith((site.url, "data:", "blob:"))
            and outside.append(r.url)
        ),
    )
    try:
        w.page.goto("/docs")
        w.page.wait_for_selector(".opblock", timeout=30_000)
        w.page.screenshot(path=str(ARTIFACTS / "docs.png"))
        w.page.goto("/redoc")
        w.page.wait_for_selector("h1:has-text('ICJS')", timeout=30_000)
        w.page.screenshot(path=str(ARTIFACTS / "redoc.png"))
        assert not outside, outside
        # only the blocked footer logo, if anything
        assert all("cdn.redoc.ly/redoc/logo-mini.svg" in p for p in w.problems), w.problems
    finally:
        w.close()
