"""Who may call every state-changing external function of every deployed Modelmint contract.

`TABLE[contract][signature] = (who, note)`, written as one table row per function:
`signature | ROLE | note`, where ROLE names a key of ROLES below. Functions whose role is in
OPEN_ROLES act only on the caller's own state (or are open by design); every other function is
restricted and tests/security/test_access_control.py calls it from an attacker and expects a
revert. docs/ACCESS_CONTROL.md is rendered from this table (`python tools/access_table.py`), and
tests/security/test_access_control.py checks that the table lists exactly the state-changing
functions of every ABI exported in modelmint/abi/.
"""

ROLES = {
    "GOV": "governance (timelock)",
    "OWNER": "model owner",
    "HOLDER": "license holder",
    "GATEWAY": "channel gateway",
    "CONSUMER": "channel consumer",
    "ANYONE": "anyone",
    "SELF": "anyone (own balance / own approvals)",
    "TOKEN": "token holder or approved spender",
    "SIGNER": "signature of the account",
    "PROPOSER": "proposer (above proposal threshold)",
    "CANCEL": "proposer (while pending)",
    "VOTER": "voter (weight = delegated votes)",
    "SELFGOV": "the governor itself (executed proposal)",
    "ROLE_ADMIN": "role admin (the timelock itself)",
    "TL_PROPOSER": "PROPOSER_ROLE (the governor)",
    "TL_CANCELLER": "CANCELLER_ROLE (the governor)",
    "TL_SELF": "the timelock itself (executed operation)",
    "INIT": "initializer (once, by the deploying factory)",
    "RENOUNCE": "the role member itself",
    "RELAY": "anyone relaying a signature (acts only for the recovered signer)",
    "WALLET_OWNER": "the wallet's owner",
    "WALLET_AGENT": (
        "the wallet's owner, or its agent within its per-asset budgets on the wallet's credits "
        "of listed models and gateways"
    ),
}
OPEN_ROLES = {ROLES[r] for r in ("ANYONE", "SELF", "VOTER", "RELAY")}


def rows(table: str) -> dict[str, tuple[str, str]]:
    """`{signature: (who, note)}` from lines `signature | ROLE | note`, one per function."""
    out = {}
    for line in table.strip().splitlines():
        sig, role, note = (cell.strip() for cell in line.split("|"))
        assert sig not in out, f"{sig} listed twice"
        out[sig] = (ROLES[role], note)
    return out


_ERC721 = rows(
    """
    approve(address,uint256)                        | TOKEN | owner or operator of the token
    setApprovalForAll(address,bool)                 | SELF  | sets the caller's operators
    transferFrom(address,address,uint256)           | TOKEN | owner, approved or operator
    safeTransferFrom(address,address,uint256)       | TOKEN | owner, approved or operator
    safeTransferFrom(address,address,uint256,bytes) | TOKEN | owner, approved or operator
    """
)

_ERC20 = rows(
    """
    approve(address,uint256)                                      | SELF   | sets the caller's allowance
    transfer(address,uint256)                                     | SELF   | moves the caller's balance
    transferFrom(address,address,uint256)                         | TOKEN  | needs an allowance from `from`
    permit(address,address,uint256,uint256,uint8,bytes32,bytes32) | SIGNER | EIP-2612 signature of `owner`
    delegate(address)                                             | SELF   | delegates the caller's votes
    delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)  | RELAY  | delegates the signer's votes; nonce-checked
    """
)

