// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {IAgentWallet} from "../interfaces/IAgentWallet.sol";
import {IUsageCredits} from "../interfaces/IUsageCredits.sol";

/// @title AgentWallet
/// @notice A budgeted smart wallet for an autonomous agent: the owner's key holds the funds and
/// sets per-asset budgets and allow-lists; the agent's key may only buy and manage the wallet's
/// usage credits for listed models and gateways within those budgets, and sign the EIP-712
/// messages the owner allowed.
contract AgentWallet is IAgentWallet, ERC1155Holder {
    /// @dev A budget and what was spent of it, in one slot.
    struct Allowance {
        uint128 budget;
        uint128 spent;
    }

    bytes4 private constant _ERC1271_INVALID = 0xffffffff;
    /// @dev `buyAndOpenChannel(uint256,address,uint256,uint256,uint40)` and
    /// `buyAndTopUpChannel((address,address,uint256,uint256),uint256,uint40)`: one-transaction
    /// funded channels and top-ups.
    bytes4 private constant _BUY_AND_OPEN = bytes4(
        keccak256("buyAndOpenChannel(uint256,address,uint256,uint256,uint40)")
    );
    bytes4 private constant _BUY_AND_TOP_UP = bytes4(
        keccak256("buyAndTopUpChannel((address,address,uint256,uint256),uint256,uint40)")
    );
    /// @dev Calldata lengths (selector + argument words) the agent's calls must have at least.
    uint256 private constant _THREE_WORDS = 4 + 3 * 32;
    uint256 private constant _FOUR_WORDS = 4 + 4 * 32;
    uint256 private constant _FIVE_WORDS = 4 + 5 * 32;
    /// @dev Wrapped ERC-1271 signature: 65-byte ECDSA, domain separator, then the encoded struct
    /// (type hash and member words).
    uint256 private constant _ECDSA_LENGTH = 65;
    uint256 private constant _STRUCT_OFFSET = _ECDSA_LENGTH + 32;

    /// @inheritdoc IAgentWallet
    address public immutable OWNER;
    /// @inheritdoc IAgentWallet
    address public immutable CREDITS;

    /// @inheritdoc IAgentWallet
    address public agent;
    mapping(address asset => Allowance) private _allowances;
    /// @inheritdoc IAgentWallet
    mapping(uint256 modelId => bool) public isModelAllowed;
    /// @inheritdoc IAgentWallet
    mapping(address gateway => bool) public isGatewayAllowed;
    /// @inheritdoc IAgentWallet
    mapping(bytes32 domainSeparator => mapping(bytes32 typeHash => bool)) public isSignable;

    /// @dev Every budget is 0 and nothing is listed or signable until the owner sets it.
    constructor(address owner_, address agent_, address credits_) {
        if (owner_ == address(0) || credits_ == address(0)) revert AgentWalletZeroAddress();
        OWNER = owner_;
        CREDITS = credits_;
        _setAgent(agent_);
    }

    receive() external payable {}

    /// @inheritdoc IAgentWallet
    function setAgent(address newAgent) external {
        _onlyOwner();
        _setAgent(newAgent);
    }

    /// @inheritdoc IAgentWallet
    function setBudget(address asset, uint256 newBudget) external {
        _onlyOwner();
        if (newBudget > type(uint128).max) revert AgentWalletBudgetTooLarge(newBudget, type(uint128).max);
        Allowance storage a = _allowances[asset];
        a.budget = uint128(newBudget);
        emit BudgetSet(asset, newBudget, a.spent);
    }

    /// @inheritdoc IAgentWallet
    function setModelAllowed(uint256 modelId, bool allowed) external {
        _onlyOwner();
        isModelAllowed[modelId] = allowed;
        emit ModelAllowed(modelId, allowed);
    }

    /// @inheritdoc IAgentWallet
    function setGatewayAllowed(address gateway, bool allowed) external {
        _onlyOwner();
        if (gateway == address(0)) revert AgentWalletZeroAddress();
        isGatewayAllowed[gateway] = allowed;
        emit GatewayAllowed(gateway, allowed);
    }

    /// @inheritdoc IAgentWallet
    function setSignable(bytes32 domainSeparator, bytes32 typeHash, bool allowed) external {
        _onlyOwner();
        isSignable[domainSeparator][typeHash] = allowed;
        emit SignableSet(domainSeparator, typeHash, allowed);
    }

    /// @inheritdoc IAgentWallet
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender == OWNER) return _call(target, value, data);
        if (msg.sender != agent) revert AgentWalletNotAuthorised(msg.sender);
        if (target != CREDITS) revert AgentWalletTargetNotAllowed(target);
        (bytes4 selector, address asset, uint256 locked, bool pays) = _agentCall(data);
        if (value != 0) _charge(address(0), selector, value);
        if (locked != 0) _charge(asset, selector, locked);
        if (!pays || asset == address(0)) return _call(target, value, data);
        // An ERC-20 purchase: charge what actually left the wallet's token balance.
        uint256 before = IERC20(asset).balanceOf(address(this));
        bytes memory result = _call(target, value, data);
        uint256 remaining = IERC20(asset).balanceOf(address(this));
        if (remaining < before) _charge(asset, selector, before - remaining);
        return result;
    }

    /// @inheritdoc IAgentWallet
    function withdraw(address payable to, uint256 amount) external {
        _onlyOwner();
        if (to == address(0)) revert AgentWalletZeroAddress();
        emit Withdrawn(to, amount);
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert AgentWalletEthTransferFailed(to, amount);
    }

    /// @inheritdoc IAgentWallet
    function budgetOf(address asset) external view returns (uint256) {
        return _allowances[asset].budget;
    }

    /// @inheritdoc IAgentWallet
    function spentOf(address asset) external view returns (uint256) {
        return _allowances[asset].spent;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        uint256 length = signature.length;
        if (length < _STRUCT_OFFSET + 32 || (length - _STRUCT_OFFSET) % 32 != 0) return _ERC1271_INVALID;
        bytes32 separator = bytes32(signature[_ECDSA_LENGTH:_STRUCT_OFFSET]);
        if (!isSignable[separator][bytes32(signature[_STRUCT_OFFSET:_STRUCT_OFFSET + 32])]) {
            return _ERC1271_INVALID;
        }
        bytes32 structHash = keccak256(signature[_STRUCT_OFFSET:]);
        if (MessageHashUtils.toTypedDataHash(separator, structHash) != hash) return _ERC1271_INVALID;
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature[:_ECDSA_LENGTH]);
        if (err == ECDSA.RecoverError.NoError && signer == agent) return IERC1271.isValidSignature.selector;
        return _ERC1271_INVALID;
    }

    function _setAgent(address newAgent) private {
        if (newAgent == address(0)) revert AgentWalletZeroAddress();
        address previous = agent;
        agent = newAgent;
        emit AgentChanged(previous, newAgent);
        // Channels the wallet opens from now on record this key as the signer of their receipts;
        // channels opened before keep the key they recorded (a served receipt stays final).
        IUsageCredits(CREDITS).setReceiptSigner(newAgent);
    }

    function _call(address target, uint256 value, bytes calldata data) private returns (bytes memory) {
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) revert AgentWalletCallFailed(result);
        return result;
    }

    /// @dev Adds `amount` of `asset` to what the agent spent, reverting past the budget.
    function _charge(address asset, bytes4 selector, uint256 amount) private {
        Allowance storage a = _allowances[asset];
        uint256 spent = a.spent;
        uint256 budget = a.budget;
        if (amount > budget - _min(spent, budget)) revert AgentWalletBudgetExceeded(asset, spent, amount, budget);
        uint256 total = spent + amount; // <= budget < 2^128
        a.spent = uint128(total);
        emit AgentSpent(asset, selector, amount, total);
    }

    /// @dev The agent's allow-list, for a call to CREDITS. Returns the selector, the asset of the
    /// model the call concerns, the value of held credits it locks (charged before the call) and
    /// whether it pays for credits (for an ERC-20 model, charged by the balance decrease).
    function _agentCall(
        bytes calldata data
    ) private view returns (bytes4 selector, address asset, uint256 locked, bool pays) {
        if (data.length < 4) revert AgentWalletCalldataTooShort(bytes4(0), data.length, 4);
        selector = bytes4(data[:4]);
        if (selector == IUsageCredits.buyCredits.selector || selector == IUsageCredits.redeem.selector) {
            _needs(selector, data, _THREE_WORDS);
            (uint256 modelId, , address recipient) = abi.decode(data[4:_THREE_WORDS], (uint256, uint256, address));
            if (recipient != address(this)) revert AgentWalletRecipientNotWallet(recipient);
            if (selector == IUsageCredits.redeem.selector) return (selector, address(0), 0, false);
            _allowedModel(modelId);
            (asset, ) = _terms(modelId);
            pays = true;
        } else if (selector == IUsageCredits.openChannel.selector || selector == _BUY_AND_OPEN) {
            _needs(selector, data, _FIVE_WORDS);
            (uint256 modelId, address gateway, , uint256 credits) = abi.decode(
                data[4:_FIVE_WORDS - 32],
                (uint256, address, uint256, uint256)
            );
            _allowedModel(modelId);
            if (!isGatewayAllowed[gateway]) revert AgentWalletGatewayNotAllowed(gateway);
            uint256 creditValue;
            (asset, creditValue) = _terms(modelId);
            if (selector == _BUY_AND_OPEN) pays = true;
            else locked = _value(credits, creditValue);
        } else if (selector == IUsageCredits.topUpChannel.selector || selector == _BUY_AND_TOP_UP) {
            // The channel's terms (consumer, gateway, model, salt), then credits and expiry.
            _needs(selector, data, _FIVE_WORDS + 32);
            (IUsageCredits.ChannelTerms memory t, uint256 credits) = abi.decode(
                data[4:_FIVE_WORDS],
                (IUsageCredits.ChannelTerms, uint256)
            );
            if (t.consumer != address(this)) {
                revert AgentWalletNotWalletChannel(uint256(keccak256(abi.encode(t))), t.consumer);
            }
            _allowedModel(t.modelId);
            if (!isGatewayAllowed[t.gateway]) revert AgentWalletGatewayNotAllowed(t.gateway);
            uint256 creditValue;
            (asset, creditValue) = _terms(t.modelId);
            if (selector == _BUY_AND_TOP_UP) pays = true;
            else locked = _value(credits, creditValue);
        } else if (selector == IUsageCredits.closeChannel.selector) {
            // Returns unsettled credits to the channel's consumer (UsageCredits lets only the
            // consumer close): never charged, and allowed after the owner unlists its gateway.
            _needs(selector, data, _FOUR_WORDS);
        } else {
            revert AgentWalletCallNotAllowed(selector);
        }
    }

    function _terms(uint256 modelId) private view returns (address asset, uint256 creditValue) {
        IUsageCredits.ModelCredits memory terms = IUsageCredits(CREDITS).modelCredits(modelId);
        return (terms.asset, terms.creditValue);
    }

    function _allowedModel(uint256 modelId) private view {
        if (!isModelAllowed[modelId]) revert AgentWalletModelNotAllowed(modelId);
    }

    function _onlyOwner() private view {
        if (msg.sender != OWNER) revert AgentWalletNotOwner(msg.sender);
    }

    function _needs(bytes4 selector, bytes calldata data, uint256 needed) private pure {
        if (data.length < needed) revert AgentWalletCalldataTooShort(selector, data.length, needed);
    }

    /// @dev `credits * creditValue`, saturating (a saturated value exceeds every budget).
    function _value(uint256 credits, uint256 creditValue) private pure returns (uint256) {
        if (credits > type(uint128).max) return type(uint256).max;
        return credits * creditValue; // creditValue < 2^96
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
