"""The SELEC reference data: country groups, partner organisations, the three projects and their targets.

Source: shared/DOMAIN.md and the original project texts. `services.reference_data_load` writes it.
Dates that public sources do not give (DTP-TOC, ATHENA 2) are working assumptions, editable in the admin.
"""

from datetime import date

COUNTRIES = {
    "AL": "Albania", "AT": "Austria", "BA": "Bosnia and Herzegovina", "BE": "Belgium", "BG": "Bulgaria",
    "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GR": "Greece", "HR": "Croatia", "HU": "Hungary", "IE": "Ireland",
    "IT": "Italy", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MD": "Moldova", "ME": "Montenegro",
    "MK": "North Macedonia", "MT": "Malta", "NL": "Netherlands", "PL": "Poland", "PT": "Portugal",
    "RO": "Romania", "RS": "Serbia", "SE": "Sweden", "SI": "Slovenia", "SK": "Slovakia", "TR": "Türkiye",
    "UA": "Ukraine",
}  # fmt: skip

COUNTRY_GROUPS = [
    {
        "key": "selec",
        "name": "SELEC Member States",
        "description": "Parties to the SELEC Convention (in force since 7 October 2011).",
        "members": ["AL", "BA", "BG", "GR", "HU", "MD", "ME", "MK", "RO", "RS", "TR"],
    },
    {
        "key": "eu",
        "name": "EU Member States",
        "description": "The 27 Member States of the European Union.",
        "members": [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
            "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        ],
    },
    {
        "key": "danube",
        "name": "Danube region",
        "description": "Partner states of the Danube Transnational Programme.",
        "members": ["AT", "BG", "HR", "CZ", "DE", "HU", "RO", "SK", "SI", "BA", "MD", "ME", "RS", "UA"],
    },
    {
        "key": "see-third",
        "name": "Southeast European third countries",
        "description": "SELEC Member States outside the European Union.",
        "members": ["AL", "BA", "MD", "ME", "MK", "RS", "TR"],
    },
]  # fmt: skip

# name, acronym, kind, country code
ORGANISATIONS = [
    ("Southeast European Law Enforcement Center", "SELEC", "international", "RO"),
    ("European Union Agency for Law Enforcement Training", "CEPOL", "international", "HU"),
    ("European Union Agency for Law Enforcement Cooperation", "Europol", "international", "NL"),
    ("Central Directorate of Criminal Police (Italy)", "DCPC", "law_enforcement", "IT"),
    ("Ministry of Interior of Bulgaria", "MoI BG", "law_enforcement", "BG"),
    ("State Police of Latvia", "VP", "law_enforcement", "LV"),
    ("Malta Police Force", "MPF", "law_enforcement", "MT"),
    ("General Inspectorate of the Romanian Police", "IGPR", "law_enforcement", "RO"),
    ("General Police Directorate of Slovenia", "GPU", "law_enforcement", "SI"),
    ("Tilburg University", "TiU", "academia", "NL"),
    ("Vilnius University", "VU", "academia", "LT"),
    ("Utrecht University", "UU", "academia", "NL"),
]

PROJECTS = [
    {
        "code": "DTP-TOC",
        "name": "Strengthening cooperation against transborder organized crime",
        "acronym": "DTP-TOC",
        "funding_programme": "Danube Transnational Programme",
        "start_date": date(2025, 1, 1),
        "end_date": date(2027, 12, 31),
        "description": (
            "Enhances cooperation in the region by assuring a common approach in the fight against trans-border "
            "crime: one conference a year brings together law enforcement experts of the SELEC Member States and "
            "the Danube region, international organisations and the private sector to share information, best "
            "practices and effective crime-fighting and prevention tools."
        ),
        "partners": [("SELEC", "lead")],
        "workstreams": [
            {
                "number": 1,
                "title": "Year 1 conference: Financial and Computer Crime",
                "lead": "SELEC",
                "months": (1, 12),
                "milestones": [("Conference on Financial and Computer Crime held", 10)],
                "deliverables": [("Conclusions and best practices of the year 1 conference", 12)],
            },
            {
                "number": 2,
                "title": "Year 2 conference: Antidrug Trafficking",
                "lead": "SELEC",
                "months": (13, 24),
                "milestones": [("Conference on Antidrug Trafficking held", 22)],
                "deliverables": [("Conclusions and best practices of the year 2 conference", 24)],
            },
            {
                "number": 3,
                "title": "Year 3 conference: Countering Trafficking in Human Beings and Illegal Migration",
                "lead": "SELEC",
                "months": (25, 36),
                "milestones": [("Conference on Trafficking in Human Beings and Illegal Migration held", 34)],
                "deliverables": [("Conclusions and best practices of the year 3 conference", 36)],
            },
        ],
        "indicators": [
            ("conferences_held", "Conferences held", "conferences", 3),
        ],
    },
    {
        "code": "ATHENA2",
        "name": "ATHENA 2",
        "acronym": "ATHENA 2",
        "full_title": "Addressing Threat assessment through an European Network of Law Enforcement Agencies",
        "funding_programme": "European Union funding (programme to be confirmed)",
        "start_date": date(2025, 1, 1),
        "end_date": date(2026, 12, 31),
        "description": (
            "Supports coordinated evaluation of joint activities (patrols, investigation teams, cross-border "
            "surveillance) managed by the beneficiaries and their neighbouring countries, with about 300 officers "
            "involved, and trains SPOCs and field officers with CEPOL. Led by Italy's Central Directorate of "
            "Criminal Police."
        ),
        "partners": [
            ("DCPC", "lead"),
            ("MoI BG", "beneficiary"),
            ("VP", "beneficiary"),
            ("MPF", "beneficiary"),
            ("IGPR", "beneficiary"),
            ("GPU", "beneficiary"),
            ("SELEC", "beneficiary"),
            ("CEPOL", "associated"),
        ],
        "workstreams": [
            {
                "number": 1,
                "title": "Joint operational activities",
                "lead": "DCPC",
                "months": (1, 24),
                "milestones": [
                    ("Half of the joint activities carried out", 12),
                    ("All joint activities carried out", 23),
                ],
                "deliverables": [("Coordinated evaluation report of the joint activities", 24)],
            },
            {
                "number": 2,
                "title": "Thematic workshops and bilateral meetings",
                "lead": "SELEC",
                "months": (1, 24),
                "milestones": [("Three thematic workshops held", 12)],
                "deliverables": [("Workshop conclusions", 24)],
            },
            {
                "number": 3,
                "title": "SPOC and field-officer training (with CEPOL)",
                "lead": "CEPOL",
                "months": (3, 24),
                "milestones": [("SPOC platform online on CEPOL's website", 6)],
                "deliverables": [("SPOC training curriculum", 6), ("Training report", 24)],
            },
            {
                "number": 4,
                "title": "Mobile app and analysis tool",
                "lead": "DCPC",
                "months": (6, 24),
                "milestones": [("Requirements agreed with the beneficiaries", 9)],
                "deliverables": [
                    ("Design of the mobile app supporting joint operations", 18),
                    ("Analysis tool for national Case Management Systems", 24),
                ],
            },
        ],
        "indicators": [
            ("cross_border_observations", "Cross-border observations", "observations", 24),
            ("joint_operations", "Joint operations", "operations", 24),
            ("joint_investigations", "Joint investigations", "investigations", 12),
            ("joint_patrols", "Joint patrols", "patrols", 24),
            ("thematic_workshops", "Thematic workshops", "workshops", 6),
            ("bilateral_meetings", "Bilateral meetings", "meetings", 24),
            ("officers_involved", "Officers involved", "officers", 300),
        ],
    },
    {
        "code": "IMOBEX",
        "name": "IMOBEX",
        "acronym": "IMOBEX",
        "full_title": "Improving enforcement at the intersection of mobile banditry and exploitation",
        "funding_programme": "Internal Security Fund – Police (ISF-P)",
        "start_date": date(2021, 4, 1),
        "end_date": date(2023, 3, 31),
        "status": "closed",
        "description": (
            "Enhances EU policies and operational law enforcement in the 27 EU Member States and 7 Southeast "
            "European third countries against property crime by itinerant criminal groups where it meets human "
            "trafficking: information gathering on their modi operandi, an expert workshop with a road map for "
            "reducing barriers caused by insufficient legal options, and an organised crime field lab that trains "
            "enforcement experts. Consortium led by Tilburg University."
        ),
        "partners": [("TiU", "lead"), ("VU", "beneficiary"), ("UU", "beneficiary"), ("SELEC", "beneficiary")],
        "workstreams": [
            {
                "number": 1,
                "title": "Information gathering on itinerant criminal groups",
                "lead": "TiU",
                "months": (1, 12),
                "milestones": [("Information requested from all 34 countries", 4)],
                "deliverables": [("Country reports on modi operandi", 12)],
            },
            {
                "number": 2,
                "title": "Expert workshop and road map",
                "lead": "UU",
                "months": (12, 18),
                "milestones": [("Expert workshop held", 16)],
                "deliverables": [("Road map for reducing barriers caused by insufficient legal options", 18)],
            },
            {
                "number": 3,
                "title": "Organised crime field lab",
                "lead": "VU",
                "months": (16, 24),
                "milestones": [("Field lab held", 22)],
                "deliverables": [("Field lab training materials", 24)],
            },
        ],
        "indicators": [
            ("countries_covered", "Countries whose information was gathered", "countries", 34),
            ("expert_workshops", "Expert workshops", "workshops", 1),
            ("road_maps", "Road maps", "road maps", 1),
            ("field_labs", "Field labs", "field labs", 1),
        ],
    },
]
