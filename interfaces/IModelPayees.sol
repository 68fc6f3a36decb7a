// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "./IModelRegistry.sol";
import {IRevenueRouter} from "./IRevenueRouter.sol";

/// @title IModelPayees
/// @notice One pay-to address per model, for payments that arrive as plain transfers (an x402
/// `exact` payment is one ERC-3009 transfer to it): `payeeOf(modelId)` is a CREATE2 address,
/// computable off chain before anything is deployed, that receives ERC-20 transfers and ETH.
/// Anyone may `forward` what it holds of the model's payment asset into the RevenueRouter for
/// that model (the payee is deployed on the first forward), so the protocol fee and the split
/// apply exactly as for every other payment.
/// @dev Nothing sent to a payee is stuck: the model's payment asset can only go to the router,
/// by anyone, at any time; any other asset (a token the model is not priced in, ETH sent to an
/// ERC-20 model's payee) cannot be routed (`forward` refuses it with
/// ModelPayeesNotPaymentAsset) and the model owner may `recover` it to any address. The address
/// of a payee is keccak256(0xff ++ factory ++ bytes32(modelId) ++ PAYEE_CODE_HASH)[12:].
interface IModelPayees {
    /// @notice A constructor address is zero.
    error ModelPayeesZeroAddress();
    /// @notice No model with this id exists (yet): what its payee holds waits for it.
    error ModelPayeesUnknownModel(uint256 modelId);
    /// @notice `asset` is not the model's payment asset `paymentAsset`: the router cannot take
    /// it (the model owner may recover it).
    error ModelPayeesNotPaymentAsset(uint256 modelId, address asset, address paymentAsset);
    /// @notice The model's payment asset only goes to the router (forward), never elsewhere.
    error ModelPayeesPaymentAssetNotRecoverable(uint256 modelId, address asset);
    /// @notice The caller does not own the model token.
    error ModelPayeesNotModelOwner(uint256 modelId, address caller);

    /// @notice The payee of `modelId` was deployed at `payee`.
    event PayeeDeployed(uint256 indexed modelId, address indexed payee);
    /// @notice `amount` of `asset` held by the model's payee was paid into the router.
    event Forwarded(uint256 indexed modelId, address indexed asset, uint256 amount, address caller);
    /// @notice `amount` of `asset` (not the model's payment asset) was sent to `to`.
    event Recovered(uint256 indexed modelId, address indexed asset, address indexed to, uint256 amount);

    /// @notice Pays everything the model's payee holds of `asset` into the router for the model
    /// (router.pay: protocol fee, then the model's split). Anyone may call; deploys the payee
    /// first if needed. Holding nothing returns 0 and changes nothing but the deployment.
    /// @param asset The model's payment asset (address(0) for an ETH model).
    /// @return amount The amount paid into the router.
    function forward(uint256 modelId, address asset) external returns (uint256 amount);

    /// @notice Sends everything the model's payee holds of `asset`, which must not be the
    /// model's payment asset, to `to`. Only the model owner; deploys the payee first if needed.
    /// @return amount The amount sent.
    function recover(uint256 modelId, address asset, address to) external returns (uint256 amount);

    /// @notice The payee address of `modelId` (deployed or not).
    function payeeOf(uint256 modelId) external view returns (address);

    /// @notice keccak256 of the payee's creation code: with this factory's address and the
    /// model id as salt it gives the payee's CREATE2 address.
    function PAYEE_CODE_HASH() external view returns (bytes32);

    /// @notice The router payees pay into.
    function ROUTER() external view returns (IRevenueRouter);

    /// @notice The registry the model ids, owners and payment assets are read from.
    function REGISTRY() external view returns (IModelRegistry);
}
