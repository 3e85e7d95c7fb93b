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
