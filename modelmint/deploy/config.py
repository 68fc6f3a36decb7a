"""Per-network deployment parameters: ``config/networks/<network>.yaml``, validated on load.

Nothing network-specific lives in the deploy script: fees, governance numbers (the
``governance:`` keys are the fields of :class:`modelmint.deploy.governance.GovernanceParams`),
the treasury, the allow-listed payment tokens and who ends up holding admin powers (``admin``)
all come from here.

Addresses may be written as a hex address, as ``deployer`` (the account running the deploy;
meant for the local chain and forks) or, for tokens, as a name resolved from the deployment
record of the upstream chain (``upstream_record``) or from ``known_tokens``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from eth_utils import is_address, to_checksum_address
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from modelmint.deploy.errors import ConfigError
from modelmint.deploy.governance import (
    DEPLOYER,
    AddressOrDeployer,
    GovernanceParams,
    address_or_deployer,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / "config" / "networks"
BPS = 10_000


class NetworkConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol_fee_bps: int = Field(ge=0, le=BPS)
    treasury: AddressOrDeployer
    governance: GovernanceParams
    admin: str = Field(
        description="who holds the protocol admin powers at the end of the deploy: 'timelock' "
        "(the plan's) or an address or 'deployer'"
    )
    allowed_tokens: tuple[str, ...] = ()
    known_tokens: dict[str, str] = Field(default_factory=dict)
    upstream_record: str | None = None

    @field_validator("admin")
    @classmethod
    def _admin(cls, v, info: ValidationInfo):
        if v == "timelock":
            return v
        return address_or_deployer(v, info)

    @field_validator("known_tokens")
    @classmethod
    def _known(cls, v):
        out = {}
        for name, addr in v.items():
            if not is_address(addr):
                raise ValueError(f"known_tokens.{name} is not a valid address: {addr!r}")
            out[name] = to_checksum_address(addr)
        return out

    @field_validator("allowed_tokens")
    @classmethod
    def _tokens(cls, v):
        seen = set()
        for t in v:
            if not isinstance(t, str) or not t:
                raise ValueError(f"allowed_tokens entries must be addresses or names, got {t!r}")
            key = t.lower()
            if key in seen:
                raise ValueError(f"allowed_tokens lists {t!r} twice")
            seen.add(key)
        return tuple(to_checksum_address(t) if is_address(t) else t for t in v)

    @model_validator(mode="after")
    def _names_resolvable(self):
        names = [t for t in self.allowed_tokens if not is_address(t)]
        if names and self.upstream_record is None and not set(names) <= set(self.known_tokens):
            missing = sorted(set(names) - set(self.known_tokens))
            raise ValueError(
                f"allowed_tokens names {missing} need `upstream_record` or `known_tokens` "
                "to resolve them to addresses"
            )
        return self

    # ------------------------------------------------------------------ resolution

    def resolve_address(self, value: str, deployer: str) -> str:
        """Turn ``deployer`` into the deployer's address; addresses pass through."""
        return deployer if value == DEPLOYER else value

    def resolve_tokens(self, deployments_dir: Path) -> tuple[str, ...]:
        """Allow-listed token addresses; names come from the upstream record, then
        ``known_tokens``. Raises ConfigError naming the token that cannot be resolved."""
        record: dict = {}
        record_path = None
        if self.upstream_record is not None:
            record_path = upstream_record_path(self.upstream_record, deployments_dir)
            if record_path.exists():
                record = json.loads(record_path.read_text()).get("contracts", {})
        out = []
        for t in self.allowed_tokens:
            if is_address(t):
                out.append(t)
            elif t in record and record[t].get("address"):
                out.append(to_checksum_address(record[t]["address"]))
            elif t in self.known_tokens:
                out.append(self.known_tokens[t])
            else:
                where = f"record {record_path}" if record_path else "known_tokens"
                raise ConfigError(f"allowed token {t!r} is not in {where}")
        return tuple(out)


def upstream_record_path(name: str, deployments_dir: Path) -> Path:
    """Where the upstream chain's deployment record lives. ``MODELMINT_UPSTREAM_RECORD``
    (a file path) overrides ``<deployments_dir>/<name>.json``; the local seeded upstream
    sets it so its record never overwrites a real testnet's."""
    if env := os.environ.get("MODELMINT_UPSTREAM_RECORD"):
        return Path(env)
    return deployments_dir / f"{name}.json"


def load_config(network: str, path: Path | None = None) -> NetworkConfig:
    """Load and validate ``config/networks/<network>.yaml`` (or ``path``)."""
    path = Path(path) if path else CONFIG_DIR / f"{network}.yaml"
    if not path.exists():
        raise ConfigError(f"no deployment config for network {network!r}: {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return NetworkConfig.model_validate(data)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
            lines.append(f"  {loc}: {e['msg']}")
        raise ConfigError(f"{path}: invalid deployment config:\n" + "\n".join(lines)) from None
