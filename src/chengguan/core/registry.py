"""The one place that imports every model module, so mappers resolve and Alembic sees all tables.
Imported by the app factory, the CLI and migrations/env.py — never by domain code."""

from chengguan.accounts import models as accounts_models  # noqa: F401
from chengguan.assessment import models as assessment_models  # noqa: F401
from chengguan.audit import models as audit_models  # noqa: F401
from chengguan.bulletin import models as bulletin_models  # noqa: F401
from chengguan.cases import models as cases_models  # noqa: F401
from chengguan.catalog import models as catalog_models  # noqa: F401
from chengguan.core.db import Base
from chengguan.duty import models as duty_models  # noqa: F401
from chengguan.enforcement import models as enforcement_models  # noqa: F401
from chengguan.exchange import models as exchange_models  # noqa: F401
from chengguan.geo import models as geo_models  # noqa: F401
from chengguan.notify import models as notify_models  # noqa: F401
from chengguan.open311 import models as open311_models  # noqa: F401
from chengguan.org import models as org_models  # noqa: F401
from chengguan.outbox import models as outbox_models  # noqa: F401
from chengguan.parties import models as parties_models  # noqa: F401
from chengguan.positions import models as positions_models  # noqa: F401
from chengguan.powers import models as powers_models  # noqa: F401
from chengguan.public import models as public_models  # noqa: F401
from chengguan.standardization import models as standardization_models  # noqa: F401
from chengguan.system import models as system_models  # noqa: F401
from chengguan.workforce import models as workforce_models  # noqa: F401
from chengguan.worktime import models as worktime_models  # noqa: F401

metadata = Base.metadata
