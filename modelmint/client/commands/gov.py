"""``modelmint gov ...``: propose, vote, queue, execute and show proposals of the protocol
governor, or with ``--model N`` of a fractionalized model's governor (its shares vote).

    modelmint gov propose --model 1 publish-version --weights w.onnx --uri ipfs://v2
    modelmint gov propose raw 0xTarget "setFeeBps(uint16)" 250          # protocol governor
    modelmint gov vote --model 1 PROPOSAL_ID for
    modelmint gov queue --model 1 PROPOSAL_ID
    modelmint gov execute --model 1 PROPOSAL_ID
"""

from __future__ import annotations

from typing import Any

import click
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3.contract import Contract

from modelmint.client.commands import Ops, operation, ops_of
from modelmint.client.commands.actions import ACTIONS, Action, Built
from modelmint.client.commands.owner import shares_of
from modelmint.client.errors import NotFound
from modelmint.client.units import format_date

STATES = ("Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired",
          "Executed")  # fmt: skip
SUPPORT = {"against": 0, "for": 1, "abstain": 2}


def governor_of(ops: Ops, model_id: int | None) -> Contract:
    if model_id is None:
        return ops.contract("ProtocolGovernor")
    return ops.at("ModelGovernor", shares_of(ops, model_id)[1])


def when(governor: Contract, point: int) -> str:
    """A governor clock value as people read it: a date, or a block number."""
    mode = str(governor.functions.CLOCK_MODE().call())
    return format_date(point) if "timestamp" in mode else f"block {point}"


@click.group()
def gov() -> None:
    """Protocol governance, or a fractionalized model's (--model N)."""


@gov.group(invoke_without_command=False)
@click.option("--model", "model_id", type=int, default=None, help="A model's governor.")
@click.option("--description", default=None, help="Proposal text (default: the action).")
@click.pass_context
def propose(ctx: click.Context, model_id: int | None, description: str | None) -> None:
    """Propose a named action (or `raw TARGET SIGNATURE ARGS...`) to a governor."""
    ctx.obj["proposal"] = {"model_id": model_id, "description": description}


def _submit(ctx: click.Context, built: Built, value: int = 0) -> None:
    ops = ops_of(ctx)
    settings = ctx.obj["proposal"]
    governor = governor_of(ops, settings["model_id"])
    data = built.call._encode_transaction_data()
    target = to_checksum_address(built.call.address)
    text = settings["description"] or f"{built.label} on {target}: {data}"
    fn = governor.functions.propose([target], [value], [bytes.fromhex(data[2:])], text)
    tx = ops.send("propose", fn)
    e = ops.event(governor, "ProposalCreated", tx)
    ops.done(
        f"proposal {e['proposalId']}: {built.label}; voting from {when(governor, e['voteStart'])} "
        f"to {when(governor, e['voteEnd'])}",
        proposal=str(e["proposalId"]), governor=governor.address, voteStart=e["voteStart"],
        voteEnd=e["voteEnd"], tx=tx.tx_hash,
    )  # fmt: skip


def proposed(action: Action) -> click.Command:
    @click.pass_context
    @operation
    def run(ctx: click.Context, **params: Any) -> None:
        if params.get("model_id", 0) is None:
            params["model_id"] = ctx.obj["proposal"]["model_id"]
        _submit(ctx, action.build(ops_of(ctx), params))

    return click.Command(action.name, callback=run, params=list(action.params), help=action.help)


for _action in ACTIONS:
    propose.add_command(proposed(_action))


class _Raw:
    """A call given as target, signature and arguments (what ``Built.call`` needs)."""

    def __init__(self, target: str, signature: str, args: tuple[str, ...]):
        self.address = to_checksum_address(target)
        types = signature[signature.index("(") + 1 : -1].split(",") if "()" not in signature else []
        if len(types) != len(args):
            raise click.UsageError(f"{signature} takes {len(types)} arguments, {len(args)} given")
        values = [_arg(t.strip(), a) for t, a in zip(types, args, strict=True)]
        selector = function_signature_to_4byte_selector(signature.replace(" ", ""))
        self.data = selector + abi_encode([t.strip() for t in types], values)

    def _encode_transaction_data(self) -> str:
        return "0x" + self.data.hex()


def _arg(kind: str, text: str) -> Any:
    if kind.startswith(("uint", "int")):
        return int(text, 0)
    if kind == "bool":
        return text.lower() in ("1", "true", "yes")
    if kind == "address":
        return to_checksum_address(text)
    if kind.startswith("bytes"):
        return bytes.fromhex(text.removeprefix("0x"))
    return text


