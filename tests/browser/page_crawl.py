"""Visit every page a person can reach from the demo study, logged in and out, with error states.

``every_page(page, server)`` is a generator: each time it yields a ``Visit``, the browser is on
that page, so a test can check whatever it needs there (axe-core, reflow at 320 px) and go on.

What it visits:

- logged out: the login page, the login page after a wrong password, the page a locked-out login
  shows (429), and the login page a protected URL redirects to;
- logged in as the demo owner: every same-origin page linked, directly or not, from the studies
  list and the demo study — GET links only (forms are not submitted, logout is a form),
  one page per URL pattern (ids replaced by ``{id}``), downloads and exports (CSV, PDF, Word, PNG,
  SVG, JSON, archives) left out because they are not HTML;
- error states: every "new" and "edit" form submitted with its text fields empty (a 400 with
  messages next to the fields, nothing saved), a 404 page, and a 403 page seen by a viewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.sync_api import Page, Response
from sqlalchemy import select

from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

# Not HTML: files to download, images, machine-readable status. Logout is a POST form, never a
# link, and static files are not pages.
NOT_A_PAGE = re.compile(
    r"(\.(csv|pdf|docx|png|svg|json|zip)$)|/download$|/archive$|^/static/|^/logout$"
)
# A guard against a crawl that never ends (a link that makes new URLs for ever).
MAX_PAGES = 200
VIEWER_EMAIL = "viewer@tocapp.example"
VIEWER_PASSWORD = "copper lantern orchard 4821"


@dataclass(frozen=True)
class Visit:
    """The page the browser is on now: what it is, for messages, and its HTTP status."""

    context: str
    url: str
    status: int


def url_pattern(url: str) -> str:
    """The URL with its numbers replaced by {id}: one visit per kind of page."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$|\.)", "/{id}", parts.path)
    query = sorted((key, re.sub(r"^\d+$", "{id}", value)) for key, value in parse_qsl(parts.query))
    return path + ("?" + urlencode(query) if query else "")


def _same_origin_links(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll("a[href]"), (a) =>
            new URL(a.getAttribute("href"), document.baseURI).href)"""
    )
    links = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or NOT_A_PAGE.search(parts.path):
            continue
        links.append(urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")))
    return links


def _open(page: Page, url: str) -> Response:
    response = page.goto(url)
    assert response is not None, f"no response for {url}"
    page.wait_for_load_state("load")
    return response


def _is_html(response: Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/html")


def _logged_out_pages(page: Page, server: LiveServer) -> Iterator[Visit]:
    page.context.clear_cookies()
    response = _open(page, "/login")
    yield Visit("the login page", page.url, response.status)

    page.get_by_label("E-mail address").fill(server.email)
    page.get_by_label("Password").fill("not the password")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Log in", exact=True).click()
    yield Visit("the login page after a wrong password", page.url, _status(navigation.value))

    page.get_by_label("E-mail address").fill("")
    page.get_by_label("Password").fill("")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Log in", exact=True).click()
    yield Visit("the login form sent empty", page.url, _status(navigation.value))

    response = _open(page, "/studies/1/coverage")  # any protected URL
    yield Visit("the login page a protected page redirects to", page.url, response.status)

    # Locked out: an account that does not exist, refused more often than the limit allows.
    for _ in range(12):
        page.goto("/login")
        page.get_by_label("E-mail address").fill("nobody@tocapp.example")
        page.get_by_label("Password").fill("wrong")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Log in", exact=True).click()
        if _status(navigation.value) == 429:
            yield Visit("the too-many-attempts page", page.url, 429)
            break
    else:
        raise AssertionError("twelve wrong passwords never reached the too-many-attempts page")


def _status(response: Response | None) -> int:
    assert response is not None
    return response.status


def _linked_pages(page: Page, server: LiveServer) -> Iterator[Visit]:
    """Breadth first from the studies list: one page per URL pattern."""
    origin = server.url
    queue = [origin + "/"]
    seen = {url_pattern(queue[0])}
    while queue:
        url = queue.pop(0)
        response = _open(page, url)
        if not _is_html(response):
            continue
        assert len(seen) <= MAX_PAGES, f"the crawl found more than {MAX_PAGES} kinds of page"
        yield Visit(f"{url_pattern(url)} ({response.status})", page.url, response.status)
        for link in _same_origin_links(page, origin):
            pattern = url_pattern(link)
            if pattern not in seen:
                seen.add(pattern)
                queue.append(link)


def _empty_forms(page: Page, urls: list[str]) -> Iterator[Visit]:
    """Each new/edit form sent with its text boxes empty: a 400 and the form with messages."""
    for url in urls:
        _open(page, url)
        form = page.locator("main form[method=post]").filter(
            has=page.locator("input[type=text], input[type=email], textarea")
        )
        if form.count() == 0:
            continue
        form = form.first
        for box in form.locator(
            "input[type=text], input[type=email], input[type=date], textarea"
        ).all():
            if box.is_editable():
                box.fill("")
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit], input[type=submit]").first.click()
        status = _status(navigation.value)
        yield Visit(f"{url_pattern(url)} sent empty ({status})", page.url, status)


def _pages_behind_forms(page: Page, server: LiveServer) -> Iterator[Visit]:
    """Pages no link leads to: the comparison with everything chosen, a report being built, and
    a step's own edit and delete pages (reached from the mapping page's forms)."""
    project_id, step_id = _demo_ids(server)
    _open(page, f"/studies/{project_id}/comparison")
    choices = page.locator("main form.comparison-choice")
    for box in choices.locator("input[type=checkbox]").all():
        box.check()
    with page.expect_navigation() as navigation:
        choices.get_by_role("button", name="Compare").click()
    yield Visit(
        "the comparison with every setting, round and role", page.url, _status(navigation.value)
    )

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Build the Word document").click()
    yield Visit("a comparison report's page", page.url, _status(navigation.value))

    for action in ("edit", "delete"):
        response = _open(page, f"/studies/{project_id}/steps/{step_id}/{action}")
        yield Visit(f"a step's {action} page", page.url, response.status)


def _demo_ids(server: LiveServer) -> tuple[int, int]:
    """The demo study's id and a step of its latest flowchart version."""
    from tocapp.extensions import db
    from tocapp.models import FlowchartVersion, Project, Setting, Step
    from tocapp.services.demo import demo_data

    with server.app.app_context():
        title = demo_data()["project"]["title"]
        project_id = db.session.scalars(select(Project.id).where(Project.title == title)).one()
        step_id = db.session.scalars(
            select(Step.id)
            .join(FlowchartVersion, FlowchartVersion.id == Step.version_id)
            .join(Setting, Setting.id == FlowchartVersion.setting_id)
            .where(Setting.project_id == project_id, Step.interview_id.is_(None))
            .order_by(FlowchartVersion.number.desc(), Step.id)
            .limit(1)
        ).one()
        db.session.remove()
    return project_id, step_id


