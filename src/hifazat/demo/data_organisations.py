"""Demo data: the agencies, their sharing agreements, the demo logins and the projects (short tables, kept
in Python because their fields nest)."""

from __future__ import annotations

from hifazat.demo.specs import ROOT, AgencySpec, AgreementSpec, PolicySpec, ProjectSpec, UserSpec

AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec("noc", "MoI National Operations Centre", "NOC", "federal_ministry", ROOT, ("PK",)),
    AgencySpec(
        "sindh", "Sindh Police — Special Protection Unit", "Sindh SPU", "provincial_police", ROOT, ("PK-SD",)
    ),
    AgencySpec("isb", "Islamabad Capital Police", "ICT Police", "provincial_police", ROOT, ("PK-IS",)),
    AgencySpec("punjab", "Punjab Police — SPU", "Punjab SPU", "provincial_police", ROOT, ("PK-PB",)),
    AgencySpec(
        "balochistan",
        "Balochistan Levies / Police",
        "Balochistan Police",
        "provincial_police",
        ROOT,
        ("PK-BA",),
    ),
    AgencySpec(
        "army",
        "Army Special Security Division",
        "SSD",
        "army_security_division",
        ROOT,
        ("PK-KP", "PK-BA", "PK-GB"),
    ),
    AgencySpec("shield", "Shield Guard Services (Pvt) Ltd", "Shield", "private_security_company", ROOT, ()),
    AgencySpec("sentinel", "Sentinel Security (Pvt) Ltd", "Sentinel", "private_security_company", ROOT, ()),
    AgencySpec(
        "company",
        "Silk Road Power & Infrastructure Co. (Pvt) Ltd",
        "SRPIC",
        "project_company",
        ROOT,
        (),
    ),
    AgencySpec(
        "embassy",
        "Embassy of the People's Republic of China — Security Liaison Office",
        "CN Embassy SLO",
        "foreign_embassy",
        None,
        (),
        "CN",
    ),
)

_CN = {"nationality": "CN"}
AGREEMENTS: tuple[AgreementSpec, ...] = (
    # The project company and the guard companies tell the embassy about its nationals, passport hidden.
    *(
        AgreementSpec(
            "Chinese nationals under protection",
            g,
            "embassy",
            ("persons",),
            _CN,
            "full",
            ("passport_number",),
        )
        for g in ("company", "shield", "sentinel")
    ),
    # ... and where they live and work (sites carry no nationality, so this one is unfiltered, summary).
    *(
        AgreementSpec("Residences and project sites", g, "embassy", ("sites",), {}, "summary")
        for g in ("company", "shield", "sentinel")
    ),
    # The ministry's whole tree: every Chinese national it registers, names and status only.
    AgreementSpec(
        "Joint strategy: status of Chinese nationals", ROOT, "embassy", ("persons",), _CN, "summary"
    ),
    # ... and the alerts about them (an SOS of a Chinese national, wherever raised), as a summary.
    AgreementSpec(
        "Joint strategy: alerts involving Chinese nationals", ROOT, "embassy", ("alerts",), _CN, "summary"
    ),
    # The project company lets each guard company see the people and sites of the project it guards.
    AgreementSpec(
        "Port Qasim guarding contract",
        "company",
        "shield",
        ("persons", "sites"),
        {"project_id": "project:PQ-CFPP"},
        "summary",
    ),
    AgreementSpec(
        "Orange Line depot guarding contract",
        "company",
        "sentinel",
        ("persons", "sites"),
        {"project_id": "project:LHR-OLMT"},
        "summary",
    ),
)