_GOVERNOR = rows(
    """
    propose(address[],uint256[],bytes[],string)                                | PROPOSER | votes >= proposalThreshold
    cancel(address[],uint256[],bytes[],bytes32)                                | CANCEL   | only the proposer, only Pending
    queue(address[],uint256[],bytes[],bytes32)                                 | ANYONE   | only a Succeeded proposal
    execute(address[],uint256[],bytes[],bytes32)                               | ANYONE   | only a Queued proposal after delay
    castVote(uint256,uint8)                                                    | VOTER    | weight 0 without votes
    castVoteWithReason(uint256,uint8,string)                                   | VOTER    | weight 0 without votes
    castVoteWithReasonAndParams(uint256,uint8,string,bytes)                    | VOTER    | weight 0 without votes
    castVoteBySig(uint256,uint8,address,bytes)                                 | SIGNER   | vote of the signer
    castVoteWithReasonAndParamsBySig(uint256,uint8,address,string,bytes,bytes) | SIGNER   | vote of the signer
    relay(address,uint256,bytes)                                               | SELFGOV  | onlyGovernance
    setProposalThreshold(uint256)                                              | SELFGOV  | onlyGovernance
    setVotingDelay(uint48)                                                     | SELFGOV  | onlyGovernance
    setVotingPeriod(uint32)                                                    | SELFGOV  | onlyGovernance
    updateQuorumNumerator(uint256)                                             | SELFGOV  | onlyGovernance
    updateTimelock(address)                                                    | SELFGOV  | onlyGovernance
    onERC721Received(address,address,uint256,bytes)                            | ANYONE   | receiver hook, no state
    onERC1155Received(address,address,uint256,uint256,bytes)                   | ANYONE   | receiver hook
    onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)          | ANYONE   | hook
    """
)

_TIMELOCK = rows(
    """
    schedule(address,uint256,bytes,bytes32,bytes32,uint256)            | TL_PROPOSER  | onlyRole
    scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256) | TL_PROPOSER  | onlyRole
    cancel(bytes32)                                                    | TL_CANCELLER | onlyRole
    execute(address,uint256,bytes,bytes32,bytes32)                     | ANYONE       | EXECUTOR_ROLE is open (address(0)); only a ready operation
    executeBatch(address[],uint256[],bytes[],bytes32,bytes32)          | ANYONE       | as execute
    grantRole(bytes32,address)                                         | ROLE_ADMIN   | DEFAULT_ADMIN_ROLE
    revokeRole(bytes32,address)                                        | ROLE_ADMIN   | DEFAULT_ADMIN_ROLE
    renounceRole(bytes32,address)                                      | RENOUNCE     | callerConfirmation must be msg.sender
    updateDelay(uint256)                                               | TL_SELF      | msg.sender must be the timelock
    onERC721Received(address,address,uint256,bytes)                    | ANYONE       | receiver hook, no state
    onERC1155Received(address,address,uint256,uint256,bytes)           | ANYONE       | receiver hook
    onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)  | ANYONE       | hook
    """
)

