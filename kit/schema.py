"""The program workbook, declared once: its tabs, their columns, types, keys and allowed values.

Everything else (templates, typing on read, validation, the Google Sheet set-up, matching, metrics and the
notebooks) reads this module. Code elsewhere names a column through a tab's ``col`` namespace
(``ADVOCATES.col.email``), never as a string literal, so a renamed column is one edit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import SimpleNamespace


class Kind(StrEnum):
    """How a column's cells are read and written."""

    ID = "id"  # an identifier: text, stripped, compared exactly
    TEXT = "text"  # free text typed by people
    EMAIL = "email"
    DATE = "date"
    INT = "int"
    AMOUNT = "amount"  # money: accepts $3.8M, 1,200,000, 3.8m
    BOOL = "bool"
    ENUM = "enum"  # one of `values`
    MULTI_ENUM = "multi_enum"  # several of `values`, separated by ';'
    MULTI_TEXT = "multi_text"  # several free values, separated by ';'


MULTI_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    """One column of a tab."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    key: bool = False
    values: tuple[str, ...] = ()
    width: int = 16
    references: str | None = None  # the tab whose key this column refers to
    # Words people type for an allowed value, read as that value (with a warning suggesting the value).
    synonyms: tuple[tuple[str, str], ...] = ()
    # Headers other spreadsheets and CRM exports give this column, read as it by `advocacy-kit import`
    # (case, spaces and punctuation never matter; the column's own name always matches).
    headers: tuple[str, ...] = ()

    @property
    def is_free_text(self) -> bool:
        """Columns where people type prose, where a leading '=' could become a formula."""
        return self.kind in (Kind.TEXT, Kind.MULTI_TEXT)

    @property
    def is_multi(self) -> bool:
        return self.kind in (Kind.MULTI_ENUM, Kind.MULTI_TEXT)


@dataclass(frozen=True)
class Tab:
    """One tab of the workbook: its name as the sheet shows it, and its columns in order."""

    name: str
    description: str
    columns: tuple[Column, ...]
    # A tab added after workbooks were already in use: a workbook without it reads as if it were empty.
    optional: bool = False
    col: SimpleNamespace = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "col", SimpleNamespace(**{c.name: c.name for c in self.columns}))

    @property
    def key(self) -> Column | None:
        return next((c for c in self.columns if c.key), None)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.columns)


# ----------------------------------------------------------------------------------------------------------
# Allowed values of the enumerated columns.

PERSONAS = ("Executive", "Manager", "Practitioner", "Technical")
COMPANY_SIZES = ("SMB", "Mid-Market", "Enterprise")  # in order: adjacent sizes are near matches
REGIONS = ("North America", "EMEA", "APAC", "LATAM")
ACTIVITY_TYPES = (
    "reference_call",
    "case_study",
    "speaking",
    "review",
    "media",
    "analyst",
    "site_visit",
    "rfp",
    "video",
    "webinar",
    "social",
    "advisory_board",
)
CONSENTS = ("logo", "name", "quote", "story")
ADVOCATE_STATUSES = ("Nominated", "Active", "Paused", "Retired", "Do Not Contact")
TEAMS = (
    "Sales",
    "PR",
    "Events",
    "Demand Gen",
    "Analyst Relations",
    "Social",
    "Executive",
    "Customer Success",
    "Product",
)
PRIORITIES = ("Low", "Normal", "High", "Urgent")
REQUEST_STATUSES = (
    "New",
    "In Progress",
    "Owner Approval",
    "Advocate Asked",
    "Scheduled",
    "Completed",
    "Declined",
    "Cancelled",
)
# Requests still waiting for something: they count against an advocate's capacity once assigned.
OPEN_REQUEST_STATUSES = ("New", "In Progress", "Owner Approval", "Advocate Asked", "Scheduled")
NOMINATION_STATUSES = ("New", "Accepted", "Declined")
PEOPLE_STATUSES = ("Active", "Left")
# A stakeholder agreement runs both ways: what the program gives a team, and what the team gives back.
PROGRAM_TO_TEAM, TEAM_TO_PROGRAM = "program_to_team", "team_to_program"
COMMITMENT_DIRECTIONS = (PROGRAM_TO_TEAM, TEAM_TO_PROGRAM)

# Status groups: what the validator, the matcher, the metrics and every write mean by each word, said once.
ACTIVE_STATUS = "Active"  # the one advocate status that is counted, matched and asked
NOMINATED_STATUS = "Nominated"  # an accepted nominee, on the roster but not yet an advocate to count or ask
DO_NOT_CONTACT_STATUS = "Do Not Contact"  # asked never again, by anyone: the matcher says so in words
# never assigned to a request, whatever the ranking said
UNAVAILABLE_STATUSES = ("Retired", DO_NOT_CONTACT_STATUS)
ALLOCATABLE_STATUSES = ("New", "In Progress")  # open requests the matcher may give an advocate (if none yet)
PAUSED_STATUS = "Paused"
NEW_STATUS = "New"  # a request just logged, and a nomination not yet decided
# A request's life (kit/requests_life.py): assigned, it waits on the account owner (Owner Approval) or goes
# straight to the advocate (Advocate Asked); the advocate's yes makes it In Progress until a date is set.
OWNER_APPROVAL_STATUS = "Owner Approval"
ADVOCATE_ASKED_STATUS = "Advocate Asked"
ACCEPTED_STATUS = "In Progress"  # the advocate said yes; no date yet
SCHEDULED_STATUS = "Scheduled"
COMPLETED_STATUS = "Completed"
CANCELLED_STATUS = "Cancelled"
NOMINATION_ACCEPTED = "Accepted"
NOMINATION_DECLINED = "Declined"
OUTCOMES = ("Completed", "No Show", "Cancelled", "Positive", "Neutral", "Negative")
# How an activity went, as the matcher's track record reads it: judged outcomes say how it went; good ones
# count in the advocate's favour (with a rating of 4 or 5).
JUDGED_OUTCOMES = ("Positive", "Neutral", "Negative", "No Show")
GOOD_OUTCOMES = ("Positive",)

# Synonyms of the drop-down values: what a person types for a value when the word is unambiguous, read as
# that value (the validator warns and suggests the value's own spelling). Case, spaces and hyphens never
# matter ("no-show" already reads as No Show); words that could mean two values are not here.
OUTCOME_SYNONYMS = (
    ("held", "Completed"),
    ("done", "Completed"),
    ("complete", "Completed"),
    ("happened", "Completed"),
    ("noshow", "No Show"),
    ("did not show", "No Show"),
    ("canceled", "Cancelled"),
)
REQUEST_STATUS_SYNONYMS = (
    ("done", "Completed"),
    ("complete", "Completed"),
    ("fulfilled", "Completed"),
    ("canceled", "Cancelled"),
    ("wip", "In Progress"),
    ("rejected", "Declined"),
)
ADVOCATE_STATUS_SYNONYMS = (("dnc", "Do Not Contact"), ("on hold", "Paused"))
NOMINATION_STATUS_SYNONYMS = (("approved", "Accepted"), ("rejected", "Declined"))
COMPANY_SIZE_SYNONYMS = (
    ("small business", "SMB"),
    ("midmarket", "Mid-Market"),
    ("mid size", "Mid-Market"),
)
PRIORITY_SYNONYMS = (
    ("medium", "Normal"),
    ("normal priority", "Normal"),
    ("critical", "Urgent"),
    ("asap", "Urgent"),
)
REGION_SYNONYMS = (("latin america", "LATAM"), ("asia pacific", "APAC"), ("nam", "North America"))


def _c(name: str, kind: Kind, description: str, **kw) -> Column:
    return Column(name=name, kind=kind, description=description, **kw)


ADVOCATES = Tab(
    "Advocates",
    "The roster: one row per customer advocate, tagged so the right one can be found for a request.",
    (
        _c(
            "advocate_id",
            Kind.ID,
            "Unique id, e.g. ADV-0001. Never reuse one.",
            required=True,
            key=True,
            width=12,
            headers=("Advocate ID", "Advocate #", "Reference ID"),
        ),
        _c(
            "name",
            Kind.TEXT,
            "The advocate's full name.",
            required=True,
            width=22,
            headers=(
                "Full Name",
                "Contact Name",
                "Contact",
                "Advocate",
                "Advocate Name",
                "Customer Name",
                "Reference Name",
            ),
        ),
        _c(
            "email",
            Kind.EMAIL,
            "The advocate's work e-mail.",
            required=True,
            width=28,
            headers=(
                "E-mail",
                "Email Address",
                "E-mail Address",
                "Work Email",
                "Contact Email",
                "Business Email",
            ),
        ),
        _c("title", Kind.TEXT, "Job title.", width=24, headers=("Job Title", "Position", "Role")),
        _c(
            "persona",
            Kind.ENUM,
            "The kind of role they hold.",
            values=PERSONAS,
            width=14,
            headers=("Persona Type", "Buyer Persona"),
        ),
        _c(
            "company",
            Kind.TEXT,
            "The customer company.",
            required=True,
            width=24,
            headers=(
                "Account",
                "Account Name",
                "Company Name",
                "Customer",
                "Organization",
                "Organisation",
                "Employer",
            ),
        ),
        _c(
            "account_id",
            Kind.ID,
            "The company's account id in the CRM.",
            width=14,
            headers=("Account ID", "CRM Account ID", "Salesforce Account ID"),
        ),
        _c(
            "industry",
            Kind.TEXT,
            "The company's industry, e.g. Insurance.",
            required=True,
            width=18,
            headers=("Vertical", "Sector", "Account Industry"),
        ),
        _c(
            "company_size",
            Kind.ENUM,
            "SMB, Mid-Market or Enterprise.",
            values=COMPANY_SIZES,
            synonyms=COMPANY_SIZE_SYNONYMS,
            width=14,
            headers=("Size", "Segment", "Company Segment", "Employee Band"),
        ),
        _c(
            "region",
            Kind.ENUM,
            "Where the advocate works.",
            required=True,
            values=REGIONS,
            synonyms=REGION_SYNONYMS,
            width=14,
            headers=("Geo", "Geography", "Territory", "Theater", "Theatre"),
        ),
        _c(
            "country",
            Kind.TEXT,
            "Country.",
            width=14,
            headers=("Country/Region", "Mailing Country", "Billing Country", "Location"),
        ),
        _c(
            "products",
            Kind.MULTI_TEXT,
            "Products they use, separated by ';'.",
            width=24,
            headers=("Product", "Products Used", "Solutions"),
        ),
        _c(
            "use_cases",
            Kind.MULTI_TEXT,
            "What they use them for, separated by ';'.",
            width=24,
            headers=("Use Case", "Use-Cases"),
        ),
        _c(
            "activities",
            Kind.MULTI_ENUM,
            "The activities they have agreed to do, separated by ';'.",
            values=ACTIVITY_TYPES,
            width=30,
            headers=("Activity Types", "Willing To Do", "Available For", "Reference Types"),
        ),
        _c(
            "consents",
            Kind.MULTI_ENUM,
            "What may be made public: logo, name, quote, story.",
            values=CONSENTS,
            width=18,
            headers=("Consent", "Permissions", "Approved For"),
        ),
        _c(
            "status",
            Kind.ENUM,
            "Where they stand in the program.",
            required=True,
            values=ADVOCATE_STATUSES,
            synonyms=ADVOCATE_STATUS_SYNONYMS,
            headers=("Advocate Status", "Program Status"),
        ),
        _c(
            "owner_email",
            Kind.EMAIL,
            "The CSM or account owner who holds the relationship.",
            width=26,
            headers=("CSM Email", "Owner Email", "Account Owner Email", "CSM"),
        ),
        _c("nominated_by", Kind.TEXT, "Who nominated them.", width=22, headers=("Nominator", "Referred By")),
        _c(
            "joined_on",
            Kind.DATE,
            "When they joined the program.",
            width=12,
            headers=("Joined", "Join Date", "Date Joined", "Start Date"),
        ),
        _c(
            "last_verified",
            Kind.DATE,
            "When the profile was last confirmed with the advocate.",
            width=12,
            headers=("Last Verified On", "Verified On", "Last Confirmed"),
        ),
        _c(
            "max_per_quarter",
            Kind.INT,
            "Their own cap of activities per quarter; empty = the default.",
            width=10,
            headers=("Max Per Quarter", "Quarterly Cap", "Cap"),
        ),
        _c("notes", Kind.TEXT, "Anything else.", width=30, headers=("Note", "Comments", "Comment")),
    ),
)

# Onboarding an accepted nominee (kit/onboarding.py): the Advocates cells the kit sets itself (a new id, the
# status: Nominated, then Active), and the checklist's cells, all done before a Nominated advocate is made
# Active: the activities agreed, the consents they need, the day the profile was verified.
ADVOCATE_CELLS_SET_BY_KIT: tuple[str, ...] = (ADVOCATES.col.advocate_id, ADVOCATES.col.status)
# The roster columns a person may give when accepting or onboarding: every other column of the tab.
ADVOCATE_DETAIL_COLUMNS: tuple[str, ...] = tuple(
    c for c in ADVOCATES.names if c not in ADVOCATE_CELLS_SET_BY_KIT
)
ONBOARDING_CHECKLIST: tuple[str, ...] = (
    ADVOCATES.col.activities,
    ADVOCATES.col.consents,
    ADVOCATES.col.last_verified,
)

REQUESTS = Tab(
    "Requests",
    "The request log: every ask for an advocate, from Sales, PR, Events and the other teams.",
    (
        _c(
            "request_id",
            Kind.ID,
            "Unique id, e.g. REQ-00001.",
            required=True,
            key=True,
            width=12,
            headers=("Request ID", "Request #", "Ticket"),
        ),
        _c(
            "requested_on",
            Kind.DATE,
            "When the request came in.",
            required=True,
            width=12,
            headers=("Request Date", "Requested", "Date Requested", "Created Date"),
        ),
        _c(
            "requester_email",
            Kind.EMAIL,
            "Who asked.",
            required=True,
            width=26,
            headers=("Requester", "Requested By", "Requester E-mail"),
        ),
        _c("team", Kind.ENUM, "The requesting team.", required=True, values=TEAMS, width=16),
        _c(
            "activity",
            Kind.ENUM,
            "What the advocate is asked to do.",
            required=True,
            values=ACTIVITY_TYPES,
            width=16,
            headers=("Activity Type", "Request Type"),
        ),
        _c(
            "opportunity_id",
            Kind.ID,
            "The CRM opportunity it supports, if any.",
            width=14,
            references="Opportunities",
        ),
        _c(
            "prospect_company",
            Kind.TEXT,
            "The prospect's company (never matched to itself).",
            width=22,
            headers=("Prospect", "Prospect Account", "Account Name"),
        ),
        _c("industry", Kind.TEXT, "Wanted industry.", width=16),
        _c("product", Kind.TEXT, "Wanted product.", width=16),
        _c("use_case", Kind.TEXT, "Wanted use case.", width=18),
        _c("region", Kind.ENUM, "Wanted region.", values=REGIONS, synonyms=REGION_SYNONYMS, width=14),
        _c(
            "company_size",
            Kind.ENUM,
            "Wanted company size.",
            values=COMPANY_SIZES,
            synonyms=COMPANY_SIZE_SYNONYMS,
            width=14,
        ),
        _c("persona", Kind.ENUM, "Wanted persona.", values=PERSONAS, width=14),
        _c(
            "needed_by",
            Kind.DATE,
            "The deadline.",
            width=12,
            headers=("Due Date", "Deadline", "Needed By Date"),
        ),
        _c(
            "priority",
            Kind.ENUM,
            "Low, Normal, High or Urgent.",
            values=PRIORITIES,
            synonyms=PRIORITY_SYNONYMS,
            width=10,
        ),
        _c(
            "status",
            Kind.ENUM,
            "Where the request stands.",
            required=True,
            values=REQUEST_STATUSES,
            synonyms=REQUEST_STATUS_SYNONYMS,
            width=16,
        ),
        _c(
            "advocate_id",
            Kind.ID,
            "The advocate assigned.",
            width=12,
            references="Advocates",
            headers=("Advocate", "Assigned Advocate"),
        ),
        _c("completed_on", Kind.DATE, "When it was done.", width=12),
        _c("notes", Kind.TEXT, "Anything else.", width=30),
    ),
)

ACTIVITIES = Tab(
    "Activities",
    "What advocates actually did, with or without a request.",
    (
        _c(
            "activity_id",
            Kind.ID,
            "Unique id, e.g. ACT-00001.",
            required=True,
            key=True,
            width=12,
            headers=("Activity ID",),
        ),
        _c(
            "advocate_id",
            Kind.ID,
            "Who did it.",
            required=True,
            width=12,
            references="Advocates",
            headers=("Advocate", "Advocate ID"),
        ),
        _c("request_id", Kind.ID, "The request it answered, if any.", width=12, references="Requests"),
        _c(
            "activity",
            Kind.ENUM,
            "What they did.",
            required=True,
            values=ACTIVITY_TYPES,
            width=16,
            headers=("Activity Type", "Type"),
        ),
        _c(
            "date",
            Kind.DATE,
            "When.",
            required=True,
            width=12,
            headers=("Activity Date", "Date Held", "Held On"),
        ),
        _c(
            "opportunity_id",
            Kind.ID,
            "The CRM opportunity it helped, if any.",
            width=14,
            references="Opportunities",
        ),
        _c("outcome", Kind.ENUM, "How it ended.", values=OUTCOMES, synonyms=OUTCOME_SYNONYMS, width=12),
        _c("rating", Kind.INT, "How it went, 1 (badly) to 5 (very well).", width=8),
        _c("notes", Kind.TEXT, "Anything else.", width=30),
    ),
)

NOMINATIONS = Tab(
    "Nominations",
    "The recruiting pipeline: account teams nominate customers, customers volunteer.",
    (
        _c("nomination_id", Kind.ID, "Unique id, e.g. NOM-0001.", required=True, key=True, width=12),
        _c(
            "submitted_on",
            Kind.DATE,
            "When it was submitted.",
            required=True,
            width=12,
            headers=("Submitted", "Date Submitted", "Nomination Date"),
        ),
        _c(
            "nominator_email",
            Kind.EMAIL,
            "Who nominated (the customer themself when they volunteer).",
            width=26,
            headers=("Nominated By", "Nominator"),
        ),
        _c("team", Kind.ENUM, "The nominator's team.", values=TEAMS, width=16),
        _c(
            "contact_name",
            Kind.TEXT,
            "The nominated customer's name.",
            required=True,
            width=22,
            headers=("Full Name", "Nominee", "Nominee Name", "Name"),
        ),
        _c(
            "contact_email",
            Kind.EMAIL,
            "The nominated customer's e-mail.",
            width=26,
            headers=("Nominee Email", "Email", "E-mail"),
        ),
        _c(
            "company",
            Kind.TEXT,
            "Their company.",
            required=True,
            width=22,
            headers=("Account", "Account Name", "Company Name"),
        ),
        _c("products", Kind.MULTI_TEXT, "Products they use.", width=22),
        _c("reason", Kind.TEXT, "Why they would be a good advocate.", width=30),
        _c(
            "status",
            Kind.ENUM,
            "New, Accepted or Declined.",
            required=True,
            values=NOMINATION_STATUSES,
            synonyms=NOMINATION_STATUS_SYNONYMS,
            width=12,
        ),
        _c("advocate_id", Kind.ID, "The advocate id given on acceptance.", width=12, references="Advocates"),
        _c("decided_on", Kind.DATE, "When it was accepted or declined.", width=12),
        _c("decision_note", Kind.TEXT, "Why it was declined (or a note on acceptance).", width=30),
    ),
)

OPPORTUNITIES = Tab(
    "Opportunities",
    "A CRM export of sales opportunities, to measure the deals advocates influenced.",
    (
        _c(
            "opportunity_id",
            Kind.ID,
            "The CRM opportunity id.",
            required=True,
            key=True,
            width=14,
            headers=("Opportunity ID", "Opportunity Id (18)", "Record ID", "Deal ID", "Opp ID"),
        ),
        _c(
            "account",
            Kind.TEXT,
            "The prospect or customer account.",
            required=True,
            width=22,
            headers=(
                "Account Name",
                "Associated Company",
                "Associated Company (Primary)",
                "Company",
                "Company Name",
                "Customer",
            ),
        ),
        _c(
            "owner",
            Kind.TEXT,
            "The sales rep who owns it.",
            width=18,
            headers=("Opportunity Owner", "Deal Owner", "Owner Name", "Sales Rep", "Account Executive"),
        ),
        _c(
            "stage",
            Kind.TEXT,
            "The CRM stage.",
            width=14,
            headers=("Stage Name", "Deal Stage", "Sales Stage"),
        ),
        _c(
            "amount",
            Kind.AMOUNT,
            "Deal value.",
            width=12,
            headers=("Amount (USD)", "Deal Amount", "Amount in company currency", "Value", "ACV"),
        ),
        _c(
            "created_on",
            Kind.DATE,
            "When it was opened.",
            width=12,
            headers=("Created Date", "Create Date", "Created", "Date Created"),
        ),
        _c(
            "close_date",
            Kind.DATE,
            "When it closed, or is expected to.",
            width=12,
            headers=("Closed Date", "Expected Close Date", "Close"),
        ),
        _c(
            "is_closed",
            Kind.BOOL,
            "TRUE once closed (won or lost).",
            width=9,
            headers=("Closed", "Is Closed", "IsClosed"),
        ),
        _c("is_won", Kind.BOOL, "TRUE if won.", width=9, headers=("Won", "Is Won", "IsWon")),
        _c(
            "industry",
            Kind.TEXT,
            "The account's industry.",
            width=16,
            headers=("Account Industry", "Vertical"),
        ),
        _c(
            "region",
            Kind.ENUM,
            "The account's region.",
            values=REGIONS,
            synonyms=REGION_SYNONYMS,
            width=14,
            headers=("Billing Country", "Country", "Country/Region", "Territory", "Geo"),
        ),
        _c(
            "product",
            Kind.TEXT,
            "The main product sold.",
            width=16,
            headers=("Product Name", "Primary Product", "Product Family"),
        ),
    ),
)

GOALS = Tab(
    "Goals",
    "The program's targets, per period and optionally per segment.",
    (
        _c("goal_id", Kind.ID, "Unique id, e.g. G-01.", required=True, key=True, width=10),
        _c("period", Kind.TEXT, "2026-Q4, 2026-11, FY2027-Q1 or 2026.", required=True, width=12),
        _c(
            "metric",
            Kind.TEXT,
            "Which metric, e.g. active_advocates or revenue_influenced.",
            required=True,
            width=24,
        ),
        _c(
            "segment",
            Kind.TEXT,
            "e.g. industry=Insurance; product=Product A. Empty = the whole program.",
            width=34,
        ),
        _c("target", Kind.AMOUNT, "The number to reach.", required=True, width=10),
        _c("owner", Kind.TEXT, "Who owns the goal.", width=18),
    ),
)

SETTINGS = Tab(
    "Settings",
    "The program's rules: caps, cool-downs, staleness, SLAs, fiscal year, strategic segments.",
    (
        _c("key", Kind.ID, "The setting's name.", required=True, key=True, width=30),
        _c("value", Kind.TEXT, "Its value.", width=40),
        _c("description", Kind.TEXT, "What it means (the kit ignores this column).", width=60),
    ),
)

PEOPLE = Tab(
    "People",
    "The colleagues the program serves: sellers, CSMs and their managers, to see who uses the program.",
    (
        _c(
            "email",
            Kind.EMAIL,
            "Their work e-mail (as in Requests' requester_email).",
            required=True,
            key=True,
            width=28,
            headers=("E-mail", "Email Address", "Work Email"),
        ),
        _c(
            "name",
            Kind.TEXT,
            "Their name (as in Opportunities' owner).",
            required=True,
            width=22,
            headers=("Full Name", "Employee Name", "User Name"),
        ),
        _c("team", Kind.ENUM, "Their team.", values=TEAMS, width=16, headers=("Department",)),
        _c(
            "role",
            Kind.TEXT,
            "e.g. Account Executive, CSM, SE, Manager.",
            width=20,
            headers=("Title", "Job Title", "Position"),
        ),
        _c(
            "manager_email",
            Kind.EMAIL,
            "Their manager's e-mail (a row of this tab too).",
            width=28,
            headers=("Manager", "Manager Email", "Reports To"),
        ),
        _c(
            "started_on",
            Kind.DATE,
            "When they joined the company (new starters' uptake counts from it).",
            width=12,
            headers=("Start Date", "Hire Date", "Started"),
        ),
        _c(
            "status",
            Kind.ENUM,
            "Active, or Left once they leave.",
            values=PEOPLE_STATUSES,
            width=10,
            headers=("Employee Status",),
        ),
    ),
    optional=True,
)

COMMITMENTS = Tab(
    "Commitments",
    "The stakeholder agreements: what the program gives each team, and what each team gives back.",
    (
        _c("commitment_id", Kind.ID, "Unique id, e.g. C-01.", required=True, key=True, width=10),
        _c("team", Kind.ENUM, "The team the agreement is with.", required=True, values=TEAMS, width=16),
        _c(
            "direction",
            Kind.ENUM,
            "program_to_team (the program's side) or team_to_program (the team's side).",
            required=True,
            values=COMMITMENT_DIRECTIONS,
            width=18,
        ),
        _c("commitment", Kind.TEXT, "The words people signed.", required=True, width=40),
        _c(
            "metric",
            Kind.TEXT,
            "The figure that measures it, e.g. requests_made; empty for one tracked by hand.",
            width=24,
        ),
        _c("target", Kind.AMOUNT, "The number to reach (a share as 0.8).", width=10),
        _c(
            "period",
            Kind.TEXT,
            "2026-Q4, FY2027-Q1, 2026 … or a keyword such as this-quarter.",
            width=14,
        ),
        _c("status_note", Kind.TEXT, "Where a commitment tracked by hand stands.", width=30),
    ),
    optional=True,
)

HISTORY = Tab(
    "History",
    "Every move of a request from one status to the next, one row each, written by the kit (advocacy-kit "
    "request …): how long owners take to approve and advocates to answer.",
    (
        _c("request_id", Kind.ID, "The request that moved.", required=True, width=12, references="Requests"),
        _c("at", Kind.TEXT, "When, in UTC (2026-12-02T09:30:00Z).", required=True, width=21),
        _c("by", Kind.TEXT, "Who made the move.", width=22),
        _c("from_status", Kind.ENUM, "Its status before.", values=REQUEST_STATUSES, width=16),
        _c("to_status", Kind.ENUM, "Its status after.", required=True, values=REQUEST_STATUSES, width=16),
        _c(
            "advocate_id",
            Kind.ID,
            "The advocate concerned (for a rejection or a decline: the one who was on the request).",
            width=12,
            references="Advocates",
        ),
        _c("note", Kind.TEXT, "The reason, the date set, an override of the cap.", width=40),
    ),
    optional=True,
)

TABS: tuple[Tab, ...] = (
    ADVOCATES,
    REQUESTS,
    ACTIVITIES,
    NOMINATIONS,
    OPPORTUNITIES,
    GOALS,
    SETTINGS,
    PEOPLE,
    COMMITMENTS,
    HISTORY,
)
TAB_BY_NAME: dict[str, Tab] = {t.name: t for t in TABS}

# Whole numbers with a meaningful range: (tab, column) -> (lowest, highest or None). A number outside it is
# ignored, read as blank: the validator reports it (out_of_range) and every module reading the column skips it.
RANGES: dict[tuple[str, str], tuple[int, int | None]] = {
    (ACTIVITIES.name, ACTIVITIES.col.rating): (1, 5),
    (ADVOCATES.name, ADVOCATES.col.max_per_quarter): (0, None),
}


def in_range(tab: str, column: str, number: float | None) -> bool:
    """Whether ``number`` is within the column's ``RANGES`` (a blank, or a column without one, always is)."""
    if number is None or (tab, column) not in RANGES:
        return True
    low, high = RANGES[(tab, column)]
    return number >= low and (high is None or number <= high)


