"""Who is asked for what: a request assigned to an advocate who did not agree to the activity, must not be
contacted, or has not given the consent a public activity needs."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from kit import schema
from kit.program import Program
from kit.validate.findings import _Collector

A = schema.ADVOCATES.col
R = schema.REQUESTS.col

# Public activities publish something about the advocate: they need these consents first.
PUBLIC_ACTIVITY_CONSENTS: dict[str, tuple[str, ...]] = {
    "case_study": ("name", "story"),
    "speaking": ("name",),
}


def _requests_with_their_advocate(program: Program, statuses: Collection[str]) -> Iterator[tuple]:
    """(row, advocate_id, activity, name, status, agreed activities, consents) of each request in one of
    ``statuses`` assigned to an advocate on the roster (the first row of a duplicated id)."""
    roster = program.advocates
    roster = roster[roster[A.advocate_id].notna() & ~roster[A.advocate_id].duplicated(keep="first")]
    by_id = roster.set_index(A.advocate_id)
    requests = program.requests
    chosen = requests[R.status].isin(statuses) & requests[R.advocate_id].isin(by_id.index)
    assigned = requests.loc[chosen, [R.advocate_id, R.activity]]
    advocate_ids = assigned[R.advocate_id]
    return zip(
        assigned.index,
        advocate_ids,
        assigned[R.activity],
        advocate_ids.map(by_id[A.name]),
        advocate_ids.map(by_id[A.status]),
        advocate_ids.map(by_id[A.activities]),
        advocate_ids.map(by_id[A.consents]),
        strict=True,
    )


def _assignment_checks(found: _Collector, program: Program) -> None:
    """Open requests assigned to someone who did not agree, may not be contacted, or has not consented."""
    facts = _requests_with_their_advocate(program, schema.OPEN_REQUEST_STATUSES)
    for row, advocate_id, activity, name, status, agreed, consents in facts:
        who = f"{advocate_id} ({name or 'no name'})"
        if status in schema.UNAVAILABLE_STATUSES:
            found.add(
                schema.REQUESTS.name,
                row,
                R.advocate_id,
                "advocate_unavailable",
                f"{who} is {status!r} and must not be asked; assign someone else.",
            )
            continue
        if activity is None:
            continue
        agreed = agreed if isinstance(agreed, tuple) else ()
        if activity not in agreed:
            listed = ", ".join(agreed) or "nothing yet"
            found.add(
                schema.REQUESTS.name,
                row,
                R.advocate_id,
                "not_agreed",
                f"{who} has not agreed to {activity} (agreed to: {listed}); "
                "ask them first or assign someone else.",
            )
            continue
        given = consents if isinstance(consents, tuple) else ()
        missing = [c for c in PUBLIC_ACTIVITY_CONSENTS.get(activity, ()) if c not in given]
        if missing:
            found.add(
                schema.REQUESTS.name,
                row,
                R.advocate_id,
                "consent_missing",
                f"{activity} needs the advocate's consent to {' and '.join(missing)}, "
                f"which {who} has not given.",
            )


def _completed_without_agreement(found: _Collector, program: Program) -> None:
    """Completed requests whose advocate never agreed to the activity done: a warning, not an error, since
    the request was fulfilled and still counts; either the roster is out of date or the advocate was asked
    for more than they offered, and a person should find out which."""
    for row, advocate_id, activity, name, _, agreed, _ in _requests_with_their_advocate(
        program, {"Completed"}
    ):
        agreed = agreed if isinstance(agreed, tuple) else ()
        if activity is None or activity in agreed:
            continue
        found.add(
            schema.REQUESTS.name,
            row,
            R.activity,
            "completed_not_agreed",
            f"{advocate_id} ({name or 'no name'}) did {activity} for this request without having agreed to it "
            f"(agreed to: {', '.join(agreed) or 'nothing'}); check with them, then add {activity} to their "
            "activities or correct this request's activity.",
        )
