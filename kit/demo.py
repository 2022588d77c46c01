"""A realistic, deterministic demo program of a mid-size B2B company, at any size.

The same seed and ``as_of`` always give the same workbook. About 18 months of history end at ``as_of``.
What is planted, so that every report has something true to say:

- deals whose opportunity had a reference call or site visit win clearly more often than the others;
- a few advocates are used far beyond their quarterly cap this quarter (the burnout risk);
- about one profile in eight has not been verified for over a year (stale);
- the strategic segment ``industry=Healthcare; region=APAC`` has no advocate at all, while Sales keeps
  asking for it (a recruiting gap), and Insurance on Product A is short of its goal;
- forty colleagues in People over five teams: three sellers close deals without ever asking the program
  (the coaching list), three new starters take it up at different speeds, and each team has a sample
  agreement (Commitments) running both ways.

Everything is generated with numpy arrays, so 50,000 advocates take seconds (the benchmarks use it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit import schema
from kit.schema import (
    ACTIVITIES,
    ADVOCATES,
    COMMITMENTS,
    GOALS,
    HISTORY,
    NOMINATIONS,
    OPPORTUNITIES,
    PEOPLE,
    REQUESTS,
    SETTINGS,
)

A, R, X, N, O, G, S = (
    t.col for t in (ADVOCATES, REQUESTS, ACTIVITIES, NOMINATIONS, OPPORTUNITIES, GOALS, SETTINGS)
)
P, C, H = PEOPLE.col, COMMITMENTS.col, HISTORY.col

INDUSTRIES = (
    "Insurance",
    "Healthcare",
    "Financial Services",
    "Retail",
    "Manufacturing",
    "Technology",
    "Public Sector",
    "Education",
)
INDUSTRY_WEIGHTS = (0.16, 0.10, 0.18, 0.14, 0.13, 0.17, 0.06, 0.06)
PRODUCTS = ("Product A", "Product B", "Product C", "Product D")
USE_CASES = (
    "Claims Automation",
    "Analytics",
    "Customer Onboarding",
    "Compliance",
    "Field Service",
    "Billing",
)
COUNTRIES = {
    "North America": ("United States", "Canada"),
    "EMEA": ("United Kingdom", "Germany", "France", "Netherlands", "Sweden", "South Africa"),
    "APAC": ("Australia", "Japan", "Singapore", "India"),
    "LATAM": ("Brazil", "Mexico", "Chile"),
}
REGION_WEIGHTS = (0.45, 0.30, 0.15, 0.10)
TITLES = {
    "Executive": ("CIO", "VP Operations", "Chief Digital Officer", "CFO"),
    "Manager": ("Director of IT", "Operations Manager", "Head of Claims", "Program Manager"),
    "Practitioner": ("Business Analyst", "Claims Specialist", "Operations Lead", "Data Analyst"),
    "Technical": ("Solutions Architect", "Lead Engineer", "Platform Engineer", "IT Administrator"),
}
FIRST = [
    "Dana",
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Harper",
    "Rowan",
    "Emerson",
    "Parker",
    "Sasha",
    "Maria",
    "Jose",
    "Wei",
    "Li",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Chen",
    "Yuki",
    "Hiro",
    "Elena",
    "Ivan",
    "Olga",
    "Lars",
    "Ingrid",
    "Pierre",
    "Amelie",
    "Lucas",
    "Sofia",
    "Mateo",
    "Valentina",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Ethan",
    "Ava",
    "Mason",
    "Mia",
    "Logan",
    "Isla",
    "Aiden",
    "Zara",
    "Kofi",
    "Ama",
    "Tariq",
    "Leila",
    "Rafael",
    "Camila",
    "Diego",
    "Lucia",
    "Hannah",
    "Felix",
    "Nora",
    "Oscar",
]
LAST = [
    "Ortiz",
    "Nguyen",
    "Patel",
    "Kim",
    "Schmidt",
    "Rossi",
    "Dubois",
    "Silva",
    "Tanaka",
    "Cohen",
    "Murphy",
    "Kowalski",
    "Jensen",
    "Novak",
    "Haddad",
    "Okafor",
    "Mendes",
    "Larsen",
    "Moreau",
    "Becker",
    "Romano",
    "Santos",
    "Suzuki",
    "Levy",
    "Walsh",
    "Nowak",
    "Berg",
    "Horvat",
    "Aziz",
    "Adeyemi",
    "Costa",
    "Holm",
    "Lambert",
    "Wagner",
    "Greco",
    "Pereira",
    "Sato",
    "Friedman",
    "Byrne",
    "Wojcik",
    "Lund",
    "Kovac",
    "Rahman",
    "Mensah",
    "Ferreira",
    "Dahl",
    "Girard",
    "Weber",
    "Marino",
    "Oliveira",
    "Ito",
    "Katz",
    "Doyle",
    "Zielinski",
    "Strand",
    "Petrovic",
    "Hassan",
    "Boateng",
    "Ramos",
    "Nyberg",
]
COMPANY_A = [
    "Acme",
    "Summit",
    "Northwind",
    "Bluewater",
    "Granite",
    "Harbor",
    "Pioneer",
    "Evergreen",
    "Silverline",
    "Crescent",
    "Redwood",
    "Ironbridge",
    "Lakeside",
    "Meridian",
    "Cobalt",
    "Sterling",
    "Horizon",
    "Keystone",
    "Oakmont",
    "Brightpath",
    "Clearview",
    "Westfield",
    "Riverstone",
    "Highland",
    "Atlas",
    "Beacon",
    "Falcon",
    "Orchard",
    "Vantage",
    "Copperleaf",
]
COMPANY_B = {
    "Insurance": ("Insurance", "Mutual", "Assurance", "Underwriters"),
    "Healthcare": ("Health", "Medical", "Care", "Clinics"),
    "Financial Services": ("Bank", "Capital", "Financial", "Credit Union"),
    "Retail": ("Retail", "Stores", "Outfitters", "Market"),
    "Manufacturing": ("Manufacturing", "Industries", "Works", "Fabrication"),
    "Technology": ("Software", "Systems", "Labs", "Networks"),
    "Public Sector": ("County", "City Services", "Agency", "Transit"),
    "Education": ("University", "College", "Schools", "Academy"),
}
REPS = (
    "Dana Ortiz",
    "Marcus Lee",
    "Priya Shah",
    "Tom Becker",
    "Aisha Bello",
    "Kenji Mori",
    "Laura Vidal",
    "Sven Olsen",
    "Grace Park",
    "Diego Ruiz",
    "Nina Kaur",
    "Owen Hughes",
)
# The planted recruiting gap: a strategic segment with no advocate at all.
GAP_INDUSTRY, GAP_REGION = "Healthcare", "APAC"


@dataclass(frozen=True)
class DemoShape:
    """How many rows of each tab a demo of ``advocates`` advocates gets (about 18 months of history)."""

    advocates: int

    @property
    def companies(self) -> int:
        return max(8, self.advocates // 3)

    @property
    def opportunities(self) -> int:
        return max(40, int(self.advocates * 1.6))

    @property
    def requests(self) -> int:
        return max(30, int(self.advocates * 2.2))

    @property
    def extra_activities(self) -> int:
        return max(10, int(self.advocates * 0.6))

    @property
    def nominations(self) -> int:
        return max(10, int(self.advocates * 0.4))


def build_demo(
    advocates: int = 300, *, as_of: dt.date | None = None, seed: int = 7
) -> dict[str, pd.DataFrame]:
    """Every tab of a demo program as typed DataFrames (schema columns, in order)."""
    if advocates < 10:
        raise ValueError("a demo program needs at least 10 advocates")
    as_of = as_of or dt.date.today()
    rng = np.random.default_rng(seed)
    shape = DemoShape(advocates)
    start = as_of - dt.timedelta(days=548)
    companies = _companies(rng, shape.companies)
    roster = _advocates(rng, shape, companies, as_of)
    opportunities = _opportunities(rng, shape, companies, start, as_of)
    requests, activities = _requests_and_activities(rng, shape, roster, opportunities, start, as_of)
    opportunities = _decide_deals(rng, opportunities, activities, as_of)
    nominations = _nominations(rng, shape, roster, companies, start, as_of)
    people = _people(as_of)
    # People come after every other tab, and draw nothing from ``rng``: the planted figures stay as they were.
    requests, nominations = _colleagues_asking(requests, nominations, people)
    frames = {
        ADVOCATES.name: roster,
        REQUESTS.name: requests,
        ACTIVITIES.name: activities,
        NOMINATIONS.name: nominations,
        OPPORTUNITIES.name: opportunities,
        GOALS.name: _goals(as_of, advocates),
        SETTINGS.name: _settings(),
        PEOPLE.name: people,
        COMMITMENTS.name: _commitments(advocates),
        HISTORY.name: _history(requests, as_of),
    }
    return {
        name: frame[schema.TAB_BY_NAME[name].names].reset_index(drop=True) for name, frame in frames.items()
    }


# ------------------------------------------------------------------------------------------------------------


def _days(base: dt.date, offsets: np.ndarray) -> pd.Series:
    return pd.Series(pd.Timestamp(base) + pd.to_timedelta(offsets.astype(int), unit="D"))


def _pick(rng: np.random.Generator, options, size: int, p=None) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p)]


def _companies(rng: np.random.Generator, count: int) -> pd.DataFrame:
    industry = _pick(rng, INDUSTRIES, count, INDUSTRY_WEIGHTS)
    region = _pick(rng, tuple(COUNTRIES), count, REGION_WEIGHTS)
    # No Healthcare company in APAC: the planted recruiting gap.
    gap = (industry == GAP_INDUSTRY) & (region == GAP_REGION)
    region[gap] = "North America"
    size = _pick(rng, schema.COMPANY_SIZES, count, (0.35, 0.40, 0.25))
    names = []
    used: set[str] = set()
    for i in range(count):
        suffixes = COMPANY_B[industry[i]]
        name = f"{COMPANY_A[i % len(COMPANY_A)]} {suffixes[(i // len(COMPANY_A)) % len(suffixes)]}"
        if name in used:
            name = f"{name} {i // (len(COMPANY_A) * len(suffixes)) + 1}"
        used.add(name)
        names.append(name)
    country = np.array([COUNTRIES[r][rng.integers(len(COUNTRIES[r]))] for r in region], dtype=object)
    return pd.DataFrame(
        {
            "company": names,
            "account_id": [f"ACC-{i + 1:05d}" for i in range(count)],
            "industry": industry,
            "region": region,
            "country": country,
            "company_size": size,
        }
    )


def _domain(company: str) -> str:
    return "".join(ch for ch in company.lower() if ch.isalnum())[:24] + ".example.com"


def _advocates(
    rng: np.random.Generator, shape: DemoShape, companies: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    n = shape.advocates
    company_index = rng.integers(0, len(companies), size=n)
    company_index[: len(companies)] = np.arange(min(n, len(companies)))  # every company has an advocate
    rng.shuffle(company_index)
    c = companies.iloc[company_index].reset_index(drop=True)
    # Distinct last names within a company, so no two advocates look like the same person.
    within = pd.Series(company_index).groupby(company_index).cumcount().to_numpy()
    last = np.array([LAST[(ci * 7 + k) % len(LAST)] for ci, k in zip(company_index, within, strict=True)])
    first = _pick(rng, FIRST, n)
    persona = _pick(rng, schema.PERSONAS, n, (0.2, 0.35, 0.3, 0.15))
    title = np.array([TITLES[p][rng.integers(4)] for p in persona], dtype=object)
    ids = [f"ADV-{i + 1:04d}" if n < 10_000 else f"ADV-{i + 1:06d}" for i in range(n)]
    emails = [
        f"{f.lower()}.{la.lower()}{i}@{_domain(co)}"
        for i, (f, la, co) in enumerate(zip(first, last, c["company"], strict=True))
    ]

    product_count = rng.choice([1, 2, 3], size=n, p=(0.5, 0.35, 0.15))
    products = [tuple(sorted(rng.choice(PRODUCTS, size=k, replace=False))) for k in product_count]
    # Insurance on Product A is a strategic segment kept short of its goal: most Insurance use B or C.
    insurance = (c["industry"] == "Insurance").to_numpy()
    keep_a = rng.random(n) < 0.35
    products = [
        tuple(p for p in prods if p != "Product A") or ("Product B",) if ins and not keep else prods
        for prods, ins, keep in zip(products, insurance, keep_a, strict=True)
    ]
    use_cases = [tuple(sorted(rng.choice(USE_CASES, size=k, replace=False))) for k in rng.choice([1, 2], n)]
    activities = []
    for _ in range(n):
        agreed = {"reference_call"} if rng.random() < 0.85 else set()
        extra = rng.choice(schema.ACTIVITY_TYPES[1:], size=rng.integers(1, 5), replace=False)
        agreed.update(extra)
        activities.append(tuple(a for a in schema.ACTIVITY_TYPES if a in agreed))
    consents = [
        tuple(
            x for x, keep in zip(schema.CONSENTS, rng.random(4) < (0.8, 0.7, 0.5, 0.4), strict=True) if keep
        )
        for _ in range(n)
    ]
    # Case studies and speaking need public consent: an advocate who agreed to them consented to name and story.
    consents = [
        tuple(dict.fromkeys(cons + ("name", "story")))
        if ("case_study" in acts or "speaking" in acts)
        else cons
        for cons, acts in zip(consents, activities, strict=True)
    ]
    status = _pick(rng, schema.ADVOCATE_STATUSES, n, (0.06, 0.82, 0.06, 0.04, 0.02))
    joined_offset = rng.integers(30, 1100, size=n)
    recent = rng.random(n) < 0.08  # new advocates this quarter
    joined_offset[recent] = rng.integers(1, 60, size=recent.sum())
    joined = _days(as_of, -joined_offset)
    verified_offset = np.minimum(joined_offset, rng.integers(5, 300, size=n))
    stale = rng.random(n) < 0.125
    verified_offset[stale] = rng.integers(400, 900, size=stale.sum())
    verified = _days(as_of, -verified_offset)
    max_pq = pd.array([None] * n, dtype="Int64")
    custom = rng.random(n) < 0.1
    max_pq[custom] = rng.choice([2, 3, 6], size=custom.sum())
    owners = [f"csm.{REPS[i % len(REPS)].split()[0].lower()}@vendor.example.com" for i in company_index]
    return pd.DataFrame(
        {
            A.advocate_id: ids,
            A.name: [f"{f} {la}" for f, la in zip(first, last, strict=True)],
            A.email: emails,
            A.title: title,
            A.persona: persona,
            A.company: c["company"],
            A.account_id: c["account_id"],
            A.industry: c["industry"],
            A.company_size: c["company_size"],
            A.region: c["region"],
            A.country: c["country"],
            A.products: products,
            A.use_cases: use_cases,
            A.activities: activities,
            A.consents: consents,
            A.status: status,
            A.owner_email: owners,
            A.nominated_by: _pick(rng, [f"{r}" for r in REPS], n),
            A.joined_on: joined,
            A.last_verified: verified,
            A.max_per_quarter: max_pq,
            A.notes: [None] * n,
        }
    )


def _opportunities(
    rng: np.random.Generator, shape: DemoShape, companies: pd.DataFrame, start: dt.date, as_of: dt.date
) -> pd.DataFrame:
    n = shape.opportunities
    created = _days(start, rng.integers(0, (as_of - start).days - 10, size=n))
    cycle = rng.integers(25, 200, size=n)
    close = created + pd.to_timedelta(cycle, unit="D")
    industry = _pick(rng, INDUSTRIES, n, INDUSTRY_WEIGHTS)
    region = _pick(rng, tuple(COUNTRIES), n, REGION_WEIGHTS)
    size_factor = rng.choice([0.4, 1.0, 3.0], size=n, p=(0.35, 0.4, 0.25))
    amount = np.round(rng.lognormal(mean=11.2, sigma=0.6, size=n) * size_factor, -3)
    account = [
        f"{COMPANY_A[(i * 5 + 3) % len(COMPANY_A)]} {COMPANY_B[ind][i % 4]} Prospect {i % 97}"
        for i, ind in enumerate(industry)
    ]
    return pd.DataFrame(
        {
            O.opportunity_id: [f"OPP-{i + 1:06d}" for i in range(n)],
            O.account: account,
            O.owner: _pick(rng, REPS, n),
            O.stage: None,
            O.amount: amount,
            O.created_on: created,
            O.close_date: close,
            O.is_closed: close <= pd.Timestamp(as_of),
            O.is_won: False,
            O.industry: industry,
            O.region: region,
            O.product: _pick(rng, PRODUCTS, n),
        }
    )


def _requests_and_activities(
    rng: np.random.Generator,
    shape: DemoShape,
    roster: pd.DataFrame,
    opportunities: pd.DataFrame,
    start: dt.date,
    as_of: dt.date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = shape.requests
    span = (as_of - start).days
    requested_offset = np.sort(rng.integers(0, span, size=n))
    requested = _days(start, requested_offset)
    team = _pick(rng, schema.TEAMS, n, (0.55, 0.08, 0.1, 0.07, 0.05, 0.05, 0.03, 0.04, 0.03))
    by_team = {
        "Sales": ("reference_call", "reference_call", "reference_call", "site_visit", "rfp"),
        "PR": ("media", "case_study"),
        "Events": ("speaking", "webinar"),
        "Demand Gen": ("case_study", "video", "webinar"),
        "Analyst Relations": ("analyst",),
        "Social": ("social", "review"),
        "Executive": ("advisory_board", "reference_call"),
        "Customer Success": ("review", "reference_call"),
        "Product": ("advisory_board", "video"),
    }
    activity = np.array([by_team[t][rng.integers(len(by_team[t]))] for t in team], dtype=object)
    sales = team == "Sales"
    # Sales requests support an open opportunity created before the request.
    opp_created = opportunities[O.created_on].to_numpy()
    opp_order = np.argsort(opp_created)
    opp_index = np.full(n, -1)
    eligible_upto = np.searchsorted(opp_created[opp_order], requested.to_numpy(), side="right")
    for i in np.flatnonzero(sales & (eligible_upto > 0)):
        opp_index[i] = opp_order[rng.integers(max(0, eligible_upto[i] - 60), eligible_upto[i])]
    opp = opportunities.iloc[np.where(opp_index >= 0, opp_index, 0)].reset_index(drop=True)
    has_opp = opp_index >= 0
    industry = np.where(has_opp, opp[O.industry], _pick(rng, INDUSTRIES, n, INDUSTRY_WEIGHTS))
    region = np.where(has_opp, opp[O.region], _pick(rng, tuple(COUNTRIES), n, REGION_WEIGHTS))
    product = np.where(has_opp, opp[O.product], _pick(rng, PRODUCTS, n))
    # The planted gap: a steady share of Sales asks are for Healthcare in APAC, more of them lately.
    age = (pd.Timestamp(as_of) - requested).dt.days.to_numpy()
    open_ = age < 21
    gap = sales & (rng.random(n) < np.where(open_, 0.2, 0.03))
    industry[gap], region[gap] = GAP_INDUSTRY, GAP_REGION
    lead_days = rng.integers(3, 30, size=n)
    needed = requested + pd.to_timedelta(lead_days, unit="D")
    priority = _pick(rng, schema.PRIORITIES, n, (0.15, 0.55, 0.2, 0.1))

    # Who served each request: an active advocate who agreed to the activity, preferring the same industry;
    # a small group of enthusiasts is asked far more often than anyone else (planted over-use).
    active = roster[roster[A.status] == schema.ACTIVE_STATUS].reset_index(drop=True)
    agreed = {
        a: np.flatnonzero(active[A.activities].map(lambda acts, a=a: a in acts).to_numpy())
        for a in schema.ACTIVITY_TYPES
    }
    # Enthusiasts are asked for reference calls, so they are people who agreed to take them.
    callers = agreed["reference_call"]
    enthusiasts = callers[
        rng.choice(len(callers), size=min(len(callers), max(3, len(active) // 100)), replace=False)
    ]
    industry_of = active[A.industry].to_numpy()
    status = np.where(
        open_,
        _pick(rng, ("New", "New", "In Progress", "Advocate Asked", "Scheduled"), n),
        _pick(rng, ("Completed",) * 14 + ("Declined", "Declined", "Cancelled"), n),
    ).astype(object)
    status[gap & open_] = "New"
    status[gap & ~open_] = "Cancelled"  # nobody could serve them
    advocate = np.full(n, None, dtype=object)
    quarter_start = pd.Timestamp(as_of).to_period("Q").start_time
    this_quarter = (requested >= quarter_start).to_numpy()
    same_industry: dict[tuple[str, str], np.ndarray] = {}
    for i in range(n):
        if status[i] in ("New", "Cancelled") or gap[i]:
            continue
        pool = agreed[activity[i]]
        if len(pool) == 0:
            status[i] = "Cancelled"
            continue
        if this_quarter[i] and activity[i] == "reference_call" and rng.random() < 0.35:
            pick = enthusiasts[rng.integers(len(enthusiasts))]
        else:
            key = (activity[i], industry[i])
            if key not in same_industry:
                same_industry[key] = pool[industry_of[pool] == industry[i]]
            same = same_industry[key]
            choice = same if len(same) and rng.random() < 0.7 else pool
            pick = choice[rng.integers(len(choice))]
        advocate[i] = active.at[pick, A.advocate_id]
    completed = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    done = status == "Completed"
    completed[done] = (
        requested[done] + pd.to_timedelta(rng.integers(1, 12, size=done.sum()), unit="D")
    ).clip(upper=pd.Timestamp(as_of))
    opp_ids = np.where(has_opp, opp[O.opportunity_id], None)
    requests = pd.DataFrame(
        {
            R.request_id: [f"REQ-{i + 1:06d}" for i in range(n)],
            R.requested_on: requested,
            R.requester_email: [
                f"{REPS[i % len(REPS)].split()[0].lower()}@vendor.example.com" for i in range(n)
            ],
            R.team: team,
            R.activity: activity,
            R.opportunity_id: opp_ids,
            R.prospect_company: np.where(has_opp, opp[O.account], None),
            R.industry: industry,
            R.product: product,
            R.use_case: np.where(rng.random(n) < 0.5, _pick(rng, USE_CASES, n), None),
            R.region: region,
            R.company_size: np.where(rng.random(n) < 0.5, _pick(rng, schema.COMPANY_SIZES, n), None),
            R.persona: np.where(rng.random(n) < 0.3, _pick(rng, schema.PERSONAS, n), None),
            R.needed_by: needed,
            R.priority: priority,
            R.status: status,
            R.advocate_id: advocate,
            R.completed_on: completed,
            R.notes: None,
        }
    )
    # Every completed request left an activity; advocates also do things nobody requested (reviews, posts).
    done_rows = requests[done]
    rated = rng.integers(3, 6, size=len(done_rows))
    from_requests = pd.DataFrame(
        {
            X.advocate_id: done_rows[R.advocate_id].to_numpy(),
            X.request_id: done_rows[R.request_id].to_numpy(),
            X.activity: done_rows[R.activity].to_numpy(),
            X.date: done_rows[R.completed_on].to_numpy(),
            X.opportunity_id: done_rows[R.opportunity_id].to_numpy(),
            X.outcome: _pick(rng, ("Positive", "Positive", "Completed", "Neutral"), len(done_rows)),
            X.rating: rated,
        }
    )
    m = shape.extra_activities
    volunteers = active.iloc[rng.integers(0, len(active), size=m)]
    spontaneous = pd.DataFrame(
        {
            X.advocate_id: volunteers[A.advocate_id].to_numpy(),
            X.request_id: None,
            X.activity: _pick(rng, ("review", "social", "social", "video", "webinar"), m),
            X.date: _days(start, rng.integers(0, span, size=m)).to_numpy(),
            X.opportunity_id: None,
            X.outcome: "Completed",
            X.rating: pd.array([None] * m, dtype="Int64"),
        }
    )
    # The enthusiasts also said yes to everything else this quarter: well beyond any cap.
    quarter_days = max(1, (pd.Timestamp(as_of) - quarter_start).days)
    extra_per = rng.integers(3, 6, size=len(enthusiasts))
    who = np.repeat(enthusiasts, extra_per)
    overuse = pd.DataFrame(
        {
            X.advocate_id: active.loc[who, A.advocate_id].to_numpy(),
            X.request_id: None,
            X.activity: [active.at[i, A.activities][0] for i in who],
            X.date: (quarter_start + pd.to_timedelta(rng.integers(0, quarter_days, size=len(who)), unit="D")),
            X.opportunity_id: None,
            X.outcome: "Completed",
            X.rating: pd.array(rng.integers(3, 6, size=len(who)), dtype="Int64"),
        }
    )
    activities = pd.concat([from_requests, spontaneous, overuse], ignore_index=True).sort_values(
        X.date, kind="stable"
    )
    activities = activities.reset_index(drop=True)
    activities[X.activity_id] = [f"ACT-{i + 1:06d}" for i in range(len(activities))]
    activities[X.notes] = None
    activities[X.rating] = activities[X.rating].astype("Int64")
    return requests, activities


def _decide_deals(
    rng: np.random.Generator, opportunities: pd.DataFrame, activities: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    """Closed deals win far more often when an advocate took part before the close (the planted lift)."""
    opps = opportunities.copy()
    linked = activities.dropna(subset=[X.opportunity_id])
    first_touch = linked.groupby(X.opportunity_id)[X.date].min()
    touched = opps[O.opportunity_id].map(first_touch)
    # A reference after the planned close moves the close a little later: the deal waited for the call.
    late = touched.notna() & (touched > opps[O.close_date])
    opps.loc[late, O.close_date] = touched[late] + pd.to_timedelta(
        rng.integers(2, 15, size=late.sum()), unit="D"
    )
    opps[O.is_closed] = opps[O.close_date] <= pd.Timestamp(as_of)
    referenced = touched.notna()
    win_p = np.where(referenced, 0.58, 0.33)
    won = opps[O.is_closed].to_numpy() & (rng.random(len(opps)) < win_p)
    opps[O.is_won] = won
    opps[O.stage] = np.where(won, "Closed Won", np.where(opps[O.is_closed], "Closed Lost", "Negotiation"))
    opps.loc[~opps[O.is_closed].astype(bool), O.stage] = _pick(
        rng,
        ("Discovery", "Evaluation", "Proposal", "Negotiation"),
        int((~opps[O.is_closed].astype(bool)).sum()),
    )
    return opps


def _nominations(
    rng: np.random.Generator,
    shape: DemoShape,
    roster: pd.DataFrame,
    companies: pd.DataFrame,
    start: dt.date,
    as_of: dt.date,
) -> pd.DataFrame:
    n = shape.nominations
    span = (as_of - start).days
    submitted = _days(start, np.sort(rng.integers(0, span, size=n)))
    age = (pd.Timestamp(as_of) - submitted).dt.days.to_numpy()
    status = np.where(age < 30, "New", _pick(rng, ("Accepted", "Accepted", "Declined"), n)).astype(object)
    accepted = np.flatnonzero(status == "Accepted")
    # Accepted nominations point at real advocates (the ones nominated), one each.
    chosen = rng.choice(len(roster), size=min(len(accepted), len(roster)), replace=False)
    advocate_id = np.full(n, None, dtype=object)
    advocate_id[accepted[: len(chosen)]] = roster[A.advocate_id].to_numpy()[chosen]
    contact = np.full(n, None, dtype=object)
    contact_email = np.full(n, None, dtype=object)
    company = np.full(n, None, dtype=object)
    contact[accepted[: len(chosen)]] = roster[A.name].to_numpy()[chosen]
    contact_email[accepted[: len(chosen)]] = roster[A.email].to_numpy()[chosen]
    company[accepted[: len(chosen)]] = roster[A.company].to_numpy()[chosen]
    rest = np.flatnonzero(contact == None)  # noqa: E711 - numpy elementwise comparison
    firsts, lasts = _pick(rng, FIRST, len(rest)), _pick(rng, LAST, len(rest))
    picked = companies.iloc[rng.integers(0, len(companies), size=len(rest))]
    contact[rest] = [f"{f} {la}-{i}" for i, (f, la) in enumerate(zip(firsts, lasts, strict=True))]
    company[rest] = picked["company"].to_numpy()
    contact_email[rest] = [f"nominee{i}@{_domain(co)}" for i, co in zip(rest, company[rest], strict=True)]
    decided = submitted + pd.to_timedelta(rng.integers(2, 25, size=n), unit="D")
    decided[status == "New"] = pd.NaT
    return pd.DataFrame(
        {
            N.nomination_id: [f"NOM-{i + 1:05d}" for i in range(n)],
            N.submitted_on: submitted,
            N.nominator_email: [
                f"{REPS[i % len(REPS)].split()[0].lower()}@vendor.example.com" for i in range(n)
            ],
            N.team: _pick(rng, ("Sales", "Customer Success", "Customer Success", "Product"), n),
            N.contact_name: contact,
            N.contact_email: contact_email,
            N.company: company,
            N.products: [
                tuple(sorted(rng.choice(PRODUCTS, size=rng.integers(1, 3), replace=False))) for _ in range(n)
            ],
            N.reason: _pick(
                rng, ("Great ROI story", "Strong NPS promoter", "Spoke at user group", "Fast rollout"), n
            ),
            N.status: status,
            N.advocate_id: advocate_id,
            N.decided_on: decided,
            N.decision_note: None,
        }
    )


def _goals(as_of: dt.date, advocates: int) -> pd.DataFrame:
    quarter = pd.Timestamp(as_of).to_period("Q")
    q = f"{quarter.year}-Q{quarter.quarter}"
    month = pd.Timestamp(as_of).strftime("%Y-%m")
    scale = advocates / 300
    rows = [
        ("G-01", q, "active_advocates", None, round(280 * scale), "Customer Marketing"),
        ("G-02", q, "new_advocates", None, round(30 * scale), "Customer Marketing"),
        ("G-03", q, "revenue_influenced", None, round(9_000_000 * scale, -5), "VP Sales"),
        ("G-04", q, "opportunities_influenced", None, round(40 * scale), "VP Sales"),
        (
            "G-05",
            q,
            "active_advocates",
            "industry=Insurance; product=Product A",
            round(40 * scale),
            "Insurance lead",
        ),
        (
            "G-06",
            q,
            "active_advocates",
            f"industry={GAP_INDUSTRY}; region={GAP_REGION}",
            round(10 * scale),
            "APAC",
        ),
        ("G-07", month, "requests_fulfilled", None, round(30 * scale), "Customer Marketing"),
        ("G-08", q, "nominations_received", None, round(35 * scale), "Customer Success"),
    ]
    return pd.DataFrame(rows, columns=GOALS.names)


def _settings() -> pd.DataFrame:
    rows = [(s.key, s.default, s.description) for s in schema.SETTING_DEFAULTS]
    return pd.DataFrame(rows, columns=SETTINGS.names)


# ------------------------------------------------------------------------------------------------------------
# People and their agreements (issue 22)

SALES_MANAGERS = (
    ("Helen Carter", "VP Sales"),
    ("Maria Gonzalez", "Sales Manager"),
    ("Peter Novak", "Sales Manager"),
)
# Sellers who close deals and never ask the program: their requests in the draw go to colleagues instead.
NON_USERS = ("Sven Olsen", "Nina Kaur", "Owen Hughes")
# New starters: (name, days before as_of they started, days after starting of their first request or None).
NEW_STARTERS = (("Ravi Menon", 150, 30), ("Lena Fischer", 100, None), ("Jonas Berg", 45, 12))
CSMS = (
    "Rita Okoye", "Ben Carter", "Chloe Martin", "Yusuf Demir", "Hannah Weiss", "Leo Rossi", "Mei Chen",
    "Sara Lind", "Tariq Aziz", "Ella Brooks", "Noah Fischer", "Ivy Laurent", "Omar Haddad",
)  # fmt: skip
OTHER_TEAMS = {
    "PR": ("Julia Stone", "Mark Ellis", "Zoe Adams"),
    "Events": ("Carlos Mendes", "Amy Turner", "Felix Braun"),
    "Demand Gen": ("Olivia Reed", "Sam Patel", "Lucy Grant"),
}
_VENDOR = "vendor.example.com"


def _email(name: str, prefix: str = "") -> str:
    return f"{prefix}{name.split()[0].lower()}@{_VENDOR}"


def _people(as_of: dt.date) -> pd.DataFrame:
    """Forty colleagues over five teams: the twelve sellers who own the demo's deals (their e-mails are the
    ones the requests already use), three new starters, Sales' managers, the CSMs who own advocates
    (csm.<first name>, as the roster's owner_email), and PR, Events and Demand Gen with a lead each."""
    vp, west, east = (_email(name) for name, _ in SALES_MANAGERS)
    long_ago = pd.Timestamp(as_of) - pd.Timedelta(days=900)
    rows = [(_email(n), n, "Sales", role, None if n == "Helen Carter" else vp, long_ago, "Active")
            for n, role in SALES_MANAGERS]  # fmt: skip
    for i, name in enumerate(REPS):
        started = long_ago + pd.Timedelta(days=30 * i)
        rows.append(
            (_email(name), name, "Sales", "Account Executive", (west, east)[i % 2], started, "Active")
        )
    for name, days, _ in NEW_STARTERS:
        started = pd.Timestamp(as_of) - pd.Timedelta(days=days)
        rows.append((_email(name), name, "Sales", "Account Executive", west, started, "Active"))
    lead = f"csm.lead@{_VENDOR}"
    rows.append((lead, CSMS[0], "Customer Success", "CS Manager", vp, long_ago, "Active"))
    for i, name in enumerate(CSMS[1:]):
        # the roster's owners: csm.<a seller's first name>, as kit.demo's advocates are owned
        email = _email(REPS[i], "csm.")
        rows.append((email, name, "Customer Success", "CSM", lead, long_ago, "Active"))
    for team, (head, *members) in OTHER_TEAMS.items():
        rows.append((_email(head), head, team, f"{team} Lead", None, long_ago, "Active"))
        for name in members:
            rows.append((_email(name), name, team, team, _email(head), long_ago, "Active"))
    return pd.DataFrame(rows, columns=PEOPLE.names)


def _colleagues_asking(
    requests: pd.DataFrame, nominations: pd.DataFrame, people: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Requests and nominations made by the People of their own team (no draw from the demo's generator):
    a team's members in turn; the sellers in NON_USERS never ask; a new starter asks first when planned;
    a team without People asks from its shared mailbox."""
    members = {
        team: [e for e, n in zip(group[P.email], group[P.name], strict=True) if n not in NON_USERS]
        for team, group in people.groupby(P.team)
    }
    starters = {n: s for n, s in zip(people[P.name], people[P.started_on], strict=True)}
    sales = [_email(n) for n in REPS if n not in NON_USERS]
    requests = requests.copy()
    emails = []
    for i, team in enumerate(requests[R.team]):
        if team == "Sales":
            emails.append(sales[i % len(sales)])
        elif team in members:
            emails.append(members[team][i % len(members[team])])
        else:
            emails.append(f"{team.lower().replace(' ', '.')}@{_VENDOR}")
    requests[R.requester_email] = emails
    for name, _, first in NEW_STARTERS:
        if first is None:
            continue
        day = starters[name] + pd.Timedelta(days=first)
        later = requests.index[(requests[R.team] == "Sales") & (requests[R.requested_on] >= day)]
        if len(later):
            requests.loc[requests.loc[later, R.requested_on].idxmin(), R.requester_email] = _email(name)
    nominations = nominations.copy()
    nominators = []
    for i, team in enumerate(nominations[N.team]):
        pool = (
            sales if team == "Sales" else members.get(team, [f"{team.lower().replace(' ', '.')}@{_VENDOR}"])
        )
        nominators.append(pool[i % len(pool)])
    nominations[N.nominator_email] = nominators
    return requests, nominations


def _commitments(advocates: int) -> pd.DataFrame:
    """A sample agreement per team, both ways: the program's SLA, the team's requests and nominations."""
    scale = advocates / 300
    q = "this-quarter"
    to_team, to_program = schema.PROGRAM_TO_TEAM, schema.TEAM_TO_PROGRAM
    rows = [
        ("C-01", "Sales", to_team, "References for late-stage deals fulfilled within the SLA",
         "within_sla_share", 0.8, q, None),
        ("C-02", "Sales", to_program, "Every reference need logged as a request in the kit",
         "requests_made", round(50 * scale), q, None),
        ("C-03", "Sales", to_program, "Three sellers in four with closed deals use the program",
         "sellers_using_share", 0.75, q, None),
        ("C-04", "Customer Success", to_team, "A searchable, current advocate database",
         None, None, q, "Database reviewed with the CS leads in October"),
        ("C-05", "Customer Success", to_program, "Nominate happy customers every quarter",
         "nominations_made", round(8 * scale), q, None),
        ("C-06", "Customer Success", to_program, "Keep advocate profiles current",
         "profiles_updated", round(40 * scale), q, None),
        ("C-07", "PR", to_team, "Media-ready advocates within the SLA", "within_sla_share", 0.7, q, None),
        ("C-08", "PR", to_program, "Ask through the program, not around it",
         "requests_made", round(6 * scale), q, None),
        ("C-09", "Events", to_team, "Speakers confirmed within the SLA", "within_sla_share", 0.7, q, None),
        ("C-10", "Events", to_program, "Event speaker needs logged a quarter ahead",
         "requests_made", round(8 * scale), q, None),
        ("C-11", "Demand Gen", to_team, "Monthly list of new case-study candidates",
         None, None, q, "Sent on the first Monday of each month"),
        ("C-12", "Demand Gen", to_program, "Campaign reference needs logged as requests",
         "requests_made", round(12 * scale), q, None),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=COMMITMENTS.names)


# Each request's moves to its status today, as ``advocacy-kit request …`` writes them: asked the day after it
# was logged, accepted the day after, scheduled the day after that, completed on its completed_on. Nothing is
# drawn from the generator, so every other figure of the demo stays as it was.
_PATHS = {
    schema.ADVOCATE_ASKED_STATUS: (schema.ADVOCATE_ASKED_STATUS,),
    schema.ACCEPTED_STATUS: (schema.ADVOCATE_ASKED_STATUS, schema.ACCEPTED_STATUS),
    schema.SCHEDULED_STATUS: (schema.ADVOCATE_ASKED_STATUS, schema.ACCEPTED_STATUS, schema.SCHEDULED_STATUS),
    schema.COMPLETED_STATUS: (
        schema.ADVOCATE_ASKED_STATUS,
        schema.ACCEPTED_STATUS,
        schema.SCHEDULED_STATUS,
        schema.COMPLETED_STATUS,
    ),
    schema.CANCELLED_STATUS: (schema.CANCELLED_STATUS,),
    "Declined": ("Declined",),
}
_PROGRAM_TEAM = "advocacy@vendor.example.com"


def _history(requests: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The History tab: one row per move of each request that has left New, dated no later than ``as_of``."""
    status = requests[R.status]
    requested = pd.to_datetime(requests[R.requested_on])
    completed = pd.to_datetime(requests[R.completed_on])
    moves = []
    for step in range(1, max(len(path) for path in _PATHS.values()) + 1):
        reaching = {current: path for current, path in _PATHS.items() if len(path) >= step}
        moving = status.isin(list(reaching))
        before = {
            current: path[step - 2] if step > 1 else schema.NEW_STATUS for current, path in reaching.items()
        }
        to_status = status[moving].map({current: path[step - 1] for current, path in reaching.items()})
        day = (requested + pd.Timedelta(days=step)).clip(upper=pd.Timestamp(as_of))
        day = day.where(completed.isna() | (day <= completed), completed)[moving]
        day = day.where(to_status != schema.COMPLETED_STATUS, completed[moving])
        moves.append(
            pd.DataFrame(
                {
                    H.request_id: requests[R.request_id][moving],
                    H.at: day.dt.strftime(f"%Y-%m-%dT{9 + step:02d}:00:00Z"),
                    H.by: _PROGRAM_TEAM,
                    H.from_status: status[moving].map(before),
                    H.to_status: to_status,
                    H.advocate_id: requests[R.advocate_id][moving],
                    H.note: None,
                }
            )
        )
    history = pd.concat(moves).sort_index(kind="stable")
    return history[HISTORY.names].reset_index(drop=True)
