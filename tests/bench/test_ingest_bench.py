"""The ingest bench (``bench/ingest.py``) on a tiny size (not timed): the export it writes is
the demo's chat log in the real export format, every message written reaches the store, and
its numbers are consistent with each other. Also the loader's fast CSV path behind it (Arrow
past the header region) reads the cells Python's csv reads."""
import csv
import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from csops_lib import demo, store
from csops_lib.loaders import load

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not installed
from bench import ingest  # noqa: E402

N = 3000


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("ingest")
    return work, ingest.measure(N, "csv", work)


def test_measure_csv_ingests_every_message(csv_run):
    work, r = csv_run
    files = sorted((work / f"chats_csv_{N}_s1").glob("chats_*.csv"))
    # the rows written, counted from the files themselves (UTF-8 with BOM, or GBK)
    written = 0
    for f in files:
        try:
            written += len(pd.read_csv(f, encoding="utf-8-sig", dtype=str))
        except UnicodeDecodeError:
            written += len(pd.read_csv(f, encoding="gbk", dtype=str))
    assert written == N
    assert r["messages"] == N and r["fmt"] == "csv" and r["files"] == len(files) >= 1

    chats = store.read(r["store"], "chats")
    assert len(chats) == N
    assert r["rows_loaded"] == N and r["rows_quarantined"] == 0

    # the store holds the demo's first N messages (times and Chinese roles read back)
    want = demo.generate(weeks=1, seed=1, end=ingest.END)["chats"].iloc[:N]
    assert sorted(chats["sent_at"]) == sorted(want["sent_at"])
    assert chats["sender"].value_counts().to_dict() == want["sender"].value_counts().to_dict()


def test_measure_csv_numbers_are_consistent(csv_run):
    _, r = csv_run
    assert r["wall_s"] > 0 and r["load_s"] > 0
    assert r["msgs_per_s"] == pytest.approx(N / r["wall_s"])
    assert r["load_msgs_per_s"] == pytest.approx(N / r["load_s"])
    assert r["msgs_per_s"] > 0
    assert r["peak_mb"] > 50  # a Python process with pandas and Arrow loaded
    table = ingest.markdown([r])
    assert f"| csv | {N:,} | {r['files']} |" in table


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_loads_back_to_the_demo_table(tmp_path, fmt):
    files = ingest.write_export(1200, fmt, tmp_path)
    assert all(f.suffix == f".{fmt}" for f in files)
    got = pd.concat([load(f)[0] for f in files], ignore_index=True)
    want = demo.generate(weeks=1, seed=1, end=ingest.END)["chats"].iloc[:1200]
    assert_frame_equal(got, want[list(got.columns)].reset_index(drop=True))
    assert set(got.columns) == set(want.columns)
    # written once: a second call reuses the files
    mtimes = [f.stat().st_mtime_ns for f in files]
    assert ingest.write_export(1200, fmt, tmp_path) == files
    assert [f.stat().st_mtime_ns for f in files] == mtimes


def test_sizes_and_bad_format(tmp_path):
    assert ingest._sizes(None, ["csv", "xlsx"]) == {"csv": 1_000_000, "xlsx": 200_000}
    assert ingest._sizes("1e6,2e5", ["csv", "xlsx"]) == {"csv": 1_000_000, "xlsx": 200_000}
    assert ingest._sizes("5000", ["csv", "xlsx"]) == {"csv": 5000, "xlsx": 5000}
    with pytest.raises(ValueError, match="fmt"):
        ingest.write_export(10, "parquet", tmp_path)


# --------------------------------------------------------------------------- the fast CSV path
# (the loader speed-up behind the bench: Arrow reads the rows after the header region; the
# cells must be those Python's csv reads, which the loader used before)

def _csv_cells(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = max(map(len, rows))
    return [row + [""] * (width - len(row)) for row in rows]


BODY = "".join(
    f'2026-11-20 10:{i // 60:02d}:{i % 60:02d},小美,c{i},买家,'
    + ('"a, b ""quoted""\r\nnext line"' if i % 7 == 0 else f"hi {i}") + "\n"
    for i in range(60))
HEADER = "消息时间,客服,买家,发送方角色,内容\n"


@pytest.mark.parametrize("text, fast", [
    (HEADER + BODY, True),
    ("店铺聊天记录 2026-11\n\n" + HEADER + BODY + "\n", True),  # banner, blank lines
    (HEADER + BODY.replace("\n", "\r\n"), True),
    (HEADER + BODY + 'x,y,"z"q,w,v\n', False),  # a stray quote: Python's csv for all
    (HEADER + BODY + "x,y\n", False),  # a short row after the header region
])
def test_fast_csv_grid_reads_the_cells_python_csv_reads(tmp_path, text, fast):
    from csops_lib.loaders import grid

    path = tmp_path / "chats.csv"
    path.write_text(text, encoding="utf-8")
    cells, _ = grid._read_csv_grid(path)
    assert cells.astype(object).to_numpy().tolist() == _csv_cells(text)
    assert (grid._fast_grid(text, ",") is not None) is fast
    frame, report = load(path)
    assert report.rows_read == report.rows_loaded + report.rows_quarantined
    assert frame["text"].str.contains("a, b \"quoted\"", regex=False).sum() == 9
