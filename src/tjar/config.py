"""Platform settings, read once from the environment (prefix ``TJAR_``)."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "change-me-in-production"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TJAR_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///var/tjar.db"
    # PostgreSQL connections each server process keeps open, and how many
    # more it may open under load (closed again when returned).
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    platform_domain: str = "localhost"
    secret_key: str = DEV_SECRET
    redis_url: str | None = None
    rate_limit_per_minute: int = Field(default=600, ge=1)
    max_json_bytes: int = Field(default=1_048_576, ge=1024)
    default_timezone: str = "Asia/Riyadh"
    api_key_prefix: str = "tjar_sk_"
    log_level: str = "INFO"
    media_backend: Literal["local", "s3"] = "local"
    media_root: Path = Path("var/media")
    media_max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    media_max_files: int = Field(default=10, ge=1)
    media_max_pixels: int = Field(default=40_000_000, ge=1)
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str | None = None
    log_json: bool | None = None
    # How a store's own address is written in webhook payloads.
    store_url: str = "https://{domain}"
    # None: allowed in development and test, refused in production.
    webhook_allow_private_targets: bool | None = None
    # Run a webhook worker inside ``tjar serve``.
    worker_in_process: bool = True
    worker_concurrency: int = Field(default=64, ge=1, le=1000)
    # How long a claimed delivery stays with its worker; keep it well above
    # the 10 s an attempt may take, or a slow attempt may be sent twice.
    worker_lease_seconds: int = Field(default=60, ge=1)
    smtp_url: str | None = None
    smtp_from: str = "Tjar <no-reply@localhost>"

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> "Settings":
        if self.env is Environment.PRODUCTION and self.secret_key == DEV_SECRET:
            raise ValueError("set TJAR_SECRET_KEY to a long random value in production")
        return self

    @property
    def json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.env is Environment.PRODUCTION

    @property
    def private_targets_allowed(self) -> bool:
        if self.webhook_allow_private_targets is not None:
            return self.webhook_allow_private_targets
        return self.env is not Environment.PRODUCTION

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """Return the database file of a SQLite URL, or None for other engines."""
        if not self.is_sqlite:
            return None
        _, _, path = self.database_url.partition(":///")
        return None if path in ("", ":memory:") else Path(path)


@lru_cache
def get_settings() -> Settings:
    return Settings()
