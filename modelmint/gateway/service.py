"""Everything a running gateway holds, built and checked at start.

Start refuses (``StartupError``) when the weights' sha256 differs from the registry's
hash of the served version, when the gateway key is not an allowed gateway of the model,
when credits are not enabled while payments are, or when no key is configured.

    >>> service = Service.start(GatewaySettings(deployment=..., model_id=1))
    >>> service.terms.version_hash.hex()
    >>> service.close()        # flushes the store
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from eth_account import Account

from modelmint.access import AccessDomain
from modelmint.gateway.bounds import TokenBucket
from modelmint.gateway.cards import load_card
from modelmint.gateway.committer import GroupCommitter
from modelmint.gateway.errors import ChainReverted, ChainUnavailable, StartupError
from modelmint.gateway.exact import ExactPayments, start_exact
from modelmint.gateway.ledger import Ledger
from modelmint.gateway.license import LicenseGate
from modelmint.gateway.metrics import Metrics
from modelmint.gateway.model import OnnxModel
from modelmint.gateway.monitor import find_weights
from modelmint.gateway.onchain import Chain
from modelmint.gateway.settings import GatewaySettings
from modelmint.gateway.settler import SettlePolicy, Settler
from modelmint.gateway.store import Durability, SqliteStore, Store
from modelmint.gateway.storelock import StoreLocks
from modelmint.gateway.terms import LedgerLimits, PaymentTerms
from modelmint.provenance import ProvenanceDomain, ServedSigner
from modelmint.records import Record
from modelmint.signing import signer_of
from modelmint.weights import weights_hash

log = logging.getLogger("modelmint.gateway")


def load_account(settings: GatewaySettings) -> Any:
    """The gateway's ``LocalAccount`` from a keystore file or ``PRIVATE_KEY`` (env)."""
    if settings.keystore is not None:
        if settings.keystore_password is None:
            raise StartupError("MODELMINT_GATEWAY_KEYSTORE_PASSWORD is not set")
        keyfile = json.loads(settings.keystore.read_text())
        key = Account.decrypt(keyfile, settings.keystore_password.get_secret_value())
        return Account.from_key(key)
    if settings.private_key is not None:
        return Account.from_key(settings.private_key.get_secret_value())
    raise StartupError(
        "no gateway key: set MODELMINT_GATEWAY_KEYSTORE (+ _KEYSTORE_PASSWORD) "
        "or MODELMINT_GATEWAY_PRIVATE_KEY"
    )


def open_store(settings: GatewaySettings) -> Store:
    """The store the settings name: ``postgresql://`` (or ``postgres://``) URLs open
    :class:`~modelmint.gateway.pgstore.PostgresStore`; ``sqlite:///<path>`` or no URL (then
    ``store_path``) the SQLite file. ``--workers`` above 1 needs PostgreSQL."""
    url = settings.store or ""
    if url.startswith(("postgresql://", "postgres://")):
        from modelmint.gateway.errors import StoreError
        from modelmint.gateway.pgstore import PostgresStore

        try:
            return PostgresStore(url, settings.store_pool_size, settings.store_timeout)
        except StoreError as exc:
            raise StartupError(f"cannot open the store: {exc.message}") from None
    if url and not url.startswith("sqlite:///"):
        raise StartupError(f"store URL {url.split(':')[0]}:// is not sqlite:/// or postgresql://")
    if settings.workers > 1:
        raise StartupError(
            f"workers={settings.workers} needs a PostgreSQL store (--store postgresql://...): "
            "the SQLite store serialises channels inside one process only"
        )
    path = sqlite_path(settings)
    assert path is not None
    return SqliteStore(path, settings.store_synchronous, settings.store_sync_interval)


def sqlite_path(settings: GatewaySettings) -> Path | None:
    """The SQLite file the settings name (``None`` for a PostgreSQL store)."""
    url = settings.store or ""
    if url.startswith(("postgresql://", "postgres://")):
        return None
    return Path(url.removeprefix("sqlite:///")) if url else settings.store_path


def _store_locks(settings: GatewaySettings, roles: tuple[str, ...]) -> StoreLocks:
    """One process per role on a SQLite file (lock files beside it); a PostgreSQL store is
    shared by design (its settler elects a leader instead)."""
    path = sqlite_path(settings)
    return StoreLocks.acquire(path, roles) if path is not None else StoreLocks()


