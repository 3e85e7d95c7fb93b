"""`csops send` and `csops leaderboard --send`: real messages to servers this test starts on
127.0.0.1 (an aiosmtpd SMTP server, an http.server JSON endpoint), masked data only, secrets
never printed, a failed send one line with exit code 1 and the report kept."""
from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from csops_lib import cli, send

PHONE = re.compile(r"1[3-9]\d{9}")
SECRET_PW = "Pw-7f3kQ9xZ"  # an SMTP password, from the environment
SECRET_HOOK = "hk_5d41402abc4b2a76"  # a webhook password, from the environment
SECRET_TOKEN = "tok8c2e9b1f77aa"  # a token written in the URL itself


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- servers
class _Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp():
    """An SMTP server on a free localhost port; ``.box.messages`` are the received e-mails."""
    box = _Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    controller.box = box
    controller.url = (f"mailto://127.0.0.1:{port}?smtp=127.0.0.1&mode=insecure"
                      f"&from=csops@example.com&to=boss@example.com")
    yield controller
    controller.stop()


@pytest.fixture()
def hook():
    """A JSON webhook on a free localhost port; ``.received`` = [(path, headers, json)]."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((self.path, dict(self.headers), json.loads(body)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    server.received = received
    server.port = server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return tmp_path_factory.mktemp("outputs")


@pytest.fixture(scope="module")
def weekly_sent(demo_store, smtp, outputs):
    """`csops send weekly --to mailto://…` with an empty outputs folder: the report is run
    (the demo fixture's last complete week, 2026-W47), then e-mailed."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSOPS_OUTPUTS_DIR", str(outputs))
        code = cli.main(["send", "weekly", "--data-dir", str(demo_store["store"]),
                         "--to", smtp.url])
    html, = (outputs / "weekly" / "2026-W47").glob("*.html")  # the runner names the file
    return code, html


# --------------------------------------------------------------------------- the weekly by e-mail
def test_weekly_is_mailed_with_the_html_and_the_workbook(weekly_sent, smtp):
    code, html = weekly_sent
    assert code == 0 and html.is_file()
    assert len(smtp.box.messages) == 1
    msg = smtp.box.messages[0]
    assert smtp.box.envelopes[0].rcpt_tos == ["boss@example.com"]
    assert msg["Subject"] == "客服周报 2026-W47"
    files = {p.get_filename(): p for p in msg.walk() if p.get_filename()}
    xlsx = html.with_suffix(".xlsx")
    assert set(files) == {html.name, xlsx.name}
    assert files[html.name].get_payload(decode=True) == html.read_bytes()
    assert files[xlsx.name].get_payload(decode=True) == xlsx.read_bytes()
    assert files[xlsx.name].get_content_type().endswith("spreadsheetml.sheet")
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
    # the headline sentences, from the report's data, as in the HTML's headline list
    page_title, sentences = send.page_sentences(html.read_text(encoding="utf-8"))
    assert page_title == "客服周报 2026-W47" and len(sentences) >= 3
    assert sentences[0].startswith("销售额 ¥")
    for s in sentences:
        assert send.safe_text(s) in text
    assert not PHONE.search(text)


def test_weekly_to_a_json_webhook_carries_the_markdown(weekly_sent, hook, outputs, monkeypatch,
                                                        demo_store, capsys):
    _, html = weekly_sent
    monkeypatch.setenv("CSOPS_OUTPUTS_DIR", str(outputs))
    monkeypatch.setenv("CSOPS_TEST_HOOK_PW", SECRET_HOOK)
    before = html.stat().st_mtime_ns
    code = cli.main(["send", "weekly", "--data-dir", str(demo_store["store"]), "--to",
                     f"json://csops:{{env:CSOPS_TEST_HOOK_PW}}@127.0.0.1:{hook.port}/team/hook"])
    out = capsys.readouterr()
    assert code == 0
    assert html.stat().st_mtime_ns == before  # the report in outputs/ was sent, not rerun
    (path, headers, payload), = hook.received
    assert path == "/team/hook"
    assert headers["Authorization"].startswith("Basic ")  # the password was filled in
    assert payload["title"] == "客服周报 2026-W47"
    body = payload["message"]
    assert body.startswith("**客服周报 2026-W47**\n\n- 销售额 ¥")
    assert body.count("\n- ") >= 3
    # the week is still in the follow-up window: the note saying what the `*` means is there
    assert "\n_* " in body and body.endswith("_")
    assert payload["attachments"] == []  # files go to e-mail only (attach_schemes)
    assert SECRET_HOOK not in out.out + out.err
    assert str(html) in out.out


def test_a_failed_send_is_one_line_exit_1_and_the_report_stays(weekly_sent, outputs,
                                                                monkeypatch, demo_store,
                                                                capsys, caplog):
    _, html = weekly_sent
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CSOPS_OUTPUTS_DIR", str(outputs))
    monkeypatch.setenv("CSOPS_TEST_SMTP_PW", SECRET_PW)
    files = {p: p.read_bytes() for p in (html, html.with_suffix(".xlsx"))}
    port = _free_port()  # nothing listens there
    url = (f"mailto://boss:{{env:CSOPS_TEST_SMTP_PW}}@127.0.0.1:{port}?mode=insecure"
           f"&from=csops@example.com&to=boss@example.com&token={SECRET_TOKEN}")
    code = cli.main(["send", "weekly", "--data-dir", str(demo_store["store"]), "--to", url])
    out = capsys.readouterr()
    assert code == 1
    errors = [line for line in out.err.splitlines() if line.strip()]
    assert len(errors) == 1, out.err
    assert errors[0].startswith(f"error: weekly not sent to mailto://****@127.0.0.1:{port}/…: ")
    assert errors[0].endswith(f"the report is kept: {html}")
    everything = out.out + out.err + caplog.text
    for secret in (SECRET_PW, SECRET_TOKEN, "boss:"):
        assert secret not in everything
    assert {p: p.read_bytes() for p in files} == files  # nothing lost or changed


def test_an_unset_variable_is_named_not_guessed(weekly_sent, outputs, monkeypatch,
                                                demo_store, capsys):
    monkeypatch.setenv("CSOPS_OUTPUTS_DIR", str(outputs))
    monkeypatch.delenv("CSOPS_NO_SUCH_VAR", raising=False)
    code = cli.main(["send", "weekly", "--data-dir", str(demo_store["store"]), "--to",
                     "dingtalk://{env:CSOPS_NO_SUCH_VAR}/"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("error: weekly not sent to dingtalk://****")
    assert "environment variable CSOPS_NO_SUCH_VAR is not set" in err
    assert len(err.splitlines()) == 1


# --------------------------------------------------------------------------- the standings
@pytest.fixture()
def promo_exports(tmp_path):
    """Two agents, one with a phone number in her nick, one buyer each, one silent order."""
    chats = pd.DataFrame({
        "sent_at": ["2026-11-11 10:00:00", "2026-11-11 10:00:30", "2026-11-11 10:05:00",
                    "2026-11-11 10:05:20"],
        "agent": ["小美13812345678", "小美13812345678", "阿杰", "阿杰"],
        "customer_id": ["c1", "c1", "c2", "c2"],
        "sender": ["customer", "agent", "customer", "agent"],
        "content": ["在吗", "在的", "有货吗", "有的"]})
    orders = pd.DataFrame({
        "order_id": ["o1", "o2", "o3"], "customer_id": ["c1", "c2", "c9"],
        "created_at": ["2026-11-11 10:20:00", "2026-11-11 10:25:00", "2026-11-11 10:40:00"],
        "paid_at": ["2026-11-11 10:30:00", "2026-11-11 10:35:00", "2026-11-11 10:45:00"],
        "amount": [300.0, 120.0, 50.0]})
    chats.to_csv(tmp_path / "chats.csv", index=False)
    orders.to_csv(tmp_path / "orders.csv", index=False)
    return [str(tmp_path / "chats.csv"), str(tmp_path / "orders.csv")]


def test_leaderboard_send_posts_the_standings_masked(promo_exports, hook, capsys):
    url = f"json://127.0.0.1:{hook.port}/pk?format=markdown"
    code = cli.main(["leaderboard", *promo_exports, "--since", "2026-11-11 00:00",
                     "--send", url])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "小美13812345678" in out.out  # the supervisor's own terminal shows the nick
    (_, _, payload), = hook.received
    body = payload["message"]
    assert payload["title"] == "大促战报 11-11 00:00 – 11-11 10:45"
    assert "**团队PK**" in body and "**个人排行**" in body
    # hand-computed: 小美 ¥300 first, 阿杰 ¥120, the silent order ¥50, the shop ¥470
    assert "1. 小美138******78 (未分组): 订单数 1 · 销售额(元) ¥300" in body
    assert "2. 阿杰 (未分组): 订单数 1 · 销售额(元) ¥120" in body
    assert "静默下单（无客服）: 订单数 1 · 销售额(元) ¥50" in body
    assert "全店合计: 订单数 3 · 销售额(元) ¥470" in body
    assert not PHONE.search(body) and not PHONE.search(payload["title"])


def test_leaderboard_send_failure_keeps_the_printed_standings(promo_exports, capsys):
    port = _free_port()
    code = cli.main(["leaderboard", *promo_exports, "--since", "2026-11-11 00:00",
                     "--send", f"jsons://{SECRET_TOKEN}@127.0.0.1:{port}/x"])
    out = capsys.readouterr()
    assert code == 1
    assert "全店合计" in out.out  # the standings were printed before the send
    assert out.err.strip().startswith(f"error: leaderboard not sent to "
                                      f"jsons://****@127.0.0.1:{port}/…: ")
    assert len(out.err.strip().splitlines()) == 1
    assert SECRET_TOKEN not in out.out + out.err


# --------------------------------------------------------------------------- pieces
@pytest.mark.parametrize("url, shown", [
    ("mailtos://me:secret@smtp.qq.com:465?to=boss@x.com", "mailtos://****@smtp.qq.com:465/…"),
    ("mailto://127.0.0.1:8025", "mailto://127.0.0.1:8025"),
    ("dingtalk://abcdef0123456789/SECxyz", "dingtalk://****/…"),
    ("wecombot://693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa", "wecombot://****"),
    ("feishu://T0k3n", "feishu://****"),
    ("json://hooks.example.com/team/abc?token=1", "json://hooks.example.com/…"),
    ("not a url", "****"),
])
def test_mask_url(url, shown):
    assert send.mask_url(url) == shown


def test_expand_fills_placeholders_and_remembers_the_secrets():
    env = {"PW": "p@ss w0rd", "KEY": "K3Y-123"}
    t = send.expand("mailtos://me:{env:PW}@smtp.qq.com?to=a@b.c&x=${KEY}", env)
    assert t.url == "mailtos://me:p@ss w0rd@smtp.qq.com?to=a@b.c&x=K3Y-123"
    assert t.shown == "mailtos://****@smtp.qq.com/…"
    assert send.scrub("login p@ss w0rd failed for K3Y-123", t.secrets) == \
        "login **** failed for ****"
    assert send.expand("dingtalk://$KEY/", env).url == "dingtalk://K3Y-123/"
    with pytest.raises(send.SendError, match="variable NOPE is not set") as err:
        send.expand("feishu://{env:NOPE}", env)
    assert "K3Y" not in str(err.value)


def test_safe_text_masks_phones_names_addresses_but_keeps_dates():
    text = ("2026-11-11 10:00 第一：小美13812345678（¥1,234.50）；收货人：张伟，"
            "浙江省杭州市西湖区文三路88号；11-11 10:45")
    out = send.safe_text(text)
    assert "13812345678" not in out and "138******78" in out
    assert "张伟" not in out and "文三路88号" not in out
    assert out.startswith("2026-11-11 10:00 ") and out.endswith("11-11 10:45")
    assert "¥1,234.50" in out


def test_page_sentences_skips_the_table_of_contents():
    page = ("<h1>客服日报 2026-11-30</h1><ul><li><a href='#a'>核心指标</a></li></ul>"
            "<h2>异常</h2><ul><li>回复率降至 75.0% &amp; 更低</li><li>第二条</li></ul>"
            "<ul><li>later</li></ul>")
    assert send.page_sentences(page) == ("客服日报 2026-11-30", ["回复率降至 75.0% & 更低",
                                                           "第二条"])


def test_no_destination_is_one_line(weekly_sent, outputs, monkeypatch, demo_store, capsys,
                                    tmp_path):
    monkeypatch.setenv("CSOPS_OUTPUTS_DIR", str(outputs))
    monkeypatch.setattr(send.SendSettings, "FILE", None)  # no params/send.yaml
    code = cli.main(["send", "weekly", "--data-dir", str(demo_store["store"])])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err == ("error: no destination: give --to URL (Apprise URL) or "
                                 "`to:` in params/send.yaml")
