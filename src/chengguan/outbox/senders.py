"""Pluggable delivery adapters. Configure real gateways in system settings; the defaults log only."""

from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.core.security import sign
from chengguan.outbox.models import OutboxMessage, WebhookSubscription

log = logging.getLogger("chengguan.outbox")

if TYPE_CHECKING:
    import httpx


def http_client() -> httpx.Client:
    """Imported on first use: httpx costs ~0.5 s at import and the web process rarely sends."""
    import httpx

    return httpx.Client(timeout=10.0)


class FakeSender:
    """For tests: records what was sent; ``fail_times`` makes the next N sends raise."""

    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.fail_times = fail_times

    def send(self, message: OutboxMessage) -> None:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise ConnectionError("fake delivery failure")
        self.sent.append((message.topic, message.recipient, dict(message.payload)))


class LogSender:
    """Writes the message to the log. The default for SMS and e-mail until a gateway is configured,
    so demo installations never message real people."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: OutboxMessage) -> None:
        log.info("[%s → %s] %s %s", self.channel, message.recipient, message.topic, json.dumps(message.payload,
                 ensure_ascii=False, default=str)[:500])


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over ``timestamp.body``; receivers recompute it and reject stale timestamps."""
    return sign(timestamp.encode() + b"." + body, secret)


class WebhookSender:
    """POSTs JSON with ``X-Chengguan-Signature: t=<unix>,v1=<hmac>`` to a subscription's URL."""

    def __init__(self, session: Session, client: httpx.Client | None = None) -> None:
        self.session = session
        self.client = client or http_client()

    def send(self, message: OutboxMessage) -> None:
        url, secret = self._target(message.recipient)
        body = json.dumps(
            {"id": message.id, "topic": message.topic, **message.payload}, ensure_ascii=False, default=str
        ).encode()
        ts = str(int(clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Chengguan-Signature": f"t={ts},v1={webhook_signature(secret, ts, body)}",
            "X-Chengguan-Delivery": str(message.id),
        }
        resp = self.client.post(url, content=body, headers=headers)
        if resp.status_code >= 300:
            raise RuntimeError(f"HTTP {resp.status_code} from {url}")

    def _target(self, recipient: str) -> tuple[str, str]:
        if recipient.startswith("subscription:"):
            sub = self.session.get(WebhookSubscription, int(recipient.split(":", 1)[1]))
            if sub is None or not sub.is_active:
                raise RuntimeError(f"webhook subscription {recipient} is gone or inactive")
            return sub.url, sub.secret
        raise RuntimeError(f"unknown webhook recipient {recipient!r}")


class SmtpEmailSender:
    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = True) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, message: OutboxMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = str(message.payload.get("subject", message.topic))
        mail.set_content(str(message.payload.get("text", "")))
        with smtplib.SMTP(self.host, self.port, timeout=15) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)


class HttpSmsSender:
    """A generic SMS gateway adapter: POST {phone, text, template} to a configured URL with a token."""

    def __init__(self, url: str, token: str, client: httpx.Client | None = None) -> None:
        self.url, self.token = url, token
        self.client = client or http_client()

    def send(self, message: OutboxMessage) -> None:
        resp = self.client.post(
            self.url,
            json={"phone": message.recipient, "text": message.payload.get("text"),
                  "template": message.payload.get("template")},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if resp.status_code >= 300:
            raise RuntimeError(f"SMS gateway answered HTTP {resp.status_code}")
