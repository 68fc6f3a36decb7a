// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Minimal view of the router used by the test recipient.
interface IClaimable {
    function claim(uint256[] calldata modelIds) external returns (uint256);
    function claimTo(uint256[] calldata modelIds, address to) external returns (uint256);
}

/// @title RevertingRecipient
/// @notice Test-only account that refuses ETH (its receive reverts unless `accept` is set) and
/// can claim from the router, to show that a reverting recipient only blocks itself.
contract RevertingRecipient {
    error RevertingRecipientRefused();

    bool public accept;

    /// @notice Turns ETH acceptance on or off.
    function setAccept(bool accept_) external {
        accept = accept_;
    }

    /// @notice Claims `modelIds` from `router` to this contract.
    function claimFrom(IClaimable router, uint256[] calldata modelIds) external returns (uint256) {
        return router.claim(modelIds);
    }

    /// @notice Claims `modelIds` from `router`, sending the proceeds to `to`.
    function claimFromTo(IClaimable router, uint256[] calldata modelIds, address to) external returns (uint256) {
        return router.claimTo(modelIds, to);
    }

    receive() external payable {
        if (!accept) revert RevertingRecipientRefused();
    }
}
