"""The gateway's settings: environment variables with the prefix ``MODELMINT_GATEWAY_``
(or keyword arguments in tests). The gateway key is never part of a config file: it comes
from a keystore file (``KEYSTORE`` + ``KEYSTORE_PASSWORD``) or ``PRIVATE_KEY``, both read
from the environment only.

    >>> settings = GatewaySettings(deployment="deployments/local.json", model_id=1)
    >>> settings.credits_per_item
    1
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from modelmint.gateway.cors import parse_origins
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.gateway.store import Durability

_PREFIX = "MODELMINT_GATEWAY_"


def _renamed(field: str) -> AliasChoices:
    """A setting spelled ``licence`` before this release: the old environment name is
    still read, for one release."""
    old = field.replace("license", "licence")
    return AliasChoices(field, f"{_PREFIX}{field}".upper(), f"{_PREFIX}{old}".upper())


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=_PREFIX, extra="forbid")

    # Chain and model.
    rpc_url: str = "http://127.0.0.1:8545"
    deployment: Path = Path("deployments/local.json")
    model_id: int = Field(ge=1)
    version: int = Field(default=0, ge=0, description="0 = the model's latest version")
    weights: Path = DIGITS_ONNX
    card: Path | None = Field(default=None, description="the served version's card file")

    # The gateway key (environment only).
    keystore: Path | None = None
    keystore_password: SecretStr | None = None
    private_key: SecretStr | None = None

    # Serving.
    host: str = "127.0.0.1"
    port: int = 8402
    credits_per_item: int = Field(default=1, ge=0)
    max_batch: int = Field(default=32, ge=1, le=4096)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    input_min: float | None = None
    input_max: float | None = None
    # Browser pages allowed to call cross-origin (modelmint.gateway.cors), e.g. the dashboard:
    # comma-separated origins.
    cors_origins: str = ""
    payments_enabled: bool = True
    license_enabled: bool = Field(default=True, validation_alias=_renamed("license_enabled"))
    commercial_required: bool = False
    license_cache_seconds: float = Field(
        default=10.0, ge=0, validation_alias=_renamed("license_cache_seconds")
    )
    weights_download: bool = True
    weights_commercial_required: bool = True
    lock_timeout: float = Field(default=2.0, gt=0)
    min_deadline_margin: int = Field(default=600, ge=0)
    max_timeout_seconds: int = Field(default=60, ge=1)
    rpc_timeout: float = Field(default=5.0, gt=0)

    # Bounds on what strangers can cost, and the chain re-read (modelmint.gateway.monitor).
    max_channels: int = Field(default=10_000, ge=1)
    rpc_miss_rate: float = Field(default=50.0, gt=0)
    rpc_miss_burst: int = Field(default=200, ge=1)
    # Transactions the relay submits (and pays the gas of) per second, and its burst.
    relay_rate: float = Field(default=1.0, gt=0)
    relay_burst: int = Field(default=20, ge=1)
    unknown_channel_ttl: float = Field(default=1.0, ge=0)
    max_accounts: int = Field(default=10_000, ge=1)
    refresh_interval: float = Field(default=5.0, gt=0)
    weights_dir: Path | None = None

    # Store: a URL, ``sqlite:///<path>`` or ``postgresql://...`` (several processes);
    # without one, the SQLite file store_path.
    store: str | None = None
    store_path: Path = Path("gateway.sqlite3")
    store_pool_size: int = Field(default=20, ge=2)  # PostgreSQL connections per process
    store_timeout: float = Field(default=5.0, gt=0)  # seconds to reach the database
    # Serving processes (uvicorn workers); above 1 needs a PostgreSQL store.
    workers: int = Field(default=1, ge=1, le=64)
    # NORMAL: durable across a crash of the process, fsync every store_sync_interval;
    # FULL: fsync at every commit (see modelmint.gateway.store).
    store_synchronous: Durability = Durability.NORMAL
    store_sync_interval: float = Field(default=1.0, gt=0)

    # x402 `exact` (modelmint.gateway.exact): offered for ERC-3009 tokens when a facilitator is
    # configured: an external one at facilitator_url, else the gateway's own paying gas from
    # facilitator_private_key (environment only; a key apart from the gateway key, whose
    # nonces the settler uses). forward_interval > 0: forward the model's payee into the
    # router that often (seconds), with the facilitator key.
    exact_enabled: bool = True
    facilitator_url: str | None = None
    facilitator_private_key: SecretStr | None = None
    forward_interval: float = Field(default=0.0, ge=0)
    # Settlement.
    settle_in_process: bool = True
    settle_interval: float = Field(default=30.0, gt=0)
    settle_threshold_credits: int = Field(default=10_000, ge=0)
    settle_margin_seconds: int = Field(default=900, ge=0)
    settle_batch_size: int = Field(default=100, ge=1, le=100)
    settle_max_age: float = Field(default=3600.0, ge=0)
    confirmations: int = Field(default=1, ge=1)
    settle_drop_timeout: float = Field(default=120.0, gt=0)
    settle_sweep: bool = False  # settleAndSweep: the batch's model swept in the same transaction

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        parse_origins(value)  # a wildcard or a URL with a path is refused at start
        return value
