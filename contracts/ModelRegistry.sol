// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {ERC721Packed} from "./ERC721Packed.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {CreditSweeps} from "./libraries/CreditSweeps.sol";
import {TokenMetadata} from "./libraries/TokenMetadata.sol";
import {ModelRecordWord, GatewayGrantWord, ModelRegistryWords} from "./packed/ModelRegistryWords.sol";

/// @title ModelRegistry
/// @notice One ERC-721 token per model; versions are append-only weights hashes.
/// @dev Version URIs and the metadata URI live in events only: storing strings would
/// triple the cost of registration, and indexers read them from logs.
/// The model record lives in the token's owner slot (ERC721Packed's 96 data bits; layout in
/// ModelRegistryWords): version count, status, flags, registration time and owner epoch. The
/// payment asset has its own slot, written only for ERC-20 models (a record flag says whether
/// to read it), so
/// registering an ETH model writes owner + record, balance and the version hash, and the sale
/// check (`saleInfo`) of an ETH model is one storage read.
contract ModelRegistry is ERC721Packed, IModelRegistry {
    using Strings for uint256;
    using Strings for address;

    /// @inheritdoc IModelRegistry
    uint256 public constant MAX_TOKEN_SUPPLY = 2 ** 119;
    /// @dev IERC20.totalSupply.selector
    bytes4 private constant _TOTAL_SUPPLY = 0x18160ddd;

    /// @dev Next model id; ids start at 1 so 0 can mean "none" everywhere.
    uint256 private _nextModelId = 1;
    address private _governance;

    mapping(uint256 modelId => address token) private _paymentAssets;
    mapping(uint256 modelId => mapping(uint32 version => bytes32 weightsHash)) private _versions;
    mapping(uint256 modelId => mapping(address gateway => GatewayGrantWord grant)) private _gateways;
    mapping(address token => bool) private _allowedTokens;
    /// @dev How many times the low 8 bits of a model's owner epoch wrapped (read only when the
    /// record's wrapped flag is set): the full epoch is wraps * 256 + the record's low bits.
    mapping(uint256 modelId => uint56 wraps) private _ownerEpochWraps;
    /// @dev The UsageCredits whose settled credit revenue a transfer of the model sweeps first.
    address private _usageCredits;

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
        ModelRecordWord data = ModelRegistryWords.newRecord(block.timestamp);
        if (paymentAsset_ != address(0)) {
            _paymentAssets[modelId] = paymentAsset_;
            data = data.setErc20Asset();
        }
        _versions[modelId][1] = weightsHash;
        _mint(msg.sender, modelId, ModelRecordWord.unwrap(data));
        emit ModelRegistered(modelId, msg.sender, paymentAsset_, metadataURI);
        emit VersionPublished(modelId, 1, weightsHash, versionURI);
    }

    /// @inheritdoc IModelRegistry
    function publishVersion(
        uint256 modelId,
        bytes32 weightsHash,
        string calldata uri
    ) external returns (uint32 version) {
        ModelRecordWord data = _ownedData(modelId);
        if (weightsHash == bytes32(0)) revert ModelRegistryZeroWeightsHash();
        version = data.versionCount() + 1; // checked: reverts at 2^32 versions
        _setData(modelId, msg.sender, ModelRecordWord.unwrap(data.setVersionCount(version)));
        _versions[modelId][version] = weightsHash;
        emit VersionPublished(modelId, version, weightsHash, uri);
        emit MetadataUpdate(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setGateway(uint256 modelId, address gateway, bool allowed) external {
        ModelRecordWord data = _ownedData(modelId);
        if (gateway == address(0)) revert ModelRegistryZeroAddress();
        _gateways[modelId][gateway] = allowed ? _grant(modelId, msg.sender, data) : GatewayGrantWord.wrap(0);
        emit GatewaySet(modelId, gateway, allowed);
    }

    /// @inheritdoc IModelRegistry
    function transferWithGateways(address to, uint256 modelId, address[] calldata gateways) external {
        _ownedData(modelId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        _update(to, modelId, msg.sender); // the new owner epoch: every earlier grant lapses
        (, uint96 bits) = _ownerAndData(modelId);
        GatewayGrantWord grant = _grant(modelId, to, ModelRecordWord.wrap(bits));
        for (uint256 i; i < gateways.length; ++i) {
            address gateway = gateways[i];
            if (gateway == address(0)) revert ModelRegistryZeroAddress();
            _gateways[modelId][gateway] = grant;
            emit GatewaySet(modelId, gateway, true);
        }
        ERC721Utils.checkOnERC721Received(msg.sender, msg.sender, to, modelId, "");
    }

    /// @inheritdoc IModelRegistry
    function setStatus(uint256 modelId, ModelStatus status) external {
        ModelRecordWord data = _ownedData(modelId);
        if (data.status() == status) revert ModelRegistryStatusUnchanged(modelId);
        _setData(modelId, msg.sender, ModelRecordWord.unwrap(data.setStatus(status)));
        emit ModelStatusChanged(modelId, status);
        emit MetadataUpdate(modelId);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IModelRegistry
    function setFlagged(uint256 modelId, bool flagged) external onlyGovernance {
        (address owner, uint96 data) = _ownerAndData(modelId);
        if (owner == address(0)) revert ModelRegistryUnknownModel(modelId);
        _setData(modelId, owner, ModelRecordWord.unwrap(ModelRecordWord.wrap(data).setFlagged(flagged)));
        emit ModelFlagged(modelId, flagged);
        emit MetadataUpdate(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setPaymentTokenAllowed(address token, bool allowed) external onlyGovernance {
        _setPaymentTokenAllowed(token, allowed);
    }

    /// @inheritdoc IModelRegistry
    function setUsageCredits(address credits) external onlyGovernance {
        if (credits == address(0)) revert ModelRegistryZeroAddress();
        emit UsageCreditsSet(_usageCredits, credits);
        _usageCredits = credits;
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
        ModelRecordWord data = _existingData(modelId);
        uint32 version = data.versionCount();
        string memory id = modelId.toString();
        bytes memory head = abi.encodePacked(
            '{"name":"Modelmint Model #',
            id,
            '","description":"AI model ',
            id,
            " registered on Modelmint; version ",
            uint256(version).toString(),
            ' is the latest published weights hash.","attributes":[{"trait_type":"model id","value":',
            id,
            '},{"trait_type":"version","value":',
            uint256(version).toString(),
            '},{"trait_type":"version hash","value":"',
            uint256(_versions[modelId][version]).toHexString(32)
        );
        bytes memory tail = abi.encodePacked(
            '"},{"trait_type":"status","value":"',
            data.status() == ModelStatus.Active ? "Active" : "Retired",
            '"},{"trait_type":"flagged","value":"',
            TokenMetadata.yesNo(data.flagged()),
            '"},{"trait_type":"payment asset","value":"',
            data.erc20Asset() ? _paymentAssets[modelId].toChecksumHexString() : "ETH",
            '"},{"display_type":"date","trait_type":"registered","value":',
            uint256(data.registeredAt()).toString(),
            "}]}"
        );
        return TokenMetadata.jsonURI(bytes.concat(head, tail));
    }

    /// @inheritdoc IModelRegistry
    function governance() external view returns (address) {
        return _governance;
    }

    /// @inheritdoc IModelRegistry
    function usageCredits() external view returns (address) {
        return _usageCredits;
    }

    /// @inheritdoc IModelRegistry
    function isPaymentTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    /// @inheritdoc IModelRegistry
    function model(uint256 modelId) external view returns (Model memory) {
        ModelRecordWord data = _existingData(modelId);
        return
            Model({
                paymentAsset: _assetOf(modelId, data),
                versionCount: data.versionCount(),
                status: data.status(),
                flagged: data.flagged(),
                registeredAt: data.registeredAt()
            });
    }

    /// @inheritdoc IModelRegistry
    function paymentAsset(uint256 modelId) external view returns (address) {
        return _assetOf(modelId, _existingData(modelId));
    }

    /// @inheritdoc IModelRegistry
    function isSaleOpen(uint256 modelId) external view returns (bool) {
        (address owner, uint96 data) = _ownerAndData(modelId);
        return owner != address(0) && ModelRecordWord.wrap(data).isOpen();
    }

    /// @inheritdoc IModelRegistry
    function saleInfo(uint256 modelId) external view returns (bool open, address asset) {
        (address owner, uint96 bits) = _ownerAndData(modelId);
        if (owner == address(0)) return (false, address(0));
        ModelRecordWord data = ModelRecordWord.wrap(bits);
        return (data.isOpen(), _assetOf(modelId, data));
    }

    /// @inheritdoc IModelRegistry
    function isGateway(uint256 modelId, address account) external view returns (bool) {
        (address owner, uint96 data) = _ownerAndData(modelId);
        return
            owner != address(0) && _gateways[modelId][account].eq(_grant(modelId, owner, ModelRecordWord.wrap(data)));
    }

    /// @inheritdoc IModelRegistry
    function saleAndGateway(uint256 modelId, address account) external view returns (bool open, bool gateway) {
        (address owner, uint96 bits) = _ownerAndData(modelId);
        if (owner == address(0)) return (false, false);
        ModelRecordWord data = ModelRecordWord.wrap(bits);
        return (data.isOpen(), _gateways[modelId][account].eq(_grant(modelId, owner, data)));
    }

    /// @inheritdoc IModelRegistry
    function ownerEpoch(uint256 modelId) external view returns (uint64) {
        return _fullEpoch(modelId, _existingData(modelId));
    }

    /// @inheritdoc IModelRegistry
    function versionHash(uint256 modelId, uint32 version) external view returns (bytes32) {
        ModelRecordWord data = _existingData(modelId);
        if (version == 0 || version > data.versionCount()) {
            revert ModelRegistryUnknownVersion(modelId, version);
        }
        return _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    function latestVersion(uint256 modelId) external view returns (uint32 version, bytes32 weightsHash) {
        version = _existingData(modelId).versionCount();
        weightsHash = _versions[modelId][version];
    }

    /// @inheritdoc IModelRegistry
    function exists(uint256 modelId) external view returns (bool) {
        return _ownerOf(modelId) != address(0); // no burn: a minted model exists forever
    }

    // -------------------------------------------------------------------- internal

    /// @dev Transfers of the model token move to the next owner epoch: every gateway grant of
    /// an earlier owner lapses (see `isGateway`). The record keeps the epoch's low 8 bits; every
    /// 256th transfer they wrap and the wrap is counted in the model's own slot, so an epoch
    /// never comes back (a grant made 256 transfers ago stays lapsed).
    /// Before the token moves, the model's settled credit revenue not swept yet is swept, so it
    /// is routed while the seller (or the seller's split) is the model's recipient.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        _sweepCredits(tokenId);
        from = super._update(to, tokenId, auth);
        (, uint96 bits) = _ownerAndData(tokenId);
        ModelRecordWord data = ModelRecordWord.wrap(bits).incrementOwnerEpoch();
        if (data.ownerEpoch() == 0) {
            ++_ownerEpochWraps[tokenId];
            data = data.setEpochWrapped();
        }
        _setData(tokenId, to, ModelRecordWord.unwrap(data));
    }

    /// @dev Sweeps the model's settled credit revenue to the router before the transfer
    /// (UsageCredits.sweep is permissionless): a sweep that reverts does not block the transfer;
    /// one starved of gas by the caller does.
    function _sweepCredits(uint256 modelId) private {
        if (!CreditSweeps.sweep(_usageCredits, modelId)) revert ModelRegistrySweepOutOfGas(modelId);
    }

    function _grant(uint256 modelId, address owner, ModelRecordWord data) private view returns (GatewayGrantWord) {
        return ModelRegistryWords.newGatewayGrant(owner, _fullEpoch(modelId, data));
    }

    /// @dev The model's full owner epoch; its wrap count is read only once it has wrapped.
    function _fullEpoch(uint256 modelId, ModelRecordWord data) private view returns (uint64) {
        uint64 low = data.ownerEpoch();
        return data.epochWrapped() ? (uint64(_ownerEpochWraps[modelId]) << 8) | low : low;
    }

    function _setPaymentTokenAllowed(address token, bool allowed) private {
        if (token == address(0)) revert ModelRegistryZeroAddress();
        if (allowed) {
            // A token that answers totalSupply with more than the bound is refused; one that does
            // not answer is governance's judgement (the bound is stated in IModelRegistry).
            (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSelector(_TOTAL_SUPPLY));
            if (ok && ret.length >= 32) {
                uint256 supply = abi.decode(ret, (uint256));
                if (supply > MAX_TOKEN_SUPPLY) revert ModelRegistryTokenSupplyTooLarge(token, supply, MAX_TOKEN_SUPPLY);
            }
        }
        _allowedTokens[token] = allowed;
        emit PaymentTokenAllowed(token, allowed);
    }

    /// @dev The model's record; reverts for unknown models.
    function _existingData(uint256 modelId) private view returns (ModelRecordWord) {
        (address owner, uint96 data) = _ownerAndData(modelId);
        if (owner == address(0)) revert ModelRegistryUnknownModel(modelId);
        return ModelRecordWord.wrap(data);
    }

    /// @dev The model's record, checking that msg.sender owns the model (one storage read).
    function _ownedData(uint256 modelId) private view returns (ModelRecordWord) {
        (address owner, uint96 data) = _ownerAndData(modelId);
        if (owner == address(0)) revert ModelRegistryUnknownModel(modelId);
        if (owner != msg.sender) revert ModelRegistryNotModelOwner(modelId, msg.sender);
        return ModelRecordWord.wrap(data);
    }

    function _assetOf(uint256 modelId, ModelRecordWord data) private view returns (address) {
        return data.erc20Asset() ? _paymentAssets[modelId] : address(0);
    }
}
