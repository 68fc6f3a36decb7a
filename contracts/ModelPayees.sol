// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IModelPayee} from "../interfaces/IModelPayee.sol";
import {IModelPayees} from "../interfaces/IModelPayees.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {ModelPayee} from "./ModelPayee.sol";

/// @title ModelPayees
/// @notice Deterministic per-model pay-to addresses whose funds anyone forwards into the
/// RevenueRouter; see IModelPayees.
contract ModelPayees is IModelPayees, ReentrancyGuardTransient {
    /// @inheritdoc IModelPayees
    IRevenueRouter public immutable ROUTER;
    /// @inheritdoc IModelPayees
    IModelRegistry public immutable REGISTRY;
    /// @inheritdoc IModelPayees
    bytes32 public immutable PAYEE_CODE_HASH;

    /// @param router_ The RevenueRouter every payee pays into; its registry names the models.
    constructor(IRevenueRouter router_) {
        if (address(router_) == address(0)) revert ModelPayeesZeroAddress();
        ROUTER = router_;
        REGISTRY = router_.registry();
        PAYEE_CODE_HASH = keccak256(type(ModelPayee).creationCode);
    }

    /// @inheritdoc IModelPayees
    function forward(uint256 modelId, address asset) external nonReentrant returns (uint256 amount) {
        if (!REGISTRY.exists(modelId)) revert ModelPayeesUnknownModel(modelId);
        address paymentAsset = REGISTRY.paymentAsset(modelId);
        if (asset != paymentAsset) revert ModelPayeesNotPaymentAsset(modelId, asset, paymentAsset);
        amount = _payee(modelId).route(ROUTER, modelId, asset);
        if (amount != 0) emit Forwarded(modelId, asset, amount, msg.sender);
    }

    /// @inheritdoc IModelPayees
    function recover(uint256 modelId, address asset, address to) external nonReentrant returns (uint256 amount) {
        if (!REGISTRY.exists(modelId)) revert ModelPayeesUnknownModel(modelId);
        if (REGISTRY.ownerOf(modelId) != msg.sender) revert ModelPayeesNotModelOwner(modelId, msg.sender);
        if (to == address(0)) revert ModelPayeesZeroAddress();
        if (asset == REGISTRY.paymentAsset(modelId)) revert ModelPayeesPaymentAssetNotRecoverable(modelId, asset);
        amount = _payee(modelId).release(asset, to);
        emit Recovered(modelId, asset, to, amount);
    }

    /// @inheritdoc IModelPayees
    function payeeOf(uint256 modelId) public view returns (address) {
        bytes32 h = keccak256(abi.encodePacked(bytes1(0xff), address(this), bytes32(modelId), PAYEE_CODE_HASH));
        return address(uint160(uint256(h)));
    }

    /// @dev The model's payee, deployed now if it is not yet.
    function _payee(uint256 modelId) private returns (IModelPayee payee) {
        payee = IModelPayee(payeeOf(modelId));
        if (address(payee).code.length == 0) {
            new ModelPayee{salt: bytes32(modelId)}();
            emit PayeeDeployed(modelId, address(payee));
        }
    }
}
