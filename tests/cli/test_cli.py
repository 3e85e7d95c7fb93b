"""The `csops` command line: every subcommand has --help, and the commands work end to end."""
import subprocess
import sys

import pytest

from csops_lib.cli import build_parser

SUBCOMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "csops_lib.cli", *args],
                          capture_output=True, text=True, **kw)


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_every_subcommand_has_help(sub):
    out = run(sub, "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: csops {sub}")
    assert "--help" in out.stdout


def test_top_level_help_lists_subcommands():
    out = run("--help")
    assert out.returncode == 0
    for sub in ("validate", "ingest", "demo", "report"):
        assert sub in out.stdout


def test_report_help_says_which_options_belong_to_which_report():
    out = run("report", "--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    table = text[text.index("which options belong to which report:"):]
    rows = {line.split()[0]: line for line in table.splitlines()[1:12]
            if line.startswith("  ") and not line.startswith("   ")}
    assert "--week" in rows["weekly"] and "--date" in rows["daily"]
    assert "--agent" in rows["agent"] and "--promo" in rows["promo"]
    assert "--week" in rows["what_if"]
    assert "--month" in table and "date_from" in table
    assert "outputs/weekly/2026-W47/weekly_2026-W47_zh.html" in text
    assert "outputs/monthly/2026-10/monthly_2026-10_zh.html" in text
    assert "outputs/promo/double11/promo_double11_zh.html" in text
