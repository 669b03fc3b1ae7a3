"""Ticket styles of a few cities, modelled on their paper parking tickets.

Numbers follow each agency's format where it is known (San Francisco, New York, Portland,
as in app/cities/data) and a plausible one elsewhere; some cities print them grouped with
spaces or dashes, which a reader must ignore.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from random import Random
from typing import Callable


def digits(rng: Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def as_printed(number: str, rng: Random) -> str:
    return number


def grouped(number: str, rng: Random) -> str:
    """Some handheld printers group long numbers; most do not."""
    if rng.random() < 0.7 or len(number) < 9:
        return number
    return f"{number[:4]}{rng.choice(' -')}{number[4:]}"


@dataclass(frozen=True)
class CityStyle:
    slug: str
    headers: tuple[tuple[str, ...], ...]
    titles: tuple[str, ...]
    number: Callable[[Random], str]
    violations: tuple[str, ...]
    streets: tuple[str, ...]
    home_state: str
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    printed_number: Callable[[str, Random], str] = as_printed
    small_print: tuple[str, ...] = ()


CONTEST = ("YOU MAY CONTEST THIS CITATION WITHIN {days} DAYS OF ISSUANCE.",
           "FAILURE TO PAY OR CONTEST WILL RESULT IN ADDITIONAL PENALTIES.")

STYLES = (
    CityStyle(
        "sf", (("SAN FRANCISCO MUNICIPAL", "TRANSPORTATION AGENCY"),
               ("CITY AND COUNTY OF SAN FRANCISCO", "SFMTA")),
        ("NOTICE OF PARKING VIOLATION",),
        lambda rng: "9" + digits(rng, 8) if rng.random() < 0.8 else "MT" + digits(rng, 8),
        ("TRC7.2.22 STREET CLEANING", "TRC7.2.23A METER", "TRC7.2.20 RES PERMIT REQUIRED",
         "V22500E BLOCKING DRIVEWAY", "TRC7.2.25 RED ZONE", "TRC7.2.29 OVERTIME PARKING"),
        ("MISSION ST", "VALENCIA ST", "GEARY BLVD", "FOLSOM ST", "IRVING ST", "POLK ST"),
        "CA", small_print=(CONTEST[0].format(days=21), "PAY ONLINE AT SFMTA.COM/CITATIONS")),
    CityStyle(
        "la", (("CITY OF LOS ANGELES", "PARKING VIOLATIONS BUREAU"), ("LADOT", "CITY OF LOS ANGELES")),
        ("NOTICE OF PARKING VIOLATION", "PARKING CITATION"),
        lambda rng: "4" + digits(rng, 9),
        ("80.69.4 STREET SWEEPING", "88.13B METER EXPIRED", "80.56E4 RED ZONE",
         "80.69B NO PARKING", "80.58L PREFERENTIAL PARKING", "22500E DRIVEWAY"),
        ("S BROADWAY", "W 3RD ST", "WILSHIRE BLVD", "N VERMONT AVE", "SUNSET BLVD"),
        "CA", printed_number=grouped,
        small_print=(CONTEST[0].format(days=21), "P.O. BOX 30247 LOS ANGELES CA 90030")),
    CityStyle(
        "nyc", (("THE CITY OF NEW YORK", "DEPARTMENT OF FINANCE"), ("NEW YORK CITY", "PARKING VIOLATIONS")),
        ("NOTICE OF PARKING VIOLATION", "PARKING SUMMONS"),
        lambda rng: rng.choice("1478") + digits(rng, 9),
        ("21 NO PARKING STREET CLEANING", "38 FAIL TO DSPLY MUNI METER RECPT",
         "14 NO STANDING DAY/TIME LIMITS", "40 FIRE HYDRANT", "20 NO PARKING DAY/TIME LIMITS"),
        ("W 45TH ST", "BROADWAY", "E 86TH ST", "AMSTERDAM AVE", "FULTON ST", "LEXINGTON AVE"),
        "NY", labels={"citation": ("SUMMONS NUMBER", "SUMMONS NO."),
                      "date": ("DATE OF OFFENSE", "DATE"),
                      "location": ("PLACE OF OCCURRENCE", "LOCATION")},
        small_print=(CONTEST[0].format(days=30), "NYC.GOV/FINANCE")),
    CityStyle(
        "chicago", (("CITY OF CHICAGO", "DEPARTMENT OF FINANCE"),),
        ("PARKING VIOLATION NOTICE", "PARKING TICKET"),
        lambda rng: rng.choice("79") + digits(rng, 9),
        ("0964040B STREET CLEANING", "0964190A EXPIRED METER", "0964090E RESIDENTIAL PERMIT",
         "0976160F REAR PLATE REQUIRED", "0964150B PARKING IN ALLEY"),
        ("N CLARK ST", "W BELMONT AVE", "N MILWAUKEE AVE", "S HALSTED ST", "W DIVISION ST"),
        "IL", labels={"citation": ("TICKET NUMBER", "TICKET NO.", "NOTICE NUMBER")},
        small_print=(CONTEST[0].format(days=21), "CHICAGO.GOV/FINANCE")),
    CityStyle(
        "portland", (("CITY OF PORTLAND", "BUREAU OF TRANSPORTATION"),),
        ("PARKING CITATION",),
        lambda rng: "HA" + digits(rng, rng.choice((6, 7, 8))),
        ("16.20.430 EXPIRED METER", "16.20.120 NO PARKING ZONE", "16.20.170 TIME LIMIT"),
        ("SE HAWTHORNE BLVD", "NW 23RD AVE", "SW BROADWAY", "NE ALBERTA ST"),
        "OR", small_print=(CONTEST[0].format(days=30), "MULTNOMAH COUNTY CIRCUIT COURT")),
    CityStyle(
        "boston", (("CITY OF BOSTON", "OFFICE OF THE PARKING CLERK"),),
        ("PARKING VIOLATION", "NOTICE OF PARKING VIOLATION"),
        lambda rng: digits(rng, 9),
        ("STREET CLEANING", "METER FEE UNPAID", "RESIDENT PERMIT ONLY", "NO STOPPING"),
        ("BEACON ST", "NEWBURY ST", "COMMONWEALTH AVE", "TREMONT ST"),
        "MA", labels={"citation": ("TICKET NUMBER", "VIOLATION NO.")},
        small_print=(CONTEST[0].format(days=21),)),
    CityStyle(
        "houston", (("CITY OF HOUSTON", "PARKHOUSTON"),),
        ("PARKING CITATION",),
        lambda rng: "P" + digits(rng, 8),
        ("10-56 EXPIRED METER", "10-53 NO PARKING ZONE", "10-61 LOADING ZONE"),
        ("MAIN ST", "TRAVIS ST", "WESTHEIMER RD", "MONTROSE BLVD"),
        "TX", small_print=(CONTEST[0].format(days=14),)),
    CityStyle(
        "seattle", (("CITY OF SEATTLE", "SEATTLE MUNICIPAL COURT"),),
        ("NOTICE OF INFRACTION", "PARKING INFRACTION"),
        lambda rng: "4" + digits(rng, 9),
        ("11.72.351 PARKING OVER TIME", "11.72.145 BUS ZONE", "11.72.360 STREET CLEANING"),
        ("PINE ST", "E OLIVE WAY", "15TH AVE E", "NW MARKET ST"),
        "WA", printed_number=grouped,
        labels={"citation": ("NOTICE OF INFRACTION NO.", "INFRACTION #", "CITATION NO.")},
        small_print=(CONTEST[0].format(days=15),)),
)
