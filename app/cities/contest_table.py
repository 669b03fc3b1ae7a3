"""README.md's table of the cities and how each is contested, generated from the data files.

    python -m app.cities.contest_table           # print the table
    python -m app.cities.contest_table --write   # put it in README.md between its markers

`tests/cities/test_readme_table.py` fails when README.md's table and the data disagree, so
a data file is never edited without the README following.
"""
from __future__ import annotations

import sys
from pathlib import Path

from app.cities import loader
from app.cities.mailing import NoMail, structural_reason
from app.cities.model import City

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN = "<!-- cities table: python -m app.cities.contest_table --write -->"
END = "<!-- end of cities table -->"
METHODS = {"mail": "mail", "mail_with_original_ticket": "mail with the original ticket",
           "online": "online", "in_person": "in person",
           "hearing_request_first": "hearing request first"}
NOT_MAILED = {NoMail.ORIGINAL_TICKET: "no: the paper ticket must go back",
              NoMail.HEARING_FIRST: "no: a hearing is requested first",
              NoMail.NOT_BY_MAIL: "no: not by mail",
              NoMail.ADDRESS_UNCONFIRMED: "no: address unconfirmed"}
HEADER = ("| city | how it is contested | we mail the letter | last day | a mailed letter counts "
          "when | mailing address |\n|---|---|---|---|---|---|")


def row(city: City) -> str:
    reason = structural_reason(city)
    mailed = "yes" if reason is None else NOT_MAILED[reason]
    if city.deadline_days is None:
        deadline = "no fixed deadline"
    else:
        deadline = f"{city.deadline_days} d from the ticket"
        if city.notice_deadline_days is not None:
            deadline += f", or {city.notice_deadline_days} d from the {city.notice_name}"
    counted = "postmarked" if city.deadline_rule == "postmark" else "received"
    if city.mail_address is not None:
        address = ", ".join(city.mail_address.lines())
    else:
        address = "not confirmed" if reason != NoMail.NOT_BY_MAIL else "none (not by mail)"
    methods = ", ".join(METHODS[m] for m in city.contest_methods)
    return f"| {city.name} | {methods} | {mailed} | {deadline} | {counted} | {address} |"


def table(cities: list[City] | None = None) -> str:
    cities = cities if cities is not None else list(loader.load_directory().cities.values())
    return "\n".join([HEADER, *(row(city) for city in sorted(cities, key=lambda c: c.name))])


def readme_table(text: str) -> str:
    """The table as README.md holds it now (between the markers)."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"README.md has no {BEGIN!r} … {END!r} block")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def write(path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    readme_table(text)  # the markers are there
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    path.write_text(f"{before}{BEGIN}\n{table()}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        print(table())
