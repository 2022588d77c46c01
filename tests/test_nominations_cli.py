"""`advocacy-kit nominations`: the queue with what accepting each needs, `accept` with the roster's required
cells, `decline`, and `activate` once the onboarding checklist is done; run as a person runs them."""

from __future__ import annotations

import shutil

from kit import onboarding, schema
from kit.store.local import LocalStore
from kit.validate import ERROR, validate
from tests.command_line import run
from tests.factories import AS_OF, advocate, grids_from_rows, nomination

A, N = schema.ADVOCATES.col, schema.NOMINATIONS.col
DAY = ["--as-of", AS_OF.isoformat()]

# Nominee 2 works at Company 2, unknown to the roster: the nomination carries no industry and no region.
TABS = {"Advocates": [advocate(1)], "Nominations": [nomination(2)]}


def error_findings(program) -> list[tuple[str, int, str, str]]:
    found = validate(program, as_of=AS_OF)
    found = found[found["severity"] == ERROR]
    return list(zip(found["table"], found["row"], found["column"], found["code"], strict=True))


def test_accept_with_the_required_cells_adds_an_advocate_that_passes_validation(
    store_factory, source_of, capsys
):
    store = store_factory(grids_from_rows(TABS))
    args = ["nominations", "accept", "NOM-00002", "--region", "EMEA", "--industry", "Retail"]

    code, out, err = run([*args, "--source", source_of(store), *DAY], capsys)

    assert (code, err) == (0, "")
    program = store.read()
    new = program.advocates.iloc[-1]
    assert (new[A.advocate_id], new[A.name], new[A.status]) == ("ADV-0002", "Nominee 2", "Nominated")
    assert (new[A.region], new[A.industry]) == ("EMEA", "Retail")
    assert error_findings(program) == []
    assert out.splitlines()[0] == "NOM-00002 accepted: ADV-0002 joins the roster as Nominated."
    assert out.splitlines()[-1] == (
        "ADV-0002 stays Nominated until its checklist is done: activities agreed: none in activities yet; "
        "consents: agree the activities first; profile verified: no last_verified date yet"
    )


def test_accept_on_a_copy_of_the_demo_workbook_adds_no_validation_error(demo_workbook, tmp_path, capsys):
    copy = tmp_path / "program.xlsx"
    shutil.copyfile(demo_workbook, copy)
    before = LocalStore(copy).read()
    waiting = before.nominations[before.nominations[N.status] == "New"].iloc[0]

    code, _, err = run(
        ["nominations", "accept", waiting[N.nomination_id], "--region", "APAC", "--source", str(copy), *DAY],
        capsys,
    )

    after = LocalStore(copy).read()
    assert (code, err) == (0, "")
    assert len(after.advocates) == len(before.advocates) + 1
    assert after.advocates.iloc[-1][A.name] == waiting[N.contact_name]
    assert error_findings(after) == error_findings(before)  # the new row brings no error of its own


def test_accept_without_the_region_is_refused_in_one_line_naming_it(store_factory, source_of, capsys):
    store = store_factory(grids_from_rows(TABS))
    before = store.read_grids()

    code, out, err = run(
        ["nominations", "accept", "NOM-00002", "--industry", "Retail", "--source", source_of(store), *DAY],
        capsys,
    )

    assert (code, out) == (2, "")
    assert err == (
        "advocacy-kit: error: NOM-00002 cannot be accepted yet: the roster requires the advocate's region "
        "(one of North America, EMEA, APAC, LATAM); nothing was written\n"
    )
    assert store.read_grids() == before


def test_activate_is_refused_until_the_checklist_is_done_then_makes_the_advocate_active(tmp_path, capsys):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows(TABS))
    source = ["--source", str(path), *DAY]
    run(["nominations", "accept", "NOM-00002", "--region", "EMEA", "--industry", "Retail", *source], capsys)

    refused = run(["nominations", "activate", "ADV-0002", "--activities", "speaking", *source], capsys)
    still = LocalStore(path).read().advocates.iloc[-1]
    done = run(
        ["nominations", "activate", "ADV-0002", "--activities", "speaking", "--consents", "name"]
        + ["--last-verified", "2026-11-18", *source],
        capsys,
    )

    assert refused[0] == 2
    assert refused[2] == (
        "advocacy-kit: error: ADV-0002 stays Nominated: still missing consents: name for speaking; "
        "profile verified: no last_verified date yet; nothing was written\n"
    )
    assert (still[A.status], still[A.activities]) == ("Nominated", ())  # nothing of the refused one
    assert done[0] == 0
    program = LocalStore(path).read()
    active = program.advocates.iloc[-1]
    assert (active[A.status], active[A.activities], active[A.consents]) == (
        "Active",
        ("speaking",),
        ("name",),
    )
    assert active[A.joined_on].date() == AS_OF
    assert error_findings(program) == []
    assert done[1].splitlines()[0] == "ADV-0002 is now Active."


def test_nominations_lists_the_queue_with_what_accepting_needs_and_the_nominees_checklist(tmp_path, capsys):
    path = tmp_path / "program.xlsx"
    at_company_1 = nomination(3, **{N.company: "Company 1", N.submitted_on: "2026-10-31"})
    nominee = advocate(4, **{A.status: "Nominated", A.last_verified: None, A.name: "Dan Wu"})
    tabs = {"Advocates": [advocate(1), nominee], "Nominations": [nomination(2), at_company_1]}
    LocalStore(path).write_grids(grids_from_rows(tabs))

    # --source before the subcommand's place: the listing is the group itself
    code, out, _ = run(["nominations", "--source", str(path), *DAY], capsys)

    assert code == 0
    assert out.splitlines() == [
        "2 nominations waiting for a decision (oldest first):",
        "  NOM-00003  2026-10-31, 20 days  Nominee 3 · Company 1; accepting needs: --region …",
        "  NOM-00002  2026-11-01, 19 days  Nominee 2 · Company 2; accepting needs: --industry … --region …",
        "1 accepted nominee still Nominated (Active once the checklist is done):",
        "  ADV-0004  Dan Wu · Company 4: profile verified: no last_verified date yet",
    ]


def test_the_source_given_before_the_subcommand_is_the_one_written(tmp_path, capsys):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows(TABS))

    code, _, _ = run(
        ["nominations", "--source", str(path), *DAY, "decline", "NOM-00002", "--reason", "=renewal at risk"],
        capsys,
    )

    declined = LocalStore(path).read().nominations.iloc[0]
    assert code == 0
    assert (declined[N.status], declined[N.decision_note]) == ("Declined", "=renewal at risk")
    assert declined[N.decided_on].date() == AS_OF


def test_accept_offers_an_option_for_every_roster_cell_a_person_gives(capsys):
    code, out, _ = run(["nominations", "accept", "--help"], capsys)

    assert code == 0
    for column in onboarding.DETAIL_COLUMNS:  # every Advocates column but the id and the status
        assert "--" + column.replace("_", "-") in out
    assert "--advocate-id" not in out and "--status" not in out