@dataclass
class Service:
    settings: GatewaySettings
    account: Any
    chain: Chain
    model: OnnxModel
    terms: PaymentTerms
    store: Store
    committer: GroupCommitter
    ledger: Ledger
    licenses: LicenseGate
    access_domain: AccessDomain
    provenance_domain: ProvenanceDomain
    settler: Settler
    metrics: Metrics
    locks: StoreLocks = field(default_factory=StoreLocks)
    card: bytes | None = None
    weights_path: Path | None = None
    exact: ExactPayments | None = None
    # The provenance signer per served terms (shared by the per-request copies of the service).
    provers: dict[int, tuple[PaymentTerms, ServedSigner]] = field(default_factory=dict)

    def snapshot(self) -> Service:
        """A shallow copy (``copy.copy``, without its generic protocol): what one request
        serves with, fixed while a version switch replaces this service's model and terms."""
        copied = object.__new__(Service)
        copied.__dict__.update(self.__dict__)
        return copied

    def prover(self) -> ServedSigner:
        """The provenance signer of the version being served (a new one after a switch)."""
        t = self.terms
        found = self.provers.get(id(t))  # the entry holds t: its id is not reused
        if found is None or found[0] is not t:
            if len(self.provers) >= 8:
                self.provers.clear()
            signer = ServedSigner(
                self.provenance_domain,
                signer_of(bytes(self.account.key)),
                model_id=t.model_id,
                version=t.version,
                version_hash=t.version_hash,
            )
            found = self.provers[id(t)] = (t, signer)
        return found[1]

    @cached_property
    def relay_budget(self) -> TokenBucket:
        """The relay's transactions (modelmint.gateway.relay): ``relay_rate`` per second."""
        return TokenBucket(self.settings.relay_rate, self.settings.relay_burst)

    @classmethod
    def start(cls, settings: GatewaySettings) -> Service:
        account = load_account(settings)
        record = Record.load(settings.deployment)
        chain = Chain.connect(settings.rpc_url, record, timeout=settings.rpc_timeout)
        try:
            facts = chain.model_facts(settings.model_id, settings.version)
            allowed = chain.is_gateway(settings.model_id, account.address)
            chain_id = chain.chain_id()
        except (ChainUnavailable, ChainReverted) as exc:
            raise StartupError(f"cannot read the model from chain: {exc.message}") from None
        # A file of WEIGHTS_DIR whose sha256 is the served version's hash, else WEIGHTS.
        weights = find_weights(settings.weights_dir, facts.version_hash) or settings.weights
        served = weights_hash(weights)
        if served != facts.version_hash:
            raise StartupError(
                f"weights sha256 0x{served.hex()} differs from the registry's hash "
                f"0x{facts.version_hash.hex()} of model {settings.model_id} version "
                f"{facts.version}: refusing to serve"
            )
        if not allowed:
            raise StartupError(
                f"{account.address} is not an allowed gateway of model {settings.model_id}"
            )
        if settings.payments_enabled and facts.credit_value == 0:
            raise StartupError(f"credits are not enabled for model {settings.model_id}")
        card = load_card(settings, chain, facts.version, served, weights)
        model = OnnxModel.load(weights, settings.max_batch, settings.input_min, settings.input_max)
        terms = PaymentTerms(
            chain_id=chain_id,
            credits_address=chain.credits.address,
            gateway=account.address,
            model_id=settings.model_id,
            version=facts.version,
            version_hash=facts.version_hash,
            credit_value=facts.credit_value,
            payment_asset=facts.payment_asset,
            receipt_domain=facts.receipt_domain,
            grace_period=facts.grace_period,
            credits_per_item=settings.credits_per_item,
            max_batch=settings.max_batch,
            max_timeout_seconds=settings.max_timeout_seconds,
            min_deadline_margin=settings.min_deadline_margin,
        )
        roles = ("serve", "settle") if settings.settle_in_process else ("serve",)
        locks = _store_locks(settings, roles)
        store = open_store(settings)
        inline = store.shared or settings.store_synchronous is Durability.NORMAL
        committer = GroupCommitter(store, inline=inline)
        metrics = Metrics()
        ledger = Ledger(
            terms,
            chain,
            store,
            committer,
            lock_timeout=settings.lock_timeout,
            limits=LedgerLimits.of(settings),
        )
        access_domain = AccessDomain(chain_id, account.address, settings.model_id)
        licenses = LicenseGate(
            chain,
            store,
            access_domain,
            facts.version,
            settings.commercial_required,
            settings.license_cache_seconds,
            max_accounts=settings.max_accounts,
        )
        settler = Settler(
            chain, store, account, facts.grace_period, SettlePolicy.of(settings), ledger, metrics
        )
        exact = start_exact(settings, chain.w3, record, terms, store, metrics)
        log.info(
            "gateway ready",
            extra={
                "gateway": account.address,
                "model": settings.model_id,
                "version": facts.version,
                "pid": os.getpid(),
            },
        )
        return cls(
            settings=settings,
            account=account,
            chain=chain,
            model=model,
            terms=terms,
            store=store,
            committer=committer,
            ledger=ledger,
            licenses=licenses,
            access_domain=access_domain,
            provenance_domain=ProvenanceDomain(chain_id, account.address),
            settler=settler,
            metrics=metrics,
            locks=locks,
            card=card,
            weights_path=weights,
            exact=exact,
        )

    def close(self) -> None:
        """Flushes pending charges and closes the store."""
        self.committer.close()
        self.store.close()
        self.locks.release()


@dataclass
class SettleService:
    """What ``gateway settle`` holds: the key, the chain and the store; no weights and no
    version (a settler settles whatever the store charged, whichever version served it)."""

    settler: Settler
    store: Store
    locks: StoreLocks

    @classmethod
    def start(cls, settings: GatewaySettings) -> SettleService:
        account = load_account(settings)
        chain = Chain.connect(
            settings.rpc_url, Record.load(settings.deployment), settings.rpc_timeout
        )
        try:
            grace = chain.grace_period()
        except (ChainUnavailable, ChainReverted) as exc:
            raise StartupError(f"cannot read UsageCredits: {exc.message}") from None
        locks = _store_locks(settings, ("settle",))
        store = open_store(settings)
        settler = Settler(chain, store, account, grace, SettlePolicy.of(settings))
        return cls(settler, store, locks)

    def close(self) -> None:
        self.store.close()
        self.locks.release()
