// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IModelShares} from "../interfaces/IModelShares.sol";
import {IModelSharesFactory} from "../interfaces/IModelSharesFactory.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {ModelShares} from "./ModelShares.sol";

/// @title ModelSharesFactory
/// @notice Deploys the ModelShares implementation once and clones it per model (EIP-1167 with
/// immutable arguments: router, model id, name, symbol).
contract ModelSharesFactory is IModelSharesFactory {
    using SafeCast for uint256;

    /// @inheritdoc IModelSharesFactory
    address public immutable IMPLEMENTATION;
    /// @inheritdoc IModelSharesFactory
    IRevenueRouter public immutable ROUTER;

    /// @inheritdoc IModelSharesFactory
    mapping(address token => bool) public isShares;

    /// @param router_ The RevenueRouter whose revenue the clones share.
    constructor(IRevenueRouter router_) {
        if (address(router_) == address(0)) revert ModelSharesFactoryZeroAddress();
        ROUTER = router_;
        IMPLEMENTATION = address(new ModelShares());
    }

    /// @inheritdoc IModelSharesFactory
    function createShares(
        uint256 modelId,
        string calldata name,
        string calldata symbol,
        uint256 supply,
        address initialHolder
    ) external returns (address shares) {
        IModelRegistry registry = ROUTER.registry();
        if (!registry.exists(modelId)) revert ModelSharesFactoryUnknownModel(modelId);
        if (registry.ownerOf(modelId) != msg.sender) revert ModelSharesFactoryNotModelOwner(modelId, msg.sender);
        uint256 nameLength = bytes(name).length;
        if (nameLength > type(uint8).max) revert ModelSharesFactoryNameTooLong(nameLength);
        // Immutable arguments read by the clone: router | model id (96 bits) | name length | name | symbol.
        bytes memory args = abi.encodePacked(ROUTER, modelId.toUint96(), uint8(nameLength), name, symbol);
        shares = Clones.cloneWithImmutableArgs(IMPLEMENTATION, args);
        isShares[shares] = true;
        IModelShares(shares).initialize(supply, initialHolder);
        emit SharesCreated(modelId, shares, msg.sender, supply, initialHolder);
    }
}
