// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @notice TEST ONLY: stand-in for RevenueRouter.setRecipients (revenue branch) until it is merged.
/// Records the split; only the model NFT owner may set it, as the real router requires.
contract TestSplitRouter {
    error TestSplitRouterNotModelOwner(uint256 modelId, address caller);

    IERC721 public immutable REGISTRY;
    mapping(uint256 modelId => address[]) private _recipients;
    mapping(uint256 modelId => uint32[]) private _weights;

    constructor(IERC721 registry) {
        REGISTRY = registry;
    }

    function setRecipients(uint256 modelId, address[] calldata recipients, uint32[] calldata weights) external {
        if (REGISTRY.ownerOf(modelId) != msg.sender) revert TestSplitRouterNotModelOwner(modelId, msg.sender);
        _recipients[modelId] = recipients;
        _weights[modelId] = weights;
    }

    function split(uint256 modelId) external view returns (address[] memory, uint32[] memory) {
        return (_recipients[modelId], _weights[modelId]);
    }
}
