"""x402's standard ``exact`` scheme at the gateway: any x402 client pays one ERC-3009
``transferWithAuthorization`` per call to the model's payee (``ModelPayees.payeeOf``), and a
facilitator verifies it before the model runs and submits it after the model succeeded.

Offered beside ``modelmint-credits`` in the same 402 ``accepts`` list when the model is priced
in an ERC-20 that implements ERC-3009 (``authorizationState``) and names its EIP-712 domain
(ERC-5267 ``eip712Domain()``, else ``name()`` / ``version()``), the deployment has a
ModelPayees factory, and a facilitator is configured: the gateway's own (``x402`` SDK's
``x402FacilitatorSync`` with its EVM exact scheme, paying gas from
``MODELMINT_GATEWAY_FACILITATOR_PRIVATE_KEY``) or an external one (``FACILITATOR_URL``).
The price of a call is the channel price: ``credits x creditValue`` of the model's asset.

One call, in order (:meth:`ExactPayments.serve`):

1. the authorization is checked against this call's requirements (network, asset, payee,
   amount, validity), without RPC;
2. ``(payer, nonce)`` is claimed in the gateway's store atomically (SQLite or PostgreSQL, so
   across replicas): a claimed authorization is never served again; then the facilitator's
   ``verify`` checks it (signature, nonce unused on chain, balance, simulation), and a refusal
   releases the claim;
3. the model runs; if it fails the claim is released and nothing is submitted;
4. the facilitator's ``settle`` submits the transfer; the answer leaves only once it landed,
   with the SDK's ``SettleResponse`` in ``PAYMENT-RESPONSE``. A transfer that fails or reverts
   is recorded and counted, and answered 402 ``settlement_failed`` (with the failed
   ``PAYMENT-RESPONSE``) without the output.

A facilitator that cannot be reached fails closed: 503 ``facilitator_unavailable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from eth_utils import to_checksum_address
from fastapi.responses import Response

from modelmint.abi import load_abi
from modelmint.codec import decode_header
from modelmint.constants import ZERO_ADDRESS
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.authstore import AuthorizationStore
from modelmint.wire import HEADER_PAYMENT_RESPONSE, HEADER_PROVENANCE, network_id

log = logging.getLogger("modelmint.gateway.exact")

EXACT = "exact"
# The facilitator refuses an authorization that expires within this many seconds (x402 SDK).
VALIDITY_MARGIN = 6


def _view(name: str, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> dict[str, Any]:
    """A view function's ABI entry from its parameter and return types."""
    return {
        "name": name,
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(inputs)],
        "outputs": [{"name": f"r{i}", "type": t} for i, t in enumerate(outputs)],
    }


# What the gateway reads of the model's token: ERC-3009 support and its EIP-712 domain.
_TOKEN_ABI = [
    _view("authorizationState", ("address", "bytes32"), ("bool",)),
    _view(
        "eip712Domain",
        (),
        ("bytes1", "string", "string", "uint256", "address", "bytes32", "uint256[]"),
    ),
    _view("name", (), ("string",)),
    _view("version", (), ("string",)),
]


class Facilitator(Protocol):
    """What the gateway asks of a facilitator: the x402 SDK's ``x402FacilitatorSync`` and
    ``HTTPFacilitatorClientSync`` both fit."""

    def verify(self, payload: Any, requirements: Any) -> Any: ...
    def settle(self, payload: Any, requirements: Any) -> Any: ...


@dataclass(frozen=True)
class ExactTerms:
    """Where and in what an ``exact`` payment for this gateway's model is made."""

    chain_id: int
    model_id: int
    asset: str
    pay_to: str
    token_name: str
    token_version: str
    credit_value: int
    max_timeout_seconds: int = 60

    @property
    def network(self) -> str:
        return network_id(self.chain_id)

    def amount(self, credits: int) -> int:
        """The price of a call of ``credits`` credits, in the asset's smallest unit."""
        return credits * self.credit_value

    def requirements_json(self, credits: int) -> dict[str, Any]:
        """The ``exact`` entry of a 402 ``accepts`` list."""
        return {
            "scheme": EXACT,
            "network": self.network,
            "amount": str(self.amount(credits)),
            "asset": self.asset,
            "payTo": self.pay_to,
            "maxTimeoutSeconds": self.max_timeout_seconds,
            "extra": {
                "name": self.token_name,
                "version": self.token_version,
                "modelId": str(self.model_id),
            },
        }

    def requirements(self, credits: int) -> Any:
        from x402.schemas import PaymentRequirements

        return PaymentRequirements.model_validate(self.requirements_json(credits))