TABLE: dict[str, dict[str, tuple[str, str]]] = {
    "ModelRegistry": {
        **rows(
            """
            registerModel(address,bytes32,string,string) | ANYONE | caller becomes the owner
            publishVersion(uint256,bytes32,string)       | OWNER  | onlyModelOwner
            setGateway(uint256,address,bool)             | OWNER  | owner; the grant lapses when the token moves, unless kept by transferWithGateways
            transferWithGateways(address,uint256,address[]) | OWNER | owner itself (not an operator); keeps the listed gateways
            setStatus(uint256,uint8)                     | OWNER  | onlyModelOwner
            setFlagged(uint256,bool)                     | GOV    | onlyGovernance
            setPaymentTokenAllowed(address,bool)         | GOV    | onlyGovernance
            setUsageCredits(address)                     | GOV    | onlyGovernance
            transferGovernance(address)                  | GOV    | onlyGovernance
            """
        ),
        **_ERC721,
    },
    "LicenseManager": {
        **rows(
            """
            createOffer((uint256,uint96,uint64,uint32,uint64,uint32,bool,bool,string,bytes32)) | OWNER  | owner of offer.modelId
            setOfferPrice(uint256,uint96)                                                      | OWNER  | owner of the offer's model
            setOfferPaused(uint256,bool)                                                       | OWNER  | owner of the offer's model
            purchase(uint256,address,uint256)                                                  | ANYONE | pays the price
            renew(uint256,uint256)                                                             | ANYONE | pays the price; extends the holder's license
            recordLicense(uint256)                                                             | ANYONE | records a held transferable license for its owner's hasValidLicense; never unrecords
            """
        ),
        **{
            k: (ROLES["HOLDER"] if who == ROLES["TOKEN"] else who, n)
            for k, (who, n) in _ERC721.items()
        },
    },
    "UsageCredits": rows(
        """
        enableCredits(uint256,uint256)                                   | OWNER    | owner of the model
        buyCredits(uint256,uint256,address)                              | ANYONE   | pays for the credits
        redeem(uint256,uint256,address)                                  | SELF     | burns the caller's credits
        openChannel(uint256,address,uint256,uint256,uint40)              | SELF     | locks the caller's credits
        buyAndOpenChannel(uint256,address,uint256,uint256,uint40)        | SELF     | pays for credits locked into the caller's new channel
        topUpChannel((address,address,uint256,uint256),uint256,uint40) | CONSUMER | the channel's consumer
        buyAndTopUpChannel((address,address,uint256,uint256),uint256,uint40) | CONSUMER | the channel's consumer, paying for the credits
        sweep(uint256)                                                   | ANYONE   | pays revenue already earned by settlement to the router
        closeChannel((address,address,uint256,uint256))                | CONSUMER | the channel's consumer, after expiry + grace
        closeChannelCooperatively((address,address,uint256,uint256),uint256,bytes) | CONSUMER | the channel's consumer with the gateway's CooperativeClose signature, or its gateway with the consumer's (or receipt signer's)
        openChannelWithAuthorization((address,uint256,address,uint256,uint256,uint256,address,bytes32,uint256),bytes,(uint8,bytes32,bytes32)) | RELAY | opens a channel for the signer of the intent and of the ERC-3009 authorization paying it
        topUpChannelWithAuthorization((address,address,uint256,uint256,uint256,uint256,bytes32,uint256),bytes,(uint8,bytes32,bytes32)) | RELAY | tops up the channel of the signer of the intent (its consumer), paid by its ERC-3009 authorization
        settle((address,uint256,uint256,uint256,uint256,bytes,uint256)[]) | GATEWAY  | the channel's gateway (the caller is the gateway of the channel the receipt's terms name), with a receipt signed by the channel's consumer or recorded signer; any other receipt is skipped (ReceiptRejected)
        settleAndSweep((address,uint256,uint256,uint256,uint256,bytes,uint256)[],uint256) | GATEWAY | as settle (the channel's gateway; any other receipt is skipped), then the model's sweep (anyone may sweep)
        setReceiptSigner(address)                                        | SELF     | names the key that signs receipts of the caller's channels opened from now on
        setApprovalForAll(address,bool)                                  | SELF     | sets the caller's operators
        safeTransferFrom(address,address,uint256,uint256,bytes)          | TOKEN    | holder or operator
        safeBatchTransferFrom(address,address,uint256[],uint256[],bytes) | TOKEN    | holder or operator
        """
    ),
    "RevenueRouter": rows(
        """
        pay(uint256,uint256)                      | ANYONE | pays revenue to a model
        setRecipients(uint256,address[],uint32[]) | OWNER  | owner of the model
        claim(uint256[])                          | SELF   | pays the caller's accrued revenue
        claimTo(uint256[],address)                | SELF   | pays the caller's accrued revenue to `to`
        claimAmount(uint256,uint256,address)      | SELF   | at most the caller's claimable
        claimFees(address)                        | ANYONE | always pays the treasury
        setFeeBps(uint16)                         | GOV    | registry.governance()
        setTreasury(address)                      | GOV    | registry.governance()
        """
    ),
    "ModelShares": {
        **_ERC20,
        **rows(
            """
            initialize(uint256,address) | INIT   | initializer (only the factory)
            sync()                      | ANYONE | observes pending revenue
            claim()                     | SELF   | pays the caller's share
            claimTo(address)            | SELF   | pays the caller's share to `to`
            claimFor(address)           | ANYONE | pays `account`'s share to its own payout address
            setPayout(address)          | SELF   | sets where claimFor pays the caller's share
            burn(uint256)               | SELF   | burns the caller's shares
            """
        ),
    },
    "ModelSharesFactory": rows(
        """
        createShares(uint256,string,string,uint256,address) | OWNER | owner of the model
        """
    ),
    "ModelPayees": rows(
        """
        forward(uint256,address)         | ANYONE | pays the model's payee's holding of its payment asset into the router for that model
        recover(uint256,address,address) | OWNER  | owner of the model; only assets that are not the model's payment asset
        """
    ),
    "Fractionalizer": rows(
        """
        fractionalize(uint256,(string,string,address,uint256),(uint48,uint32,uint256,uint256,uint256),(address[],uint32[],uint32),address[]) | OWNER | owner of the model (and approved the NFT); listed gateways must be its own
        """
    ),
    "GovernanceToken": dict(_ERC20),
    "ProtocolGovernor": dict(_GOVERNOR),
    "ProtocolTimelock": dict(_TIMELOCK),
    "ModelGovernor": {
        **_GOVERNOR,
        **rows(
            """
            initialize(address,address,uint48,uint32,uint256,uint256) | INIT | initializer
            """
        ),
    },
    "ModelTimelock": {
        **_TIMELOCK,
        **rows(
            """
            initialize(uint256,address[],address[],address) | INIT | initializer
            """
        ),
    },
    "AgentWallet": rows(
        """
        setAgent(address)                                                 | WALLET_OWNER | rotates the agent key
        setBudget(address,uint256)                                        | WALLET_OWNER | the agent's spending ceiling in one asset
        setModelAllowed(uint256,bool)                                     | WALLET_OWNER | lists a model the agent may pay for
        setGatewayAllowed(address,bool)                                   | WALLET_OWNER | lists a gateway the agent may lock credits to
        setSignable(bytes32,bytes32,bool)                                 | WALLET_OWNER | an EIP-712 (domain, type) the agent key may sign for the wallet
        withdraw(address,uint256)                                         | WALLET_OWNER | sends the wallet's ETH
        execute(address,uint256,bytes)                                    | WALLET_AGENT | the agent: only the wallet's UsageCredits, listed models and gateways, charged per asset within budget, to the wallet only
        onERC1155Received(address,address,uint256,uint256,bytes)          | ANYONE       | receiver hook, no state
        onERC1155BatchReceived(address,address,uint256[],uint256[],bytes) | ANYONE       | receiver hook, no state
        """
    ),
}


def restricted(contract: str) -> list[str]:
    return sorted(s for s, (who, _) in TABLE[contract].items() if who not in OPEN_ROLES)


def render() -> str:
    lines = [
        "# Access control",
        "",
        "Generated from `tests/security/access_table.py` by `python tools/access_table.py`;",
        "`tests/security/test_access_control.py` checks that this file is current, that the",
        "table lists exactly the state-changing functions in each ABI, and that an attacker",
        "calling any restricted function is reverted (`UsageCredits.settle`, which never reverts",
        "on one receipt, refuses the attacker's receipt with `ReceiptRejected` and settles nothing).",
        "",
    ]
    for contract, fns in TABLE.items():
        n = len(restricted(contract))
        lines += [f"## {contract}", "", f"{len(fns)} state-changing functions, {n} restricted.", ""]
        lines += ["| Function | Who may call | Note |", "|---|---|---|"]
        for sig in sorted(fns):
            who, note = fns[sig]
            lines.append(f"| `{sig}` | {who} | {note} |")
        lines.append("")
    return "\n".join(lines)
