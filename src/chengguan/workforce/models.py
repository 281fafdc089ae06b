"""The workforce: people (personnel records), their enforcement certificates (行政执法证), training and
exams, performance records, and the equipment they carry (vehicles, radios, 执法记录仪 …).

Who may act as an enforcement officer is decided in ONE place: ``workforce.service.require_certified_officer``.

Vocabulary (stored values → meaning):

* ``Person.kind`` — the staffing category: ``civil_servant`` 公务员, ``managed`` 参照公务员管理 (参公),
  ``institution`` 事业编制, ``auxiliary`` 协管员/辅助人员 (no enforcement power, never certified).
  ``is_formal`` is ``kind != 'auxiliary'``.
* ``Person.force`` — which force the person belongs to, used by joint-squad composition rules (e.g.
  1 police + 2 aux_police + 2 chengguan + 4 xieguan): ``chengguan`` 城管执法队员, ``xieguan`` 城管协管员,
  ``police`` 公安民警, ``aux_police`` 辅警.
* ``Person.status`` — ``in_post`` 在岗, ``training`` 培训/见习, ``suspended`` 停职, ``left`` 离职.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

KINDS = ("civil_servant", "managed", "institution", "auxiliary")
KIND_LABELS = {"civil_servant": "公务员", "managed": "参公", "institution": "事业编", "auxiliary": "协管员"}
FORCES = ("chengguan", "xieguan", "police", "aux_police")
FORCE_LABELS = {"chengguan": "城管", "xieguan": "协管", "police": "公安", "aux_police": "辅警"}
STATUSES = ("in_post", "training", "suspended", "left")
STATUS_LABELS = {"in_post": "在岗", "training": "培训", "suspended": "停职", "left": "离职"}

COURSE_KINDS = ("legal", "drill", "pre_post", "skill", "other")
COURSE_KIND_LABELS = {"legal": "法律法规培训", "drill": "应急演练", "pre_post": "岗前培训", "skill": "业务技能",
                      "other": "其他"}
ATTENDANCE = ("present", "late", "absent", "excused")

EQUIPMENT_TYPES = ("vehicle", "motorcycle", "ebike", "radio", "body_camera", "dash_camera", "camera", "drone",
                   "other")
EQUIPMENT_TYPE_LABELS = {"vehicle": "执法车辆", "motorcycle": "摩托车", "ebike": "电动自行车", "radio": "对讲机",
                         "body_camera": "执法记录仪", "dash_camera": "行车记录仪", "camera": "照相机",
                         "drone": "无人机", "other": "其他"}
EQUIPMENT_STATUSES = ("in_service", "idle", "in_repair", "lost", "scrapped")
EQUIPMENT_STATUS_LABELS = {"in_service": "在用", "idle": "闲置", "in_repair": "维修中", "lost": "丢失",
                           "scrapped": "报废"}
EQUIPMENT_EVENTS = ("check", "maintenance", "repair", "assign", "return", "status")


class Person(Timestamped, Base):
    """A personnel record (人员档案). ``user_id`` links the platform account when the person has one."""

    __tablename__ = "personnel"
    __table_args__ = (
        CheckConstraint(f"kind in {KINDS!r}", name="kind"),
        CheckConstraint(f"force in {FORCES!r}", name="force"),
        CheckConstraint(f"status in {STATUSES!r}", name="status"),
        Index("ix_personnel_dept_status", "department_id", "status"),
    )

    id: Mapped[IdPk]
    user_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="SET NULL"),
                                                unique=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)  # 工号 / 警号
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(16))
    force: Mapped[str] = mapped_column(String(16), default="chengguan")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)  # 大队/中队
    street_code: Mapped[str | None] = mapped_column(String(9), index=True)
    post: Mapped[str] = mapped_column(String(32))  # 岗位: 执法队员, 中队长, 法制员, 内勤, 协管员 …
    status: Mapped[str] = mapped_column(String(12), default="in_post", index=True)
    photo_file_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("stored_files.id"))
    phone: Mapped[str | None] = mapped_column(String(32))
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    certificates: Mapped[list[Certificate]] = relationship(back_populates="person", lazy="selectin",
                                                           order_by="Certificate.valid_to.desc()")

    @property
    def is_formal(self) -> bool:
        return self.kind != "auxiliary"


class PersonEvent(Base):
    """History of a personnel record (status changes, transfers, certificate and exam events)."""

    __tablename__ = "personnel_events"

    id: Mapped[IdPk]
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(BigIntId)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Certificate(Timestamped, Base):
    """An administrative enforcement certificate (行政执法证). ``scopes`` lists the enforcement fields it
    covers (e.g. ``市容环卫``, ``规划``); an empty list means the issuing body's whole remit (综合执法)."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("valid_to >= valid_from", name="valid_range"),
        Index("ix_certificates_valid_to", "valid_to"),
    )

    id: Mapped[IdPk]
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issuing_body: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(200))  # 执法区域/执法类别 as printed on the certificate
    scopes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship(back_populates="certificates")


