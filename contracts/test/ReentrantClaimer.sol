// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRevenueRouter} from "../../interfaces/IRevenueRouter.sol";

/// @title ReentrantClaimer
/// @notice Test-only recipient that tries to re-enter the router's claim from its receive hook.
contract ReentrantClaimer {
    IRevenueRouter public immutable ROUTER;
    uint256 public immutable MODEL_ID;
    uint256 public reentries;

    constructor(IRevenueRouter router_, uint256 modelId_) {
        ROUTER = router_;
        MODEL_ID = modelId_;
    }

    /// @notice Claims its balance on the model.
    function attack() external returns (uint256) {
        uint256[] memory ids = new uint256[](1);
        ids[0] = MODEL_ID;
        return ROUTER.claim(ids);
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        ++reentries;
        uint256[] memory ids = new uint256[](1);
        ids[0] = MODEL_ID;
        ROUTER.claim(ids); // reverts with ReentrancyGuardReentrantCall, so the whole claim reverts
    }
}
