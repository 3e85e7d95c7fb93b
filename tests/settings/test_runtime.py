"""The csops command tunes glibc's allocator, leaving what the user set alone."""
import os
import sys

import pytest

from csops_lib import cli
from csops_lib.settings import runtime


@pytest.fixture
def clean_env(monkeypatch):
    for name in runtime.SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_tune_allocator_sets_the_three_thresholds_for_this_process_and_its_children(clean_env):
    applied = runtime.tune_allocator()
    assert {n: os.environ[n] for n in runtime.SETTINGS} == {
        "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(2**30),
        "MALLOC_TOP_PAD_": str(256 * 2**20)}
    if sys.platform.startswith("linux"):  # glibc here: mallopt accepted every one
        assert applied == list(runtime.SETTINGS)


def test_a_value_the_user_set_wins(clean_env):
    clean_env.setenv("MALLOC_TRIM_THRESHOLD_", "12345")
    applied = runtime.tune_allocator()
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "12345"
    assert "MALLOC_TRIM_THRESHOLD_" not in applied


def test_main_called_with_arguments_leaves_the_process_alone(clean_env):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert not any(n in os.environ for n in runtime.SETTINGS)
