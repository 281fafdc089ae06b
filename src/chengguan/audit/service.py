"""执法全过程记录: append entries to a hash chain and verify chains.

Interface (keep stable; the enforcement case procedure calls ``record`` for every act):
    record(session, *, subject, action, actor_id, at, location=None, device_id=None, payload, media=(),
           stream=None) -> AuditEntry
    entries(session, subject) -> list[AuditEntry]
    verify(session, stream=None) -> list[StreamReport]

Concurrency: the chain head (``audit_streams`` row) is locked before the next seq is taken —
``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every write transaction already holds the database
write lock (BEGIN IMMEDIATE, see core/db.py). The unique (stream, seq) constraint is the last line:
two writers can never fork a chain; the loser gets an IntegrityError (409 in the API) and retries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengguan.audit.models import GENESIS, AuditEntry, AuditImmutable, AuditStream  # noqa: F401
from chengguan.core import clock
from chengguan.core.errors import Invalid

MEDIA_KINDS = ("photo", "audio", "video", "document", "other")


# ---------------------------------------------------------------- hashing


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, datetime):
        return _ts(o)
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    raise TypeError(f"not JSON serialisable in an audit entry: {type(o).__name__}")


def canonical(obj: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 text kept (not \\u-escaped)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default,
                      allow_nan=False)


def _floats(obj: Any) -> Any:
    # PostgreSQL JSONB prints 1e20 as 100000000000000000000 (read back as an int): store such integral
    # floats as ints up front so the hash computed now equals the one recomputed from the database.
    if isinstance(obj, float) and obj.is_integer() and abs(obj) >= 1e15:
        return int(obj)
    if isinstance(obj, dict):
        return {k: _floats(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_floats(v) for v in obj]
    return obj


def _normalise(obj: Any) -> Any:
    """What the JSON column will give back: plain dicts/lists/str/int/float/bool/None."""
    return _floats(json.loads(canonical(obj))) if obj is not None else None


def _ts(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_of(e: AuditEntry, *, seq: int | None = None, prev_hash: str | None = None) -> dict[str, Any]:
    return {
        "stream": e.stream, "seq": e.seq if seq is None else seq, "subject": e.subject, "action": e.action,
        "actor_id": e.actor_id, "at": _ts(e.at), "location": e.location, "device_id": e.device_id,
        "payload": e.payload, "media": e.media, "prev_hash": e.prev_hash if prev_hash is None else prev_hash,
    }


def compute_hash(e: AuditEntry, **over: Any) -> str:
    return hashlib.sha256(canonical(content_of(e, **over)).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- writing


def _media(items: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for i, m in enumerate(items):
        if not isinstance(m, dict):
            raise Invalid(f"附件 {i + 1} 应为对象（sha256、name、kind）", code="bad_media")
        sha = str(m.get("sha256") or "").lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise Invalid(f"附件 {i + 1} 缺少有效的 SHA-256 摘要", code="bad_media")
        kind = m.get("kind") or "other"
        if kind not in MEDIA_KINDS:
            raise Invalid(f"附件 {i + 1} 类型应为 {'/'.join(MEDIA_KINDS)}", code="bad_media")
        item = {"sha256": sha, "kind": kind}
        for k in ("name", "size", "file_id", "taken_at", "mime"):
            if m.get(k) is not None:
                item[k] = m[k]
        out.append(item)
    return out


def _lock_head(session: Session, stream: str) -> AuditStream:
    stmt = select(AuditStream).where(AuditStream.stream == stream)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    head = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if head is None:
        # First entry of the stream: create the head in a savepoint; a concurrent creator wins the PK race
        # and we lock theirs.
        try:
            with session.begin_nested():
                head = AuditStream(stream=stream, last_seq=0, last_hash=GENESIS, updated_at=clock.now())
                session.add(head)
        except IntegrityError:
            head = session.scalars(stmt.execution_options(populate_existing=True)).one()
    return head


def record(session: Session, *, subject: str, action: str, actor_id: int | None, at: datetime | None,
           location: dict[str, Any] | None = None, device_id: str | None = None,
           payload: dict[str, Any] | None = None, media: Sequence[Any] = (), stream: str | None = None) -> AuditEntry:
    """Append one act to the chain of ``stream`` (default: the subject, e.g. ``enf_case:12``)."""
    if not subject or len(subject) > 80:
        raise Invalid("subject 不能为空且不超过80字符", code="bad_subject")
    if not action or len(action) > 48:
        raise Invalid("action 不能为空且不超过48字符", code="bad_action")
    at = at or clock.now()
    if at.tzinfo is None:
        raise Invalid("时间须带时区", code="naive_datetime")
    if location is not None:
        if not isinstance(location, dict):
            raise Invalid("location 应为对象（lon、lat、address）", code="bad_location")
        for k in ("lon", "lat"):
            if k in location and location[k] is not None and not isinstance(location[k], int | float):
                raise Invalid(f"location.{k} 应为数字", code="bad_location")
    try:
        payload_n = _normalise(payload or {})
        location_n = _normalise(location)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"记录内容无法序列化：{exc}", code="bad_payload") from exc
    stream = stream or subject
    head = _lock_head(session, stream)
    entry = AuditEntry(stream=stream, seq=head.last_seq + 1, subject=subject, action=action, actor_id=actor_id,
                       at=at.astimezone(UTC), location=location_n,
                       device_id=device_id, payload=payload_n, media=_media(media), prev_hash=head.last_hash,
                       recorded_at=clock.now())
    entry.hash = compute_hash(entry)
    session.add(entry)
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    head.updated_at = entry.recorded_at
    session.flush()
    return entry


# ---------------------------------------------------------------- reading and verifying


def entries(session: Session, subject: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.subject == subject)
                                .order_by(AuditEntry.stream, AuditEntry.seq)))


@dataclass
class Problem:
    seq: int | None
    kind: str  # altered / missing / reordered / broken_link / head_mismatch
    message: str


@dataclass
class StreamReport:
    stream: str
    entries: int
    last_seq: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"stream": self.stream, "entries": self.entries, "last_seq": self.last_seq, "ok": self.ok,
                "problems": [p.__dict__ for p in self.problems]}


def _verify_stream(stream: str, rows: list[AuditEntry], head: AuditStream | None) -> StreamReport:
    rep = StreamReport(stream, len(rows), head.last_seq if head else (rows[-1].seq if rows else 0))
    add = rep.problems.append
    by_hash = {r.hash: r for r in rows}
    expected_seq = 1
    prev: AuditEntry | None = None
    prev_id = 0
    for r in rows:
        if r.seq > expected_seq:
            gap = f"{expected_seq}" if r.seq == expected_seq + 1 else f"{expected_seq}–{r.seq - 1}"
            add(Problem(expected_seq, "missing", f"缺少第 {gap} 条记录（已被删除）"))
        recomputed = compute_hash(r)
        if recomputed != r.hash:
            # Was it moved? Its content still matches its own hash with another seq.
            moved_from = next((s for s in range(max(1, r.seq - 1000), r.seq + 1001)
                               if s != r.seq and compute_hash(r, seq=s) == r.hash), None)
            if moved_from is not None:
                add(Problem(r.seq, "reordered", f"第 {r.seq} 条原为第 {moved_from} 条（顺序被调换）"))
            else:
                add(Problem(r.seq, "altered", f"第 {r.seq} 条内容被修改（摘要不符）"))
        link_target = GENESIS if r.seq == 1 else (prev.hash if prev is not None and prev.seq == r.seq - 1 else None)
        if link_target is not None and r.prev_hash != link_target:
            src = by_hash.get(r.prev_hash)
            if src is not None and src is not prev:
                add(Problem(r.seq, "reordered", f"第 {r.seq} 条应接在原第 {src.seq} 条之后（顺序被调换）"))
            elif recomputed == r.hash:
                add(Problem(r.seq, "broken_link", f"第 {r.seq} 条与前一条的链接不符"))
        if r.id < prev_id:
            add(Problem(r.seq, "reordered", f"第 {r.seq} 条的写入顺序早于前一条（顺序被调换）"))
        prev_id = max(prev_id, r.id)
        prev, expected_seq = r, r.seq + 1
    if head is not None:
        last_seq = rows[-1].seq if rows else 0
        if head.last_seq > last_seq:
            gap = f"{last_seq + 1}" if head.last_seq == last_seq + 1 else f"{last_seq + 1}–{head.last_seq}"
            add(Problem(last_seq + 1, "missing", f"缺少第 {gap} 条记录（链尾被删除）"))
        elif rows and head.last_hash != rows[-1].hash and head.last_seq == last_seq:
            add(Problem(last_seq, "head_mismatch", f"第 {last_seq} 条与链头记录的摘要不符"))
    else:
        add(Problem(None, "head_mismatch", "链头记录缺失"))
    # One problem per (seq, kind) is enough.
    seen: set[tuple[int | None, str]] = set()
    unique: list[Problem] = []
    for p in rep.problems:
        if (p.seq, p.kind) not in seen:
            seen.add((p.seq, p.kind))
            unique.append(p)
    rep.problems = unique
    return rep


def verify(session: Session, stream: str | None = None, *, batch: int = 5000) -> list[StreamReport]:
    """Check every chain (or one): each entry's hash, the seq sequence, the prev_hash links and the head.
    All chains are read in one pass ordered by the (stream, seq) unique index, one chain in memory at a time."""
    head_q = select(AuditStream) if stream is None else select(AuditStream).where(AuditStream.stream == stream)
    heads = {h.stream: h for h in session.scalars(head_q)}
    q = select(AuditEntry).order_by(AuditEntry.stream, AuditEntry.seq)
    if stream is not None:
        q = q.where(AuditEntry.stream == stream)
    reports: dict[str, StreamReport] = {}
    rows = session.scalars(q.execution_options(yield_per=batch))
    for s, group in groupby(rows, key=lambda e: e.stream):
        reports[s] = _verify_stream(s, list(group), heads.get(s))
    for s, h in heads.items():  # heads whose every entry is gone
        if s not in reports:
            reports[s] = _verify_stream(s, [], h)
    return [reports[k] for k in sorted(reports)]


def view(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id, "stream": e.stream, "seq": e.seq, "subject": e.subject, "action": e.action,
        "actor_id": e.actor_id, "at": e.at, "location": e.location, "device_id": e.device_id,
        "payload": e.payload, "media": e.media, "prev_hash": e.prev_hash, "hash": e.hash,
    }
