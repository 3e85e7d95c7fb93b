"""The demo's chats written as Qianniu (千牛) chat text: what a supervisor gets by copying or
exporting each agent's chat window, one ``.txt`` file per agent and ISO week, one conversation
per store and customer, conversations separated by a ``====`` line.

The files vary the way real copies do (so reading them back exercises the parser): UTF-8,
UTF-8 with BOM or GBK; ``\\n`` or ``\\r\\n``; zero-padded or one-digit month/day/hour; the nick
touching the time; ``<from> --> <to> <time>`` headers; delivery states under agent messages.
Agents appear as sub-accounts ``店铺:客服``; auto replies carry the ``[自动回复]`` marker.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_qianniu"]

SEPARATOR = "=" * 24
AUTO_MARKER = "[自动回复]"
_ENCODINGS = ("utf-8", "utf-8-sig", "gbk")
_NEWLINES = ("\n", "\r\n")


def _time(ts: pd.Timestamp, padded: bool) -> str:
    if padded:
        return ts.strftime("%Y-%m-%d %H:%M:%S")
    return f"{ts.year}-{ts.month}-{ts.day} {ts.hour}:{ts.minute:02d}:{ts.second:02d}"


def _conversation(rows: list[tuple], agent: str, style: int) -> list[str]:
    """The lines of one conversation (``rows``: sent_at, sender, text, store, customer of one
    store and customer, in time order) in ``agent``'s window."""
    store, customer = rows[0][3], rows[0][4]
    me = f"{store}:{agent}" if isinstance(store, str) and store else agent
    sides = {r[1] == "customer" for r in rows}
    arrows = style % 4 == 1 or len(sides) == 1  # a one-sided window names the other side
    sep = "" if style % 3 == 0 else " "
    lines: list[str] = []
    for sent_at, sender, text, _, _ in rows:
        text = "" if pd.isna(text) else str(text)
        if sender == "customer":
            nick = f"{customer} --> {me}" if arrows else str(customer)
        else:
            nick = f"{me} --> {customer}" if arrows else me
            if sender == "auto" and AUTO_MARKER not in text:
                text = AUTO_MARKER + text
        lines += [f"{nick}{sep}{_time(sent_at, padded=style % 2 == 0)}", *text.split("\n")]
        if sender == "agent" and style % 2 == 1:
            lines.append("已读")
    return lines


def write_qianniu(chats: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write ``chats`` (the canonical table) as Qianniu chat text files in ``out_dir``:
    ``chats_<week>_<agent>.txt``. Returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    c = chats.sort_values("sent_at", kind="stable")
    iso = c["sent_at"].dt.isocalendar()
    week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    files = []
    for style, ((label, agent), part) in enumerate(c.groupby([week, c["agent"]], sort=True)):
        lines: list[str] = [f"{agent} 的千牛聊天记录（{label}）"] if style % 5 == 2 else []
        convs: dict[tuple, list[tuple]] = {}
        records = zip(part["sent_at"], part["sender"], part["text"], part["store"],
                      part["customer_id"], strict=True)
        for rec in records:  # in time order: conversations ordered by their first message
            convs.setdefault((rec[3] if isinstance(rec[3], str) else "", rec[4]), []).append(rec)
        for i, rows in enumerate(convs.values()):
            if i:
                lines += ["", SEPARATOR] if style % 2 == 0 else [SEPARATOR]
            lines += _conversation(rows, agent, style)
        newline = _NEWLINES[style % 2]
        encoding = _ENCODINGS[style % 3]
        path = out / f"chats_{label}_{agent}.txt"
        path.write_bytes((newline.join(lines) + newline).encode(encoding))
        files.append(path)
    return files
