"""``chengguan worker``: delivers the outbox and runs periodic jobs.

Jobs are idempotent "find what is due and act" queries (e.g. warn about deadlines that fall within
the warning window and have not been warned yet), so a crashed or doubled worker loses or repeats
nothing that matters; each pass runs in its own transaction.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from chengguan.core.config import get_settings
from chengguan.core.db import session_scope
from chengguan.outbox import service as outbox
from chengguan.outbox.senders import HttpSmsSender, LogSender, SmtpEmailSender, WebhookSender
from chengguan.outbox.service import Sender
from chengguan.system import settings as cfg

log = logging.getLogger("chengguan.worker")

SMS_GATEWAY = cfg.define("notify.sms_gateway", {"url": "", "token": ""},
                         "短信网关（HTTP POST {phone,text}）。url 为空时短信只写入日志（演示与测试）。", "通知")
SMTP = cfg.define("notify.smtp", {"host": "", "port": 587, "sender": "", "username": "", "password": ""},
                  "发信 SMTP 服务器。host 为空时邮件只写入日志。", "通知")


@dataclass
class Job:
    name: str
    every_seconds: float
    fn: Callable[[Session], object]
    last_run: float = 0.0


JOBS: dict[str, Job] = {}


def register(name: str, every_seconds: float) -> Callable[[Callable[[Session], object]], Callable[[Session], object]]:
    def deco(fn: Callable[[Session], object]) -> Callable[[Session], object]:
        JOBS[name] = Job(name, every_seconds, fn)
        return fn

    return deco


def senders(session: Session) -> dict[str, Sender]:
    from chengguan.notify.service import InboxSender

    out: dict[str, Sender] = {"webhook": WebhookSender(session), "inbox": InboxSender(session)}
    from chengguan.exchange.service import ExchangeSender  # 数据交换: signed webhooks to partner platforms

    out["exchange"] = ExchangeSender(session)
    sms = cfg.value(session, SMS_GATEWAY.key) or {}
    out["sms"] = HttpSmsSender(sms["url"], sms.get("token", "")) if sms.get("url") else LogSender("sms")
    smtp = cfg.value(session, SMTP.key) or {}
    out["email"] = (SmtpEmailSender(smtp["host"], int(smtp.get("port", 587)), smtp.get("sender", ""),
                                    smtp.get("username") or None, smtp.get("password") or None)
                    if smtp.get("host") else LogSender("email"))
    return out


def _load_jobs() -> None:
    # Domains register their jobs at import time.
    import chengguan.routes as routes

    routes.load_all()


def run_once(now: float | None = None) -> dict[str, object]:
    _load_jobs()
    results: dict[str, object] = {}
    now = time.monotonic() if now is None else now
    for job in JOBS.values():
        if now - job.last_run < job.every_seconds:
            continue
        try:
            with session_scope() as s:
                results[job.name] = job.fn(s)
        except Exception:  # one failing job must not stop the others or the outbox
            log.exception("job %s failed", job.name)
            results[job.name] = "error"
        job.last_run = now
    total: dict[str, int] = {}
    while True:
        with session_scope() as s:
            counts = outbox.deliver_due(s, senders(s), limit=200)
        for k, v in counts.items():  # the whole run's counts, not the last batch's (which may be empty)
            total[k] = total.get(k, 0) + v
        if sum(counts.values()) < 200:
            break
    results["outbox"] = total
    return results


class BackgroundWorker:
    """The worker loop in a daemon thread of the web process (dev/demo convenience; see
    ``CHENGGUAN_EMBEDDED_WORKER``). Production runs ``chengguan worker`` as its own process."""

    def __init__(self) -> None:
        import threading

        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chengguan-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        poll = get_settings().worker_poll_seconds
        while not self._stop.is_set():
            try:
                run_once()
            except Exception:  # keep serving even if a pass fails; it is retried next poll
                log.exception("embedded worker pass failed")
            self._stop.wait(poll)


def run(once: bool = False) -> None:
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    poll = get_settings().worker_poll_seconds
    log.info("worker started")
    while not stop:
        res = run_once()
        if once:
            print(res)
            return
        time.sleep(poll)
