// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRevenueRouter} from "./IRevenueRouter.sol";

/// @title IModelSharesFactory
/// @notice Creates ModelShares tokens as EIP-1167 clones of one implementation.
/// @dev Only the model token's owner may create shares for a model, so a Fractionalizer must
/// own the model NFT when it calls (it needs it anyway to call router.setRecipients). A model
/// may have several shares tokens; a token earns revenue only while the model owner lists it as
/// a router recipient. `isShares` tells genuine clones from look-alikes.
interface IModelSharesFactory {
    /// @notice No model with this id exists.
    error ModelSharesFactoryUnknownModel(uint256 modelId);
    /// @notice The caller does not own the model token.
    error ModelSharesFactoryNotModelOwner(uint256 modelId, address caller);
    /// @notice The name is longer than 255 bytes.
    error ModelSharesFactoryNameTooLong(uint256 length);
    /// @notice The router address is zero.
    error ModelSharesFactoryZeroAddress();

    /// @notice A shares token was created for `modelId`.
    event SharesCreated(
        uint256 indexed modelId,
        address indexed shares,
        address indexed creator,
        uint256 supply,
        address initialHolder
    );

    /// @notice Clones ModelShares for `modelId` and mints `supply` to `initialHolder`.
    /// Only the model owner. Does not change the router split: list the returned token with
    /// router.setRecipients to route revenue to it.
    /// @return shares The new token.
    function createShares(
        uint256 modelId,
        string calldata name,
        string calldata symbol,
        uint256 supply,
        address initialHolder
    ) external returns (address shares);

    /// @notice Whether `token` was created by this factory.
    function isShares(address token) external view returns (bool);

    /// @notice The ModelShares implementation every clone delegates to.
    function IMPLEMENTATION() external view returns (address);

    /// @notice The router the clones take revenue from.
    function ROUTER() external view returns (IRevenueRouter);
}
