// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice One ERC-721 token per model; versions are append-only weights hashes.
/// @dev Version URIs and the metadata URI live in events only: storing strings would
/// triple the cost of registration, and indexers read them from logs.
contract ModelRegistry is ERC721, IModelRegistry {
    /// @dev Next model id; ids start at 1 so 0 can mean "none" everywhere.
    uint256 private _nextModelId = 1;
    address private _governance;

    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => mapping(uint32 version => bytes32 weightsHash)) private _versions;
    mapping(uint256 modelId => mapping(address gateway => bool)) private _gateways;
    mapping(address token => bool) private _allowedTokens;

    modifier onlyModelOwner(uint256 modelId) {
        _checkModelOwner(modelId);
        _;
    }

    modifier onlyGovernance() {
        if (msg.sender != _governance) revert ModelRegistryNotGovernance(msg.sender);
        _;
    }

    /// @param governance_ Protocol governance (the timelock in a full deployment).
    /// @param initialTokens ERC-20s allow-listed as payment assets from the start.
    constructor(address governance_, address[] memory initialTokens) ERC721("Modelmint Model", "MODEL") {
        if (governance_ == address(0)) revert ModelRegistryZeroAddress();
        _governance = governance_;
        emit GovernanceTransferred(address(0), governance_);
        for (uint256 i; i < initialTokens.length; ++i) {
            _setPaymentTokenAllowed(initialTokens[i], true);
        }
    }

    // ----------------------------------------------------------------- model owner

    /// @inheritdoc IModelRegistry
    function registerModel(
        address paymentAsset_,
        bytes32 weightsHash,
        string calldata versionURI,
        string calldata metadataURI
    ) external returns (uint256 modelId) {
        if (weightsHash == bytes32(0)) revert ModelRegistryZeroWeightsHash();
        if (paymentAsset_ != address(0) && !_allowedTokens[paymentAsset_]) {
            revert ModelRegistryTokenNotAllowed(paymentAsset_);
        }
        modelId = _nextModelId++;
        _models[modelId] = Model({
            paymentAsset: paymentAsset_,
            versionCount: 1,
            status: ModelStatus.Active,
            flagged: false,
            registeredAt: uint40(block.timestamp)
        });
        _versions[modelId][1] = weightsHash;
        _mint(msg.sender, modelId);
        emit ModelRegistered(modelId, msg.sender, paymentAsset_, metadataURI);
        emit VersionPublished(modelId, 1, weightsHash, versionURI);
    }

    /// @inheritdoc IModelRegistry
    function publishVersion(uint256 modelId, bytes32 weightsHash, string calldata uri)
        external
        onlyModelOwner(modelId)
        returns (uint32 version)
    {
        if (weightsHash == bytes32(0)) revert ModelRegistryZeroWeightsHash();
        version = ++_models[modelId].versionCount;
        _versions[modelId][version] = weightsHash;
        emit VersionPublished(modelId, version, weightsHash, uri);
    }

    /// @inheritdoc IModelRegistry
    function setGateway(uint256 modelId, address gateway, bool allowed) external onlyModelOwner(modelId) {
        if (gateway == address(0)) revert ModelRegistryZeroAddress();
        _gateways[modelId][gateway] = allowed;
        emit GatewaySet(modelId, gateway, allowed);
    }

    /// @inheritdoc IModelRegistry
    function setStatus(uint256 modelId, ModelStatus status) external onlyModelOwner(modelId) {
        Model storage m = _models[modelId];
        if (m.status == status) revert ModelRegistryStatusUnchanged(modelId);
        m.status = status;
        emit ModelStatusChanged(modelId, status);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IModelRegistry
    function setFlagged(uint256 modelId, bool flagged) external onlyGovernance {
        _requireExists(modelId);
        _models[modelId].flagged = flagged;
        emit ModelFlagged(modelId, flagged);
    }

    /// @inheritdoc IModelRegistry
    function setPaymentTokenAllowed(address token, bool allowed) external onlyGovernance {
        _setPaymentTokenAllowed(token, allowed);
    }

    /// @inheritdoc IModelRegistry
    function transferGovernance(address next) external onlyGovernance {
        if (next == address(0)) revert ModelRegistryZeroAddress();
        emit GovernanceTransferred(_governance, next);
        _governance = next;
    }

    // ----------------------------------------------------------------------- views

    /// @inheritdoc IModelRegistry
    function governance() external view returns (address) {
        return _governance;
    }

    /// @inheritdoc IModelRegistry
    function isPaymentTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    /// @inheritdoc IModelRegistry
    function model(uint256 modelId) external view returns (Model memory) {
        _requireExists(modelId);
        return _models[modelId];
    }

    /// @inheritdoc IModelRegistry
    function paymentAsset(uint256 modelId) external view returns (address) {
        _requireExists(modelId);
        return _models[modelId].paymentAsset;
    }

    /// @inheritdoc IModelRegistry
    function isSaleOpen(uint256 modelId) external view returns (bool) {
        Model storage m = _models[modelId];
        return m.versionCount != 0 && m.status == ModelStatus.Active && !m.flagged;
    }

    /// @inheritdoc IModelRegistry
    function isGateway(uint256 modelId, address account) external view returns (bool) {
        return _gateways[modelId][account];
    }

    /// @inheritdoc IModelRegistry
    function versionHash(uint256 modelId, uint32 version) external view returns (bytes32) {
        _requireExists(modelId);
        if (version == 0 || version > _models[modelId].versionCount) {
            revert ModelRegistryUnknownVersion(modelId, version);
        }
        return _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    function latestVersion(uint256 modelId) external view returns (uint32 version, bytes32 weightsHash) {
        _requireExists(modelId);
        version = _models[modelId].versionCount;
        weightsHash = _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    function exists(uint256 modelId) external view returns (bool) {
        return _models[modelId].versionCount != 0;
    }

    // -------------------------------------------------------------------- internal

    function _setPaymentTokenAllowed(address token, bool allowed) private {
        if (token == address(0)) revert ModelRegistryZeroAddress();
        _allowedTokens[token] = allowed;
        emit PaymentTokenAllowed(token, allowed);
    }

    function _requireExists(uint256 modelId) private view {
        if (_models[modelId].versionCount == 0) revert ModelRegistryUnknownModel(modelId);
    }

    function _checkModelOwner(uint256 modelId) private view {
        _requireExists(modelId);
        if (ownerOf(modelId) != msg.sender) revert ModelRegistryNotModelOwner(modelId, msg.sender);
    }
}
