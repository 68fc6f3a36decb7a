// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title ProtocolGovernor
/// @notice Modelmint protocol governance: GovernanceToken holders propose and vote; passed
/// proposals are queued in and executed by the ProtocolTimelock, which holds the protocol's
/// admin powers.
/// @dev Plain OpenZeppelin composition, no custom logic:
/// - Settings: voting delay / period (seconds, the token clock is a timestamp) and proposal
///   threshold, changeable only by governance itself.
/// - Counting: simple (Against = 0, For = 1, Abstain = 2). Succeeds iff quorum is reached
///   (For + Abstain >= quorum) and For > Against.
/// - Quorum: `quorumNumerator / 100` of the token's total supply at the proposal snapshot.
/// - Voting power: `token.getPastVotes(voter, snapshot)`; tokens acquired or delegated after the
///   snapshot timepoint do not count, which defeats flash-loaned and just-bought votes. The
///   proposal threshold reads `clock() - 1`, so a loan inside one transaction cannot propose.
///
/// What no proposal can do, however it passes: take users' escrow, licenses or accrued revenue.
/// A passed proposal is executed by the timelock as ordinary calls with the timelock as
/// `msg.sender`; it gets no power beyond what the called contracts grant that address:
/// - ModelRegistry grants governance only `setFlagged`, `setPaymentTokenAllowed`,
///   `transferGovernance`; RevenueRouter only `setFeeBps` (reverts above MAX_FEE_BPS, applies to
///   future payments) and `setTreasury` (receives future protocol fees only).
/// - LicenseManager, UsageCredits and ModelShares have no governance function at all; escrow and
///   accrued revenue leave only through the owner's own calls (redeem, claim), which pay
///   `msg.sender`'s balance - the timelock's balance is zero.
/// - Token transfers of users' NFTs/ERC-20s need the owner's approval, which users give to
///   modules, never to the timelock or the governor (`relay` runs as the governor: same rule).
/// Tests: tests/integration/test_governance_limits_flow.py.
contract ProtocolGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @param token_ The GovernanceToken (ERC-5805 votes, timestamp clock).
    /// @param timelock_ The ProtocolTimelock that executes passed proposals.
    /// @param votingDelay_ Seconds from proposal to snapshot / voting start.
    /// @param votingPeriod_ Seconds voting stays open.
    /// @param proposalThreshold_ Votes needed (at clock() - 1) to propose.
    /// @param quorumNumerator_ Quorum in percent of the snapshot total supply.
    constructor(
        IVotes token_,
        TimelockController timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumNumerator_
    )
        Governor("Modelmint Protocol Governor")
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(token_)
        GovernorVotesQuorumFraction(quorumNumerator_)
        GovernorTimelockControl(timelock_)
    {}

    /// @inheritdoc Governor
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