USERS: tuple[UserSpec, ...] = (
    UserSpec(
        "noc.operator",
        "NOC Duty Operations Officer",
        "noc",
        ("operator",),
        "NOC operations officer: whole country, live map, dispatch",
    ),
    UserSpec(
        "noc.analyst",
        "NOC Threat Analyst",
        "noc",
        ("analyst",),
        "NOC analyst: incident reports and risk levels, whole country",
    ),
    UserSpec(
        "moi.auditor",
        "MoI Internal Audit Officer",
        ROOT,
        ("auditor",),
        "ministry auditor: the whole tamper-evident audit log",
    ),
    UserSpec(
        "sindh.spu",
        "Sindh SPU Control Room Officer",
        "sindh",
        ("operator",),
        "Sindh SPU control room: everything in Sindh (Karachi)",
    ),
    UserSpec(
        "sindh.responder",
        "Sindh SPU Protection Team Leader",
        "sindh",
        ("responder",),
        "Sindh SPU field responder, Karachi",
    ),
    UserSpec(
        "police.investigator",
        "Sindh Police Investigating Officer",
        "sindh",
        ("investigator",),
        "Sindh Police investigator: the Karachi case, sees passport numbers",
    ),
    UserSpec(
        "isb.police",
        "Islamabad Police Operations Officer",
        "isb",
        ("operator",),
        "Islamabad Capital Police operations: Islamabad only",
    ),
    UserSpec(
        "punjab.spu",
        "Punjab SPU Operations Officer",
        "punjab",
        ("operator",),
        "Punjab SPU operations: Lahore and Punjab",
    ),
    UserSpec(
        "balochistan.police",
        "Balochistan Police Operations Officer",
        "balochistan",
        ("operator",),
        "Balochistan Levies / Police operations: Gwadar",
    ),
    UserSpec(
        "army.ssd",
        "SSD Operations Officer",
        "army",
        ("operator",),
        "Army SSD operations: Khyber Pakhtunkhwa, Balochistan, Gilgit-Baltistan",
    ),
    UserSpec(
        "army.qrf",
        "SSD Quick Reaction Force Commander",
        "army",
        ("responder",),
        "Army SSD quick reaction force (Dasu, Gwadar)",
    ),
    UserSpec(
        "shield.manager",
        "Shield Guard Services Site Security Manager",
        "shield",
        ("admin", "operator"),
        "private security company manager: own guards, Port Qasim project",
    ),
    UserSpec(
        "shield.guard",
        "Shield Guard Services Guard Supervisor",
        "shield",
        ("responder",),
        "private guard supervisor, Port Qasim",
    ),
    UserSpec(
        "sentinel.manager",
        "Sentinel Security Site Security Manager",
        "sentinel",
        ("admin", "operator"),
        "private security company manager: own guards, Orange Line depot",
    ),
    UserSpec(
        "company.security",
        "SRPIC Head of Security",
        "company",
        ("admin", "operator"),
        "project company security head: its projects, sites, staff",
    ),
    UserSpec(
        "embassy.liaison",
        "Embassy Security Liaison Officer",
        "embassy",
        ("liaison",),
        "embassy liaison: Chinese nationals only, passports redacted",
    ),
)

PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        "PQ-CFPP",
        "Port Qasim 1,320 MW Coal-Fired Power Plant",
        "PK-SD",
        True,
        "active",
        "Two 660 MW supercritical units with a coal jetty at Port Qasim, 37 km east of Karachi; "
        "CPEC early-harvest project, operations and maintenance by Chinese staff.",
    ),
    ProjectSpec(
        "KHI-K2K3",
        "Karachi Nuclear Power Plant Units 2 and 3 (support works)",
        "PK-SD",
        False,
        "active",
        "Support and maintenance contract at the Karachi nuclear site, Paradise Point.",
    ),
    ProjectSpec(
        "LHR-OLMT",
        "Lahore Orange Line Metro Train (operations and maintenance)",
        "PK-PB",
        True,
        "active",
        "27 km metro line from Ali Town to Dera Gujran; rolling-stock depot at Dera Gujran.",
    ),
    ProjectSpec(
        "GWD-PORT",
        "Gwadar Port multipurpose terminal and free zone",
        "PK-BA",
        True,
        "active",
        "Deep-sea port terminal on the East Bay of Gwadar and the adjoining free zone.",
    ),
    ProjectSpec(
        "GWD-NGIA",
        "New Gwadar International Airport",
        "PK-BA",
        True,
        "active",
        "Greenfield airport at Gurandani, north-east of Gwadar: handover and maintenance works.",
    ),
    ProjectSpec(
        "DASU-HPP",
        "Dasu Hydropower Project, Stage I (2,160 MW)",
        "PK-KP",
        False,
        "active",
        "RCC gravity dam on the Indus about 7 km upstream of Dasu, Upper Kohistan; main civil works by a "
        "Chinese contractor, staff commute on the Karakoram Highway between camp and dam.",
    ),
)


# Escalation at the two sites where the seed's lessons bite hardest, written as a duty officer would say it.
POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        "Port Qasim plant: company, guards, police and NOC at once",
        "company",
        "pq_plant",
        None,
        (
            (
                60,
                (
                    {"role": "operator", "agency": "SRPIC"},
                    {"role": "operator", "agency": "Shield"},
                    {"role": "operator", "agency": "Sindh SPU"},
                    {"role": "operator", "agency": "NOC"},
                ),
            ),
            (
                120,
                (
                    {"user": "noc.operator"},
                    {"role": "operator", "agency": "SSD"},
                    {"role": "admin", "agency": "MoI"},
                ),
            ),
        ),
    ),
    PolicySpec(
        "Dasu dam: company, SSD quick reaction force and NOC",
        "company",
        "dasu_dam",
        None,
        (
            (
                60,
                (
                    {"role": "operator", "agency": "SRPIC"},
                    {"role": "operator", "agency": "SSD"},
                    {"user": "army.qrf"},
                    {"role": "operator", "agency": "NOC"},
                ),
            ),
            (120, ({"unit": "SSD-DSU-QRF", "agency": "SSD"}, {"role": "admin", "agency": "MoI"})),
        ),
    ),
)
