// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC3009} from "@openzeppelin/contracts/interfaces/draft-IERC3009.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IUsageCredits} from "../interfaces/IUsageCredits.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {TokenMetadata} from "./libraries/TokenMetadata.sol";
import {ChannelWord, ChannelWords} from "./packed/ChannelWords.sol";

/// @title UsageCredits
/// @notice Prepaid, escrowed usage credits (ERC-1155, id = modelId) metered through channels
/// settled with cumulative EIP-712 receipts. See {IUsageCredits} for the full model.
/// @dev Locked credits live outside the ERC-1155 balances: opening a channel burns them from
/// the consumer's balance into the channel record (or, with `buyAndOpenChannel`, never mints
/// them), closing mints the unused part back. Hence the ERC-1155 balance is exactly the free
/// (transferable, redeemable) balance. Settlement touches no balances and makes no external
/// call: it advances each channel's `settled` counter and the model's `consumed` total once per
/// run of same-model receipts. The value of consumed credits stays here until the permissionless
/// `sweep` pays it to the router (one router payment for any number of settlements).
contract UsageCredits is IUsageCredits, ERC1155, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Strings for uint256;
    using Strings for address;

    /// @inheritdoc IUsageCredits
    uint256 public constant GRACE_PERIOD = 1 days;

    /// @dev keccak256("Receipt(uint256 channelId,uint256 cumulativeCredits,uint256 deadline)")
    bytes32 private constant _RECEIPT_TYPEHASH = keccak256(
        "Receipt(uint256 channelId,uint256 cumulativeCredits,uint256 deadline)"
    );

    bytes32 private constant _OPEN_INTENT_TYPEHASH = keccak256(
        "OpenChannelIntent(address consumer,uint256 modelId,address gateway,uint256 salt,uint256 credits,"
        "uint256 expiry,address receiptSigner,bytes32 nonce,uint256 deadline)"
    );
    bytes32 private constant _TOP_UP_INTENT_TYPEHASH = keccak256(
        "TopUpIntent(address consumer,address gateway,uint256 modelId,uint256 salt,uint256 credits,"
        "uint256 expiry,bytes32 nonce,uint256 deadline)"
    );
    bytes32 private constant _CLOSE_TYPEHASH = keccak256("CooperativeClose(uint256 channelId,uint256 chargedCredits)");

    /// @dev A model's credit state. Slot 0 holds everything a purchase of an ETH-priced model
    /// reads and writes (value, minted, pricing kind), so buying touches one model slot.
    struct ModelState {
        uint96 creditValue; // slot 0
        uint128 minted; // slot 0
        bool tokenPriced; // slot 0: asset != address(0)
        address asset; // slot 1
        uint96 directLocked; // slot 1: credits bought straight into channels (minted and locked)
        uint128 redeemed; // slot 2
        uint128 channelled; // slot 2: credits moved from balances into channels, minus returns
        uint128 consumed; // slot 3: settled by gateways
        uint128 swept; // slot 3: consumed credits whose value went to the router
    }

    IModelRegistry private immutable _REGISTRY;
    IRevenueRouter private immutable _ROUTER;

    mapping(uint256 modelId => ModelState) private _models;
    /// @dev One slot per channel (deposit, settled, expiry), keyed by the hash of its terms.
    mapping(uint256 channelId => ChannelWord) private _channels;
    mapping(address account => address signer) private _receiptSigners;
    /// @dev The receipt signer a channel recorded at opening, only when it is not the consumer.
    mapping(uint256 channelId => address signer) private _channelSigners;

    /// @param registry_ The ModelRegistry.
    /// @param router_ The RevenueRouter receiving the value of consumed credits.
    /// @param uri_ ERC-1155 metadata URI template (`{id}` substitution); empty for on-chain JSON
    /// metadata (see `uri`).
    constructor(
        address registry_,
        address router_,
        string memory uri_
    ) ERC1155(uri_) EIP712("Modelmint UsageCredits", "1") {
        if (registry_ == address(0) || router_ == address(0)) revert UsageCreditsZeroAddress();
        _REGISTRY = IModelRegistry(registry_);
        _ROUTER = IRevenueRouter(router_);
    }

    // ------------------------------------------------------------------ model owner

    /// @inheritdoc IUsageCredits
    function enableCredits(uint256 modelId, uint256 creditValue) external {
        if (!_REGISTRY.exists(modelId)) revert UsageCreditsUnknownModel(modelId);
        if (_REGISTRY.ownerOf(modelId) != msg.sender) revert UsageCreditsNotModelOwner(modelId, msg.sender);
        ModelState storage m = _models[modelId];
        if (m.creditValue != 0) revert UsageCreditsAlreadyEnabled(modelId, m.creditValue);
        if (creditValue == 0) revert UsageCreditsZeroCreditValue(modelId);
        if (creditValue > type(uint96).max) revert UsageCreditsCreditValueTooLarge(creditValue);
        address asset = _REGISTRY.paymentAsset(modelId);
        m.creditValue = uint96(creditValue);
        m.tokenPriced = asset != address(0);
        m.asset = asset;
        emit CreditsEnabled(modelId, asset, creditValue);
    }

    // ------------------------------------------------------------------ credits

    /// @inheritdoc IUsageCredits
    function buyCredits(
        uint256 modelId,
        uint256 credits,
        address to
    ) external payable nonReentrant returns (uint256 paid) {
        // `to == address(0)` is rejected by the ERC-1155 mint (ERC1155InvalidReceiver).
        _checkAmount(credits);
        ModelState storage m = _models[modelId];
        // One read of slot 0 (value, minted, pricing kind), one write.
        (uint256 value, uint256 minted, bool tokenPriced) = (m.creditValue, m.minted, m.tokenPriced);
        if (value == 0) _revertNotEnabled(modelId);
        if (!_REGISTRY.isSaleOpen(modelId)) revert UsageCreditsSaleClosed(modelId);
        paid = credits * value;
        m.minted = SafeCast.toUint128(minted + credits);
        _collect(m, tokenPriced, paid, msg.value);
        // Last: minting to a contract calls its onERC1155Received hook.
        _mint(to, modelId, credits, "");
        emit CreditsBought(modelId, to, credits, paid);
    }

    /// @inheritdoc IUsageCredits
    function redeem(uint256 modelId, uint256 credits, address to) external nonReentrant returns (uint256 value) {
        if (to == address(0)) revert UsageCreditsZeroAddress();
        _checkAmount(credits);
        ModelState storage m = _enabledModel(modelId);
        _burnFree(msg.sender, modelId, credits);
        m.redeemed += uint128(credits);
        value = credits * m.creditValue;
        emit CreditsRedeemed(modelId, msg.sender, to, credits, value);
        _pay(m.asset, to, value);
    }

    // ------------------------------------------------------------------ channels

    /// @inheritdoc IUsageCredits
    function setReceiptSigner(address signer) external {
        _receiptSigners[msg.sender] = signer;
        emit ReceiptSignerSet(msg.sender, signer);
    }

    /// @inheritdoc IUsageCredits
    function openChannel(
        uint256 modelId,
        address gateway,
        uint256 salt,
        uint256 credits,
        uint40 expiry
    ) external nonReentrant returns (uint256 channelId) {
        _checkChannelAmount(credits);
        ModelState storage m = _enabledModel(modelId);
        _checkNewChannel(modelId, gateway, expiry);
        address signer = _newChannelSigner();
        _burnFree(msg.sender, modelId, credits);
        m.channelled += uint128(credits);
        channelId = _createChannel(msg.sender, gateway, modelId, salt, credits, expiry, signer);
    }

    /// @inheritdoc IUsageCredits
    function buyAndOpenChannel(
        uint256 modelId,
        address gateway,
        uint256 salt,
        uint256 credits,
        uint40 expiry
    ) external payable nonReentrant returns (uint256 channelId) {
        _checkChannelAmount(credits);
        ModelState storage m = _models[modelId];
        (uint256 value, bool tokenPriced) = (m.creditValue, m.tokenPriced);
        if (value == 0) _revertNotEnabled(modelId);
        _checkNewChannel(modelId, gateway, expiry);
        address signer = _newChannelSigner();
        uint256 paid = credits * value;
        // Bought and locked at once (minted and channelled both grow, no balance is touched):
        // one write to slot 1, next to the asset an ERC-20 payment reads anyway.
        m.directLocked = SafeCast.toUint96(uint256(m.directLocked) + credits);
        channelId = _createChannel(msg.sender, gateway, modelId, salt, credits, expiry, signer);
        emit CreditsBought(modelId, msg.sender, credits, paid);
        // Last: the ERC-20 pull is the only external call (ETH is checked, not sent).
        _collect(m, tokenPriced, paid, msg.value);
    }

    /// @inheritdoc IUsageCredits
    function topUpChannel(ChannelTerms calldata terms, uint256 credits, uint40 newExpiry) external nonReentrant {
        uint256 modelId = terms.modelId;
        _topUp(_callersChannel(terms), modelId, credits, newExpiry);
        if (credits != 0) {
            _burnFree(msg.sender, modelId, credits);
            _models[modelId].channelled += uint128(credits);
        }
    }

    /// @inheritdoc IUsageCredits
    function buyAndTopUpChannel(
        ChannelTerms calldata terms,
        uint256 credits,
        uint40 newExpiry
    ) external payable nonReentrant {
        if (credits == 0) revert UsageCreditsZeroAmount();
        uint256 modelId = terms.modelId;
        _topUp(_callersChannel(terms), modelId, credits, newExpiry);
        ModelState storage m = _models[modelId];
        uint256 paid = credits * m.creditValue;
        m.directLocked = SafeCast.toUint96(uint256(m.directLocked) + credits);
        bool tokenPriced = m.tokenPriced;
        emit CreditsBought(modelId, msg.sender, credits, paid);
        _collect(m, tokenPriced, paid, msg.value);
    }

    /// @inheritdoc IUsageCredits
    function openChannelWithAuthorization(
        OpenChannelIntent calldata intent,
        bytes calldata signature,
        TokenAuthorization calldata authorization
    ) external nonReentrant returns (uint256 channelId) {
        _checkIntent(intent.consumer, keccak256(abi.encode(_OPEN_INTENT_TYPEHASH, intent)), intent.deadline, signature);
        (uint256 paid, address asset) = (0, address(0));
        (channelId, paid, asset) = _openForConsumer(intent);
        // Last: the token checks the authorization and moves exactly `paid` (or reverts).
        _collectAuthorized(asset, intent.consumer, paid, intent.nonce, intent.deadline, authorization);
    }

    /// @inheritdoc IUsageCredits
    function topUpChannelWithAuthorization(
        TopUpIntent calldata intent,
        bytes calldata signature,
        TokenAuthorization calldata authorization
    ) external nonReentrant {
        uint256 credits = intent.credits;
        if (credits == 0) revert UsageCreditsZeroAmount();
        uint256 newExpiry = intent.expiry;
        if (newExpiry > type(uint32).max) revert UsageCreditsExpiryTooLarge(newExpiry, type(uint32).max);
        address consumer = intent.consumer;
        _checkIntent(consumer, keccak256(abi.encode(_TOP_UP_INTENT_TYPEHASH, intent)), intent.deadline, signature);
        uint256 modelId = intent.modelId;
        _topUp(ChannelWords.channelId(consumer, intent.gateway, modelId, intent.salt), modelId, credits, newExpiry);
        ModelState storage m = _models[modelId];
        if (!m.tokenPriced) revert UsageCreditsNotTokenPriced(modelId);
        uint256 paid = credits * m.creditValue;
        m.directLocked = SafeCast.toUint96(uint256(m.directLocked) + credits);
        emit CreditsBought(modelId, consumer, credits, paid);
        _collectAuthorized(m.asset, consumer, paid, intent.nonce, intent.deadline, authorization);
    }

    /// @inheritdoc IUsageCredits
    function closeChannelCooperatively(
        ChannelTerms calldata terms,
        uint256 chargedCredits,
        bytes calldata signature
    ) external nonReentrant returns (uint256 refunded) {
        uint256 channelId = ChannelWords.channelId(terms.consumer, terms.gateway, terms.modelId, terms.salt);
        ChannelWord w = _channels[channelId];
        uint256 settled;
        (refunded, settled) = _checkCooperativeClose(terms, channelId, w, chargedCredits, signature);
        _channels[channelId] = w.close(chargedCredits);
        uint256 modelId = terms.modelId;
        ModelState storage m = _models[modelId];
        if (chargedCredits != settled) {
            m.consumed += uint128(chargedCredits - settled);
            emit CreditsSettled(channelId, modelId, chargedCredits - settled, chargedCredits);
        }
        address consumer = terms.consumer;
        emit ChannelClosed(channelId, consumer, refunded);
        if (refunded != 0) _refund(m, modelId, consumer, refunded);
    }

    /// @inheritdoc IUsageCredits
    function settle(SettleArgs[] calldata receipts) external nonReentrant returns (uint256 credits) {
        credits = _settle(receipts);
    }

    /// @inheritdoc IUsageCredits
    function sweep(uint256 modelId) external nonReentrant returns (uint256 value) {
        value = _sweep(modelId);
    }

    /// @inheritdoc IUsageCredits
    function settleAndSweep(
        SettleArgs[] calldata receipts,
        uint256 modelId
    ) external nonReentrant returns (uint256 credits, uint256 value) {
        credits = _settle(receipts);
        value = _sweep(modelId);
    }

    /// @inheritdoc IUsageCredits
    function closeChannel(ChannelTerms calldata terms) external nonReentrant returns (uint256 refunded) {
        uint256 channelId = _callersChannel(terms);
        ChannelWord w = _channels[channelId];
        (uint256 deposit, uint256 settled, uint256 expiry) = w.unpack();
        if (deposit == 0) revert UsageCreditsUnknownChannel(channelId);
        if (expiry == 0) revert UsageCreditsChannelClosed(channelId);
        uint256 graceEnd = expiry + GRACE_PERIOD;
        if (block.timestamp < graceEnd) revert UsageCreditsChannelNotExpired(channelId, graceEnd);
        refunded = deposit - settled;
        _channels[channelId] = w.close(settled);
        uint256 modelId = terms.modelId;
        _unlock(_models[modelId], refunded);
        emit ChannelClosed(channelId, msg.sender, refunded);
        // Last: minting to a contract consumer calls its onERC1155Received hook.
        if (refunded != 0) _mint(msg.sender, modelId, refunded, "");
    }

    // ------------------------------------------------------------------ views

    /// @notice ERC-1155 metadata of a model's credits. With a URI template given at deployment
    /// (`uri_`), that template (ERC-1155 clients substitute `{id}`). Without one (the default
    /// deployment), on-chain JSON (data:application/json;base64) in the ERC-1155 metadata shape:
    /// name, description, decimals 0 and properties (model id, credit value and payment asset,
    /// the model's latest version and weights hash, whether it is on sale); reverts for a model
    /// whose credits are not enabled. Nothing in this contract changes the JSON once credits are
    /// enabled (the credit value is fixed), so it emits no URI event: the version, hash and sale
    /// status are the registry's, which announces their changes with ERC-4906
    /// MetadataUpdate(modelId) on the model NFT.
    function uri(uint256 modelId) public view override returns (string memory) {
        string memory template = super.uri(modelId);
        if (bytes(template).length != 0) return template;
        ModelState storage m = _enabledModel(modelId);
        string memory value = uint256(m.creditValue).toString();
        address asset = m.asset; // address(0) for ETH
        return
            TokenMetadata.jsonURI(bytes.concat(_uriHead(modelId, value, asset), _uriProperties(modelId, value, asset)));
    }

    /// @inheritdoc IUsageCredits
    function registry() external view returns (address) {
        return address(_REGISTRY);
    }

    /// @inheritdoc IUsageCredits
    function router() external view returns (address) {
        return address(_ROUTER);
    }

    /// @inheritdoc IUsageCredits
    function modelCredits(uint256 modelId) external view returns (ModelCredits memory) {
        ModelState storage m = _models[modelId];
        return
            ModelCredits({
                asset: m.asset,
                creditValue: m.creditValue,
                minted: m.minted + m.directLocked,
                redeemed: m.redeemed,
                channelled: m.channelled + m.directLocked,
                consumed: m.consumed
            });
    }

    /// @inheritdoc IUsageCredits
    function totalSupply(uint256 modelId) external view returns (uint256) {
        ModelState storage m = _models[modelId];
        return m.minted - m.redeemed - m.channelled;
    }

    /// @inheritdoc IUsageCredits
    function lockedSupply(uint256 modelId) external view returns (uint256) {
        ModelState storage m = _models[modelId];
        return uint256(m.channelled) + m.directLocked - m.consumed;
    }

    /// @inheritdoc IUsageCredits
    function escrowOf(uint256 modelId) external view returns (uint256) {
        ModelState storage m = _models[modelId];
        return (uint256(m.minted) + m.directLocked - m.consumed - m.redeemed) * m.creditValue;
    }

    /// @inheritdoc IUsageCredits
    function channel(uint256 channelId) external view returns (Channel memory) {
        (uint64 deposit, uint64 settled, uint32 expiry) = _channels[channelId].unpack();
        return Channel({deposit: deposit, settled: settled, expiry: expiry, signer: _channelSigners[channelId]});
    }

    /// @inheritdoc IUsageCredits
    function channelIdOf(ChannelTerms calldata terms) external pure returns (uint256) {
        return ChannelWords.channelId(terms.consumer, terms.gateway, terms.modelId, terms.salt);
    }

    /// @inheritdoc IUsageCredits
    function pendingRevenue(uint256 modelId) external view returns (uint256) {
        ModelState storage m = _models[modelId];
        return uint256(m.consumed - m.swept) * m.creditValue;
    }

    /// @inheritdoc IUsageCredits
    function receiptSigner(address account) external view returns (address) {
        return _receiptSigners[account];
    }

    /// @inheritdoc IUsageCredits
    function receiptDigest(
        uint256 channelId,
        uint256 cumulativeCredits,
        uint256 deadline
    ) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_RECEIPT_TYPEHASH, channelId, cumulativeCredits, deadline)));
    }

    /// @inheritdoc IUsageCredits
    function verifyReceipt(
        ChannelTerms calldata terms,
        uint256 cumulativeCredits,
        uint256 deadline,
        bytes calldata signature
    ) external view returns (bool) {
        uint256 channelId = ChannelWords.channelId(terms.consumer, terms.gateway, terms.modelId, terms.salt);
        if (!_channels[channelId].exists()) return false;
        return
            _signedByChannel(
                channelId,
                terms.consumer,
                receiptDigest(channelId, cumulativeCredits, deadline),
                signature
            );
    }

    // ------------------------------------------------------------------ internal

    /// @dev `uri`'s JSON up to the first property: name, description, decimals.
    function _uriHead(uint256 modelId, string memory value, address asset) private pure returns (bytes memory) {
        string memory id = modelId.toString();
        return
            abi.encodePacked(
                '{"name":"Modelmint Usage Credit #',
                id,
                '","description":"Prepaid usage credit for Modelmint model ',
                id,
                ", spent on metered calls through the model's gateways. Each credit is escrowed at ",
                value,
                asset == address(0) ? " wei of ETH" : " units of the model's ERC-20 payment token",
                ' and redeemable for that value while unspent.","decimals":0,"properties":{"model id":',
                id
            );
    }

    /// @dev `uri`'s other properties: the credit's terms here, the model's version and sale
    /// status at the registry.
    function _uriProperties(uint256 modelId, string memory value, address asset) private view returns (bytes memory) {
        (uint32 version, bytes32 weightsHash) = _REGISTRY.latestVersion(modelId);
        return
            abi.encodePacked(
                ',"credit value":"',
                value,
                '","payment asset":"',
                asset == address(0) ? "ETH" : asset.toChecksumHexString(),
                '","model version":',
                uint256(version).toString(),
                ',"weights hash":"',
                uint256(weightsHash).toHexString(32),
                '","on sale":"',
                TokenMetadata.yesNo(_REGISTRY.isSaleOpen(modelId)),
                '"}}'
            );
    }

    /// @dev `settle`'s body: settles `receipts`, booking each run of same-model receipts once.
    function _settle(SettleArgs[] calldata receipts) private returns (uint256 credits) {
        uint256 n = receipts.length;
        // Runs of consecutive same-model receipts: each run updates its model's total once.
        uint256 currentModel;
        uint256 runCredits;
        for (uint256 i; i < n; ++i) {
            (uint256 delta, uint256 modelId) = _settleOne(receipts[i]);
            if (delta == 0) continue;
            if (modelId != currentModel) {
                if (runCredits != 0) _models[currentModel].consumed += uint128(runCredits);
                currentModel = modelId;
                runCredits = 0;
            }
            runCredits += delta;
            credits += delta;
        }
        if (runCredits != 0) _models[currentModel].consumed += uint128(runCredits);
    }

    /// @dev `sweep`'s body: books `modelId`'s pending revenue as swept, then pays it to the
    /// router (the interaction last).
    function _sweep(uint256 modelId) private returns (uint256 value) {
        ModelState storage m = _models[modelId];
        // Slot 0 (value, pricing kind) and slot 3 (consumed, swept) are read once each.
        (uint256 creditValue, bool tokenPriced) = (m.creditValue, m.tokenPriced);
        if (creditValue == 0) _revertNotEnabled(modelId);
        (uint256 consumed, uint256 swept) = (m.consumed, m.swept);
        if (consumed == swept) return 0;
        m.swept = uint128(consumed);
        uint256 credits = consumed - swept;
        value = credits * creditValue;
        emit RevenueSwept(modelId, credits, value);
        // Interaction last: the model's totals are final before the router is called. An ETH
        // model's slot 1 (its asset, zero) is never read.
        uint256 sent = value;
        if (tokenPriced) {
            IERC20 asset = IERC20(m.asset);
            sent = 0;
            if (asset.allowance(address(this), address(_ROUTER)) < value) {
                asset.forceApprove(address(_ROUTER), type(uint256).max);
            }
        }
        _ROUTER.pay{value: sent}(modelId, value);
    }

    /// @dev Checks one receipt and advances its channel to min(charged, deposit). Returns the
    /// credits newly settled (0, without a signature check, for a receipt whose charge does not
    /// go beyond what is already settled) and the channel's model. A receipt that fails a check
    /// settles nothing: it is skipped with ReceiptRejected naming the error it fails (0 credits).
    /// The channel is the one of (consumer, caller, model, salt): terms that are not a channel of
    /// the caller name an unknown channel.
    function _settleOne(SettleArgs calldata r) private returns (uint256 delta, uint256 modelId) {
        modelId = r.modelId;
        address consumer = r.consumer;
        uint256 channelId = ChannelWords.channelId(consumer, msg.sender, modelId, r.salt);
        ChannelWord w = _channels[channelId];
        (uint256 deposit, uint256 settled, uint256 expiry) = w.unpack();
        if (deposit == 0) return _rejected(channelId, UsageCreditsUnknownChannel.selector);
        if (expiry == 0) return _rejected(channelId, UsageCreditsChannelClosed.selector);
        if (block.timestamp >= expiry + GRACE_PERIOD)
            return _rejected(channelId, UsageCreditsSettlementClosed.selector);
        // The deadline is inclusive: a receipt settles in a block whose timestamp equals it.
        if (block.timestamp > r.deadline) return _rejected(channelId, UsageCreditsReceiptExpired.selector);
        uint256 target = r.chargedCredits;
        if (target > r.cumulativeCredits) return _rejected(channelId, UsageCreditsChargeAboveCeiling.selector);
        if (target > deposit) target = deposit;
        if (target <= settled) return (0, modelId);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(_RECEIPT_TYPEHASH, channelId, r.cumulativeCredits, r.deadline))
        );
        if (!_signedByChannel(channelId, consumer, digest, r.signature)) {
            return _rejected(channelId, UsageCreditsInvalidSignature.selector);
        }
        _channels[channelId] = w.setSettled(target);
        delta = target - settled;
        emit CreditsSettled(channelId, modelId, delta, target);
    }

    /// @dev Skips a receipt: emits ReceiptRejected with the selector of the error it fails and
    /// settles nothing (the batch goes on).
    function _rejected(uint256 channelId, bytes4 reason) private returns (uint256, uint256) {
        emit ReceiptRejected(channelId, reason);
        return (0, 0);
    }

    /// @dev Checks a new channel's terms: expiry in the future (and within 32 bits), model on
    /// sale, gateway allowed by the model.
    function _checkNewChannel(uint256 modelId, address gateway, uint256 expiry) private view {
        if (expiry <= block.timestamp) revert UsageCreditsInvalidExpiry(expiry, block.timestamp + 1);
        if (expiry > type(uint32).max) revert UsageCreditsExpiryTooLarge(expiry, type(uint32).max);
        (bool open, bool allowed) = _REGISTRY.saleAndGateway(modelId, gateway);
        if (!open) revert UsageCreditsSaleClosed(modelId);
        if (!allowed) revert UsageCreditsNotGateway(modelId, gateway);
    }

    /// @dev The receipt signer a new channel of the caller records: address(0) for a caller
    /// without code (an EOA signs its own receipts: one warm EXTCODESIZE, no registry read),
    /// else its registered signer; a contract without one is refused (no key of it signs ECDSA).
    function _newChannelSigner() private view returns (address signer) {
        if (msg.sender.code.length == 0) return address(0);
        signer = _receiptSigners[msg.sender];
        if (signer == address(0)) revert UsageCreditsNoReceiptSigner(msg.sender);
    }

    /// @dev Writes a new channel with terms (consumer, gateway, modelId, salt): one fresh slot,
    /// and a signer slot only for a receipt `signer` other than the consumer; emits
    /// ChannelOpened. Terms opened before (even if closed) revert. Amounts and signer checked.
    function _createChannel(
        address consumer,
        address gateway,
        uint256 modelId,
        uint256 salt,
        uint256 credits,
        uint256 expiry,
        address signer
    ) private returns (uint256 channelId) {
        channelId = ChannelWords.channelId(consumer, gateway, modelId, salt);
        if (_channels[channelId].exists()) revert UsageCreditsChannelExists(channelId);
        _channels[channelId] = ChannelWords.newChannel(credits, expiry);
        if (signer == consumer) signer = address(0);
        if (signer != address(0)) _channelSigners[channelId] = signer;
        emit ChannelOpened(channelId, consumer, modelId, gateway, salt, credits, expiry, signer);
    }

    /// @dev Checks and applies a top-up of `credits` (may be 0) and/or an expiry extension of
    /// channel `channelId` of model `modelId` (its consumer checked by the caller, who funds the
    /// credits).
    function _topUp(uint256 channelId, uint256 modelId, uint256 credits, uint256 newExpiry) private {
        ChannelWord w = _channels[channelId];
        (uint256 deposit, , uint256 expiry) = w.unpack();
        if (deposit == 0) revert UsageCreditsUnknownChannel(channelId);
        if (expiry == 0) revert UsageCreditsChannelClosed(channelId);
        if (block.timestamp >= expiry) revert UsageCreditsChannelExpired(channelId, expiry);
        if (newExpiry < expiry) revert UsageCreditsInvalidExpiry(newExpiry, expiry);
        if (newExpiry > type(uint32).max) revert UsageCreditsExpiryTooLarge(newExpiry, type(uint32).max);
        if (credits == 0 && newExpiry == expiry) revert UsageCreditsZeroAmount();
        if (!_REGISTRY.isSaleOpen(modelId)) revert UsageCreditsSaleClosed(modelId);
        if (credits != 0) {
            if (credits > type(uint64).max - deposit) revert UsageCreditsAmountTooLarge(credits);
            deposit += credits;
        }
        _channels[channelId] = w.setDepositAndExpiry(deposit, newExpiry);
        emit ChannelToppedUp(channelId, credits, deposit, newExpiry);
    }

    /// @dev Takes `paid` from the caller, whose payable entry point passes its msg.value as
    /// `sent`: ETH must come in full as `sent`; an ERC-20 is pulled and must arrive in full
    /// (fee-on-transfer tokens revert), with no ETH.
    function _collect(ModelState storage m, bool tokenPriced, uint256 paid, uint256 sent) private {
        if (!tokenPriced) {
            if (sent != paid) revert UsageCreditsWrongPayment(paid, sent);
        } else {
            if (sent != 0) revert UsageCreditsWrongPayment(0, sent);
            address asset = m.asset;
            uint256 before = _balanceOf(asset);
            IERC20(asset).safeTransferFrom(msg.sender, address(this), paid);
            uint256 received = _balanceOf(asset) - before;
            if (received != paid) revert UsageCreditsFeeOnTransfer(asset, paid, received);
        }
    }

    /// @dev `IERC20(asset).balanceOf(address(this))` as a bare staticcall (no ABI encoder or
    /// decoder): a failing call reverts with the token's revert data, a return shorter than one
    /// word reverts without data, as the high-level call does.
    function _balanceOf(address asset) private view returns (uint256 held) {
        assembly ("memory-safe") {
            mstore(0x00, 0x70a08231) // balanceOf(address), in bytes 28..31
            mstore(0x20, address())
            // Arguments run right to left: the call first, then its return size is read.
            if iszero(and(gt(returndatasize(), 0x1f), staticcall(gas(), asset, 0x1c, 0x24, 0x00, 0x20))) {
                returndatacopy(0x00, 0x00, returndatasize())
                revert(0x00, returndatasize())
            }
            held := mload(0x00)
        }
    }

    /// @dev The channel of a checked OpenChannelIntent, bought and locked at once for its
    /// consumer (`buyAndOpenChannel`'s checks and books); returns its id, the price and the asset.
    function _openForConsumer(
        OpenChannelIntent calldata intent
    ) private returns (uint256 channelId, uint256 paid, address asset) {
        uint256 modelId = intent.modelId;
        uint256 credits = intent.credits;
        _checkChannelAmount(credits);
        ModelState storage m = _models[modelId];
        uint256 value = m.creditValue;
        if (value == 0) _revertNotEnabled(modelId);
        if (!m.tokenPriced) revert UsageCreditsNotTokenPriced(modelId);
        _checkNewChannel(modelId, intent.gateway, intent.expiry);
        paid = credits * value;
        m.directLocked = SafeCast.toUint96(uint256(m.directLocked) + credits);
        asset = m.asset;
        channelId = _createChannel(
            intent.consumer,
            intent.gateway,
            modelId,
            intent.salt,
            credits,
            intent.expiry,
            intent.receiptSigner
        );
        emit CreditsBought(modelId, intent.consumer, credits, paid);
    }

    /// @dev Checks a cooperative close of an open (unclosed) channel: the charge lies between
    /// what is settled and the deposit, and the other party signed CooperativeClose(channelId,
    /// chargedCredits): the gateway (ECDSA or ERC-1271) when the consumer calls, the consumer or
    /// the channel's receipt signer (ECDSA) when the gateway calls; anyone else is refused.
    /// Returns the credits to refund and those already settled.
    function _checkCooperativeClose(
        ChannelTerms calldata terms,
        uint256 channelId,
        ChannelWord w,
        uint256 chargedCredits,
        bytes calldata signature
    ) private view returns (uint256 refunded, uint256 settled) {
        {
            (uint256 deposit, uint256 settled_, uint256 expiry) = w.unpack();
            if (deposit == 0) revert UsageCreditsUnknownChannel(channelId);
            if (expiry == 0) revert UsageCreditsChannelClosed(channelId);
            if (chargedCredits < settled_ || chargedCredits > deposit) {
                revert UsageCreditsInvalidFinalCharge(channelId, chargedCredits, settled_, deposit);
            }
            (refunded, settled) = (deposit - chargedCredits, settled_);
        }
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(_CLOSE_TYPEHASH, channelId, chargedCredits)));
        (address consumer, address gateway) = (terms.consumer, terms.gateway);
        if (msg.sender == consumer) {
            if (!SignatureChecker.isValidSignatureNow(gateway, digest, signature)) {
                revert UsageCreditsInvalidCloseSignature(channelId, gateway);
            }
        } else if (msg.sender == gateway) {
            if (!_signedByChannel(channelId, consumer, digest, signature)) {
                revert UsageCreditsInvalidCloseSignature(channelId, consumer);
            }
        } else {
            revert UsageCreditsNotChannelParty(channelId, msg.sender);
        }
    }

    /// @dev Returns `credits` of a closed channel to the consumer as their value in the model's
    /// asset: unlocked and redeemed at once (the free supply is unchanged).
    function _refund(ModelState storage m, uint256 modelId, address consumer, uint256 credits) private {
        _unlock(m, credits);
        m.redeemed += uint128(credits);
        uint256 value = credits * m.creditValue;
        emit CreditsRedeemed(modelId, consumer, consumer, credits, value);
        // Last: the only external call (an ETH refund calls the consumer).
        _pay(m.tokenPriced ? m.asset : address(0), consumer, value);
    }

    /// @dev Checks a signed intent of `consumer`: before its deadline, ECDSA-signed by the
    /// consumer over `structHash` in this contract's domain.
    function _checkIntent(
        address consumer,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) private view {
        if (block.timestamp >= deadline) revert UsageCreditsIntentExpired(deadline, block.timestamp);
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(
            _hashTypedDataV4(structHash),
            signature
        );
        if (err != ECDSA.RecoverError.NoError || recovered != consumer) {
            revert UsageCreditsInvalidIntentSignature(consumer);
        }
    }

    /// @dev Takes `paid` of `asset` from `consumer` with its ERC-3009 `receiveWithAuthorization`
    /// (validAfter 0, validBefore `deadline`, nonce `nonce`); the token checks the signature and
    /// consumes the nonce. A used nonce is refused by name first; the amount must arrive in full.
    function _collectAuthorized(
        address asset,
        address consumer,
        uint256 paid,
        bytes32 nonce,
        uint256 deadline,
        TokenAuthorization calldata auth
    ) private {
        if (IERC3009(asset).authorizationState(consumer, nonce)) revert UsageCreditsAuthorizationUsed(consumer, nonce);
        uint256 before = IERC20(asset).balanceOf(address(this));
        IERC3009(asset).receiveWithAuthorization(
            consumer,
            address(this),
            paid,
            0,
            deadline,
            nonce,
            auth.v,
            auth.r,
            auth.s
        );
        uint256 received = IERC20(asset).balanceOf(address(this)) - before;
        if (received != paid) revert UsageCreditsFeeOnTransfer(asset, paid, received);
    }

    /// @dev Whether `signature` is an ECDSA signature (low-s, enforced by OZ ECDSA) of `digest`
    /// by the channel's consumer or the signer it recorded at opening. The consumer is compared
    /// first, so a consumer-signed receipt reads no signer slot. No external call: nothing the
    /// consumer does after opening changes which keys this accepts.
    function _signedByChannel(
        uint256 channelId,
        address consumer,
        bytes32 digest,
        bytes calldata signature
    ) private view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err != ECDSA.RecoverError.NoError) return false;
        return recovered == consumer || recovered == _channelSigners[channelId];
    }

    function _pay(address asset, address to, uint256 amount) private {
        if (asset == address(0)) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert UsageCreditsEthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    /// @dev Returns `credits` from channels to balances: channelled (minted + directLocked on the
    /// views) shrinks by exactly `credits`. Credits bought straight into channels are first
    /// re-booked as minted-and-channelled (views unchanged) when the balance-funded part is short.
    function _unlock(ModelState storage m, uint256 credits) private {
        uint256 fromBalances = m.channelled;
        if (credits > fromBalances) {
            uint256 rebook = credits - fromBalances;
            m.directLocked -= uint96(rebook);
            m.minted += uint128(rebook);
            fromBalances += rebook;
        }
        m.channelled = uint128(fromBalances - credits);
    }

    function _burnFree(address account, uint256 modelId, uint256 credits) private {
        uint256 balance = balanceOf(account, modelId);
        if (balance < credits) revert UsageCreditsInsufficientCredits(account, modelId, balance, credits);
        _burn(account, modelId, credits);
    }

    function _enabledModel(uint256 modelId) private view returns (ModelState storage m) {
        m = _models[modelId];
        if (m.creditValue == 0) _revertNotEnabled(modelId);
    }

    function _revertNotEnabled(uint256 modelId) private view {
        if (!_REGISTRY.exists(modelId)) revert UsageCreditsUnknownModel(modelId);
        revert UsageCreditsNotEnabled(modelId);
    }

    /// @dev The id of `terms`, whose consumer must be the caller.
    function _callersChannel(ChannelTerms calldata terms) private view returns (uint256 channelId) {
        channelId = ChannelWords.channelId(terms.consumer, terms.gateway, terms.modelId, terms.salt);
        if (terms.consumer != msg.sender) revert UsageCreditsNotChannelConsumer(channelId, msg.sender);
    }

    function _checkAmount(uint256 credits) private pure {
        if (credits == 0) revert UsageCreditsZeroAmount();
        if (credits > type(uint96).max) revert UsageCreditsAmountTooLarge(credits);
    }

    /// @dev A channel holds at most 2^64 - 1 credits (its deposit is stored in 64 bits).
    function _checkChannelAmount(uint256 credits) private pure {
        if (credits == 0) revert UsageCreditsZeroAmount();
        if (credits > type(uint64).max) revert UsageCreditsAmountTooLarge(credits);
    }
}
