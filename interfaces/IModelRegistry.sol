// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title IModelRegistry
/// @notice One ERC-721 token per AI model. The token holder is the model's authority:
/// it publishes versions, manages gateways and status. Versions (weights content hash)
/// are append-only. Protocol governance keeps the payment-token allow-list and may flag
/// a model (no new sales; refunds and redemptions stay open).
interface IModelRegistry is IERC721 {
    /// @notice Lifecycle chosen by the model owner.
    enum ModelStatus {
        Active,
        Retired
    }

    /// @notice Per-model record as returned by `model` (stored packed in the token's owner slot,
    /// plus the payment asset's own slot for ERC-20 models).
    struct Model {
        address paymentAsset; // address(0) = ETH, else an allow-listed ERC-20
        uint32 versionCount;
        ModelStatus status;
        bool flagged;
        uint40 registeredAt;
    }

    error ModelRegistryUnknownModel(uint256 modelId);
    error ModelRegistryNotModelOwner(uint256 modelId, address caller);
    error ModelRegistryNotGovernance(address caller);
    error ModelRegistryZeroAddress();
    error ModelRegistryZeroWeightsHash();
    error ModelRegistryTokenNotAllowed(address token);
    /// @notice The token's totalSupply is above MAX_TOKEN_SUPPLY: revenue in it could overflow
    /// ModelShares' revenue fields.
    error ModelRegistryTokenSupplyTooLarge(address token, uint256 supply, uint256 max);
    error ModelRegistryUnknownVersion(uint256 modelId, uint32 version);
    /// @notice The sweep of the model's credit revenue before a transfer ran out of the gas the
    /// caller gave it: retry with more gas.
    error ModelRegistrySweepOutOfGas(uint256 modelId);
    error ModelRegistryStatusUnchanged(uint256 modelId);

    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        address indexed paymentAsset,
        string metadataURI
    );
    event VersionPublished(uint256 indexed modelId, uint32 indexed version, bytes32 weightsHash, string uri);
    event GatewaySet(uint256 indexed modelId, address indexed gateway, bool allowed);
    event ModelStatusChanged(uint256 indexed modelId, ModelStatus status);
    event ModelFlagged(uint256 indexed modelId, bool flagged);
    event PaymentTokenAllowed(address indexed token, bool allowed);
    event GovernanceTransferred(address indexed previous, address indexed next);
    event UsageCreditsSet(address indexed previous, address indexed current);

    /// @notice Registers a model with its first version (version 1) and mints its token to the caller.
    /// @param paymentAsset address(0) for ETH or an allow-listed ERC-20; fixed for the model's life.
    /// @param weightsHash Content hash of the weights file (sha256 of the bytes, see modelmint.weights).
    /// @param versionURI Where version 1 can be fetched.
    /// @param metadataURI Model card / metadata location (emitted, not stored).
    /// @return modelId The new model's token id (ids start at 1).
    function registerModel(
        address paymentAsset,
        bytes32 weightsHash,
        string calldata versionURI,
        string calldata metadataURI
    ) external returns (uint256 modelId);

    /// @notice Appends a version. Only the model owner.
    /// @return version The new version number (1-based).
    function publishVersion(
        uint256 modelId,
        bytes32 weightsHash,
        string calldata uri
    ) external returns (uint32 version);

    /// @notice Allows or disallows `gateway` to meter usage of the model. Only the model owner.
    /// A grant belongs to the granting owner's tenure: it lapses when the model token is
    /// transferred (sale, fractionalization) and does not revive if the token comes back (unless
    /// to the same owner after a multiple of 256 transfers: the epoch has 8 bits).
    function setGateway(uint256 modelId, address gateway, bool allowed) external;

    /// @notice Transfers the model token to `to` (checked like `safeTransferFrom`: a contract
    /// recipient must accept it) and allows `gateways` for the new owner's tenure in the same
    /// call, so that they keep metering the model after the move. Only the model owner itself
    /// (not an approved operator): the grants are the owner's choice. Every other grant lapses
    /// as with any transfer; the new owner revokes any of `gateways` with `setGateway`. Each
    /// kept gateway emits `GatewaySet(modelId, gateway, true)` after the `Transfer`.
    /// The Fractionalizer hands a model to its timelock this way.
    /// @param to The new owner (non-zero).
    /// @param gateways Gateways allowed under `to` (non-zero; may be empty: a plain transfer).
    function transferWithGateways(address to, uint256 modelId, address[] calldata gateways) external;

    /// @notice Sets Active / Retired. Only the model owner. Retired models accept no new sales.
    function setStatus(uint256 modelId, ModelStatus status) external;

    /// @notice Flags or unflags a model. Only governance. Flagged models accept no new sales.
    function setFlagged(uint256 modelId, bool flagged) external;

    /// @notice Adds or removes an ERC-20 from the payment allow-list. Only governance.
    /// Removing a token does not affect models already priced in it. Adding a token whose
    /// totalSupply is above MAX_TOKEN_SUPPLY (2^119) reverts ModelRegistryTokenSupplyTooLarge:
    /// revenue in it could overflow ModelShares' revenue fields (see MAX_TOKEN_SUPPLY).
    function setPaymentTokenAllowed(address token, bool allowed) external;

    /// @notice Sets the UsageCredits whose settled, unswept credit revenue of a model is swept
    /// to the router before the model token moves (and before RevenueRouter.setRecipients
    /// replaces the split), so that revenue goes to the recipients of the time it was settled,
    /// not to a buyer (docs/SHARE-REVENUE-TIMING.md). Only governance; non-zero.
    function setUsageCredits(address credits) external;

    /// @notice Hands protocol governance to `next`. Only governance.
    function transferGovernance(address next) external;

    /// @notice The protocol governance address (the timelock after deployment).
    function governance() external view returns (address);

    /// @notice Whether `token` may be chosen as a payment asset for new models.
    function isPaymentTokenAllowed(address token) external view returns (bool);

    /// @notice The model's record. Reverts for unknown models.
    function model(uint256 modelId) external view returns (Model memory);

    /// @notice The model's payment asset (address(0) = ETH). Reverts for unknown models.
    function paymentAsset(uint256 modelId) external view returns (address);

    /// @notice True while the model is Active and not flagged: new sales may happen.
    function isSaleOpen(uint256 modelId) external view returns (bool);

    /// @notice The sale check and payment asset in one call: `open` as `isSaleOpen`, `asset` as
    /// `paymentAsset`. Does not revert: unknown models return (false, address(0)).
    function saleInfo(uint256 modelId) external view returns (bool open, address asset);

    /// @notice The UsageCredits swept before a model transfer (address(0): none set).
    function usageCredits() external view returns (address);

    /// @notice Whether `account` is an allowed gateway of the model: granted by the current
    /// owner since the model token last moved. False for unknown models.
    function isGateway(uint256 modelId, address account) external view returns (bool);

    /// @notice The checks of a new channel to `account` in one call: `open` as `isSaleOpen`,
    /// `gateway` as `isGateway(modelId, account)`. Does not revert: unknown models return
    /// (false, false).
    function saleAndGateway(uint256 modelId, address account) external view returns (bool open, bool gateway);

    /// @notice The model's owner epoch: +1 at every transfer of the model token; it never wraps
    /// in practice (64 bits). Gateway grants are bound to the owner and epoch at which they were
    /// made, so a grant never revives on a buy-back, however many transfers happened between.
    function ownerEpoch(uint256 modelId) external view returns (uint64);

    /// @notice The largest totalSupply of an ERC-20 that may be allow-listed, 2^119: a
    /// ModelShares token records the revenue it has received in 120 bits and its magnified
    /// corrections (revenue x 2^128) in 248 signed bits, so `sync` and `claim` stop once one
    /// model's cumulative share revenue passes about 2^119 units of its asset. A token whose
    /// supply is at most the bound reaches it only by circulating through one model's shares
    /// many times over (2^119 / supply times); governance must not list a token whose supply
    /// can later grow past it (the check reads totalSupply at listing only).
    function MAX_TOKEN_SUPPLY() external view returns (uint256);

    /// @notice Weights hash of version `version` (1-based).
    function versionHash(uint256 modelId, uint32 version) external view returns (bytes32);

    /// @notice The latest version number and its weights hash.
    function latestVersion(uint256 modelId) external view returns (uint32 version, bytes32 weightsHash);

    /// @notice Whether a model with this id exists.
    function exists(uint256 modelId) external view returns (bool);
}