# GET routes that answer with something other than a page: files, images, JSON, and the chart
# fragment the interviewee's screen fetches into itself (checked as part of that screen).
NOT_PAGES = {
    "static",
    "activity.csv_download",
    "archives.download",
    "comparisons.csv_download",
    "comparisons.document",
    "drafts.show",
    "exports.annotated",
    "exports.flowchart",
    "exports.sheet",
    "exports.voices",
    "flowcharts.download",
    "interviewee_screen.fragment",
    "interviewee_screen.state",
    "report_jobs.download",
    "report_jobs.status",
    "voices.download",
}


def pages_not_visited(server: LiveServer, urls: list[str]) -> set[str]:
    """The app's GET pages (endpoints) that none of ``urls`` reached: a new page must be crawled."""
    adapter = server.app.url_map.bind("localhost")
    visited = set()
    for url in urls:
        try:
            endpoint, _ = adapter.match(urlsplit(url).path, method="GET")
        except Exception:  # a 404 page's URL matches no route (or the wrong one)
            continue
        visited.add(endpoint)
    pages = {
        rule.endpoint
        for rule in server.app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint not in NOT_PAGES
    }
    return pages - visited


def every_page(page: Page, server: LiveServer) -> Iterator[Visit]:
    """Go to every page, one after the other; the browser is on each page when it is yielded."""
    yield from _logged_out_pages(page, server)

    log_in(page, server)
    forms: list[str] = []
    for visit in _linked_pages(page, server):
        if re.search(r"/(new|edit)$", urlsplit(visit.url).path):
            forms.append(visit.url)
        yield visit
    assert forms, "the crawl found no forms to send empty"
    yield from _empty_forms(page, forms)
    yield from _pages_behind_forms(page, server)

    response = _open(page, "/studies/999999/coverage")
    yield Visit("the not-found page", page.url, response.status)

    project_id = _add_viewer(server)
    page.context.clear_cookies()
    log_in(page, replace(server, email=VIEWER_EMAIL, password=VIEWER_PASSWORD))
    response = _open(page, f"/studies/{project_id}/activity")
    yield Visit("the forbidden page (a viewer asks for the activity)", page.url, response.status)


def _add_viewer(server: LiveServer) -> int:
    """A viewer of the demo study, who may not see its activity; the study's id."""
    from tocapp.extensions import db
    from tocapp.models import Project
    from tocapp.models.users import Role
    from tocapp.services.demo import demo_data
    from tocapp.services.studies import add_member
    from tocapp.services.users import create_user

    with server.app.app_context():
        create_user(db.session, None, VIEWER_EMAIL, "Viewer", VIEWER_PASSWORD)
        title = demo_data()["project"]["title"]
        project = db.session.scalars(select(Project).where(Project.title == title)).one()
        add_member(db.session, None, project, VIEWER_EMAIL, Role.VIEWER)
        db.session.commit()
        project_id = project.id
        db.session.remove()
    return project_id
