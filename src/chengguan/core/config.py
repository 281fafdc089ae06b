"""Settings, read from the environment with the ``CHENGGUAN_`` prefix (or a ``.env`` file).

Every field carries a description: ``chengguan settings`` prints them and ``docs/operations.md``
lists them (a test keeps the two in step).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
DISPLAY_TZ = "Asia/Shanghai"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHENGGUAN_", env_file=".env", extra="ignore")

    environment: Literal["dev", "demo", "test", "production"] = Field(
        "dev",
        description="Run mode. `production` refuses the default secret, demo accounts and the demo loader.",
    )
    database_url: str = Field(
        "sqlite:///var/chengguan.db",
        description="SQLAlchemy URL. Embedded SQLite (WAL) by default; "
        "`postgresql+psycopg://user:pass@host/db` for production.",
    )
    secret_key: str = Field(
        DEV_SECRET,
        description="Signs API tokens. Must be set (≥ 32 characters) in production.",
    )
    data_dir: Path = Field(Path("var"), description="Folder for uploaded files, thumbnails and generated documents.")
    host: str = Field("127.0.0.1", description="Address `chengguan serve` binds to.")
    port: int = Field(8000, description="Port `chengguan serve` listens on (the Makefile passes $PORT).")
    workers: int = Field(1, description="Uvicorn worker processes for `chengguan serve`.")
    token_ttl_minutes: int = Field(12 * 60, description="Lifetime of a bearer token from /api/v1/auth/token.")
    session_ttl_hours: int = Field(12, description="Lifetime of a console login (cookie session).")
    cookie_secure: bool = Field(False, description="Mark the session cookie Secure (set true behind HTTPS).")
    upload_max_bytes: int = Field(15 * 1024 * 1024, description="Largest accepted upload (photo, audio, video).")
    public_rate_limit_per_minute: int = Field(
        30, description="Requests per minute per client address on public (no-login) write endpoints."
    )
    login_rate_limit_per_minute: int = Field(20, description="Login attempts per minute per client address.")
    tile_url: str = Field(
        "",
        description="Base-map tile URL template, e.g. a 天地图 or city tile server `https://…/{z}/{x}/{y}.png`. "
        "Empty: the map draws only the city's own layers (works on a closed network).",
    )
    tile_crs: Literal["wgs84", "gcj02", "bd09"] = Field(
        "wgs84", description="Coordinate system the tiles are drawn in (GCJ-02 for most Chinese commercial tiles)."
    )
    tile_attribution: str = Field("", description="Attribution text shown on the map for the tiles.")
    sqlite_busy_timeout_ms: int = Field(10_000, description="How long SQLite waits for a lock before failing.")
    log_level: str = Field("INFO", description="Logging level.")
    demo_scale: Literal["small", "city", "large"] = Field(
        "city", description="Scale `make run` loads the demo city at when the database is empty."
    )
    worker_poll_seconds: float = Field(2.0, description="How often `chengguan worker` looks for due jobs.")
    embedded_worker: bool | None = Field(
        None,
        description="Run the worker (outbox delivery, deadline warnings) inside the web process. "
        "Default: on in dev/demo (so `make run` needs nothing else), off in test and production "
        "(run `chengguan worker` separately).",
    )

    @property
    def run_embedded_worker(self) -> bool:
        if self.embedded_worker is not None:
            return self.embedded_worker
        return self.environment in ("dev", "demo")

    @model_validator(mode="after")
    def _refuse_defaults_in_production(self) -> Settings:
        if self.environment == "production" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError(
                "CHENGGUAN_SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def demo_allowed(self) -> bool:
        return self.environment != "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
