// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title IModelGovernor
/// @notice Per-model governor: the holders of a model's ModelShares vote on proposals that the
/// model's ModelTimelock (owner of the model NFT) executes - prices, offers, gateways, versions,
/// status and the revenue split. Deployed once as an implementation and cloned (EIP-1167) per
/// model by the Fractionalizer; the full Governor API is OpenZeppelin's IGovernor.
interface IModelGovernor {
    /// @notice The voting delay changed (as OpenZeppelin's GovernorSettings).
    event VotingDelaySet(uint256 oldVotingDelay, uint256 newVotingDelay);
    /// @notice The voting period changed (as OpenZeppelin's GovernorSettings).
    event VotingPeriodSet(uint256 oldVotingPeriod, uint256 newVotingPeriod);
    /// @notice The proposal threshold changed (as OpenZeppelin's GovernorSettings).
    event ProposalThresholdSet(uint256 oldProposalThreshold, uint256 newProposalThreshold);
    /// @notice The quorum numerator changed (as OpenZeppelin's GovernorVotesQuorumFraction).
    event QuorumNumeratorUpdated(uint256 oldQuorumNumerator, uint256 newQuorumNumerator);

    /// @notice The quorum numerator is above the denominator (100).
    error GovernorInvalidQuorumFraction(uint256 quorumNumerator, uint256 quorumDenominator);
    /// @notice A zero voting delay: the vote snapshot would be the proposal's own block, so
    /// shares borrowed for that block (a flash loan around `propose`) would count.
    error ModelGovernorZeroVotingDelay();

    /// @notice Initializes a fresh clone. Callable once; the implementation itself is locked.
    /// @param shares The model's ModelShares token (ERC-5805 votes); durations are in its clock units.
    /// @param timelock The model's ModelTimelock; it must list this governor as proposer.
    /// @param votingDelay Clock units from proposal to snapshot (> 0).
    /// @param votingPeriod Clock units voting stays open (> 0).
    /// @param proposalThreshold Votes needed to propose.
    /// @param quorumNumerator Quorum, percent of the shares' total supply at the snapshot (1..100).
    function initialize(
        IVotes shares,
        address payable timelock,
        uint48 votingDelay,
        uint32 votingPeriod,
        uint256 proposalThreshold,
        uint256 quorumNumerator
    ) external;

    /// @notice Sets the delay (clock units, > 0) from proposal to snapshot; only through a proposal.
    function setVotingDelay(uint48 newVotingDelay) external;

    /// @notice Sets the voting period (clock units, > 0); only through a proposal.
    function setVotingPeriod(uint32 newVotingPeriod) external;

    /// @notice Sets the votes needed to propose; only through a proposal.
    function setProposalThreshold(uint256 newProposalThreshold) external;

    /// @notice Sets the quorum numerator (percent, <= 100) from the current clock on; proposals
    /// keep the numerator of their snapshot. Only through a proposal.
    function updateQuorumNumerator(uint256 newQuorumNumerator) external;

    /// @notice The shares token whose past votes and supply the governor reads.
    function token() external view returns (IERC5805);

    /// @notice The current quorum numerator (percent of the snapshot supply).
    function quorumNumerator() external view returns (uint256);

    /// @notice The quorum numerator in force at `timepoint`.
    function quorumNumerator(uint256 timepoint) external view returns (uint256);

    /// @notice The quorum denominator (100).
    function quorumDenominator() external view returns (uint256);
}