# The tab the validator writes its findings to (owned by the kit, replaced on each run).
ISSUES_TAB_NAME = "Issues"


# ----------------------------------------------------------------------------------------------------------
# Settings: the keys the kit reads from the Settings tab, with their defaults.


class SettingKind(StrEnum):
    """How the kit reads a setting's value."""

    INTEGER = "integer"  # a whole number between the setting's low and high
    NUMBER = "number"  # any number between low and high
    YES_NO = "yes_no"  # yes/no, TRUE/FALSE, 1/0
    SEGMENTS = "segments"  # column=value pairs, segments separated by '|'


@dataclass(frozen=True)
class Setting:
    """One setting: its default and the values the kit can use. A value it cannot read, or one outside
    ``low``..``high`` (inclusive; None is unbounded), is not used: the default is, and the validator says so."""

    key: str
    default: str
    description: str
    kind: SettingKind = SettingKind.INTEGER
    low: float | None = 0
    high: float | None = None


# A day count beyond a century is a typo (and beyond ~292 years no date arithmetic can hold it); a matching
# weight beyond this would swamp every other criterion (and at 1e308 overflow the score).
MAX_DAYS = 36_500
MAX_WEIGHT = 1_000

SETTING_DEFAULTS: tuple[Setting, ...] = (
    Setting("default_max_per_quarter", "4", "How many activities one advocate may be asked for per quarter."),
    Setting("cooldown_days", "14", "Days of rest an advocate gets between two activities.", high=MAX_DAYS),
    Setting(
        "stale_after_days",
        "365",
        "A profile not confirmed with the advocate for this long is stale.",
        low=1,  # at 0 a profile confirmed today would already be stale
        high=MAX_DAYS,
    ),
    Setting(
        "fiscal_year_start_month",
        "2",
        "The month the fiscal year starts (1 = January). FY2027 starts in 2026.",
        low=1,
        high=12,
    ),
    Setting(
        "sla_days.default",
        "10",
        "Days to fulfil a request, for activities with no SLA of their own.",
        high=MAX_DAYS,
    ),
    Setting("sla_days.reference_call", "5", "Days to fulfil a reference call request.", high=MAX_DAYS),
    Setting("sla_days.review", "7", "Days to fulfil a review request.", high=MAX_DAYS),
    Setting("sla_days.rfp", "3", "Days to fulfil an RFP reference request.", high=MAX_DAYS),
    Setting("sla_days.case_study", "45", "Days to fulfil a case study request.", high=MAX_DAYS),
    Setting("sla_days.speaking", "30", "Days to fulfil a speaking request.", high=MAX_DAYS),
    Setting(
        "sla_business_days",
        "no",
        "Count the SLA days above as business days (Monday to Friday) instead of calendar days.",
        SettingKind.YES_NO,
    ),
    Setting(
        "due_soon_hours",
        "72",
        "An open request whose SLA falls due within this many hours is due soon (72: within 3 days).",
        high=MAX_DAYS * 24,
    ),
    Setting(
        "min_deals_for_rates",
        "10",
        "Closed deals needed on each side (with an advocate, without) before the reports compare win rates.",
        low=1,
        high=1_000_000,
    ),
    Setting(
        "goal_tolerance",
        "0.1",
        "A running goal within this share of where it should be by now (target × share of its period "
        "elapsed) is on track: 0.1 = 10% short.",
        SettingKind.NUMBER,
        high=1,
    ),
    Setting(
        "goal_grace_days",
        "7",
        "No verdict on a goal in the first days of its period: it reads 'too early to tell' (0: none).",
        high=MAX_DAYS,
    ),
    Setting(
        "strategic_segments",
        "industry=Insurance; product=Product A | industry=Healthcare; region=APAC",
        "The segments the program must grow, separated by '|'; each is column=value pairs separated by ';'.",
        SettingKind.SEGMENTS,
    ),
    Setting(
        "weight.industry", "3", "Matching: weight of the same industry.", SettingKind.NUMBER, high=MAX_WEIGHT
    ),
    Setting(
        "weight.product", "3", "Matching: weight of the same product.", SettingKind.NUMBER, high=MAX_WEIGHT
    ),
    Setting(
        "weight.use_case", "2", "Matching: weight of the same use case.", SettingKind.NUMBER, high=MAX_WEIGHT
    ),
    Setting(
        "weight.region", "2", "Matching: weight of the same region.", SettingKind.NUMBER, high=MAX_WEIGHT
    ),
    Setting(
        "weight.company_size",
        "1",
        "Matching: weight of the same company size.",
        SettingKind.NUMBER,
        high=MAX_WEIGHT,
    ),
    Setting(
        "weight.persona", "1", "Matching: weight of the same persona.", SettingKind.NUMBER, high=MAX_WEIGHT
    ),
    Setting(
        "weight.freshness",
        "1",
        "Matching: weight of a recently verified profile (full when verified today, none once stale).",
        SettingKind.NUMBER,
        high=MAX_WEIGHT,
    ),
    Setting(
        "weight.rest",
        "1",
        "Matching: weight of rest since the last activity (full after rest_full_days, none just after).",
        SettingKind.NUMBER,
        high=MAX_WEIGHT,
    ),
    Setting(
        "weight.outcome",
        "0.5",
        "Matching: weight of good past outcomes (share of judged activities that were Positive or rated 4-5).",
        SettingKind.NUMBER,
        high=MAX_WEIGHT,
    ),
    Setting(
        "weight.declines",
        "1",
        "Matching: points taken off an advocate who declines asks (x the share of their asks they declined).",
        SettingKind.NUMBER,
        high=MAX_WEIGHT,
    ),
    Setting(
        "rest_full_days",
        "90",
        "Matching: days after their last activity when an advocate counts as fully rested.",
        low=1,  # rest is days since the last activity divided by this
        high=MAX_DAYS,
    ),
    Setting(
        "allocate_within_segment",
        "yes",
        "Matching: allocate only advocates in the request's own industry and region (when it names them).",
        SettingKind.YES_NO,
    ),
    Setting(
        "owner_approval",
        "yes",
        "Ask the advocate's account owner (owner_email) to approve before the advocate is asked: yes "
        "(required) or no.",
        SettingKind.YES_NO,
    ),
    Setting(
        "owner_approval_days",
        "2",
        "Days an account owner has to answer an approval ask; the daily digest lists requests waiting longer.",
        low=1,
        high=MAX_DAYS,
    ),
)
SETTING_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTING_DEFAULTS}
# An activity with no SLA setting of its own may be given one (sla_days.webinar): read as sla_days.default is.
SLA_PREFIX = "sla_days."


def setting_declaration(key: str) -> Setting | None:
    """The declaration a Settings key is read by: its own, ``sla_days.default``'s for an activity's SLA with
    no declaration of its own, or None for a key the kit does not read."""
    if key in SETTING_BY_KEY:
        return SETTING_BY_KEY[key]
    if key.startswith(SLA_PREFIX) and key.removeprefix(SLA_PREFIX) in ACTIVITY_TYPES:
        return SETTING_BY_KEY[f"{SLA_PREFIX}default"]
    return None