def read_terms(
    w3: Any, payees: str, model_id: int, asset: str, credit_value: int, **kw: Any
) -> ExactTerms | None:
    """The model's ``exact`` terms from chain, or ``None`` (with the reason logged) when the
    model cannot be paid with ``exact``: ETH-priced, or its token lacks ERC-3009."""
    if int(asset, 16) == 0:
        log.info("exact not offered: model %s is priced in ETH (no ERC-3009)", model_id)
        return None
    token = w3.eth.contract(address=to_checksum_address(asset), abi=_TOKEN_ABI)
    try:
        token.functions.authorizationState(ZERO_ADDRESS, b"\x00" * 32).call()
    except Exception:  # noqa: BLE001 - any failure means: no ERC-3009 here
        log.info("exact not offered: token %s has no ERC-3009 authorizationState", asset)
        return None
    try:
        _, name, version, *_ = token.functions.eip712Domain().call()
    except Exception:  # noqa: BLE001 - no ERC-5267: read name() and version()
        try:
            name, version = token.functions.name().call(), token.functions.version().call()
        except Exception:  # noqa: BLE001
            log.info("exact not offered: token %s does not name its EIP-712 domain", asset)
            return None
    factory = w3.eth.contract(address=to_checksum_address(payees), abi=load_abi("ModelPayees"))
    return ExactTerms(
        chain_id=int(w3.eth.chain_id),
        model_id=model_id,
        asset=to_checksum_address(asset),
        pay_to=to_checksum_address(factory.functions.payeeOf(model_id).call()),
        token_name=name,
        token_version=version,
        credit_value=credit_value,
        **kw,
    )


def local_facilitator(private_key: str, rpc_url: str, network: str) -> tuple[Facilitator, Any]:
    """The gateway's own facilitator (x402 SDK classes) and its signer, which pays the gas of
    the transfers it submits."""
    from x402 import x402FacilitatorSync
    from x402.mechanisms.evm import FacilitatorWeb3Signer
    from x402.mechanisms.evm.exact import register_exact_evm_facilitator

    signer = FacilitatorWeb3Signer(private_key=private_key, rpc_url=rpc_url)
    facilitator = x402FacilitatorSync()
    register_exact_evm_facilitator(facilitator, signer, networks=network)
    return facilitator, signer


def remote_facilitator(url: str, timeout: float = 10.0) -> Facilitator:
    """An external facilitator at ``url`` (x402's HTTP facilitator API)."""
    from x402.http import FacilitatorConfig, HTTPFacilitatorClientSync

    return HTTPFacilitatorClientSync(FacilitatorConfig(url=url, timeout=timeout))


def is_exact(header: str) -> bool:
    """Whether a ``PAYMENT-SIGNATURE`` value pays with ``exact`` (cheap: one decode)."""
    try:
        accepted = decode_header(header).get("accepted")
    except WireError:
        return False
    return isinstance(accepted, dict) and accepted.get("scheme") == EXACT


