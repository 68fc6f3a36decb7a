// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ERC721Packed} from "./ERC721Packed.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice One ERC-721 token per model; versions are append-only weights hashes.
/// @dev Version URIs and the metadata URI live in events only: storing strings would
/// triple the cost of registration, and indexers read them from logs.
/// The model record lives in the token's owner slot (ERC721Packed's 96 data bits): bits 0-31
/// versionCount, 32-39 status, 40 flagged, 41 "ERC-20 asset", 48-87 registeredAt, 88-95 owner
/// epoch (+1 at every transfer of the model token, wrapping at 256). The payment
/// asset has its own slot, written only for ERC-20 models (bit 41 says whether to read it), so
/// registering an ETH model writes owner + record, balance and the version hash, and the sale
/// check (`saleInfo`) of an ETH model is one storage read.
contract ModelRegistry is ERC721Packed, IModelRegistry {
    using Strings for uint256;
    using Strings for address;
    uint256 private constant _STATUS_SHIFT = 32;
    uint96 private constant _FLAGGED = 1 << 40;
    uint96 private constant _ERC20_ASSET = 1 << 41;
    uint256 private constant _REGISTERED_SHIFT = 48;
    uint256 private constant _EPOCH_SHIFT = 88;
    /// @dev A gateway grant: granting owner (bits 0-159), owner epoch at the grant (160-167) and
    /// this flag (168). Valid only while the same owner holds the model in the same epoch.
    uint256 private constant _GRANTED = 1 << 168;

    /// @dev Next model id; ids start at 1 so 0 can mean "none" everywhere.
    uint256 private _nextModelId = 1;
    address private _governance;

    mapping(uint256 modelId => address token) private _paymentAssets;
    mapping(uint256 modelId => mapping(uint32 version => bytes32 weightsHash)) private _versions;
    mapping(uint256 modelId => mapping(address gateway => uint256 grant)) private _gateways;
    mapping(address token => bool) private _allowedTokens;

    modifier onlyGovernance() {
        if (msg.sender != _governance) revert ModelRegistryNotGovernance(msg.sender);
        _;
    }

    /// @param governance_ Protocol governance (the timelock in a full deployment).
    /// @param initialTokens ERC-20s allow-listed as payment assets from the start.
    constructor(address governance_, address[] memory initialTokens) ERC721Packed("Modelmint Model", "MODEL") {
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
        // versionCount 1, status Active (0), not flagged.
        uint96 data = uint96(1) | (uint96(uint40(block.timestamp)) << _REGISTERED_SHIFT);
        if (paymentAsset_ != address(0)) {
            _paymentAssets[modelId] = paymentAsset_;
            data |= _ERC20_ASSET;
        }
        _versions[modelId][1] = weightsHash;
        _mint(msg.sender, modelId, data);
        emit ModelRegistered(modelId, msg.sender, paymentAsset_, metadataURI);
        emit VersionPublished(modelId, 1, weightsHash, versionURI);
    }

    /// @inheritdoc IModelRegistry
    function publishVersion(uint256 modelId, bytes32 weightsHash, string calldata uri)
        external
        returns (uint32 version)
    {
        uint96 data = _ownedData(modelId);
        if (weightsHash == bytes32(0)) revert ModelRegistryZeroWeightsHash();
        version = uint32(data) + 1; // checked: reverts at 2^32 versions
        _setData(modelId, msg.sender, (data & ~uint96(type(uint32).max)) | version);
        _versions[modelId][version] = weightsHash;
        emit VersionPublished(modelId, version, weightsHash, uri);
        emit MetadataUpdate(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setGateway(uint256 modelId, address gateway, bool allowed) external {
        uint96 data = _ownedData(modelId);
        if (gateway == address(0)) revert ModelRegistryZeroAddress();
        _gateways[modelId][gateway] = allowed ? _grant(msg.sender, data) : 0;
        emit GatewaySet(modelId, gateway, allowed);
    }

    /// @inheritdoc IModelRegistry
    function setStatus(uint256 modelId, ModelStatus status) external {
        uint96 data = _ownedData(modelId);
        if (_status(data) == status) revert ModelRegistryStatusUnchanged(modelId);
        uint96 cleared = data & ~(uint96(type(uint8).max) << _STATUS_SHIFT);
        _setData(modelId, msg.sender, cleared | (uint96(uint8(status)) << _STATUS_SHIFT));
        emit ModelStatusChanged(modelId, status);
        emit MetadataUpdate(modelId);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IModelRegistry
    function setFlagged(uint256 modelId, bool flagged) external onlyGovernance {
        (address owner, uint96 data) = _ownerAndData(modelId);
        if (owner == address(0)) revert ModelRegistryUnknownModel(modelId);
        _setData(modelId, owner, flagged ? data | _FLAGGED : data & ~_FLAGGED);
        emit ModelFlagged(modelId, flagged);
        emit MetadataUpdate(modelId);
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

    /// @notice On-chain ERC-721 metadata JSON (data:application/json;base64): name, model id,
    /// latest version and its weights hash, status, flag, payment asset and registration time.
    /// Changes are announced with ERC-4906 MetadataUpdate.
    function tokenURI(uint256 modelId) public view override returns (string memory) {
        uint96 data = _existingData(modelId);
        uint32 version = uint32(data);
        string memory id = modelId.toString();
        bytes memory head = abi.encodePacked(
            "{\"name\":\"Modelmint Model #",
            id,
            "\",\"description\":\"AI model ",
            id,
            " registered on Modelmint; version ",
            uint256(version).toString(),
            " is the latest published weights hash.\",\"attributes\":[{\"trait_type\":\"model id\",\"value\":",
            id,
            "},{\"trait_type\":\"version\",\"value\":",
            uint256(version).toString(),
            "},{\"trait_type\":\"version hash\",\"value\":\"",
            uint256(_versions[modelId][version]).toHexString(32)
        );
        bytes memory tail = abi.encodePacked(
            "\"},{\"trait_type\":\"status\",\"value\":\"",
            _status(data) == ModelStatus.Active ? "Active" : "Retired",
            "\"},{\"trait_type\":\"flagged\",\"value\":\"",
            data & _FLAGGED != 0 ? "yes" : "no",
            "\"},{\"trait_type\":\"payment asset\",\"value\":\"",
            data & _ERC20_ASSET == 0 ? "ETH" : _paymentAssets[modelId].toChecksumHexString(),
            "\"},{\"display_type\":\"date\",\"trait_type\":\"registered\",\"value\":",
            uint256(uint40(data >> _REGISTERED_SHIFT)).toString(),
            "}]}"
        );
        return _jsonURI(bytes.concat(head, tail));
    }

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
        uint96 data = _existingData(modelId);
        return Model({
            paymentAsset: _assetOf(modelId, data),
            versionCount: uint32(data),
            status: _status(data),
            flagged: data & _FLAGGED != 0,
            registeredAt: uint40(data >> _REGISTERED_SHIFT)
        });
    }

    /// @inheritdoc IModelRegistry
    function paymentAsset(uint256 modelId) external view returns (address) {
        return _assetOf(modelId, _existingData(modelId));
    }

    /// @inheritdoc IModelRegistry
    function isSaleOpen(uint256 modelId) external view returns (bool) {
        (address owner, uint96 data) = _ownerAndData(modelId);
        return owner != address(0) && _open(data);
    }

    /// @inheritdoc IModelRegistry
    function saleInfo(uint256 modelId) external view returns (bool open, address asset) {
        (address owner, uint96 data) = _ownerAndData(modelId);
        if (owner == address(0)) return (false, address(0));
        return (_open(data), _assetOf(modelId, data));
    }

    /// @inheritdoc IModelRegistry
    function isGateway(uint256 modelId, address account) external view returns (bool) {
        (address owner, uint96 data) = _ownerAndData(modelId);
        return owner != address(0) && _gateways[modelId][account] == _grant(owner, data);
    }

    /// @inheritdoc IModelRegistry
    function ownerEpoch(uint256 modelId) external view returns (uint8) {
        return uint8(_existingData(modelId) >> _EPOCH_SHIFT);
    }

    /// @inheritdoc IModelRegistry
    function versionHash(uint256 modelId, uint32 version) external view returns (bytes32) {
        uint96 data = _existingData(modelId);
        if (version == 0 || version > uint32(data)) {
            revert ModelRegistryUnknownVersion(modelId, version);
        }
        return _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    function latestVersion(uint256 modelId) external view returns (uint32 version, bytes32 weightsHash) {
        version = uint32(_existingData(modelId));
        weightsHash = _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    function exists(uint256 modelId) external view returns (bool) {
        return _ownerOf(modelId) != address(0); // no burn: a minted model exists forever
    }

    // -------------------------------------------------------------------- internal

    /// @dev Transfers of the model token move to the next owner epoch: every gateway grant of
    /// an earlier owner lapses (see `isGateway`).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        (, uint96 data) = _ownerAndData(tokenId);
        uint96 epoch;
        unchecked {
            epoch = uint96(uint8(data >> _EPOCH_SHIFT) + 1); // wraps at 256
        }
        _setData(tokenId, to, (data & ~(uint96(type(uint8).max) << _EPOCH_SHIFT)) | (epoch << _EPOCH_SHIFT));
    }

    function _grant(address owner, uint96 data) private pure returns (uint256) {
        return _GRANTED | (uint256(uint8(data >> _EPOCH_SHIFT)) << 160) | uint256(uint160(owner));
    }

    function _setPaymentTokenAllowed(address token, bool allowed) private {
        if (token == address(0)) revert ModelRegistryZeroAddress();
        _allowedTokens[token] = allowed;
        emit PaymentTokenAllowed(token, allowed);
    }

    /// @dev The model's record; reverts for unknown models.
    function _existingData(uint256 modelId) private view returns (uint96 data) {
        address owner;
        (owner, data) = _ownerAndData(modelId);
        if (owner == address(0)) revert ModelRegistryUnknownModel(modelId);
    }

    /// @dev The model's record, checking that msg.sender owns the model (one storage read).
    function _ownedData(uint256 modelId) private view returns (uint96 data) {
        address owner;
        (owner, data) = _ownerAndData(modelId);
        if (owner == address(0)) revert ModelRegistryUnknownModel(modelId);
        if (owner != msg.sender) revert ModelRegistryNotModelOwner(modelId, msg.sender);
    }

    function _assetOf(uint256 modelId, uint96 data) private view returns (address) {
        return data & _ERC20_ASSET == 0 ? address(0) : _paymentAssets[modelId];
    }

    function _status(uint96 data) private pure returns (ModelStatus) {
        return ModelStatus(uint8(data >> _STATUS_SHIFT));
    }

    function _open(uint96 data) private pure returns (bool) {
        return _status(data) == ModelStatus.Active && data & _FLAGGED == 0;
    }
}