class TrainingCourse(Timestamped, Base):
    __tablename__ = "training_courses"
    __table_args__ = (CheckConstraint(f"kind in {COURSE_KINDS!r}", name="kind"),)

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    hours: Mapped[float] = mapped_column(Float, default=2.0)
    description: Mapped[str | None] = mapped_column(Text)
    has_exam: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_mark: Mapped[float] = mapped_column(Float, default=60.0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class TrainingSession(Timestamped, Base):
    """One held (or planned) occurrence of a course: the monthly legal class, a quarterly drill …"""

    __tablename__ = "training_sessions"

    id: Mapped[IdPk]
    course_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("training_courses.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    location: Mapped[str | None] = mapped_column(String(100))
    trainer: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(12), default="planned")  # planned / held / cancelled

    course: Mapped[TrainingCourse] = relationship(lazy="joined")


class TrainingAttendance(Base):
    __tablename__ = "training_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        CheckConstraint(f"status in {ATTENDANCE!r}", name="status"),
    )

    id: Mapped[IdPk]
    session_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("training_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="present")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExamResult(Base):
    """An exam score. ``post`` says which post the exam qualifies for (上岗考试); ``course_id`` links a
    course's end-of-course test."""

    __tablename__ = "exam_results"
    __table_args__ = (Index("ix_exam_results_person_taken", "person_id", "taken_on"),)

    id: Mapped[IdPk]
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("training_courses.id"))
    session_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("training_sessions.id"))
    title: Mapped[str] = mapped_column(String(100))
    post: Mapped[str | None] = mapped_column(String(32))
    taken_on: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    pass_mark: Mapped[float] = mapped_column(Float, default=60.0)
    passed: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[int | None] = mapped_column(BigIntId)


class PerformanceRecord(Base):
    """One measured value of one person for one month (cases handled, on-post rate, complaints …).
    Which metrics count, their weights and the 末位 share are settings (``workforce.performance_scheme``)."""

    __tablename__ = "performance_records"
    __table_args__ = (UniqueConstraint("person_id", "period", "metric"),)

    id: Mapped[IdPk]
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[int | None] = mapped_column(BigIntId)


class Equipment(Timestamped, Base):
    """One piece of equipment. ``device_id`` is what the device writes into its recordings (body and dash
    cameras, drones); ``holder_id`` the person who has it now."""

    __tablename__ = "equipment"
    __table_args__ = (
        CheckConstraint(f"type in {EQUIPMENT_TYPES!r}", name="type"),
        CheckConstraint(f"status in {EQUIPMENT_STATUSES!r}", name="status"),
        Index("ix_equipment_type_status", "type", "status"),
    )

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(32), unique=True)  # asset code (资产编号)
    type: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    plate_no: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    holder_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="SET NULL"),
                                                  index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_service")
    acquired_on: Mapped[date | None] = mapped_column(Date)
    last_check_on: Mapped[date | None] = mapped_column(Date)
    next_check_due: Mapped[date | None] = mapped_column(Date, index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class EquipmentEvent(Base):
    """Checks, maintenance, repairs, hand-overs and status changes of a piece of equipment."""

    __tablename__ = "equipment_events"
    __table_args__ = (CheckConstraint(f"kind in {EQUIPMENT_EVENTS!r}", name="kind"),)

    id: Mapped[IdPk]
    equipment_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("equipment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(12))  # ok / fault
    note: Mapped[str | None] = mapped_column(String(500))
    holder_id: Mapped[int | None] = mapped_column(BigIntId)
    cost: Mapped[float | None] = mapped_column(Float)
    actor_id: Mapped[int | None] = mapped_column(BigIntId)


class EquipmentMedia(Base):
    """A recording (stored file) made by a device: the link the enforcement full record (全过程记录) uses
    to show which 执法记录仪 — and whose — produced each piece of evidence."""

    __tablename__ = "equipment_media"
    __table_args__ = (Index("ix_equipment_media_device_at", "device_id", "recorded_at"),)

    id: Mapped[IdPk]
    equipment_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("equipment.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("stored_files.id", ondelete="CASCADE"), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    holder_id: Mapped[int | None] = mapped_column(BigIntId)  # the person holding the device at recording time
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
