"""Access by license: a signed, fresh, single-use access statement
(:mod:`modelmint.access`) and ``LicenseManager.hasValidLicense`` for the served version.

Order of checks: decode, model and version, freshness, signature (ECDSA locally; an
account with contract code through ERC-1271 ``isValidSignature``), then the nonce is
spent (a replay is ``statement_replayed``), then the license. A positive license answer
is cached for ``cache_seconds`` at most (the license's own expiry is not readable through
``hasValidLicense``, so the bound is kept short); a negative one is never cached. Both
per-account caches are LRUs of at most ``max_accounts`` entries. A node
that cannot be reached fails closed (``rpc_unavailable``).

    >>> gate = LicenseGate(chain, store, domain, version=1, commercial_required=False)
    >>> account = await gate.check(request.headers[HEADER_ACCESS])
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from modelmint.access import (
    AccessDomain,
    SignedStatement,
    check_fresh,
    recover_statement_signer,
    statement_digest,
)
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.bounds import Lru
from modelmint.gateway.errors import ChainReverted, ChainUnavailable, StoreError, chain_failure
from modelmint.gateway.onchain import Chain
from modelmint.gateway.store import Store


@dataclass(eq=False)
class LicenseGate:
    """Checks access statements for the served ``version`` of the ``domain``'s model."""

    chain: Chain
    store: Store
    domain: AccessDomain
    version: int
    commercial_required: bool = False
    cache_seconds: float = 10.0
    clock: Callable[[], float] = time.time
    max_accounts: int = 10_000
    # (account, commercial) -> a positive license answer valid until (clock seconds).
    _cache: Lru[tuple[str, bool], float] = field(init=False)
    _is_contract: Lru[str, bool] = field(init=False)

    def __post_init__(self) -> None:
        self._cache = Lru(self.max_accounts)
        self._is_contract = Lru(self.max_accounts)

    async def check(self, header: str | None) -> str:
        """The licensee's checksummed address, or ``WireError``."""
        signed = SignedStatement.from_header(header)
        statement = signed.statement
        if statement.model_id != self.domain.model_id:
            raise WireError(
                ErrorCode.WRONG_MODEL, f"this gateway serves model {self.domain.model_id}"
            )
        if statement.version != self.version:
            raise WireError(ErrorCode.WRONG_VERSION, f"this gateway serves version {self.version}")
        now = int(self.clock())
        check_fresh(statement, now)
        await self._check_signature(signed)
        if self.commercial_required and not statement.commercial:
            raise WireError(ErrorCode.LICENSE_INVALID, "this gateway requires a commercial license")
        try:
            fresh = await asyncio.to_thread(
                self.store.use_nonce, statement.account, statement.nonce, statement.expires_at
            )
        except StoreError as exc:  # fail closed: a nonce not recorded may be replayed
            raise WireError(ErrorCode.STORE_UNAVAILABLE, exc.message) from None
        if not fresh:
            raise WireError(ErrorCode.STATEMENT_REPLAYED, "this statement was used already")
        key = (statement.account.lower(), statement.commercial)
        if (self._cache.get(key) or 0.0) > self.clock():
            return statement.account
        try:
            valid = await asyncio.to_thread(
                self.chain.has_valid_license,
                statement.account,
                self.domain.model_id,
                statement.commercial,
                self.version,
            )
        except ChainUnavailable as exc:
            raise chain_failure("cannot check the license", exc) from None
        if not valid:
            self._cache.pop(key)
            raise WireError(
                ErrorCode.LICENSE_INVALID,
                f"{statement.account} holds no valid license for version {self.version}",
            )
        self._cache.put(key, self.clock() + self.cache_seconds)
        return statement.account

    async def _check_signature(self, signed: SignedStatement) -> None:
        account = signed.statement.account
        signer = recover_statement_signer(self.domain, signed)
        if signer is not None and signer.lower() == account.lower():
            return
        try:
            is_contract = self._is_contract.get(account)
            if is_contract is None:
                is_contract = await asyncio.to_thread(self.chain.is_contract, account)
                self._is_contract.put(account, is_contract)
            if is_contract:
                digest = statement_digest(self.domain, signed.statement)
                if await asyncio.to_thread(
                    self.chain.is_valid_signature, account, digest, signed.signature
                ):
                    return
        except (ChainUnavailable, ChainReverted) as exc:
            raise chain_failure("cannot check the signature", exc) from None
        raise WireError(ErrorCode.STATEMENT_INVALID, "the statement is not signed by its account")
