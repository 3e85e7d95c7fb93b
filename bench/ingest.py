"""Ingest throughput: chat messages per second from CSV and from xlsx exports.

    python -m bench.ingest                          # CSV at 1 M, xlsx at 200 k messages
    python -m bench.ingest --messages 1e6 --fmt csv
    python -m bench.ingest --messages 2e5 --fmt xlsx --repeat 2

The export is the demo shop's chat log written the way ``csops demo`` writes it
(:mod:`csops_lib.demo.exports`: one file per ISO week, Chinese headers, 买家/客服/自动回复
roles, 是/否; CSV in UTF-8 with BOM, the second week in GBK), the first N messages of a
seeded demo shop long enough to hold them (``csops_lib.demo.generate``, last day fixed).
Written exports are cached in the work folder (``chats_<fmt>_<N>_s<seed>/``).

Two timings per size and format:

``wall_s``  the real command ``csops ingest <files> --store <fresh store>`` in a subprocess
            (interpreter start, imports, loading, the store's transaction), its CPU time and
            peak RSS from ``os.wait4``;
``load_s``  :func:`csops_lib.loaders.load` of the same files in this process, i.e. the
            loader alone; ``wall_s − load_s`` is roughly the store's share.

xlsx is measured at a smaller size by default (200 k messages): openpyxl needs minutes to
write a million rows, and calamine reads xlsx several times slower than CSV is parsed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from csops_lib import demo
from csops_lib.demo import exports
from csops_lib.loaders import load

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / "data" / "ingest"
END = "2026-11-22"  # a fixed last day: the data never depend on today's date
PER_WEEK = 25_000  # demo messages per week (a low estimate: promo weeks have more)
DEFAULT_SIZES = {"csv": 1_000_000, "xlsx": 200_000}
TARGET_MSGS_PER_S = 100_000  # from CSV (the goal)
FORMATS = ("csv", "xlsx")


# --------------------------------------------------------------------------- the export


def chat_table(messages: int, seed: int = 1) -> pd.DataFrame:
    """The first ``messages`` chat messages of a seeded demo shop ending on :data:`END`
    (canonical ``chats`` columns, in time order)."""
    weeks = max(1, math.ceil(messages / PER_WEEK))
    while True:
        chats = demo.generate(weeks=weeks, seed=seed, end=END)["chats"]
        if len(chats) >= messages:
            return chats.iloc[:messages].reset_index(drop=True)
        weeks = math.ceil(weeks * messages / max(len(chats), 1)) + 1


def _write_xlsx_chats(chats: pd.DataFrame, out: Path) -> list[Path]:
    """The chat export as xlsx, one workbook per ISO week: what
    ``exports._export_chats`` writes when ``exports.CHATS_AS_XLSX`` is on."""
    files = []
    for label, part in chats.groupby(exports._week_labels(chats["sent_at"]), sort=True):
        header, cols = exports._rows_from(part, exports._CHATS_ZH)
        cols["sender"] = pd.Series(cols["sender"]).map(exports._SENDER_ZH).tolist()
        cols["category"] = pd.Series(cols["category"]).map(exports._CATEGORY_ZH).tolist()
        cols["agreed_to_buy"] = ["是" if v else "否" for v in cols["agreed_to_buy"]]
        files.append(exports._write_xlsx(out / f"chats_{label}.xlsx", header,
                                         list(cols.values()), sheet="聊天记录"))
    return files


def write_export(messages: int, fmt: str, workdir: str | os.PathLike, seed: int = 1
                 ) -> list[Path]:
    """Write (or reuse) the chat export of ``messages`` messages as ``fmt`` files in
    ``workdir/chats_<fmt>_<messages>_s<seed>/``; returns the files, oldest week first."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    folder = Path(workdir) / f"chats_{fmt}_{messages}_s{seed}"
    done = folder / "_files.json"
    if done.exists():
        files = [folder / name for name in json.loads(done.read_text())]
        if all(f.exists() for f in files):
            return files
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    chats = chat_table(messages, seed)
    if fmt == "csv":  # exactly what `csops demo` writes
        files = exports._export_chats(chats, folder, np.random.default_rng(seed))
    else:
        files = _write_xlsx_chats(chats, folder)
    done.write_text(json.dumps([f.name for f in files]))
    return files


# --------------------------------------------------------------------------- timing


def _csops() -> list[str]:
    exe = Path(sys.executable).with_name("csops")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "csops_lib.cli"]


