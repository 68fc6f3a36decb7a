// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title IModelGovernor
/// @notice Per-model governor: the holders of a model's ModelShares vote on proposals that the
/// model's ModelTimelock (owner of the model NFT) executes - prices, offers, gateways, versions,
/// status and the revenue split. Deployed once as an implementation and cloned (EIP-1167) per
/// model by the Fractionalizer; the full Governor API is OpenZeppelin's IGovernor.
interface IModelGovernor {
    /// @notice Initializes a fresh clone. Callable once; the implementation itself is locked.
    /// @param shares The model's ModelShares token (ERC-5805 votes); durations are in its clock units.
    /// @param timelock The model's ModelTimelock; it must list this governor as proposer.
    /// @param votingDelay Clock units from proposal to snapshot.
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
}
