"""The `csops` command: validate, ingest, demo, report, kpis, funnel, send."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from csops_lib.settings.paths import DEMO_WEEKS  # a constant: no pandas, --help stays fast
from csops_lib.settings.runtime import exit_now, tune_allocator


def _cmd_validate(args) -> int:
    import pandas as pd

    from csops_lib.loaders import LoadError, load
    from csops_lib.render.csv_out import write_csv

    failed: list[str] = []
    quarantined = []
    for path in args.files:
        try:
            _, report = load(path, args.table, sheet=args.sheet, report_date=args.date)
        except (LoadError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed.append(Path(path).name)
            continue
        print(report.summary())
        if report.rows_quarantined:
            quarantined.append(report.quarantine)
    if args.quarantine_out and quarantined:
        try:
            write_csv(pd.concat(quarantined, ignore_index=True), args.quarantine_out)
        except OSError as exc:
            print(f"error: --quarantine-out {args.quarantine_out}: {exc}", file=sys.stderr)
            return 1
        print(f"quarantined rows written to {args.quarantine_out}")
    if failed:
        print(f"csops validate: {len(failed)} of {len(args.files)} file(s) could not be loaded: "
              f"{', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_ingest(args) -> int:
    from csops_lib import engine, store
    from csops_lib.loaders import LoadError

    try:
        result = engine.ingest(args.files, args.store, args.table, progress=True)
    except (LoadError, FileNotFoundError) as exc:
        print(f"error: {exc}\nnothing was written to the store", file=sys.stderr)
        return 1
    except store.StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _cmd_history(args) -> int:
    from csops_lib import store

    try:
        if args.restore is not None:
            record = store.restore(args.store, args.restore)
            print(f"store restored to entry #{args.restore} (recorded as entry #{record['n']})")
        print(store.history_text(args.store, files=args.files))
    except store.StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_migrate(args) -> int:
    from csops_lib import store

    try:
        for line in store.migrate(args.store):
            print(line)
    except store.StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_demo(args) -> int:
    from csops_lib.demo.build import build_demo_store

    if args.weeks < 1:
        print(f"error: --weeks: expected a whole number of weeks >= 1, got {args.weeks}",
              file=sys.stderr)
        return 2
    started = time.monotonic()
    build_demo_store(args.out, weeks=args.weeks, seed=args.seed, end=args.end, progress=True)
    print(f"demo shop ready in {time.monotonic() - started:.1f} s: exports in "
          f"{Path(args.out) / 'exports'}, store in {Path(args.out) / 'store'}")
    return 0


def _cmd_report(args) -> int:
    from csops_lib import runner
    from csops_lib.settings.shop import ParamError, parse_overrides

    try:
        overrides = parse_overrides(args.param or [])
        # a text parameter keeps the text as typed (`agent=007` is not the number 7)
        texts = runner.text_parameters(args.report) & set(overrides)
        raw = {k.strip(): v for k, _, v in (str(i).partition("=") for i in args.param or [])}
        overrides.update({k: raw[k] for k in texts if k in raw})
        for name in ("week", "month", "date", "lang", "agent", "promo"):
            value = getattr(args, name, None)
            if value:
                if args.report not in REPORT_OPTIONS[name]:
                    raise runner.ReportError(_misplaced_option(args.report, name))
                overrides[name] = value
        if args.timeout is not None and args.timeout <= 0:
            raise runner.ReportError(f"--timeout: expected seconds > 0, got {args.timeout}")
        html = runner.run(args.report, overrides, data_dir=args.data_dir, progress=True,
                          timeout=args.timeout)
    except (runner.ReportError, ParamError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(html)
    return 0


#: each report option → the reports it belongs to (the rest refuse it, naming the right one)
REPORT_OPTIONS = {"week": ("weekly", "agent", "what_if"), "month": ("weekly",),
                  "date": ("daily",), "agent": ("agent",), "promo": ("promo",),
                  "lang": ("weekly", "daily", "agent", "promo", "what_if")}

#: the epilog of `csops report --help`: which options go with which report, where it goes
REPORT_EPILOG = """\
which options belong to which report:
  weekly    --week 2026-W47     the weekly review (default: the last complete week)
            --month 2026-10     the monthly review (or --param period=month: the last
                                complete month)
  daily     --date 2026-11-20   the day (default: the last day of the data)
  agent     --agent 小美        the agent (default: the notebook's, 小美 in the demo) and
            --week 2026-W47     the week (default: the last complete week), or a custom
                                period: --param date_from=2026-11-02 --param date_to=2026-11-15
  promo     --promo double11    the promo (default: the latest in the promos table)
  what_if   --week 2026-W47     the base week (default: the last complete week)
every report: --lang zh|en, --data-dir DIR, --param KEY=VALUE, --timeout SECONDS

where the report goes (weekly, monthly, daily, promo: the .xlsx workbook beside it):
  weekly    outputs/weekly/2026-W47/weekly_2026-W47_zh.html
  monthly   outputs/monthly/2026-10/monthly_2026-10_zh.html
  daily     outputs/daily/2026-11-20/daily_2026-11-20_zh.html
  agent     outputs/agent/小美_2026-W47/agent_小美_2026-W47_zh.html
  promo     outputs/promo/double11/promo_double11_zh.html
  what_if   outputs/what_if/2026-W47/what_if_2026-W47_zh.html
the name ends in the language: --lang en writes ..._en.html beside the Chinese one.
CSOPS_OUTPUTS_DIR moves outputs/ elsewhere."""


def _misplaced_option(report: str, name: str) -> str:
    """One line: ``--name`` is not an option of ``report``; which reports take it, and
    which options ``report`` takes instead."""
    own = [f"--{k}" for k, reports in REPORT_OPTIONS.items() if report in reports and k != "lang"]
    takes = f"; {report} takes {' / '.join(own)}" if own else f"; {report} takes none of them"
    return (f"--{name} is for the {' / '.join(REPORT_OPTIONS[name])} report"
            f"{'s' if len(REPORT_OPTIONS[name]) > 1 else ''}{takes} (see csops report --help)")


def _table_writer(out):
    """The module writing ``--out``: :mod:`~csops_lib.render.tables_out` for a workbook,
    else :mod:`~csops_lib.render.csv_out` (no openpyxl to import: 0.1 s)."""
    if out is not None and Path(out).suffix.lower() == ".xlsx":
        from csops_lib.render import tables_out

        return tables_out
    from csops_lib.render import csv_out

    return csv_out


def _cmd_kpis(args) -> int:
    from csops_lib.loaders import LoadError
    from csops_lib.reports import kpis as kx
    from csops_lib.settings.shop import ParamError, load_shop_params, parse_overrides

    started = time.monotonic()
    try:
        params = load_shop_params(**parse_overrides(args.param or []))
        by = kx.parse_by(args.by)
        kx.parse_period(args.date_from, args.date_to)
        writer = _table_writer(args.out)
        writer.check_out_path(args.out)
    except (ParamError, kx.ExportError) as exc:
        print(f"csops kpis: error: {exc}", file=sys.stderr)
        return 2
    try:
        run = kx.run_kpis(store_dir=args.store, chats=args.chats, orders=args.orders,
                          refunds=args.refunds, traffic=args.traffic, date_from=args.date_from,
                          date_to=args.date_to, by=by, params=params,
                          engine=args.engine, scheduler=args.scheduler)
        for rep in run.reports:
            if rep.rows_quarantined or rep.warnings:
                print(rep.summary(max_rows=3), file=sys.stderr)
        writer.write_table(run.table, args.out)
    except (LoadError, OSError, kx.ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    table = run.table
    where = f" → {args.out}" if args.out else ""
    print(f"kpis by {by}: {len(table)} rows, {kx.period_text(table)}, "
          f"{time.monotonic() - started:.1f} s{where}", file=sys.stderr)
    return 0


def _cmd_funnel(args) -> int:
    from csops_lib.loaders import LoadError
    from csops_lib.reports import kpis as kx

    started = time.monotonic()
    try:
        writer = _table_writer(args.out)
        writer.check_out_path(args.out)
        result = kx.tally_funnel_files(args.files)
        writer.write_table(result.table, args.out)
        if args.quarantine_out:
            writer.write_csv(result.quarantine, args.quarantine_out)
    except (LoadError, OSError, kx.ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in result.quarantine_lines():
        print(line, file=sys.stderr)
    if args.quarantine_out:
        print(f"quarantined rows written to {args.quarantine_out}", file=sys.stderr)
    where = f" → {args.out}" if args.out else ""
    print(f"funnel: {result.accounting()}, {kx.period_text(result.table)}, "
          f"{time.monotonic() - started:.1f} s{where}", file=sys.stderr)
    return 0


def _cmd_callbacks(args) -> int:
    from csops_lib.demo.build import ensure_demo_store
    from csops_lib.render.call_sheet import call_sheet_path, write_call_sheet
    from csops_lib.reports.callbacks import plan_callbacks
    from csops_lib.settings.paths import resolve_store

    try:
        if not args.data_dir:
            ensure_demo_store()
        folder = resolve_store(args.data_dir)
        day, plan = plan_callbacks(folder, args.date, lag_days=args.lag_days,
                                   calls_per_agent=args.calls_per_agent)
        path = write_call_sheet(plan, call_sheet_path(day, args.lang), lang=args.lang)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    per_agent = plan.groupby("agent").size()
    print(f"{len(plan)} calls for {len(per_agent)} agents "
          f"({', '.join(f'{a} {n}' for a, n in per_agent.items())})", file=sys.stderr)
    print(path)
    return 0


def _cmd_chase(args) -> int:
    from csops_lib.demo.build import ensure_demo_store
    from csops_lib.render.chase_sheet import make_chase_sheet
    from csops_lib.settings.base import SettingsError
    from csops_lib.settings.paths import resolve_store
    from csops_lib.settings.shop import parse_overrides

    try:
        if not args.data_dir:
            ensure_demo_store()
        folder = resolve_store(args.data_dir)
        path, data = make_chase_sheet(folder, args.date, lang=args.lang,
                                      params=parse_overrides(args.param or []))
    except (FileNotFoundError, SettingsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    per_agent = data.plan.groupby("agent", sort=False).size()
    print(f"{len(data.plan)} of {len(data.chase)} customers to chase on "
          f"{data.use_day:%Y-%m-%d} (data up to {data.data_day:%Y-%m-%d}; at most "
          f"{data.per_agent} per agent: {', '.join(f'{a} {n}' for a, n in per_agent.items())})",
          file=sys.stderr)
    print(path)
    return 0


def _cmd_leaderboard(args) -> int:
    from csops_lib.loaders.core import LoadError
    from csops_lib.render import leaderboard
    from csops_lib.settings.shop import ParamError, load_shop_params, parse_overrides

    if bool(args.store) == bool(args.files):
        print("error: give either export FILEs or --store DIR", file=sys.stderr)
        return 2
    try:
        params = load_shop_params(**parse_overrides(args.param or []))
        text, title, body = leaderboard.run_message(
            since=args.since, until=args.until, files=args.files or None, store_dir=args.store,
            by=args.by, top=args.top, lang=args.lang, params=params)
    except (LoadError, FileNotFoundError, ParamError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(text)
    if args.send:
        return _push(args.send, title, body, [], "leaderboard")
    return 0


def _push(urls, title: str, body: str, files, what: str) -> int:
    """Send a message (csops_lib.send); each failed destination is one line, exit 1."""
    from csops_lib import send
    from csops_lib.settings.base import SettingsError

    try:
        settings = send.SendSettings.load()
        message = send.Message(send.safe_text(title), send.safe_text(body), list(files))
        failed = send.push(urls, message, settings=settings)
    except (send.SendError, SettingsError) as exc:
        print(f"error: send: {exc}", file=sys.stderr)
        return 1
    for line in failed:
        print(f"error: {what} not sent to {line}", file=sys.stderr)
    total = len(urls or settings.to)
    if len(failed) < total:
        print(f"{what}: sent to {total - len(failed)} of {total} destination(s)",
              file=sys.stderr)
    return 1 if failed else 0


def _cmd_send(args) -> int:
    from csops_lib import runner, send
    from csops_lib.settings.base import SettingsError

    overrides = {k: v for k in ("week", "month", "date", "agent", "promo", "lang")
                 if (v := getattr(args, k, None))}
    try:
        settings = send.SendSettings.load()
        html, params = send.locate(args.report, overrides, data_dir=args.data_dir,
                                   rerun=args.rerun)
        message = send.report_message(args.report, html, params, settings=settings)
        failed = send.push(args.to or [], message, settings=settings)
    except (runner.ReportError, send.SendError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in failed:
        print(f"error: {args.report} not sent to {line}; the report is kept: {html}",
              file=sys.stderr)
    total = len(args.to or settings.to)
    if len(failed) < total:
        print(f"{args.report}: sent to {total - len(failed)} of {total} destination(s) "
              f"({len(message.attachments)} file(s) attached where the channel takes files)",
              file=sys.stderr)
    print(html)
    return 1 if failed else 0


def _cmd_register_template(args) -> int:
    from csops_lib.render.register_template import store_names, write_register_template
    from csops_lib.store import StoreError

    out = args.out
    if out and Path(out).suffix.lower() != ".xlsx":
        print(f"error: --out {out}: the register is an Excel workbook; give a .xlsx path",
              file=sys.stderr)
        return 2
    try:
        names = store_names(args.store)
        path = write_register_template(out, names=names, lang=args.lang)
    except (FileNotFoundError, StoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if names.source is None:
        print("no store given or configured: store and agent names are typed in "
              "(--store DIR fills their drop-downs)", file=sys.stderr)
    else:
        print(f"{len(names.stores)} store(s), {len(names.agents)} agent(s) from {names.source}",
              file=sys.stderr)
    print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csops",
        description="Customer-service operations kit: load exports, keep a history store, "
                    "compute metrics, make reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="load export files and print their load report",
                       description="Load each FILE as the canonical table and print the load "
                                   "report: rows read = loaded + quarantined, with the file, row, "
                                   "column and reason of every quarantined row.")
    p.add_argument("files", nargs="+", metavar="FILE", help="xlsx or csv export(s)")
    p.add_argument("--table", help="table name (guessed from the headers when omitted)")
    p.add_argument("--sheet", help="sheet name (default: the first sheet with a known header)")
    p.add_argument("--date", help="report date for files that carry it only in their name")
    p.add_argument("--quarantine-out", metavar="CSV", help="write the quarantined rows here")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("ingest", help="upsert exports into the history store (one atomic change)",
                       description="Load each FILE and upsert its rows into the store on each "
                                   "table's natural key, as one atomic, recorded change: a value "
                                   "missing in a newer export never erases a known one; importing "
                                   "the same export twice changes nothing; `csops history` lists "
                                   "the ingests.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--store", default="data/store", help="store folder (default: data/store)")
    p.add_argument("--table", help="table name (guessed from the headers when omitted)")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("history", help="list the changes of the history store; restore one",
                       description="List every recorded change of the store, oldest first: "
                                   "when, who, the files (with the start of their sha256), rows "
                                   "new / updated / unchanged / quarantined per table, and the "
                                   "Delta version of each table. --restore N puts the store back "
                                   "to how it was right after entry N (recorded as a new entry; "
                                   "nothing is deleted, so it can be undone the same way).")
    p.add_argument("--store", default="data/store", help="store folder (default: data/store)")
    p.add_argument("--restore", type=int, metavar="N", help="restore the store to entry N")
    p.add_argument("--files", action="store_true",
                   help="list every ingested file with its full sha256 and row counts")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("migrate", help="convert a store of the old layout (date=…/part.parquet)",
                       description="Convert a history store written by csops before the Delta "
                                   "Lake store (<table>/date=YYYY-MM-DD/part.parquet, "
                                   "_ingest_log.jsonl) into Delta tables, every row kept; the old "
                                   "log is kept in the first history entry. `csops ingest` does "
                                   "the same on its first run into such a store.")
    p.add_argument("--store", default="data/store", help="store folder (default: data/store)")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("demo", help="write the seeded demo shop's exports and ingest them",
                       description="Generate a realistic seeded shop ending yesterday, write "
                                   "its exports (xlsx, Chinese headers, real-world messiness) to "
                                   "OUT/exports and ingest them into OUT/store.")
    p.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    p.add_argument("--weeks", type=int, default=DEMO_WEEKS,
                   help=f"weeks of history (default: {DEMO_WEEKS}, about five months: the "
                        f"monthly report has its previous month and full 3-month average "
                        f"whatever the day)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--end", help="last day YYYY-MM-DD (default: yesterday)")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("callbacks", help="the day's callback (回访) call sheet, Excel",
                       description="Plan the day's callbacks: the deals of DATE − lag_days, "
                                   "split evenly and deterministically over the agents on duty, "
                                   "calls_per_agent each, customers already called left out; "
                                   "written as an Excel call sheet (one sheet per agent, phone "
                                   "numbers, a result drop-down). Ingest the filled sheet with "
                                   "`csops ingest` to see the results in the reports.")
    p.add_argument("--date", help="call day YYYY-MM-DD (default: today)")
    p.add_argument("--lag-days", type=int, help="deals of this many days before (default 4)")
    p.add_argument("--calls-per-agent", type=int, help="calls per agent (default 3)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="sheet language")
    p.add_argument("--data-dir", help="store folder (default: configured, else the demo)")
    p.set_defaults(func=_cmd_callbacks)

    p = sub.add_parser("chase", help="the agents' chase (追单) sheets for the day, Excel",
                       description="The unconverted inquiries to chase on DATE: customers "
                                   "with a pre-sale session whose follow-up window still "
                                   "includes DATE, not paid and chased fewer than max_chases "
                                   "times (data as of the end of the day before), one sheet "
                                   "per agent with the buyer nick, ordered by what is worth "
                                   "chasing first (the window's last day first, then the "
                                   "larger expected amount), at most chase_per_agent each "
                                   "(params/shop.yaml). For the agents only: the daily report "
                                   "shows the boss counts and masked examples.")
    p.add_argument("--date", help="the day the sheets are used, YYYY-MM-DD (default: today)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="sheet language")
    p.add_argument("--data-dir", help="store folder (default: configured, else the demo)")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="a shop threshold or daily setting, e.g. chase_per_agent=10")
    p.set_defaults(func=_cmd_chase)

    p = sub.add_parser("leaderboard", help="promo standings so far: team PK and top agents",
                       description="Credit the orders paid since --since to agents (the "
                                   "attribution rule of METRICS.md §4) and print the team PK "
                                   "(on target attainment when the promos table has team "
                                   "targets) and the top agents, from the latest export FILES "
                                   "(chats, orders, and optionally roster and promos) or from "
                                   "the store (only the partitions needed).")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="latest exports: chat log(s), order export(s), roster, promos")
    p.add_argument("--store", metavar="DIR", help="read the history store instead of FILEs")
    p.add_argument("--since", required=True, metavar="'YYYY-MM-DD HH:MM'",
                   help="count orders paid from this time (e.g. the promo's start)")
    p.add_argument("--until", metavar="'YYYY-MM-DD HH:MM'",
                   help="count orders paid up to this time (default: everything so far)")
    p.add_argument("--by", choices=["sales", "orders"], default="sales",
                   help="PK and ranking on sales (default) or orders")
    p.add_argument("--top", type=int, default=5, help="how many agents to list (default: 5)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="label language")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="override a shop parameter of params/shop.yaml (repeatable)")
    p.add_argument("--send", action="append", metavar="URL",
                   help="also post the standings (markdown, phones/names/addresses masked) "
                        "to this Apprise URL: dingtalk://, wecombot://, feishu://, mailtos://, "
                        "json:// … (repeatable; secrets as {env:NAME})")
    p.set_defaults(func=_cmd_leaderboard)

    p = sub.add_parser("report", help="run a report notebook to HTML",
                       description="Execute a report notebook with papermill and convert it to "
                                   "HTML (code hidden) under outputs/<report>/<period>/, named "
                                   "<report>_<period>_<lang>.html, with its workbook (.xlsx) "
                                   "beside it.",
                       epilog=REPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("report", choices=["weekly", "daily", "agent", "promo", "what_if"],
                   help="which report")
    p.add_argument("--week", help="weekly, agent, what_if: ISO week such as 2026-W47 "
                                  "(default: the last complete week)")
    p.add_argument("--month", help="weekly: a month such as 2026-10 gives the monthly report")
    p.add_argument("--date", help="daily: the day YYYY-MM-DD (default: the data's last day)")
    p.add_argument("--agent", help="agent: the agent to profile")
    p.add_argument("--promo", help="promo: the promo (default: the latest)")
    p.add_argument("--lang", help="label language: zh (default) or en")
    p.add_argument("--data-dir", help="store folder (default: configured, else the demo)")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="override a notebook parameter (repeatable); xlsx_path must lie "
                        "inside outputs/")
    p.add_argument("--timeout", type=int, metavar="SECONDS",
                   help="stop the report when one notebook cell runs longer (default: 600, "
                        "or CSOPS_CELL_TIMEOUT_S)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("kpis", help="per-agent (or per-store) daily KPI table",
                       description="One row per date and agent (sessions, reply rate, response "
                                   "times, slow/long sessions, concurrency, inquiries and their "
                                   "conversion, credited orders, sales, buyers, AOV; METRICS.md "
                                   "§2-§4), from export files or the history store. With --by "
                                   "store,date: one row per date and store with UV and the "
                                   "store-level conversions. Times in seconds (0.1), rates as "
                                   "fractions (4 decimals), money to 0.01.")
    src = p.add_argument_group("input (export files, or --store)")
    src.add_argument("--chats", nargs="+", metavar="FILE", help="chat log export(s)")
    src.add_argument("--orders", nargs="+", metavar="FILE", help="order export(s)")
    src.add_argument("--refunds", nargs="+", metavar="FILE", help="refund export(s) (optional)")
    src.add_argument("--traffic", nargs="+", metavar="FILE",
                     help="traffic export(s) (optional; UV for --by store,date)")
    src.add_argument("--store", metavar="DIR",
                     help="read the history store instead (only the partitions needed)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                   help="first day of the rows (default: all; the store's first chat day)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                   help="last day of the rows (default: all; the store's last chat day)")
    p.add_argument("--by", default="date,agent", metavar="KEYS",
                   help="date,agent (default) or store,date")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="override a shop parameter of params/shop.yaml (repeatable)")
    p.add_argument("--out", metavar="FILE",
                   help=".csv (UTF-8 with BOM), .xlsx or .parquet; default: CSV on stdout")
    p.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="pandas (default: everything in memory) or dask (with --store: the "
                        "same computation per batch of days in parallel, for histories "
                        "larger than memory; same table)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: a Dask scheduler address (tcp://host:8786; "
                        "the workers must see the store at the same path); default: a local "
                        "cluster, one worker per core")
    p.set_defaults(func=_cmd_kpis, parser=p)

    p = sub.add_parser("funnel", help="the daily conversion funnel from the supervisor's tally",
                       description="Load tally file(s) (table agent_daily: 总接待人数, 静默下单, "
                                   "售后咨询, 追单人数 ...) and add inquiries, "
                                   "followup_converted, inquiry_converted, total_converted and "
                                   "consult_conversion (METRICS.md §1). Inconsistent rows (a "
                                   "negative derived count) are quarantined with the reason "
                                   "and reported on stderr: rows in = rows out + quarantined.")
    p.add_argument("files", nargs="+", metavar="TALLY_FILE", help="xlsx or csv tally file(s)")
    p.add_argument("--out", metavar="FILE",
                   help=".csv (UTF-8 with BOM), .xlsx or .parquet; default: CSV on stdout")
    p.add_argument("--quarantine-out", metavar="CSV", help="write the quarantined rows here")
    p.set_defaults(func=_cmd_funnel)

    p = sub.add_parser("send", help="push a report's headline to the team chat or by e-mail",
                       description="Send REPORT's title and headline sentences (markdown; "
                                   "phones, names and addresses masked) to each --to URL through "
                                   "Apprise: dingtalk://, wecombot://, feishu://, mailto:// / "
                                   "mailtos:// (with the HTML and the workbook attached), "
                                   "json:// webhooks and more. The report of the period is "
                                   "taken from outputs/ (run first when missing). A URL may hold "
                                   "{env:NAME} placeholders filled from the environment; URLs "
                                   "are only ever printed masked. Default destinations: `to:` "
                                   "in params/send.yaml. A failed send is one line per "
                                   "destination and exit code 1; the report stays in outputs/.")
    p.add_argument("report", choices=["weekly", "daily", "agent", "promo", "what_if"],
                   help="which report")
    p.add_argument("--to", nargs="+", metavar="URL",
                   help="Apprise URL(s) (default: `to:` in params/send.yaml)")
    p.add_argument("--week", help="ISO week such as 2026-W47 (default: last complete week)")
    p.add_argument("--month", help="month such as 2026-10 (weekly: the monthly report)")
    p.add_argument("--date", help="day YYYY-MM-DD for the daily report (default: yesterday)")
    p.add_argument("--agent", help="agent name for the agent profile")
    p.add_argument("--promo", help="promo name for the promo retrospective")
    p.add_argument("--lang", help="label language: zh (default) or en")
    p.add_argument("--data-dir", help="store folder (default: configured, else the demo)")
    p.add_argument("--rerun", action="store_true",
                   help="run the report again even when outputs/ has it")
    p.set_defaults(func=_cmd_send)

    p = sub.add_parser("register-template",
                       help="write the deal register (成交登记) Excel template with drop-downs",
                       description="Write the supervisor's deal register workbook: 成交日期, "
                                   "成交店铺, 对应负责人, 销售产品, 客户ID, 客户姓名, 性别, 省份, "
                                   "地址, 电话, 备注, 付款时间段, 付款金额, 订单编号; drop-downs of "
                                   "the stores and agents (from --store, else the configured "
                                   "store), 男/女, the 34 provinces and the 24 hourly payment "
                                   "slots; a date and an amount >= 0 enforced; IDs and phones "
                                   "kept as text. A filled register loads with `csops validate` "
                                   "and `csops ingest` (table orders).")
    p.add_argument("--out", metavar="FILE",
                   help="the .xlsx to write (default: outputs/register/成交登记.xlsx, "
                        "deal_register.xlsx in English)")
    p.add_argument("--store", metavar="DIR",
                   help="history store whose orders and roster give the store and agent "
                        "names (default: the configured store; none: type the names)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="headers and messages: zh (default) or en")
    p.set_defaults(func=_cmd_register_template)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The ``csops`` command (``argv`` None: the process's own command line, whose memory
    allocator is then tuned for big tables and which ends without the interpreter's
    teardown once the command is done: :mod:`csops_lib.settings.runtime`)."""
    if argv is not None:
        return _main(argv)
    tune_allocator()
    exit_now(_main(None))


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "kpis":
        if args.store and (args.chats or args.orders or args.refunds or args.traffic):
            args.parser.error("give either --store or export files (--chats/--orders ...)")
        if not args.store and not (args.chats and args.orders):
            args.parser.error("--chats and --orders are required (or --store DIR)")
        if args.engine == "dask" and not args.store:
            args.parser.error("--engine dask needs --store DIR")
        if args.scheduler and args.engine != "dask":
            args.parser.error("--scheduler needs --engine dask")
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