class ExactPayments:
    """Verifies, serves and settles ``exact`` payments for one model (see the module doc);
    ``signer`` (the local facilitator's) also forwards the payee into the router."""

    def __init__(
        self,
        terms: ExactTerms,
        facilitator: Facilitator,
        store: AuthorizationStore,
        outcomes: Any = None,
        signer: Any = None,
        payees: str = "",
    ):
        self.terms, self.facilitator, self.store, self.outcomes = (
            terms,
            facilitator,
            store,
            outcomes,
        )
        self.signer, self.payees = signer, payees

    def forward(self) -> str | None:
        """Sends ``ModelPayees.forward(model, asset)`` when the payee holds anything; returns
        the transaction hash (None: nothing to forward, or no key to send it with)."""
        if self.signer is None or not self.payees:
            return None
        if self.signer.get_balance(self.terms.pay_to, self.terms.asset) == 0:
            return None
        tx = self.signer.write_contract(
            self.payees, load_abi("ModelPayees"), "forward", self.terms.model_id, self.terms.asset
        )
        self.signer.wait_for_transaction_receipt(tx)
        log.info("payee forwarded", extra={"model": self.terms.model_id, "tx": tx})
        return str(tx)

    async def forward_forever(self, stop: asyncio.Event, interval: float) -> None:
        """Forwards the payee every ``interval`` seconds until ``stop``; failures are logged
        and retried at the next pass (anyone may forward meanwhile)."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.forward)
            except Exception:
                log.exception("forwarding the payee failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    def accepts(self, credits: int) -> list[dict[str, Any]]:
        return [self.terms.requirements_json(max(credits, 1))]

    def _count(self, outcome: str) -> None:
        if self.outcomes is not None:
            self.outcomes.labels(outcome=outcome).inc()

    async def serve(
        self,
        header: str,
        credits: int,
        produce: Callable[[], bytes],
        prove: Callable[[bytes, str], str],
        refuse: Callable[[WireError], Response],
    ) -> Response:
        """Answers one ``exact``-paid call: ``produce`` runs the model (raising ``WireError``
        on failure), ``prove`` returns the provenance header for (content, payer), ``refuse``
        builds the 402 for a failed settlement."""
        payload = _parse(header)
        requirements = self.terms.requirements(credits)
        payer, nonce, value, valid_before = self._check(payload, requirements)
        # Claimed first (atomic in the store, across replicas): a concurrent or later copy of
        # this authorization is refused here, before any facilitator call.
        if not await asyncio.to_thread(
            self.store.claim_authorization, payer, nonce, value, valid_before
        ):
            self._count("replayed")
            raise WireError(ErrorCode.AUTHORIZATION_USED, "this authorization was already used")
        try:
            verdict = await self._call("verify", payload, requirements)
        except WireError:
            await asyncio.to_thread(self.store.release_authorization, payer, nonce)
            raise
        if not verdict.is_valid:
            await asyncio.to_thread(self.store.release_authorization, payer, nonce)
            self._count("invalid")
            reason = verdict.invalid_reason or "invalid"
            code = (
                ErrorCode.AUTHORIZATION_USED
                if "nonce_already_used" in reason
                else ErrorCode.AUTHORIZATION_INVALID
            )
            raise WireError(code, f"the facilitator refused the authorization: {reason}")
        try:
            content = produce()
        except BaseException:
            await asyncio.to_thread(self.store.release_authorization, payer, nonce)
            raise
        try:
            settled = await self._call("settle", payload, requirements)
        except WireError as err:
            await asyncio.to_thread(
                self.store.finish_authorization, payer, nonce, "failed", "", err.message
            )
            self._count("failed")
            raise
        from x402.http.utils import encode_payment_response_header

        response_header = encode_payment_response_header(settled)
        if not settled.success:
            reason = settled.error_reason or "failed"
            await asyncio.to_thread(
                self.store.finish_authorization,
                payer,
                nonce,
                "failed",
                settled.transaction or "",
                reason,
            )
            self._count("failed")
            log.warning("exact transfer failed", extra={"payer": payer, "reason": reason})
            answer = refuse(
                WireError(
                    ErrorCode.SETTLEMENT_FAILED,
                    f"the transfer was not settled ({reason}); the answer is withheld",
                )
            )
            answer.headers[HEADER_PAYMENT_RESPONSE] = response_header
            return answer
        await asyncio.to_thread(
            self.store.finish_authorization, payer, nonce, "settled", settled.transaction, ""
        )
        self._count("settled")
        return Response(
            content,
            media_type="application/json",
            headers={
                HEADER_PAYMENT_RESPONSE: response_header,
                HEADER_PROVENANCE: prove(content, payer),
            },
        )

    def _check(self, payload: Any, requirements: Any) -> tuple[str, str, int, int]:
        """This call's rules, before any RPC: the facilitator checks them too, but these name
        the exact failure."""
        t = self.terms
        accepted = payload.accepted
        if accepted.network != t.network:
            raise WireError(
                ErrorCode.WRONG_NETWORK, f"network {accepted.network}, expected {t.network}"
            )
        if accepted.asset.lower() != t.asset.lower():
            raise WireError(ErrorCode.WRONG_ASSET, f"asset {accepted.asset}, expected {t.asset}")
        auth = payload.payload.get("authorization") if isinstance(payload.payload, dict) else None
        if not isinstance(auth, dict):
            raise WireError(ErrorCode.INVALID_PAYLOAD, "exact payload without an authorization")
        try:
            payer = to_checksum_address(auth["from"])
            to = to_checksum_address(auth["to"])
            value = int(auth["value"])
            valid_before = int(auth["validBefore"])
            nonce = str(auth["nonce"]).lower()
        except (KeyError, TypeError, ValueError):
            raise WireError(ErrorCode.INVALID_PAYLOAD, "malformed exact authorization") from None
        if to != t.pay_to or accepted.pay_to.lower() != t.pay_to.lower():
            raise WireError(
                ErrorCode.WRONG_PAYEE, f"pays {to}, expected model {t.model_id}'s payee {t.pay_to}"
            )
        amount = int(requirements.amount)
        if value < amount:
            raise WireError(
                ErrorCode.INSUFFICIENT_AMOUNT, f"authorizes {value}, the call costs {amount}"
            )
        if value != amount:
            raise WireError(
                ErrorCode.AUTHORIZATION_INVALID, f"authorizes {value}, exact is {amount}"
            )
        if valid_before < int(time.time()) + VALIDITY_MARGIN:
            raise WireError(
                ErrorCode.AUTHORIZATION_EXPIRED,
                f"the authorization expired (validBefore {valid_before})",
            )
        return payer, nonce, value, valid_before

    async def _call(self, method: str, payload: Any, requirements: Any) -> Any:
        try:
            return await asyncio.to_thread(getattr(self.facilitator, method), payload, requirements)
        except Exception as exc:  # noqa: BLE001 - any facilitator failure: fail closed
            log.warning("facilitator %s failed: %s", method, exc)
            raise WireError(
                ErrorCode.FACILITATOR_UNAVAILABLE,
                f"the facilitator could not {method} the payment; nothing was charged",
            ) from None


def _parse(header: str) -> Any:
    from x402.schemas import PaymentPayload

    obj = decode_header(header)
    try:
        return PaymentPayload.model_validate(obj)
    except Exception:  # noqa: BLE001 - pydantic's ValidationError
        raise WireError(ErrorCode.INVALID_PAYLOAD, "not an x402 exact payment payload") from None


def start_exact(
    settings: Any, w3: Any, record: Any, offer: Any, store: Any, metrics: Any
) -> ExactPayments | None:
    """The gateway's ``exact`` payments from its settings, or ``None`` (reason logged) when
    they are switched off, the deployment has no ModelPayees, no facilitator is configured or
    the model's asset cannot carry them."""
    if not (settings.exact_enabled and settings.payments_enabled):
        return None
    payees = record.address_of("ModelPayees")
    if not payees:
        log.info("exact not offered: the deployment has no ModelPayees")
        return None
    signer = None
    network = network_id(int(w3.eth.chain_id))
    key = settings.facilitator_private_key
    if settings.facilitator_url:
        facilitator = remote_facilitator(settings.facilitator_url, settings.rpc_timeout * 2)
        if key is not None:  # forwards only
            _, signer = local_facilitator(key.get_secret_value(), settings.rpc_url, network)
    elif key is not None:
        facilitator, signer = local_facilitator(key.get_secret_value(), settings.rpc_url, network)
    else:
        log.info("exact not offered: no facilitator (FACILITATOR_URL or FACILITATOR_PRIVATE_KEY)")
        return None
    terms = read_terms(
        w3,
        payees,
        settings.model_id,
        offer.payment_asset,
        offer.credit_value,
        max_timeout_seconds=settings.max_timeout_seconds,
    )
    if terms is None:
        return None
    return ExactPayments(terms, facilitator, store, metrics.exact_payments, signer, payees)
