// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {IUsageCredits} from "../../interfaces/IUsageCredits.sol";

/// @title ReentrantCreditsReceiver
/// @notice Test-only attacker: when armed, its ERC-1155 receive hook re-enters UsageCredits
/// (redeeming a credit it already holds) in the middle of a mint to it.
contract ReentrantCreditsReceiver is ERC1155Holder {
    IUsageCredits public immutable CREDITS;
    uint256 public modelId;
    bool public armed;

    constructor(IUsageCredits credits_) {
        CREDITS = credits_;
    }

    receive() external payable {}

    function arm(uint256 modelId_) external {
        modelId = modelId_;
        armed = true;
    }

    function onERC1155Received(address, address, uint256, uint256, bytes memory) public override returns (bytes4) {
        if (armed) {
            armed = false;
            CREDITS.redeem(modelId, 1, address(this));
        }
        return this.onERC1155Received.selector;
    }
}
