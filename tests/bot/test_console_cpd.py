"""`cpd` in the local console: prompts with the current standing, a bad date asked again
alone, and exports saved side by side rather than over each other."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console import run_console
from handlers import Context


class Piped(io.StringIO):
    def isatty(self) -> bool:
        return False


async def test_cpd_by_prompts_then_two_exports_that_both_survive(
    ctx: Context, team: str, tmp_path: Path
) -> None:
    lines = [
        "cpd",
        "4",  # General Medical Council
        "2027-13-01",  # not a date: asked again, alone
        "Dr Alys Pritchard",
        "7654321",
        "2027-05-01",
        "reflect gmc",
        "Safety netting in telephone consultations",
        "Significant event",
        "A call-back that came later than planned.",
        "",
        "",
        "30",
        "",
        "",
        "",
        "",
        "",
        "export",
        "export",
    ]
    out = io.StringIO()
    stdin = Piped("\n".join(lines) + "\n")
    await run_console(ctx=ctx, stdin=stdin, stdout=out, user=team, files=tmp_path)
    output = out.getvalue()
    assert "Reflective accounts (NMC form): 0 of 5" in output  # the default, before choosing
    assert output.count("Revalidation or registration renewal date (YYYY-MM-DD)") == 2
    assert "Enter the date as YYYY-MM-DD, e.g. 2027-04-30." in output
    assert "Regulator: General Medical Council" in output
    assert "Next appraisal date: 1 May 2027" in output
    assert "GMC reference number: 7654321" in output
    assert "Reflections for appraisal: 1 (no set number)" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cpd-gmc-2026-11-03-1.csv",
        "cpd-gmc-2026-11-03-1.pdf",
        "cpd-gmc-2026-11-03-2.csv",
        "cpd-gmc-2026-11-03-2.pdf",
    ]
