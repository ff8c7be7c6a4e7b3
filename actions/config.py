"""Jiayi's settings, read once from the environment (prefix-free names) and injected.

Nothing else in the code reads the environment.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = Path.home() / ".local" / "share" / "jiayi"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Telegram. Without a token `jiayi run` starts the offline sandbox.
    bot_token: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    telegram_api_base: str | None = Field(
        default=None, description="Base URL of a Bot API server other than Telegram's"
    )

    # Storage. SQLite file by default; PostgreSQL when DATABASE_URL says so.
    state_dir: Path = DEFAULT_STATE_DIR
    database_url: str | None = None
    redis_url: str | None = None
    slot_hold_seconds: int = 300

    # The community.
    # An IANA zone name (Asia/Shanghai); a name the zone database does not know is
    # refused when the settings are read.
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    centre_phone: str = "010-12345678"
    emergency_number: str = "120"
    # A psychological crisis line named beside 120 whenever suicidal language is heard
    # (the national mental-health hotline by default).
    crisis_line: str = "12356"
    # The centre's duty chat (a Telegram group or a duty phone's chat): emergency
    # alerts and call-backs that no family doctor can take go here.
    duty_chat_id: int | None = None
    booking_horizon_days: int = 14
    max_slots_offered: int = 5
    # Open (future, not cancelled) bookings one resident may hold at once.
    max_open_bookings: int = 5

    # Understanding. Without RASA_URL the embedded interpreter serves.
    rasa_url: str | None = None
    rasa_timeout_seconds: float = 2.0
    nlu_cache_dir: Path | None = None

    # Voice. Whisper (its weights ship with Jiayi) hears both languages; pocketsphinx
    # is the light English fallback; Vosk (the [vosk] extra) and the cloud engines need
    # an operator's model or key.
    voice_max_seconds: int = 60
    voice_max_bytes: int = 2 * 1024 * 1024
    voice_engine_en: str = "whisper"
    voice_engine_zh: str = "whisper"
    vosk_model_zh: Path | None = None
    vosk_model_en: Path | None = None
    # Default: assembled from the shipped packages into STATE_DIR/models/whisper-base.
    whisper_model_dir: Path | None = None
    whisper_cpu_threads: int = 2
    whisper_beam_size: int = 5
    # Speech worker processes, notes waiting or in work before "one moment", and the
    # time one note may take before its worker is replaced.
    voice_workers: int = 1
    voice_queue_limit: int = 4
    voice_note_timeout_seconds: float = 30.0
    google_cloud_credentials: SecretStr | None = None
    azure_speech_key: SecretStr | None = None
    azure_speech_region: str | None = None

    # The care loop.
    reminder_offsets_hours: list[int] = [24, 2]
    # When providers get their daily agenda, in the community's zone: "07:30" or "7:30".
    agenda_local_time: time = time(7, 30)
    rating_delay_hours: int = 3
    staff_telegram_ids: list[int] = []
    # An emergency alert still undelivered after this many seconds is escalated to
    # the duty chat.
    emergency_escalation_seconds: int = 120
    # Other messages (not emergencies, not call-backs) are given up after this many
    # hours of failed attempts, and the staff are told.
    outbox_give_up_hours: int = 24
    # Outgoing messages: overall and per chat (Telegram allows about 30 a second and
    # one a second per chat). Shared through Redis when REDIS_URL is set.
    send_per_second: int = 25
    send_per_chat_seconds: int = 1

    # Security and privacy.
    # Updates a person may send: messages and button taps per minute.
    user_messages_per_minute: int = 20
    user_taps_per_minute: int = 40
    # Updates worked on at once by one process; the rest wait their turn (slower, never
    # failed). 0: sized to the database connection pool.
    updates_in_flight: int = 0
    # Conversation state (what a person was in the middle of) is forgotten after this.
    fsm_ttl_hours: int = 24
    # History past its purpose is deleted: finished bookings, ratings, requests,
    # emergencies and call-backs after retention_days; sent or given-up messages after
    # outbox_retention_days.
    retention_days: int = 365
    outbox_retention_days: int = 30

    # The web ends (management dashboard and provider workbench): `jiayi web`, and
    # beside the bot in `jiayi run` unless WEB_ENABLED is false. WEB_BASE_URL is the
    # address people open (behind a proxy, its public https address); login links
    # start with it. The session cookie is encrypted with WEB_SESSION_KEY (a Fernet
    # key); without one a key is generated once into the state directory.
    web_enabled: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = 8088
    web_base_url: str | None = None
    web_session_key: SecretStr | None = None
    web_session_hours: int = 12
    web_login_minutes: int = 10
    # Send the cookie over https only (set it when WEB_BASE_URL is https).
    web_cookie_secure: bool = False

    # Python logging level names; the sandbox writes its log to STATE_DIR/jiayi.log.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # "text" (one line per record) or "json" (one JSON object per record, for a log
    # collector).
    log_format: Literal["text", "json"] = "text"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("agenda_local_time", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> Any:
        # "7:30" as well as "07:30": an hour without its leading zero.
        if isinstance(value, str) and len(value.strip().split(":")[0]) == 1:
            return "0" + value.strip()
        return value

    @property
    def tz(self) -> ZoneInfo:
        return self.timezone

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{self.state_dir / 'jiayi.sqlite3'}"

    @property
    def effective_web_base_url(self) -> str:
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def effective_nlu_cache_dir(self) -> Path:
        return self.nlu_cache_dir or self.state_dir / "nlu"


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings (postgres://, postgresql://) and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


class SettingsError(Exception):
    """Settings that cannot be used; the message names each setting and what is wrong."""


def describe(error: ValidationError) -> str:
    """One line per bad setting, by its environment variable name."""
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
        secret = any(word in name for word in ("TOKEN", "SECRET", "KEY", "CREDENTIALS", "URL"))
        given = "" if secret else f" (got {problem.get('input')!r})"
        lines.append(f"{name}: {problem['msg']}{given}")
    return "; ".join(lines)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None
