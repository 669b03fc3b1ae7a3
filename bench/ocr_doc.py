"""The ticket-reading section of docs/benchmarks.md, written by `python -m bench.ocr --write`.

The section sits between two HTML comments, so writing it again replaces only it and
leaves the rest of the file (scripts/bench's sections) as it is.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

BEGIN, END = "<!-- ticket-reading:begin -->", "<!-- ticket-reading:end -->"
NAMES = {"citation_number": "citation number", "issue_date": "date", "issue_time": "time",
         "plate": "plate", "plate_state": "plate state", "violation": "violation",
         "location": "location", "city": "city"}


def section(figures: dict, api: dict | None, command: str) -> str:
    rows = "\n".join(f"| {NAMES[name]} | {value:.1%} |" for name, value in figures["accuracy"].items())
    lines = [
        BEGIN,
        "## Ticket reading (OCR)",
        "",
        f"_Measured by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at "
        f"the end {figures['load_average']}._",
        "",
        f"{figures['photos']} synthetic phone photos of tickets (`bench/ticket_set.py`, evaluation "
        f"seed {figures['seed']}: never used to tune the reader), read by the real Tesseract "
        f"pool with {figures['workers']} worker processes. A field counts as right when the value "
        "filled in is the ticket's, or when both are empty; a doubtful field left empty counts "
        "as wrong here, though it only costs the driver some typing.",
        "",
        "| field | exact |", "|---|---|", rows,
        "",
        f"Filled in but wrong (what the driver must catch on the review page): "
        f"{figures['confidently_wrong']} fields of {figures['photos'] * len(figures['accuracy'])} "
        f"({figures['confidently_wrong_rate']:.1%}); reads that failed: {figures['failed']}.",
        "",
        "| seconds per photo | p50 | p95 |", "|---|---|---|",
        f"| the pool, one photo at a time (IPC included) | {figures['p50_s']} | {figures['p95_s']} |",
    ]
    if api:
        lines.append(f"| `POST /api/tickets/read` in process (type sniffed, metadata stripped, "
                     f"read through the breaker) | {api['api_p50_s']} | {api['api_p95_s']} |")
        lines.append(f"| of which the cleaning (bounded decode, re-encode) | {api['clean_p50_s']} "
                     f"| {api['clean_p95_s']} |")
    lines += ["", f"Throughput with every worker busy: {figures['photos_per_s']} photos/s."]
    if api and api["api_other"]:
        lines.append(f"The API answered {api['api_other']} of the photos with something other than 200.")
    lines.append(END)
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        current = head + text + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(current)
