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
from dataclasses import dataclass
from typing import Any

from eth_account import Account

from modelmint.access import AccessDomain
from modelmint.gateway.cards import load_card
from modelmint.gateway.committer import GroupCommitter
from modelmint.gateway.errors import ChainReverted, ChainUnavailable, StartupError
from modelmint.gateway.ledger import Ledger, PaymentTerms
from modelmint.gateway.license import LicenseGate
from modelmint.gateway.metrics import Metrics
from modelmint.gateway.model import OnnxModel
from modelmint.gateway.onchain import Chain
from modelmint.gateway.settings import GatewaySettings
from modelmint.gateway.settler import SettlePolicy, Settler
from modelmint.gateway.store import Durability, SqliteStore
from modelmint.provenance import ProvenanceDomain
from modelmint.records import Record
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


@dataclass
class Service:
    settings: GatewaySettings
    account: Any
    chain: Chain
    model: OnnxModel
    terms: PaymentTerms
    store: SqliteStore
    committer: GroupCommitter
    ledger: Ledger
    licenses: LicenseGate
    access_domain: AccessDomain
    provenance_domain: ProvenanceDomain
    settler: Settler
    metrics: Metrics
    card: bytes | None = None

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
        served = weights_hash(settings.weights)
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
        card = load_card(settings, chain, facts.version, served)
        model = OnnxModel.load(
            settings.weights, settings.max_batch, settings.input_min, settings.input_max
        )
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
        store = SqliteStore(
            settings.store_path, settings.store_synchronous, settings.store_sync_interval
        )
        committer = GroupCommitter(store, inline=settings.store_synchronous is Durability.NORMAL)
        metrics = Metrics()
        ledger = Ledger(terms, chain, store, committer, lock_timeout=settings.lock_timeout)
        access_domain = AccessDomain(chain_id, account.address, settings.model_id)
        licenses = LicenseGate(
            chain,
            store,
            access_domain,
            facts.version,
            settings.commercial_required,
            settings.license_cache_seconds,
        )
        settler = Settler(
            chain, store, account, facts.grace_period, SettlePolicy.of(settings), ledger, metrics
        )
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
            card=card,
        )

    def close(self) -> None:
        """Flushes pending charges and closes the store."""
        self.committer.close()
        self.store.close()
