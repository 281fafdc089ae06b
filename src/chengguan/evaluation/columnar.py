"""The period's event facts as numpy columns, and their counts summed per group — the evaluation's fast path.

Why: at 1M cases a month holds ~0.5M events, and PostgreSQL evaluating ~55 conditional sums per event in five
GROUP BYs (unit grid, department, post, reporter, responsibility grid) was most of the 3.3 s a full evaluation
took. Here the database computes each event's facts once and sends them as fixed-width columns (``COPY …
(FORMAT BINARY)`` on PostgreSQL, which numpy reads in place; plain rows elsewhere). Every attribute a count
predicate reads (action, statuses, role, channel, flags) travels as a small code; the predicates — the very
SQLAlchemy expressions of ``service.COUNTS`` — are evaluated by the same database over the few hundred
DISTINCT combinations of those attributes (a VALUES list), and numpy sums each combination's 0/1 row per group.
``service._scan(reference=True)`` keeps the SQL GROUP BY; the engine tests compare the two."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    SmallInteger,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Session

OTHER = "~other~"  # a value outside an attribute's vocabulary: equal to no constant a predicate names


@dataclass(frozen=True)
class Attr:
    """One attribute the predicates read: SQL type and vocabulary (``None``: a boolean). Codes: 0 = NULL,
    1..n = the vocabulary, n + 1 = any other value."""

    name: str
    type: Any
    vocab: tuple[str, ...] | None = None
    guard: bool = False  # values outside the vocabulary can occur (no CHECK constraint, no filter)

    @property
    def base(self) -> int:
        return 3 if self.vocab is None else len(self.vocab) + 2

    def code(self, col: Any) -> ColumnElement[Any]:
        if self.vocab is None:
            expr = case((col.is_(None), 0), (col, 2), else_=1)
        else:
            expr = case({v: i for i, v in enumerate(self.vocab, 1)}, value=col,
                        else_=case((col.is_(None), 0), else_=len(self.vocab) + 1))
        return cast(expr, SmallInteger)

    def decode(self, code: int) -> Any:
        if code == 0:
            return None
        if self.vocab is None:
            return code == 2
        return self.vocab[code - 1] if code <= len(self.vocab) else OTHER


@dataclass
class Facts:
    """The fact rows as columns: the group keys and ``combo`` (row → index of its attribute combination)."""

    grid: Any  # str codes (numpy 'S' or 'U')
    dept: Any  # int64, -1 = none
    actor: Any  # int64, -1 = none
    role: Any  # int16 code of actor_role
    reporter: Any  # int64, -1 = none
    combo: Any  # intp
    combos: list[tuple[Any, ...]]  # decoded attribute values per combination


def fetch(session: Session, facts_sel: Any, attrs: Sequence[Attr], grid_width: int,
          parts: Sequence[Any] = (), settings: dict[str, str] | None = None,
          meanwhile: Callable[[], None] = lambda: None) -> Facts:
    """The facts of ``facts_sel`` as columns. ``parts``: the same facts split into disjoint selects; on
    PostgreSQL, when the session's transaction has written nothing, they are fetched at once on their own
    connections, all in the session's snapshot (see ``_pg_parallel``). ``settings``: ``set_config`` for the
    helper connections (the caller applies them to the session's). ``meanwhile`` runs on the session while
    the helpers work (or after the facts, without them)."""
    arrays = None
    rows = None
    if session.get_bind().dialect.name == "postgresql":
        rows = _pg_parallel(session, [p.subquery("facts") for p in parts], attrs, grid_width, settings or {},
                            meanwhile)
    if rows is None:
        meanwhile()
    if session.get_bind().dialect.name == "postgresql":
        if rows is None:
            rows = [_pg_execute(session.connection().connection.driver_connection,
                                _pg_sql(session, facts_sel.subquery("facts"), attrs, grid_width))]
        hashes = _vocab_hashes(session, attrs)
        decoded = [_pg_decode(r, attrs, grid_width, hashes) for r in rows]
        if all(d is not None for d in decoded):
            arrays = tuple(np.concatenate([d[i] for d in decoded if d is not None]) for i in range(5))
    if arrays is None:
        f = facts_sel.subquery("facts")
        plain = session.execute(sa_select(
            f.c.grid_code, cast(func.coalesce(f.c.dept, -1), BigInteger),
            cast(func.coalesce(f.c.actor_id, -1), BigInteger), cast(func.coalesce(f.c.reporter_user_id, -1),
                                                                    BigInteger),
            *[a.code(f.c[a.name]) for a in attrs])).all()
        grid = np.array([r[0] for r in plain], dtype=str)
        ints = np.array([r[1:] for r in plain], dtype=np.int64).reshape(len(plain), 3 + len(attrs))
        arrays = (grid, ints[:, 0], ints[:, 1], ints[:, 2], ints[:, 3:])
    grid, dept, actor, reporter, codes = arrays
    key = np.zeros(len(grid), dtype=np.int64)
    for i, a in enumerate(attrs):  # mixed radix: one integer per combination of attribute codes
        key = key * a.base + codes[:, i].astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    combos = []
    for k in uniq.tolist():
        digits = []
        for a in reversed(attrs):
            k, d = divmod(k, a.base)
            digits.append(a.decode(d))
        combos.append(tuple(reversed(digits)))
    role_i = [i for i, a in enumerate(attrs) if a.name == "actor_role"]
    role = codes[:, role_i[0]].astype(np.int16) if role_i else np.zeros(len(grid), np.int16)
    return Facts(grid, dept, actor, role, reporter, inv.reshape(-1), combos)


def _pg_sql(session: Session, f: Any, attrs: Sequence[Attr], grid_width: int) -> str:
    """PostgreSQL: the facts in ONE row of aggregates, each column packed into a bytea of fixed-width values
    (``string_agg`` of ``int8send`` …; one aggregate state fills them in the same row order), read by numpy in
    place — a row per event through the driver costs ~7 µs of Python each. Texts travel as ``hashtext``
    (cheap, unlike a CASE over the vocabulary) and are decoded against the vocabulary's hashes; ``guard``
    attributes check that no value outside the vocabulary shares a hash with it."""
    texts = [a for a in attrs if a.vocab is not None]
    flags = [a for a in attrs if a.vocab is None]
    joined: Any = literal_column("''::bytea")

    def packed(expr: Any, send: str) -> Any:
        return func.string_agg(getattr(func, send)(expr), joined)

    def hashed(a: Attr) -> Any:
        return func.coalesce(func.hashtext(f.c[a.name]), 0)

    guards = [or_(f.c[a.name].is_(None), f.c[a.name].in_(a.vocab or ()),
                  func.hashtext(f.c[a.name]).not_in([func.hashtext(literal(v)) for v in a.vocab or ()] + [0]))
              for a in texts if a.guard]
    flag_code: Any = literal(0)
    for i, a in enumerate(flags):
        flag_code = flag_code + case((f.c[a.name].is_(None), 0), (f.c[a.name], 2), else_=1) * (3 ** i)
    stmt = sa_select(
        func.count(), func.bool_and(func.octet_length(f.c.grid_code) == grid_width),
        func.bool_and(and_(*guards)) if guards else literal(True),
        func.string_agg(func.textsend(f.c.grid_code), joined),
        *[packed(cast(func.coalesce(c, -1), BigInteger), "int8send") for c in (f.c.dept, f.c.actor_id,
                                                                                f.c.reporter_user_id)],
        *[packed(hashed(a), "int4send") for a in texts], packed(cast(flag_code, SmallInteger), "int2send"))
    # literal values: the planner folds hashtext('…') of the vocabulary and hashes the IN lists
    sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    return sql.replace("%", "%%")


def _pg_execute(driver: Any, sql: str) -> tuple[Any, ...]:
    with driver.cursor(binary=True) as cur:
        cur.execute(sql)
        row = cur.fetchone()
    assert row is not None
    return tuple(row)


def _pg_parallel(session: Session, parts: list[Any], attrs: Sequence[Attr], grid_width: int,
                 settings: dict[str, str], meanwhile: Callable[[], None]) -> list[tuple[Any, ...]] | None:
    """The parts' packed rows, each computed on its own connection at the same time (a month at 1M cases is
    ~1.5 s of one backend; two cores halve it), in the session's snapshot (``pg_export_snapshot`` / ``SET
    TRANSACTION SNAPSHOT``: the helpers see exactly what the session sees). ``None`` — do it serially on the
    session — for fewer than two parts, inside a SAVEPOINT, when the session's transaction has written anything
    (another connection cannot see uncommitted rows), or while another evaluation of this process has helpers."""
    if len(parts) < 2:
        return None
    conn = session.connection()
    if conn.in_nested_transaction():  # PostgreSQL cannot export a snapshot from inside a SAVEPOINT
        return None
    if conn.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is not None:
        return None
    # One parallel evaluation per process at a time: at most two extra pooled connections, so requests that
    # each hold one can never all wait for helpers (the others run serially meanwhile).
    if not _PARALLEL.acquire(blocking=False):
        return None
    try:
        return _pg_helpers(session, parts, attrs, grid_width, settings, meanwhile)
    finally:
        _PARALLEL.release()


_PARALLEL = threading.BoundedSemaphore(1)


def _pg_helpers(session: Session, parts: list[Any], attrs: Sequence[Attr], grid_width: int,
                settings: dict[str, str], meanwhile: Callable[[], None]) -> list[tuple[Any, ...]]:
    conn = session.connection()
    snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    sqls = [_pg_sql(session, p, attrs, grid_width) for p in parts]
    engine = conn.engine

    def work(sql: str) -> tuple[Any, ...]:
        import psycopg

        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            driver.rollback()
            before = driver.isolation_level
            driver.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with driver.cursor() as cur:
                    cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                    for k, v in settings.items():
                        cur.execute("SELECT set_config(%s, %s, true)", (k, v))
                return _pg_execute(driver, sql)
            finally:
                driver.rollback()
                driver.isolation_level = before
        finally:
            raw.close()

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(sqls)) as pool:
        futures = [pool.submit(work, sql) for sql in sqls]
        meanwhile()
        return [f.result() for f in futures]


def _pg_decode(row: tuple[Any, ...], attrs: Sequence[Attr], grid_width: int,
               vocab_hashes: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """numpy columns of one packed row; ``None`` (the caller fetches plain rows) when a grid code is not
    ``grid_width`` bytes or a value outside a vocabulary shares a hash with it."""
    texts = [a for a in attrs if a.vocab is not None]
    flags = [a for a in attrs if a.vocab is None]
    n, fixed, exact = row[0], row[1], row[2]
    if not n:
        return (np.zeros(0, f"S{grid_width}"), *[np.zeros(0, np.int64)] * 3, np.zeros((0, len(attrs)), np.int16))
    if not fixed or not exact:
        return None
    grid = np.frombuffer(row[3], dtype=f"S{grid_width}")
    ints = [np.frombuffer(b, dtype=">i8").astype(np.int64) for b in row[4:7]]
    codes = np.zeros((n, len(attrs)), dtype=np.int16)
    at, hi = 0, 7
    for a, b in zip(texts, row[7:7 + len(texts)], strict=True):
        vocab = a.vocab or ()
        vh = np.array(vocab_hashes[at:at + len(vocab)], dtype=np.int64)
        at += len(vocab)
        if len(set(vh.tolist()) | {0}) != len(vh) + 1:  # two words of the vocabulary (or one and NULL) collide
            return None
        h = np.frombuffer(b, dtype=">i4").astype(np.int64)
        order = np.argsort(vh)
        pos = np.minimum(np.searchsorted(vh[order], h), len(vh) - 1)
        hit = vh[order][pos] == h
        codes[:, attrs.index(a)] = np.where(hit, order[pos] + 1, np.where(h == 0, 0, len(vocab) + 1))
        hi += 1
    fl = np.frombuffer(row[hi], dtype=">i2").astype(np.int64)
    for i, a in enumerate(flags):
        codes[:, attrs.index(a)] = (fl // (3 ** i)) % 3
    return grid, ints[0], ints[1], ints[2], codes


def _vocab_hashes(session: Session, attrs: Sequence[Attr]) -> tuple[Any, ...]:
    """``hashtext`` of every vocabulary word, in attribute order (asked of the server: it is its hash)."""
    return tuple(session.execute(sa_select(*[func.hashtext(literal(v)) for a in attrs for v in a.vocab or ()])).one())


_TRUTH: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], tuple[int, ...]]] = {}


def truth(session: Session, attrs: Sequence[Attr], combos: list[tuple[Any, ...]],
          preds: dict[str, Callable[[Any], ColumnElement[bool]]], chunk: int = 400) -> Any:
    """0/1 matrix (combination × predicate), evaluated by the database on the combinations as a derived table
    (the same SQL semantics as the GROUP BY path: NULLs, IN lists, booleans). UNION ALL of one-row SELECTs, not
    VALUES: SQLite has no column aliases for a VALUES list; ``chunk`` stays under its 500 compound terms.
    The predicates are code, so what one says of a combination never changes: kept per process (a month of
    a large city has ~2,000 combinations; the next evaluation asks only for new ones)."""
    names = tuple(preds)
    memo = _TRUTH.setdefault((session.get_bind().dialect.name, names), {})
    if len(memo) > 100_000:  # bounded: combinations are few, but never let a process grow without end
        memo.clear()
    todo = [c for c in dict.fromkeys(combos) if c not in memo]
    for lo in range(0, len(todo), chunk):
        part = todo[lo:lo + chunk]
        rows = [sa_select(literal(j).label("i"), *[cast(literal(v, a.type), a.type).label(a.name) for a, v in zip(
            attrs, c, strict=True)]) for j, c in enumerate(part)]
        t = (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("combos")
        ns = SimpleNamespace(**{a.name: t.c[a.name] for a in attrs})
        for row in session.execute(sa_select(t.c.i, *[case((p(ns), 1), else_=0) for p in preds.values()])):
            memo[part[row[0]]] = tuple(row[1:])
    out = np.array([memo[c] for c in combos], dtype=np.int64)
    return out.reshape(len(combos), len(names))


def dense(keys: Any) -> tuple[Any, Any]:
    """(distinct values sorted, index of each row's value): ``np.unique(return_inverse=True)`` without its sort
    when the values are small integers (departments, users: a lookup table of the value range)."""
    if keys.dtype.kind in "iu" and len(keys):
        lo, hi = int(keys.min()), int(keys.max())
        if hi - lo < 4 * len(keys) + 1024:
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[keys - lo] = True
            idx = np.cumsum(present) - 1
            return np.flatnonzero(present) + lo, idx[keys - lo]
    u, inv = np.unique(keys, return_inverse=True)
    return u, inv.reshape(-1)


def dense_codes(codes: Any) -> tuple[Any, Any]:
    """``dense`` for the grid codes (bytes or str): sorting ~0.5M strings costs twice sorting a 64-bit hash of
    them; the hash is checked (every row's code equals its group's first code), else the strings are sorted."""
    if codes.dtype.kind == "S" and len(codes) and codes.dtype.itemsize <= 16:
        b = np.zeros((len(codes), 16), np.uint8)
        b[:, :codes.dtype.itemsize] = codes.view(np.uint8).reshape(len(codes), codes.dtype.itemsize)
        w = b.view(">u8").reshape(-1, 2)
        h = w[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ w[:, 1]
        _, first, inv = np.unique(h, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        if (codes[first][inv] == codes).all():
            return codes[first], inv
    u, inv = np.unique(codes, return_inverse=True)
    return u, inv.reshape(-1)


def group(kinv: Any, nkeys: int, combo: Any, truth_cols: Any) -> Any:
    """Counts per key (matrix key × column) from each row's key index ``kinv`` (< ``nkeys``) and combination.
    ``truth_cols``: 0/1 per combination and count. The combinations collapse to the few distinct 0/1 patterns
    of these columns; one ``bincount`` of (key, pattern) pairs and a matrix product give the sums, no sort."""
    if not len(kinv) or not truth_cols.shape[1]:
        return np.zeros((nkeys, truth_cols.shape[1]), np.int64)
    pats, pinv = np.unique(truth_cols, axis=0, return_inverse=True)
    npat = len(pats)
    hist = np.bincount(kinv.astype(np.int64) * npat + pinv.reshape(-1)[combo], minlength=nkeys * npat)
    return hist.reshape(nkeys, npat) @ pats
