"""Gas of x402 ``exact`` payments, measured on the benchmark world
(:mod:`modelmint.dev.gasbench_world`): an ERC-3009 token (AuthorizedERC20, allow-listed by
the protocol timelock, impersonated on the local chain), a model priced in it with a split,
and ModelPayees.

- ``exact_transfer``: one ``transferWithAuthorization`` to the model's payee, as a facilitator
  submits it (steady state: the payer and the payee already hold the token; the nonce is new);
- ``exact_forward``: ``ModelPayees.forward`` of the payee's holding into the router (payee
  deployed, the model's router state warm);
- ``exact_per_call_forward10`` / ``_forward100``: the gas of one paid call when the payee is
  forwarded once per 10 / 100 calls: the transfer plus its share of one forward.
"""

from __future__ import annotations

import os
from typing import Any

from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.testing import AUTHORIZATION_FIELDS, sign_typed

VALUE = 1_000  # token units (6 decimals) per call


def exact_ops(bench: Any) -> dict[str, float]:
    """The ``exact`` rows of the report, measured on ``bench`` (a gasbench ``Bench``)."""
    project, chain, d = bench.project, bench.chain, bench.deployer
    token = project.AuthorizedERC20.deploy("Modelmint USD", "mmUSD", 6, sender=d)
    timelock = bench.accounts[str(bench.gov.timelock.address)]
    d.transfer(timelock, 10**17)  # gas for the impersonated timelock's one call
    bench.registry.setPaymentTokenAllowed(token, True, sender=timelock)
    payees = deploy_protocol(project, d, only=("payees",), deployed={"router": bench.router}).payees
    model = bench.register(asset=token)
    bench.router.setRecipients(model, [bench.owner, bench.contributor], [3, 1], sender=bench.owner)
    payee = payees.payeeOf(model)
    payer, facilitator = bench.consumer, bench.gateway
    token.mint(payer, 10**12, sender=payer)
    domain = {
        "name": "Modelmint USD",
        "version": "1",
        "chainId": chain.chain_id,
        "verifyingContract": str(token.address),
    }

    def transfer() -> int:
        nonce = os.urandom(32)
        valid_before = chain.pending_timestamp + 3_600
        message = {
            "from": payer.address,
            "to": payee,
            "value": VALUE,
            "validAfter": 0,
            "validBefore": valid_before,
            "nonce": nonce,
        }
        v, r, s = sign_typed(
            payer, domain, "TransferWithAuthorization", AUTHORIZATION_FIELDS, message
        )
        tx = token.transferWithAuthorization(
            payer.address, payee, VALUE, 0, valid_before, nonce, v, r, s, sender=facilitator
        )
        return int(tx.gas_used)

    transfer()
    payees.forward(model, token, sender=facilitator)  # deploys the payee, warms the model
    transfer()  # the payee holds the token again
    gas: dict[str, float] = {"exact_transfer": transfer()}
    gas["exact_forward"] = payees.forward(model, token, sender=facilitator).gas_used
    for n in (10, 100):
        gas[f"exact_per_call_forward{n}"] = round(gas["exact_transfer"] + gas["exact_forward"] / n)
    return gas
