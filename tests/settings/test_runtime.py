"""The csops command tunes glibc's allocator, leaving what the user set alone."""
import os
import subprocess
import sys

import pytest

from csops_lib import cli
from csops_lib.settings import runtime


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*runtime.SETTINGS, *runtime.IMPORT_SETTINGS):
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
    assert not any(n in os.environ for n in (*runtime.SETTINGS, *runtime.IMPORT_SETTINGS))


def test_numpy_huge_pages_are_turned_off_before_numpy_is_imported(clean_env):
    runtime.tune_allocator()
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"
    clean_env.setenv("NUMPY_MADVISE_HUGEPAGE", "1")  # the user's choice wins
    runtime.tune_allocator()
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "1"


def test_the_setting_reaches_numpy_and_the_csops_module_does_not_import_numpy_first():
    """numpy and Arrow read their settings at import: after :func:`tune_allocator` a fresh
    numpy has huge pages off and Arrow allocates from glibc; and importing the ``csops`` command's module (which tunes first thing in
    ``main``) does not import numpy."""
    env = {k: v for k, v in os.environ.items() if k not in runtime.IMPORT_SETTINGS}
    probe = ("from csops_lib.settings.runtime import tune_allocator; tune_allocator(); "
             "from numpy._core import multiarray; import pyarrow; "
             "print(multiarray._get_madvise_hugepage(), "
             "pyarrow.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "system"]
    mods = subprocess.run([sys.executable, "-c", "import sys, csops_lib.cli; "
                           "print('numpy' in sys.modules)"], env=env, capture_output=True,
                          text=True, check=True)
    assert mods.stdout.strip() == "False"


def test_the_command_ends_without_teardown_but_runs_atexit_and_flushes(tmp_path):
    """``csops`` ends through :func:`exit_now`: its exit code, the atexit handlers run, and
    unflushed output (no newline) still arrives."""
    code = ("import atexit, sys; from csops_lib import cli; "
            "atexit.register(lambda: print('atexit ran', end='')); print('partial', end=' '); "
            f"sys.argv = ['csops', 'kpis', '--store', {str(tmp_path / 'none')!r}]; cli.main(); "
            "print('never here')")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert got.returncode == 1
    assert got.stdout == "partial atexit ran"
    assert "no such store folder" in got.stderr
