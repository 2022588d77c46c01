"""Widgets for the program team's notebooks: find advocates, match, assign, move requests, review nominations.

Each builder returns a small panel holding its controls (so a notebook displays it and a test sets values
and presses buttons) and ``.widget``, the box to display; a panel displays itself when it ends a cell. The
panels compute through ``kit.roster`` and ``kit.match`` and write only through ``kit.actions``, the same
functions the CLI calls, so a button follows the same rules as a command: a change someone made in the sheet
meanwhile refuses the write (and says so) instead of being overwritten, and the confirmation lists each cell
written, as it was and as it is.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from kit import actions, onboarding, roster, schema
from kit.actions import Write
from kit.cells import as_text, is_blank, parse_date
from kit.errors import ConflictError, InputError, KitError
from kit.program import Program
from kit.store import Store

A, R, N = schema.ADVOCATES.col, schema.REQUESTS.col, schema.NOMINATIONS.col

ANY = ""  # the drop-down value meaning "no filter"
NEW_REQUEST = ""  # the request picker's value meaning "a request not in the log yet"
# The moves after assign, in a request's order of life (kit.requests_life says which a status allows).
MOVES = ("approve", "reject", "accept", "decline", "schedule", "complete", "cancel")
TABLE_ROWS = 50  # rows a results table shows; the count above it says how many matched

# The roster columns the finder's table shows (no contact details: notebooks get shared as files).
ROSTER_COLUMNS: tuple[str, ...] = (
    A.advocate_id,
    A.name,
    A.company,
    A.industry,
    A.region,
    A.company_size,
    A.persona,
    A.products,
    A.use_cases,
    A.activities,
    A.status,
    A.last_verified,
)
QUEUE_COLUMNS: tuple[str, ...] = (
    N.nomination_id,
    N.submitted_on,
    N.contact_name,
    N.company,
    N.products,
    N.team,
    N.nominator_email,
    N.reason,
)

_STYLE = (
    "<style>.kit-table{border-collapse:collapse;font-size:12px;margin:4px 0}"
    ".kit-table th,.kit-table td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;"
    "vertical-align:top}.kit-table th{background:#f3f3f3}.kit-ok{color:#1a7f37}.kit-error{color:#b42318}"
    "</style>"
)


# ------------------------------------------------------------------------------------------------------------
# Queues


# ------------------------------------------------------------------------------------------------------------
# Presentation helpers


def html_table(frame: pd.DataFrame, css_class: str, limit: int = TABLE_ROWS) -> str:
    """A frame as an HTML table, every cell escaped (the sheet's free text is typed by anyone)."""
    shown = frame.head(limit).astype(object).map(as_text) if len(frame) else frame
    table = shown.to_html(index=False, escape=True, classes=f"kit-table {css_class}", border=0)
    more = f"<div>… and {len(frame) - limit:,} more</div>" if len(frame) > limit else ""
    return _STYLE + table + more


def _message(text: str, ok: bool) -> str:
    css = "kit-ok" if ok else "kit-error"
    lines = "".join(f"<div>{html.escape(line)}</div>" for line in text.splitlines())
    return f'{_STYLE}<div class="kit-message {css}">{lines}</div>'


def _confirm(writes: Iterable[Write], after: str = "") -> str:
    return _message("Written:\n" + "\n".join(w.describe() for w in writes) + after, ok=True)


def _choices(values: Iterable[str], any_label: str = "any") -> list[tuple[str, str]]:
    return [(any_label, ANY)] + [(v, v) for v in values]


def _guard(action: Callable[[], str], show: widgets.HTML) -> None:
    """Run a button's action and show its result; a kit error (conflict, bad input) shows as a message."""
    try:
        show.value = action()
    except ConflictError as error:
        show.value = _message(f"Refused: {error}", ok=False)  # the store's message says what was kept
    except KitError as error:
        show.value = _message(str(error), ok=False)


def _set_options(dropdown: widgets.Dropdown, options: list[tuple[str, str]]) -> None:
    """New choices; keep the current one if it is still there, else pick the first (oldest or best)."""
    current = dropdown.value
    dropdown.options = options
    values = [v for _, v in options]
    dropdown.value = current if current in values else (values[0] if values else None)


class _Panel:
    """Displays as its ``widget`` when it ends a notebook cell."""

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


# ------------------------------------------------------------------------------------------------------------
# The roster finder


class RosterFinder(_Panel):
    """Filter the roster by industry, product, use case, region, size, persona, activity, status and text."""

    def __init__(self, program: Program, *, status: str = schema.ACTIVE_STATUS) -> None:
        self.program = program
        self._index = roster.RosterIndex(program.advocates)  # folded once, filtered on every change
        options = roster.filter_options(program.advocates)
        self.filters: dict[str, widgets.Dropdown] = {
            name: widgets.Dropdown(
                options=_choices(values),
                value=status if name == A.status and status in values else ANY,
                description=name.replace("_", " ").capitalize(),
                style={"description_width": "110px"},
                layout=widgets.Layout(width="320px"),
            )
            for name, values in options.items()
        }
        self.search = widgets.Text(
            description="Search",
            placeholder="name, company or notes",
            style={"description_width": "110px"},
            layout=widgets.Layout(width="320px"),
        )
        self.count = widgets.HTML()
        self.table = widgets.HTML()
        self.table.add_class("kit-roster-results")
        for control in (*self.filters.values(), self.search):
            control.observe(lambda _change: self.refresh(), names="value")
        controls = list(self.filters.values()) + [self.search]
        grid = widgets.GridBox(controls, layout=widgets.Layout(grid_template_columns="repeat(3, 330px)"))
        grid.add_class("kit-roster-filters")
        self.widget = widgets.VBox([grid, self.count, self.table])
        self.refresh()

    @property
    def criteria(self) -> dict[str, str]:
        return {name: control.value for name, control in self.filters.items()}

    @property
    def results(self) -> pd.DataFrame:
        """The advocates the current filters select."""
        return self._index.filter(text=self.search.value, **self.criteria)

    def refresh(self) -> None:
        found = self.results
        where = roster.describe_criteria(self.criteria, self.search.value)
        self.count.value = (
            f"<b>{len(found):,}</b> of {len(self.program.advocates):,} advocates ({html.escape(where)})"
        )
        columns = [c for c in ROSTER_COLUMNS if c in found.columns]
        self.table.value = html_table(found[columns], "kit-roster")


def roster_finder(program: Program, *, status: str = schema.ACTIVE_STATUS) -> RosterFinder:
    """The roster filter panel, starting on ``status`` advocates (``""`` for everyone)."""
    return RosterFinder(program, status=status)


# ------------------------------------------------------------------------------------------------------------
# The request matcher


_SLA_WORDS = {"past_sla": "PAST SLA (due {})", "due_soon": "SLA due soon ({})", "on_time": "SLA due {}"}


def _request_label(request: pd.Series) -> str:
    state, due = request.get("sla_state"), request.get("sla_due")
    parts = [
        as_text(request[R.request_id]),
        as_text(request[R.team]),
        as_text(request[R.activity]),
        " ".join(as_text(request[c]) for c in (R.industry, R.product, R.region) if as_text(request[c])),
        _SLA_WORDS[state].format(as_text(due)) if state in _SLA_WORDS else "",
        f"needed by {as_text(request[R.needed_by])}" if as_text(request[R.needed_by]) else "",
        f"assigned {as_text(request[R.advocate_id])}" if as_text(request[R.advocate_id]) else "unassigned",
    ]
    return " · ".join(p for p in parts if p)


def ranked_view(ranked: pd.DataFrame) -> pd.DataFrame:
    """``match.rank``'s result as the finder shows it: who, the score, why, and how busy they are."""
    from kit import match

    def load(row: pd.Series) -> str:
        return f"{as_text(row[match.USES])} of {as_text(row[match.CAP])}"

    return pd.DataFrame(
        {
            "advocate": ranked[A.advocate_id],
            A.name: ranked[A.name],
            A.company: ranked[A.company],
            "score": ranked[match.SCORE],
            "why": ranked[match.REASONS],
            "this quarter": ranked.apply(load, axis=1) if len(ranked) else [],
            "last used": ranked[match.LAST_USED],
        }
    )


def open_requests(program: Program, as_of: dt.date | None = None) -> pd.DataFrame:
    """Requests still open (New … Scheduled), unassigned ones first, then by deadline. Given ``as_of``, with
    each one's SLA clock (``sla_due``, ``sla_state``: ``kit.sla``) and, within each group, past their SLA
    first, then by SLA due day, as ``advocacy-kit requests`` orders them."""
    frame = program.requests
    waiting = frame[frame[R.status].isin(schema.OPEN_REQUEST_STATUSES)]
    order = ["_assigned", R.needed_by, "_row"]
    if as_of is not None:
        from kit.sla import SLA_DUE, SLA_STATE, sla_clock

        clock = sla_clock(waiting, program.settings, as_of=as_of)
        waiting = waiting.assign(sla_due=clock[SLA_DUE], sla_state=clock[SLA_STATE])
        waiting = waiting.assign(_due=pd.to_datetime(waiting[SLA_DUE]))
        order = ["_assigned", "_due", R.needed_by, "_row"]
    return (
        waiting.assign(_assigned=waiting[R.advocate_id].notna(), _row=waiting.index)
        .sort_values(order, na_position="last")
        .drop(columns=[c for c in ("_assigned", "_row", "_due") if c in order])
    )


class RequestMatcher(_Panel):
    """Pick an open request or describe a new one, rank advocates for it, assign one with a click."""

    def __init__(
        self,
        program: Program,
        store: Store,
        *,
        as_of: dt.date,
        top: int = 10,
        by: str = "finder",
        messages: Callable[..., None] | None = None,
    ) -> None:
        self.program, self.store, self.as_of, self.top, self.by = program, store, as_of, top, by
        self.messages = messages
        self.sla_note = widgets.HTML()
        self.ranked = pd.DataFrame()
        self.writes: tuple[Write, ...] = ()
        self._showing_existing = False
        self.picker = widgets.Dropdown(description="Request", layout=widgets.Layout(width="720px"))
        options = roster.filter_options(program.advocates)
        self.fields: dict[str, widgets.Widget] = {}
        for column in actions.REQUEST_FIELDS:
            definition = schema.REQUESTS.column(column)
            label = column.replace("_", " ").capitalize()
            common = {"description": label, "style": {"description_width": "120px"}}
            if definition.kind is schema.Kind.ENUM:
                control = widgets.Dropdown(options=_choices(definition.values, ""), **common)
            elif definition.kind is schema.Kind.DATE:
                control = widgets.DatePicker(**common)
            elif column in (R.industry, R.product, R.use_case):
                control = widgets.Combobox(options=list(options[column]), ensure_option=False, **common)
            elif column == R.notes:
                control = widgets.Textarea(**common)
            else:
                control = widgets.Text(**common)
            self.fields[column] = control
        self.find_button = widgets.Button(description="Find advocates", button_style="info", icon="search")
        self.ranking = widgets.HTML()
        self.ranking.add_class("kit-ranking")
        self.advocate = widgets.Dropdown(description="Advocate", layout=widgets.Layout(width="720px"))
        self.assign_button = widgets.Button(description="Assign", button_style="success", icon="check")
        # The later moves of a picked request; which ones its status allows, requests_life decides.
        self.move = widgets.Dropdown(
            description="Move", options=list(MOVES), layout=widgets.Layout(width="240px")
        )
        self.reason = widgets.Text(description="Reason", placeholder="for reject, decline, cancel")
        self.on = widgets.DatePicker(description="On", value=as_of)
        self.apply_button = widgets.Button(description="Apply", button_style="primary", icon="forward")
        self.moves_note = widgets.HTML()
        self.message = widgets.HTML()
        self.picker.observe(lambda _change: self._show_request(), names="value")
        self.find_button.on_click(lambda _button: _guard(self.find, self.message))
        self.assign_button.on_click(lambda _button: _guard(self.assign, self.message))
        self.apply_button.on_click(lambda _button: _guard(self.apply_move, self.message))
        form = widgets.GridBox(
            list(self.fields.values()), layout=widgets.Layout(grid_template_columns="repeat(2, 360px)")
        )
        self.widget = widgets.VBox(
            [
                self.sla_note,
                self.picker,
                form,
                self.find_button,
                self.ranking,
                widgets.HBox([self.advocate, self.assign_button]),
                self.moves_note,
                widgets.HBox([self.move, self.reason, self.on, self.apply_button]),
                self.message,
            ]
        )
        self._fill_picker()

    # -- the request -----------------------------------------------------------------------------------

    def _fill_picker(self, keep: str = NEW_REQUEST) -> None:
        waiting = open_requests(self.program, self.as_of)
        past = int((waiting["sla_state"] == "past_sla").sum())
        soon = int((waiting["sla_state"] == "due_soon").sum())
        self.sla_note.value = _message(
            f"{len(waiting)} open requests: {past} past their SLA, {soon} due soon "
            "(unassigned first, then most urgent).",
            ok=past == 0,
        )
        labels = [(_request_label(r), as_text(r[R.request_id])) for _, r in waiting.iterrows()]
        self.picker.options = [("(a new request: describe it below)", NEW_REQUEST)] + labels
        self.picker.value = keep if keep in {v for _, v in labels} else NEW_REQUEST
        self._show_request()

    def _show_request(self) -> None:
        """An existing request fills the form read-only (its cells are edited in the sheet).

        Going back to a new request clears the form, so nothing of the old request leaks into the new one.
        """
        existing = self.picker.value != NEW_REQUEST
        row = actions.row_of(self.program, schema.REQUESTS, self.picker.value) if existing else None
        self._show_moves(row)
        clear = not existing and self._showing_existing
        self._showing_existing = existing
        for column, control in self.fields.items():
            control.disabled = existing
            if row is None:
                if clear:
                    control.value = None if isinstance(control, widgets.DatePicker) else ""
                continue
            value = self.program.requests.at[row, column]
            if isinstance(control, widgets.DatePicker):
                control.value = parse_date(value)
            else:
                control.value = as_text(value)

    def _show_moves(self, row: int | None) -> None:
        """Say which moves the picked request's status allows, and pick the first of them."""
        from kit import requests_life

        if row is None:
            self.moves_note.value = ""
            return
        status = as_text(self.program.requests.at[row, R.status])
        allowed = [m for m in MOVES if status in requests_life.ALLOWED_FROM[m]]
        self.moves_note.value = _message(f"From {status or 'a blank status'}: " + ", ".join(allowed), ok=True)
        if allowed:
            self.move.value = allowed[0]

    @property
    def request(self) -> Mapping[str, Any] | pd.Series:
        """The picked request's row, or the description typed in the form (blank = not wanted)."""
        if self.picker.value != NEW_REQUEST:
            row = actions.row_of(self.program, schema.REQUESTS, self.picker.value)
            return self.program.requests.loc[row]
        described = {}
        for column, control in self.fields.items():
            value = control.value
            described[column] = None if is_blank(value) or value == ANY else value
        return described

    # -- actions ---------------------------------------------------------------------------------------

    def find(self) -> str:
        """Rank advocates for the request; fills the table (with reasons and load) and the advocate choice."""
        from kit import match

        self.ranked = match.rank(self.request, self.program, as_of=self.as_of, top=self.top)
        self.ranking.value = html_table(ranked_view(self.ranked), "kit-ranked")
        self.advocate.value = None
        _set_options(
            self.advocate,
            [
                (
                    f"{r[A.advocate_id]} · {r[A.name]} · {r[A.company]} · score {as_text(r[match.SCORE])}",
                    r[A.advocate_id],
                )
                for _, r in self.ranked.iterrows()
            ],
        )
        warnings = "".join(f"\n{w}" for w in self.ranked.attrs.get("warnings", ()))
        if self.ranked.empty:
            return _message(f"No advocate is eligible for this request.{warnings}", ok=False)
        return _message(f"{len(self.ranked)} advocates ranked; pick one and press Assign.{warnings}", ok=True)

    def assign(self) -> str:
        """Write the assignment (appending the request first if it is new); then reload the program."""
        if not self.advocate.value:
            raise InputError("press Find advocates and pick one first; nothing was written")
        from kit import requests_life

        keep = self.picker.value
        before = self.program  # the messages are written from the program as read before the move
        # the day matched on (its quarter is the one whose cap counts), at the time of the click
        at = dt.datetime.combine(self.as_of, dt.datetime.now(dt.UTC).time(), tzinfo=dt.UTC)
        try:
            if self.picker.value == NEW_REQUEST:
                logged, moved = requests_life.log_and_assign(
                    self.store, self.program, self.request, self.advocate.value, by=self.by, at=at
                )
                writes = (logged, *moved.writes)
            else:
                moved = requests_life.assign(
                    self.store, self.program, self.picker.value, self.advocate.value, by=self.by, at=at
                )
                writes = moved.writes
            keep = moved.request_id
        finally:
            # Show the sheet as it is now, whether the write went through or was refused.
            self.program = self.store.read()
            self._fill_picker(keep=keep)
        return self._moved(moved, writes, before)

    def apply_move(self) -> str:
        """Apply the chosen move to the picked request, as ``advocacy-kit request <move>`` does; reload."""
        if self.picker.value == NEW_REQUEST:
            raise InputError("pick a request in the list first; nothing was written")
        from kit import requests_life

        move, request_id = self.move.value, self.picker.value
        reason, on = self.reason.value.strip() or None, self.on.value
        before = self.program
        at = dt.datetime.combine(self.as_of, dt.datetime.now(dt.UTC).time(), tzinfo=dt.UTC)
        common = {"by": self.by, "at": at}
        try:
            if move in ("approve", "accept"):
                moved = getattr(requests_life, move)(self.store, before, request_id, **common)
            elif move in ("schedule", "complete"):
                moved = getattr(requests_life, move)(self.store, before, request_id, on, **common)
            else:  # reject, decline, cancel: with the reason
                moved = getattr(requests_life, move)(self.store, before, request_id, reason, **common)
        finally:
            self.program = self.store.read()
            self._fill_picker(keep=request_id)
        self.reason.value = ""
        return self._moved(moved, moved.writes, before)

    def _moved(self, moved: Any, writes: tuple[Write, ...], before: Program) -> str:
        """Send the messages the move owes (as the CLI does) and say what was written."""
        self.writes = writes
        self.moved = moved
        said: list[str] = []
        if self.messages is not None:
            try:
                self.messages(moved, before, said.append)
            except KitError as error:  # the move stands; `request notify` sends what is missing
                said.append(f"  {error}")
        return _confirm(writes, after="\n".join([f"\n{moved.describe()}", *said]))


def request_matcher(
    program: Program,
    store: Store,
    *,
    as_of: dt.date,
    top: int = 10,
    by: str = "finder",
    messages: Callable[..., None] | None = None,
) -> RequestMatcher:
    """The request picker/describer with ranked advocates and an Assign button writing to ``store`` (by the
    same rules as ``advocacy-kit request assign``; ``by`` is who the History tab says made the move).
    ``messages`` (``kit.mail.request_messages.messenger``) sends or writes the messages each assignment owes,
    as ``request assign --email|--dry-run`` does; without it, none."""
    return RequestMatcher(program, store, as_of=as_of, top=top, by=by, messages=messages)


# ------------------------------------------------------------------------------------------------------------
# The nomination review


def _roster_control(column: schema.Column, suggestions: Iterable[str] = ()) -> widgets.Widget:
    """The control a roster column is typed into: its drop-down, its list, a date, or text (with the
    roster's own values to pick from, for a column such as industry)."""
    common = {
        "description": column.name.replace("_", " ").capitalize(),
        "style": {"description_width": "120px"},
    }
    if column.kind is schema.Kind.ENUM:
        return widgets.Dropdown(options=_choices(column.values, ""), **common)
    if column.kind is schema.Kind.MULTI_ENUM:
        return widgets.SelectMultiple(options=list(column.values), rows=min(len(column.values), 6), **common)
    if column.kind is schema.Kind.DATE:
        return widgets.DatePicker(**common)
    suggestions = list(suggestions)
    if suggestions:
        return widgets.Combobox(options=suggestions, ensure_option=False, **common)
    return widgets.Text(**common)


def _show_value(control: widgets.Widget, value: Any) -> None:
    """Put a cell's value in its control ('' / nothing for a blank)."""
    if isinstance(control, widgets.DatePicker):
        control.value = None if is_blank(value) else parse_date(value)
    elif isinstance(control, widgets.SelectMultiple):
        items = value if isinstance(value, tuple) else ()
        control.value = tuple(v for v in items if v in control.options)
    elif isinstance(control, widgets.Dropdown):
        text = as_text(value)
        control.value = text if text in [v for _, v in control.options] else ANY
    else:
        control.value = as_text(value)


def _typed_in(controls: Mapping[str, widgets.Widget]) -> dict[str, Any]:
    """What a person typed into the controls, blank ones left out (read as cells by kit.onboarding)."""
    typed = {}
    for column, control in controls.items():
        value = control.value
        if value is None or value == () or (isinstance(value, str) and not value.strip()):
            continue
        typed[column] = value
    return typed


def _checklist_html(advocate: Mapping[str, Any] | pd.Series) -> str:
    items = onboarding.checklist(advocate)
    lines = "".join(
        f'<li class="{"kit-ok" if item.done else "kit-error"}">{html.escape(item.describe())}</li>'
        for item in items
    )
    return f'{_STYLE}<ul class="kit-checklist" style="list-style:none;padding-left:0">{lines}</ul>'


class NominationReview(_Panel):
    """The nomination queue, oldest first: accept one into the roster (asked for what the roster requires),
    or decline it with a reason; then onboard the accepted nominees, Nominated until their checklist is done,
    and make them Active."""

    def __init__(self, program: Program, store: Store, *, as_of: dt.date) -> None:
        self.program, self.store, self.as_of = program, store, as_of
        self.writes: tuple[Write, ...] = ()
        self.count = widgets.HTML()
        self.table = widgets.HTML()
        self.table.add_class("kit-nomination-queue")
        self.picker = widgets.Dropdown(description="Nomination", layout=widgets.Layout(width="720px"))
        self.needs = widgets.HTML()
        self.needs.add_class("kit-roster-requires")
        suggestions = roster.filter_options(program.advocates)
        # What the roster requires (kit.schema), prefilled with what the nomination carries; then the
        # checklist's cells, which may be given now or later.
        self.fields: dict[str, widgets.Widget] = {
            c.name: _roster_control(c, suggestions.get(c.name, ()) if c.kind is schema.Kind.TEXT else ())
            for c in schema.ADVOCATES.required
            if c.name not in onboarding.SET_BY_KIT
        }
        self.checklist_fields = self._checklist_controls()
        self.accept_button = widgets.Button(description="Accept", button_style="success", icon="check")
        self.reason = widgets.Text(
            description="Reason", placeholder="why it is declined", layout=widgets.Layout(width="520px")
        )
        self.decline_button = widgets.Button(description="Decline", button_style="warning", icon="times")
        # Onboarding: the Nominated advocates, each one's checklist, and the button making them Active.
        self.nominated = widgets.Dropdown(description="Onboarding", layout=widgets.Layout(width="720px"))
        self.checklist = widgets.HTML()
        self.checklist.add_class("kit-onboarding-checklist")
        self.onboarding_fields = self._checklist_controls()
        self.save_button = widgets.Button(description="Save checklist", icon="save")
        self.activate_button = widgets.Button(description="Make Active", button_style="success", icon="star")
        self.message = widgets.HTML()
        self.picker.observe(lambda _change: self._show_nomination(), names="value")
        self.nominated.observe(lambda _change: self._show_checklist(), names="value")
        self.accept_button.on_click(lambda _button: _guard(self.accept, self.message))
        self.decline_button.on_click(lambda _button: _guard(self.decline, self.message))
        self.save_button.on_click(lambda _button: _guard(self.save_checklist, self.message))
        self.activate_button.on_click(lambda _button: _guard(self.activate, self.message))
        grid = widgets.Layout(grid_template_columns="repeat(2, 360px)")
        self.widget = widgets.VBox(
            [
                self.count,
                self.table,
                self.picker,
                self.needs,
                widgets.GridBox(list(self.fields.values()), layout=grid),
                widgets.HTML("<b>Onboarding checklist</b> (may be filled in now or later)"),
                widgets.GridBox(list(self.checklist_fields.values()), layout=grid),
                widgets.HBox([self.accept_button]),
                widgets.HBox([self.reason, self.decline_button]),
                widgets.HTML("<hr><b>Accepted nominees</b>: Nominated until their checklist is done"),
                self.nominated,
                self.checklist,
                widgets.GridBox(list(self.onboarding_fields.values()), layout=grid),
                widgets.HBox([self.save_button, self.activate_button]),
                self.message,
            ]
        )
        self.refresh()

    @staticmethod
    def _checklist_controls() -> dict[str, widgets.Widget]:
        controls = {c: _roster_control(schema.ADVOCATES.column(c)) for c in onboarding.CHECKLIST_COLUMNS}
        controls[A.last_verified].description = "Verified on"
        return controls

    @property
    def queue(self) -> pd.DataFrame:
        return onboarding.nomination_queue(self.program)

    @property
    def nominees(self) -> pd.DataFrame:
        """The accepted nominees still Nominated, in roster order."""
        return onboarding.nominees(self.program)

    def refresh(self, onboarding_pick: str | None = None) -> None:
        queue = self.queue
        self.count.value = f"<b>{len(queue):,}</b> nominations waiting for a decision (oldest first)"
        columns = [c for c in QUEUE_COLUMNS if c in queue.columns]
        self.table.value = html_table(queue[columns], "kit-nominations")
        _set_options(
            self.picker,
            [
                (
                    " · ".join(
                        as_text(r[c]) for c in (N.nomination_id, N.submitted_on, N.contact_name, N.company)
                    ),
                    as_text(r[N.nomination_id]),
                )
                for _, r in queue.iterrows()
            ],
        )
        self._show_nomination()
        nominees = self.nominees
        options = [
            (
                f"{as_text(r[A.advocate_id])} · {as_text(r[A.name])} · {as_text(r[A.company])} · "
                f"{sum(item.done for item in steps)} of {len(steps)} steps done",
                as_text(r[A.advocate_id]),
            )
            for _, r in nominees.iterrows()
            for steps in [onboarding.checklist(r)]
        ]
        if onboarding_pick is not None and onboarding_pick in [v for _, v in options]:
            self.nominated.options = options
            self.nominated.value = onboarding_pick
        else:
            _set_options(self.nominated, options)
        self._show_checklist()

    # -- the nomination picked: what accepting it needs ------------------------------------------------

    def _draft(self) -> dict[str, Any]:
        if not self.picker.value:
            return {}
        row = actions.row_of(self.program, schema.NOMINATIONS, self.picker.value)
        return onboarding.draft_advocate(self.program.nominations.loc[row], self.program.advocates)

    def _show_nomination(self) -> None:
        """Prefill the roster's required cells with what the picked nomination carries; say what is left."""
        draft = self._draft()
        for column, control in self.fields.items():
            _show_value(control, draft.get(column))
        for control in self.checklist_fields.values():
            _show_value(control, None)
        if not self.picker.value:
            self.needs.value = ""
            return
        missing = onboarding.still_required(draft)
        if missing:
            self.needs.value = _message(
                f"The roster requires {onboarding.describe_required(missing)}: fill "
                f"{'it' if len(missing) == 1 else 'them'} in to accept {self.picker.value}.",
                ok=False,
            )
        else:
            self.needs.value = _message("The nomination carries everything the roster requires.", ok=True)

    @property
    def details(self) -> dict[str, Any]:
        """The roster cells typed in the accept form (required ones and the checklist's)."""
        return _typed_in({**self.fields, **self.checklist_fields})

    # -- the accepted nominee picked: their checklist --------------------------------------------------

    def _show_checklist(self) -> None:
        for control in self.onboarding_fields.values():
            _show_value(control, None)
        if not self.nominated.value:
            self.checklist.value = "<i>No accepted nominee is waiting to be made Active.</i>"
            return
        row = actions.row_of(self.program, schema.ADVOCATES, self.nominated.value)
        advocate = self.program.advocates.loc[row]
        for column, control in self.onboarding_fields.items():
            _show_value(control, advocate[column])
        self.checklist.value = _checklist_html(advocate)

    # -- actions ---------------------------------------------------------------------------------------

    def _write(self, write: Callable[[], tuple[Write, ...]]) -> tuple[Write, ...]:
        """Run ``write``, then show the program as it is now, whether the write went through or was refused;
        the onboarding picks the advocate the write added or changed (else keeps its pick)."""
        writes: tuple[Write, ...] = ()
        try:
            writes = write()
        finally:
            touched = [w.key for w in writes if w.tab == schema.ADVOCATES.name]
            self.program = self.store.read()
            self.refresh(onboarding_pick=touched[0] if touched else self.nominated.value)
        self.writes = writes
        return writes

    def accept(self) -> str:
        """Accept the picked nomination with the cells typed; the new advocate is picked for onboarding."""
        if not self.picker.value:
            raise InputError("no nomination picked; nothing was written")
        nomination_id, details = self.picker.value, self.details
        writes = self._write(
            lambda: actions.accept_nomination(
                self.store, self.program, nomination_id, as_of=self.as_of, details=details
            )
        )
        return _confirm(writes, self._still_to_do(writes[1].key))

    def _still_to_do(self, advocate_id: str) -> str:
        row = actions.row_of(self.program, schema.ADVOCATES, advocate_id)
        todo = onboarding.still_to_do(advocate_id, self.program.advocates.loc[row])
        return "\n" + (todo or f"{advocate_id}'s checklist is done: press Make Active.")

    def decline(self) -> str:
        if not self.picker.value:
            raise InputError("no nomination picked; nothing was written")
        nomination_id, reason = self.picker.value, self.reason.value
        writes = self._write(
            lambda: (
                actions.decline_nomination(self.store, self.program, nomination_id, reason, as_of=self.as_of),
            )
        )
        self.reason.value = ""
        return _confirm(writes)

    def _onboard(self, activate: bool) -> str:
        advocate_id = self.nominated.value
        if not advocate_id:
            raise InputError("no accepted nominee picked; nothing was written")
        row = actions.row_of(self.program, schema.ADVOCATES, advocate_id)
        shown = self.program.advocates.loc[row]
        # only the cells changed here, so a cell someone else fills meanwhile is not written over
        typed = _typed_in(self.onboarding_fields)
        details = {c: v for c, v in typed.items() if not _same_as_shown(c, v, shown[c])}
        if not details and not activate:
            raise InputError(f"nothing changed in {advocate_id}'s checklist; nothing was written")
        writes = self._write(
            lambda: (
                actions.onboard_advocate(
                    self.store,
                    self.program,
                    advocate_id,
                    as_of=self.as_of,
                    details=details,
                    activate=activate,
                ),
            ),
        )
        after = (
            f"\n{advocate_id} is now {schema.ACTIVE_STATUS}." if activate else self._still_to_do(advocate_id)
        )
        return _confirm(writes, after)

    def save_checklist(self) -> str:
        """Write the checklist's cells typed for the picked nominee; they stay Nominated."""
        return self._onboard(activate=False)

    def activate(self) -> str:
        """Make the picked nominee Active (with the checklist's cells typed); refused while a step is left."""
        return self._onboard(activate=True)


def _same_as_shown(column: str, typed: Any, shown: Any) -> bool:
    if isinstance(typed, tuple):
        return typed == (shown if isinstance(shown, tuple) else ())
    if isinstance(typed, dt.date):
        return not is_blank(shown) and parse_date(shown) == typed
    return as_text(typed) == as_text(shown)


def nomination_review(program: Program, store: Store, *, as_of: dt.date) -> NominationReview:
    """The nominations review queue with Accept and Decline buttons, and the onboarding of accepted nominees
    (Save checklist, Make Active), writing to ``store``."""
    return NominationReview(program, store, as_of=as_of)