@propose.command()
@click.argument("target")
@click.argument("signature")
@click.argument("args", nargs=-1)
@click.option("--value", type=int, default=0, help="Wei the timelock sends with the call.")
@click.pass_context
@operation
def raw(ctx: click.Context, target: str, signature: str, args: tuple[str, ...], value: int) -> None:
    """Propose TARGET.SIGNATURE(ARGS...), e.g. 0x.. "setFeeBps(uint16)" 250."""
    _submit(ctx, Built(signature.split("(")[0], _Raw(target, signature, args)), value)


def _proposal(
    governor: Contract, proposal_id: int
) -> tuple[list[str], list[int], list[bytes], bytes]:
    """(targets, values, calldatas, descriptionHash) of a proposal, from ProposalCreated."""
    for log in governor.events.ProposalCreated().get_logs(from_block=0):
        a = log["args"]
        if int(a["proposalId"]) == proposal_id:
            description = keccak(text=a["description"])
            return list(a["targets"]), list(a["values"]), list(a["calldatas"]), description
    raise NotFound(f"no proposal {proposal_id} on governor {governor.address}")


def _on_proposal(*extra: Any) -> Any:
    """The shared head of the proposal commands: ``--model``, PROPOSAL_ID, then ``extra``
    parameter decorators, the context and the failure convention."""

    def head(fn: Any) -> Any:
        fn = click.pass_context(operation(fn))
        for decorate in reversed(extra):
            fn = decorate(fn)
        fn = click.argument("proposal_id", type=int)(fn)
        return click.option("--model", "model_id", type=int, default=None,
                            help="A model's governor.")(fn)  # fmt: skip

    return head


@gov.command()
@_on_proposal(
    click.argument("support", type=click.Choice(list(SUPPORT))),
    click.option("--reason", default=""),
)
def vote(
    ctx: click.Context, model_id: int | None, proposal_id: int, support: str, reason: str
) -> None:
    """Vote for, against or abstain on a proposal."""
    ops = ops_of(ctx)
    governor = governor_of(ops, model_id)
    fn = governor.functions
    call = (fn.castVoteWithReason(proposal_id, SUPPORT[support], reason) if reason
            else fn.castVote(proposal_id, SUPPORT[support]))  # fmt: skip
    tx = ops.send("vote", call)
    e = ops.event(governor, "VoteCast", tx)
    ops.done(f"proposal {proposal_id}: voted {support} with weight {e['weight']}",
             proposal=str(proposal_id), support=support, weight=e["weight"], tx=tx.tx_hash)  # fmt: skip


def _lifecycle(ctx: click.Context, model_id: int | None, proposal_id: int, step: str) -> None:
    ops = ops_of(ctx)
    governor = governor_of(ops, model_id)
    targets, values, calldatas, description = _proposal(governor, proposal_id)
    call = getattr(governor.functions, step)(targets, values, calldatas, description)
    tx = ops.send(step, call, sum(values) if step == "execute" else 0)
    extra: dict[str, Any] = {}
    text = (
        f"proposal {proposal_id}: {step}d"
        if step == "queue"
        else f"proposal {proposal_id}: executed"
    )
    if step == "queue":
        eta = int(governor.functions.proposalEta(proposal_id).call())
        text += f", executable from {format_date(eta)}" if eta else ""
        extra["eta"] = eta
    ops.done(text, proposal=str(proposal_id), step=step, tx=tx.tx_hash, **extra)


def _step(step: str, help: str) -> click.Command:
    @_on_proposal()
    def run(ctx: click.Context, model_id: int | None, proposal_id: int) -> None:
        _lifecycle(ctx, model_id, proposal_id, step)

    return gov.command(step, help=help)(run)


_step("queue", "Queue a succeeded proposal in the timelock.")
_step("execute", "Execute a queued proposal once the timelock delay passed.")


@gov.command()
@_on_proposal()
def show(ctx: click.Context, model_id: int | None, proposal_id: int) -> None:
    """A proposal's state, votes and voting window."""
    ops = ops_of(ctx)
    governor = governor_of(ops, model_id)
    fn = governor.functions
    state = STATES[int(fn.state(proposal_id).call())]
    against, for_, abstain = (int(v) for v in fn.proposalVotes(proposal_id).call())
    start, end = (
        int(fn.proposalSnapshot(proposal_id).call()),
        int(fn.proposalDeadline(proposal_id).call()),
    )
    ops.done(
        f"proposal {proposal_id}: {state}; for {for_}, against {against}, abstain {abstain}; "
        f"voting {when(governor, start)} to {when(governor, end)}",
        proposal=str(proposal_id), state=state, votes={"for": for_, "against": against,
        "abstain": abstain}, voteStart=start, voteEnd=end,
    )  # fmt: skip
