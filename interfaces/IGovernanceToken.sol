// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IGovernanceToken
/// @notice The Modelmint protocol governance token: a fixed-supply ERC-20 with ERC-2612 permit and
/// ERC-5805 votes (IVotes + ERC-6372 clock). The clock is the block timestamp
/// (`CLOCK_MODE() == "mode=timestamp"`), so every governance duration (voting delay, voting period,
/// timelock delay) is expressed in seconds.
/// @dev Voting power is checkpointed: a governor reads `getPastVotes(account, snapshot)` at the
/// proposal snapshot, so tokens bought, borrowed (flash loans) or delegated after the snapshot
/// timepoint carry no weight on that proposal. Holders must delegate (to themselves or another account) to vote.
/// The full standard API (IERC20, IERC20Permit, IVotes, IERC6372) is implemented by OpenZeppelin's
/// ERC20, ERC20Permit and ERC20Votes; this interface only adds what Modelmint defines.
interface IGovernanceToken {
    /// @notice The initial holder was the zero address.
    error GovernanceTokenZeroHolder();
    /// @notice The initial supply was zero.
    error GovernanceTokenZeroSupply();
}