def run_ingest(files: list[Path], store_dir: Path) -> tuple[float, float, float, str]:
    """``csops ingest FILES --store STORE_DIR`` (a fresh store); (wall s, CPU s, peak RSS MB,
    output)."""
    shutil.rmtree(store_dir, ignore_errors=True)
    cmd = [*_csops(), "ingest", *map(str, files), "--store", str(store_dir)]
    log = store_dir.with_name(store_dir.name + ".log")
    started = time.perf_counter()
    with open(log, "w+") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode:
        raise RuntimeError(f"csops ingest failed ({proc.returncode}):\n{text[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def load_files(files: list[Path]) -> tuple[float, int, int]:
    """:func:`csops_lib.loaders.load` of each file in this process: (seconds, rows loaded,
    rows quarantined)."""
    started = time.perf_counter()
    loaded = quarantined = 0
    for f in files:
        _, report = load(f)
        loaded += report.rows_loaded
        quarantined += report.rows_quarantined
    return time.perf_counter() - started, loaded, quarantined


def measure(messages: int, fmt: str, workdir: str | os.PathLike, *, seed: int = 1,
            repeat: int = 1) -> dict:
    """Ingest throughput of a ``messages``-message chat export as ``fmt`` (csv | xlsx).

    Returns ``messages``, ``fmt``, ``files``, ``wall_s`` (the whole ``csops ingest``,
    best of ``repeat``), ``cpu_s`` (that run's CPU time: Arrow and Delta use both cores),
    ``load_s`` (the loader alone, best of ``repeat``), ``msgs_per_s`` (messages ÷ wall_s), ``load_msgs_per_s`` (messages ÷ load_s), ``peak_mb`` (the
    command's peak RSS, largest of the runs), ``rows_loaded`` / ``rows_quarantined`` (by the
    loader), ``write_s`` (writing the export; 0 when cached) and ``store`` (the store
    folder of the last run, left in place for checks).
    """
    messages = int(messages)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    files = write_export(messages, fmt, workdir, seed)
    write_s = time.perf_counter() - started
    store_dir = workdir / f"store_{fmt}_{messages}"
    walls, cpus, peaks, loads = [], [], [], []
    for _ in range(max(1, repeat)):
        wall, cpu, peak, _ = run_ingest(files, store_dir)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
        load_s, loaded, quarantined = load_files(files)
        loads.append(load_s)
    wall_s, load_s = min(walls), min(loads)
    return {
        "messages": messages, "fmt": fmt, "files": len(files), "wall_s": wall_s,
        "cpu_s": cpus[walls.index(wall_s)],
        "load_s": load_s, "msgs_per_s": messages / wall_s,
        "load_msgs_per_s": messages / load_s, "peak_mb": max(peaks),
        "rows_loaded": loaded, "rows_quarantined": quarantined, "write_s": write_s,
        "store": str(store_dir),
    }


# --------------------------------------------------------------------------- report


def markdown(results: list[dict]) -> str:
    """The results as a markdown table."""
    lines = [
        "| format | messages | files | `csops ingest` s | CPU s | msgs/s (ingest) | load s | "
        "msgs/s (load) | rest s | peak RSS MB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        lines.append(
            f"| {r['fmt']} | {r['messages']:,} | {r['files']} | {r['wall_s']:.1f} | "
            f"{r['cpu_s']:.1f} | {r['msgs_per_s']:,.0f} | {r['load_s']:.1f} | "
            f"{r['load_msgs_per_s']:,.0f} | {r['wall_s'] - r['load_s']:.1f} | "
            f"{r['peak_mb']:,.0f} |")
    return "\n".join(lines)


def _sizes(text: str | None, formats: list[str]) -> dict[str, int]:
    if text is None:
        return {f: DEFAULT_SIZES[f] for f in formats}
    sizes = [int(float(s)) for s in text.split(",")]
    if len(sizes) == 1:
        sizes = sizes * len(formats)
    if len(sizes) != len(formats):
        raise SystemExit("--messages: one size, or one per format")
    return dict(zip(formats, sizes, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest",
        description="Chat messages per second ingested by `csops ingest` from CSV and xlsx "
                    "exports (and by the loader alone).")
    parser.add_argument("--messages", help="messages: one size for every format or one per "
                        "format, e.g. 1e6,2e5 (default: CSV 1e6, xlsx 2e5: xlsx is slow "
                        "to write and to read)")
    parser.add_argument("--fmt", default="csv,xlsx", help="formats, comma-separated "
                        "(default: csv,xlsx)")
    parser.add_argument("--workdir", default=str(WORK_DIR),
                        help=f"where exports and stores go (default: {WORK_DIR})")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write-md", default=None,
                        help="also write the table as a markdown section to this file "
                             "(make bench: bench/ingest.md, appended to bench/results.md)")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.fmt.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        parser.error(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    results = []
    for fmt, n in _sizes(args.messages, formats).items():
        print(f"ingest bench: {n:,} messages as {fmt} …", file=sys.stderr, flush=True)
        r = measure(n, fmt, args.workdir, seed=args.seed, repeat=args.repeat)
        if r["rows_loaded"] != n:
            print(f"warning: {fmt}: {r['rows_loaded']:,} of {n:,} messages loaded "
                  f"({r['rows_quarantined']:,} quarantined)", file=sys.stderr)
        results.append(r)
    lines = [markdown(results), "",
             "`rest s` = ingest − load: interpreter start and imports (~1-2 s) and the store's "
             "transaction (upsert, the per-day tables derived from the chats, the log)."]
    csv_runs = [r for r in results if r["fmt"] == "csv"]
    if csv_runs:
        best = max(r["msgs_per_s"] for r in csv_runs)
        load = max(r["load_msgs_per_s"] for r in csv_runs)
        for what, got in (("whole `csops ingest`", best), ("loader alone", load)):
            verdict = "met" if got >= TARGET_MSGS_PER_S else "NOT met"
            lines.append(f"- target ≥ {TARGET_MSGS_PER_S:,} msgs/s from CSV, {what}: "
                         f"{verdict} ({got:,.0f})")
    print("\n".join(lines))
    if args.write_md:
        Path(args.write_md).write_text(
            "## Ingest throughput\n\n"
            f"Run {dt.datetime.now():%Y-%m-%d %H:%M} with `python -m bench.ingest "
            f"--fmt {args.fmt}`: the demo shop's chat log written as the real exports (weekly "
            "files, Chinese headers, UTF-8 with BOM and one week in GBK; xlsx like the demo's), "
            "ingested by `csops ingest` into a fresh store (a subprocess: wall, CPU and peak "
            "RSS from `os.wait4`), and loaded alone in-process.\n\n" + "\n".join(lines) + "\n",
            encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
