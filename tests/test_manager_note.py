"""The monthly note to each people manager (issue 22): its parts against a hand-built program counted by hand,
one .eml per manager on the demo, each sent exactly once through a real SMTP smtp_server, scheduled monthly, and
readable on a phone."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import openpyxl
import pytest

from kit import schema
from kit.manager_note import build_email, manager_notes, render
from kit.metrics import measure
from tests.command_line import run
from tests.factories import AS_OF, DEMO_AS_OF, activity, advocate, commitment, opportunity, person, request
from tests.factories import program as program_of

P, O, R, X, A = (
    schema.PEOPLE.col,
    schema.OPPORTUNITIES.col,
    schema.REQUESTS.col,
    schema.ACTIVITIES.col,
    schema.ADVOCATES.col,
)
MORGAN, NOOR = "morgan@example.com", "noor@example.com"
ADVOCATE_EMAIL = "person1@example.com"  # tests.factories.advocate(1)'s address


def tabs() -> dict:
    """October 2026 (the period) as of AS_OF, 20 November. Morgan manages Ana, Ben and Cara; Noor manages
    Dev Patel; Eve Stone names a manager who is not on the People tab; Finn Moss left."""
    return {
        "People": [
            person(90, **{P.email: MORGAN, P.name: "Morgan Manager", P.role: "Sales Manager"}),
            person(91, **{P.email: NOOR, P.name: "Noor Lead", P.role: "Sales Manager"}),
            person(1, **{P.name: "Ana Lima", P.manager_email: MORGAN}),
            person(2, **{P.name: "Ben Okafor", P.manager_email: MORGAN}),
            person(
                3, **{P.name: "Cara Diaz", P.manager_email: MORGAN, P.started_on: dt.date(2026, 9, 1)}
            ),  # a new starter
            person(4, **{P.name: "Dev Patel", P.manager_email: NOOR}),
            person(
                5, **{P.name: "Eve Stone", P.manager_email: "ghost@example.com"}
            ),  # no note to ghost: not on People
            person(6, **{P.name: "Finn Moss", P.manager_email: NOOR, P.status: "Left"}),
        ],
        "Advocates": [advocate(1, **{A.company: "Acme Insurance"})],
        "Activities": [activity(1, "ADV-0001", dt.date(2026, 10, 2), **{X.opportunity_id: "OPP-000001"})],
        "Requests": [
            # Ana Lima asked in September: counts for October's use (the period or the one before)
            request(1, **{R.requester_email: "seller1@example.com", R.requested_on: dt.date(2026, 9, 20)}),
        ],
        "Opportunities": [
            # Ana Lima won $50,000 with Acme Insurance's reference call on 2 October: a win to retell; the
            # account name carries the advocate's address, which the note must never show
            opportunity(
                1,
                **{
                    O.owner: "Ana Lima",
                    O.amount: 50_000,
                    O.close_date: dt.date(2026, 10, 15),
                    O.account: f"Globex ({ADVOCATE_EMAIL})",
                },
            ),
            # Ben Okafor won $30,000 without any request or advocate, and owns an open $40,000 deal
            opportunity(2, **{O.owner: "Ben Okafor", O.amount: 30_000, O.close_date: dt.date(2026, 10, 20)}),
            opportunity(
                3,
                **{
                    O.owner: "Ben Okafor",
                    O.amount: 40_000,
                    O.close_date: dt.date(2026, 12, 15),
                    O.is_closed: False,
                    O.is_won: False,
                },
            ),
            # Dev Patel lost a $20,000 deal in October, no request
            opportunity(
                4,
                **{
                    O.owner: "Dev Patel",
                    O.amount: 20_000,
                    O.close_date: dt.date(2026, 10, 5),
                    O.is_won: False,
                },
            ),
            # Ben Okafor's September win is outside the period
            opportunity(5, **{O.owner: "Ben Okafor", O.close_date: dt.date(2026, 9, 15)}),
        ],
    }


def notes_of(rows: dict, period: str = "2026-10") -> dict:
    program = program_of(**rows)
    return {n.manager_email: n for n in manager_notes(program, measure(program, period=period, as_of=AS_OF))}


def test_a_note_goes_to_each_manager_on_the_people_tab_and_no_one_else():
    assert sorted(notes_of(tabs())) == [MORGAN, NOOR]  # not ghost@ (not on People), not the sellers


def test_each_part_of_the_note_equals_what_a_person_counting_the_sheet_finds():
    notes = notes_of(tabs())
    morgan, noor = notes[MORGAN], notes[NOOR]

    # Use: Ana and Ben closed deals in October; Ana Lima asked (in September) → 1 of 2
    assert (morgan.sellers_with_deals, morgan.sellers_using, morgan.sellers_using_share) == (2, 1, 0.5)
    # The whole program: Ana, Ben and Dev closed deals, only Ana Lima asked → 1 of 3 (Eve Stone's none closed)
    assert morgan.program_share == pytest.approx(1 / 3)
    assert morgan.reports == 3 and noor.reports == 1  # Finn Moss left
    # Wins: only Ana Lima's deal had an advocate before its close
    assert [(w.seller, w.amount, w.close_date, w.activities, w.companies) for w in morgan.wins] == [
        ("Ana Lima", 50_000.0, dt.date(2026, 10, 15), ("reference_call",), ("Acme Insurance",))
    ]
    # New starters: Cara Diaz started 1 September and has made no request
    assert [(s.name, s.started_on, s.first_request_on) for s in morgan.starters] == [
        ("Cara Diaz", dt.date(2026, 9, 1), None)
    ]
    # Not using it yet: Ben Okafor, one closed deal of $30,000, one open deal of $40,000 at stake
    assert [
        (n.name, n.closed_deals, n.closed_amount, n.open_deals, n.open_amount) for n in morgan.not_using
    ] == [("Ben Okafor", 1, 30_000.0, 1, 40_000.0)]
    assert "Ben Okafor" in morgan.ask
    # Noor: Dev Patel closed (lost) a deal without asking; no win, no starter
    assert (noor.sellers_with_deals, noor.sellers_using, noor.wins, noor.starters) == (1, 0, (), ())
    assert [(n.name, n.open_deals) for n in noor.not_using] == [("Dev Patel", 0)]


def test_the_ask_turns_to_the_new_starter_when_every_seller_asked():
    rows = tabs()
    rows["Requests"].append(
        request(2, **{R.requester_email: "seller2@example.com", R.requested_on: dt.date(2026, 10, 3)})
    )

    morgan = notes_of(rows)[MORGAN]

    assert morgan.not_using == () and morgan.sellers_using == 2
    assert morgan.ask.startswith("Help Cara Diaz make a first request")


def test_the_ask_turns_to_the_teams_side_of_the_agreement_when_it_is_behind():
    rows = tabs()
    rows["Requests"].append(
        request(2, **{R.requester_email: "seller2@example.com", R.requested_on: dt.date(2026, 10, 3)})
    )
    rows["People"][4][P.started_on] = dt.date(2025, 1, 1)  # Cara is no longer a new starter
    # Sales promised 10 requests in October; the Requests tab holds 1 made in October: missed
    rows["Commitments"] = [commitment(1, **{schema.COMMITMENTS.col.period: "2026-10"})]

    morgan = notes_of(rows)[MORGAN]

    assert morgan.ask.startswith(
        "Your team is behind on its side of the agreement: “Sales logs every reference"
    )


def test_the_note_names_colleagues_and_customers_never_an_advocates_contact_details():
    program = program_of(**tabs())
    morgan = {
        n.manager_email: n for n in manager_notes(program, measure(program, period="2026-10", as_of=AS_OF))
    }[MORGAN]

    text, html = render(morgan, contacts={ADVOCATE_EMAIL})
    message = build_email(morgan, sender="Advocacy <advocacy@example.com>", contacts={ADVOCATE_EMAIL})

    for words in (text, html, message.as_string()):
        assert ADVOCATE_EMAIL not in words and "Person 1" not in words  # nor the advocate's name
    assert "Ana Lima won $50K at Globex" in text and "Acme Insurance" in text
    assert "Ben Okafor: closed 1 deal ($30K) without a request; 1 open deal ($40K) still to win." in text
    assert "Cara Diaz: started 1 September 2026, no request yet." in text
    assert "1 of your 2 sellers with a closed deal (50%)" in text and "across the company, 33%" in text
    assert str(message["To"]) == f"Morgan Manager <{MORGAN}>"


# ------------------------------------------------------------------------------------------------------------
# From the command line, on the demo program


def demo_managers(path: Path) -> set[str]:
    """The managers in the demo workbook, read with openpyxl: addresses other People rows name as
    manager_email, who are People rows themselves and have not left."""
    sheet = openpyxl.load_workbook(path, read_only=True)[schema.PEOPLE.name]
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    people = [dict(zip(header, r, strict=False)) for r in rows if any(r)]
    active = {p["email"].strip().lower() for p in people if p["email"] and p["status"] != "Left"}
    named = {
        p["manager_email"].strip().lower() for p in people if p["manager_email"] and p["status"] != "Left"
    }
    return named & active


def test_dry_run_writes_one_eml_per_manager(demo_workbook, tmp_path, capsys):
    out = tmp_path / "reports"
    code, stdout, err = run(
        ["report", "manager-note", "--all", "--dry-run", "--source", str(demo_workbook)]
        + ["--as-of", DEMO_AS_OF.isoformat(), "--out", str(out)],
        capsys,
    )

    assert code == 0, err
    managers = demo_managers(demo_workbook)
    emls = sorted(out.glob("manager-note_*.eml"))
    assert len(managers) >= 5 and len(emls) == len(managers)
    to = {
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"].addresses[0].addr_spec
        for p in emls
    }
    assert to == managers
    assert stdout.count("dry run: nothing was sent") == len(managers)


def config_file(tmp_path: Path, port: int, schedule: str = "") -> Path:
    path = tmp_path / "advocacy-kit.toml"
    path.write_text(
        f'reports_dir = "reports"\n[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'from = "Advocacy program <advocacy@example.com>"\nretry_wait = 0\nattempts = 2\n{schedule}',
        encoding="utf-8",
    )
    return path


def test_each_manager_receives_the_note_exactly_once_over_two_runs(
    smtp_server, demo_workbook, tmp_path, capsys
):
    config = config_file(tmp_path, smtp_server.port)
    send = [
        "--config",
        str(config),
        "report",
        "manager-note",
        "--all",
        "--email",
        "--source",
        str(demo_workbook),
    ]
    send += ["--as-of", DEMO_AS_OF.isoformat()]

    first, second = run(send, capsys), run(send, capsys)

    assert (first[0], second[0]) == (0, 0), first[2] + second[2]
    managers = demo_managers(demo_workbook)
    received = sorted(rcpt for rcpts, _ in smtp_server.mailbox.received for rcpt in rcpts)
    assert received == sorted(managers)  # each once, over both runs
    assert second[1].count("already has the 2026-10 note") == len(managers)
    for message in smtp_server.mailbox.messages():
        assert str(message["Subject"]).startswith("Your team and the advocacy program, October 2026")


def test_one_manager_and_an_unknown_one(smtp_server, demo_workbook, tmp_path, capsys):
    config = config_file(tmp_path, smtp_server.port)
    base = ["--config", str(config), "report", "manager-note", "--email", "--source", str(demo_workbook)]
    manager = sorted(demo_managers(demo_workbook))[0]

    code, out, err = run([*base, "--manager", manager.upper()], capsys)
    unknown = run([*base, "--manager", "nobody@example.com"], capsys)
    neither = run(base, capsys)

    assert code == 0, err
    assert [r for r, _ in smtp_server.mailbox.received] == [[manager]]
    assert unknown[0] == 2 and "nobody@example.com" in unknown[2] and "Traceback" not in unknown[2]
    assert neither[0] == 2 and "--manager EMAIL or --all" in neither[2]


def test_schedule_sends_the_notes_monthly(smtp_server, tmp_path, capsys):
    config = config_file(tmp_path, smtp_server.port, '[schedule]\ntime = "07:00"\nmanager_note = true\n')

    code, out, err = run(["--config", str(config), "schedule"], capsys)

    assert code == 0, err
    (line,) = [line for line in out.splitlines() if "report manager-note" in line]
    assert line.startswith("0 7 1 * * ") and line.endswith("report manager-note --all --email >/dev/null")


# ------------------------------------------------------------------------------------------------------------
# What a person sees


@pytest.mark.slow
def test_every_note_reads_on_a_phone_without_scrolling_sideways(chromium, demo_workbook, tmp_path, capsys):
    out = tmp_path / "reports"
    code, _, err = run(
        ["report", "manager-note", "--all", "--dry-run", "--source", str(demo_workbook)]
        + ["--as-of", DEMO_AS_OF.isoformat(), "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    pages = sorted(out.glob("manager-note_*.eml"))
    assert pages
    page = chromium.new_page(viewport={"width": 375, "height": 900})
    try:
        for path in pages:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            page.set_content(message.get_body(("html",)).get_content(), wait_until="load")
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            text = page.inner_text("body")
            assert scroll <= client, f"{path.name}: {scroll} px of content in a {client} px window"
            assert "One thing to ask of the team" in text
    finally:
        page.close()


# ------------------------------------------------------------------------------------------------------------
# Goal tracking's stakeholder scorecard


def scorecard_tabs() -> dict:
    """October 2026 (over on AS_OF, so each commitment is met or missed). By hand: Sales made no request in
    October (Ana's was in September): 0 of 1, missed; of Sales' sellers with October deals (Ana, Ben, Dev) one
    asked: 1/3 against 0.3, met; PR made no request: 0 of 2, missed; Sales' office hours are tracked by hand."""
    C = schema.COMMITMENTS.col
    rows = tabs()
    # PR needs someone on the People tab: a team with no one and no request has no figures ('no data')
    rows["People"].append(person(7, **{P.name: "Gus Hale", P.team: "PR", P.role: "PR Manager"}))
    rows["Commitments"] = [
        commitment(1, **{C.target: 1, C.period: "2026-10"}),
        commitment(
            2,
            **{
                C.direction: schema.PROGRAM_TO_TEAM,
                C.commitment: "Weekly reference office hours",
                C.metric: None,
                C.target: None,
                C.period: "2026-10",
                C.status_note: "Held every Tuesday",
            },
        ),
        commitment(3, **{C.metric: "sellers_using_share", C.target: 0.3, C.period: "2026-10"}),
        commitment(
            4, **{C.team: "PR", C.commitment: "PR asks through the program", C.target: 2, C.period: "2026-10"}
        ),
    ]
    return rows


@pytest.mark.slow
def test_goal_tracking_shows_each_teams_agreement_side_by_side_with_its_status(
    make_workbook, tmp_path, capsys
):
    from bs4 import BeautifulSoup

    path = make_workbook(**scorecard_tabs())
    code, _, err = run(
        ["report", "goal-tracking", "--source", str(path), "--period", "2026-10"]
        + ["--as-of", AS_OF.isoformat(), "--out", str(tmp_path / "out")],
        capsys,
    )
    assert code == 0, err
    page = BeautifulSoup((tmp_path / "out" / "goal_tracking_2026-10.html").read_text(), "html.parser")

    def sides(team: str) -> list[list[str]]:
        table = page.find("table", attrs={"data-team": team})
        return [[td.get_text() for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]

    sales = sides("Sales")
    assert [(row[0], row[2]) for row in sales] == [
        ("Weekly reference office hours", "tracked by hand (Held every Tuesday)"),
        ("", ""),
    ]
    assert [(row[3], row[4], row[5]) for row in sales] == [
        ("Sales logs every reference it needs as a request", "0 / 1", "missed"),
        ("Sales logs every reference it needs as a request", "33% / 30%", "met"),
    ]
    assert [(row[4], row[5]) for row in sides("PR")] == [("0 / 2", "missed")]
    sales_use = page.find("table", attrs={"data-team": "Sales"}).find_previous("p").get_text()
    assert (
        sales_use
        == "1 of 3 sellers with closed deals used the program (33%); 0 requests, 0 nominations in 2026-10."
    )
    coaching = page.find("table", class_="coaching")
    names = [tr.find("td").get_text() for tr in coaching.find("tbody").find_all("tr")]
    assert names == ["Ben Okafor", "Dev Patel"]  # $30,000 then $20,000; Ana asked
    assert ADVOCATE_EMAIL not in page.get_text()


@pytest.mark.slow
def test_the_executive_update_says_each_teams_use_and_asks_the_teams_behind(make_workbook, tmp_path, capsys):
    from bs4 import BeautifulSoup

    path = make_workbook(**scorecard_tabs())
    code, _, err = run(
        ["report", "executive-update", "--source", str(path), "--period", "2026-10"]
        + ["--as-of", AS_OF.isoformat(), "--out", str(tmp_path / "out")],
        capsys,
    )
    assert code == 0, err
    page = BeautifulSoup((tmp_path / "out" / "executive_update_2026-10.html").read_text(), "html.parser")

    def items(title: str) -> list[str]:
        found = page.find(lambda tag: tag.name == "h2" and tag.get_text() == title)
        return [li.get_text() for li in found.find_next("ul").find_all("li")]

    # October: Ana, Ben and Dev (all Sales) closed deals, Ana asked → 1 of 3. September: only Ben closed a
    # deal, and he made no request in August or September → 0 of 1.
    assert items("Who uses the program, by team") == [
        "All teams: 33% of sellers with closed deals used the program (1 of 3), up from 0% (1 seller in 2026-09).",
        "Sales: 33% of sellers with closed deals used the program (1 of 3), up from 0% (1 in 2026-09).",
    ]
    asks = items("Our asks of you")
    assert (
        "Help Sales keep its side of the agreement: “Sales logs every reference it needs as a request” "
        "(missed: 0 of 1)." in asks
    )
    assert "Help PR keep its side of the agreement: “PR asks through the program” (missed: 0 of 2)." in asks
