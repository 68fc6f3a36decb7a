// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {IAgentWallet} from "../interfaces/IAgentWallet.sol";
import {IUsageCredits} from "../interfaces/IUsageCredits.sol";

/// @title AgentWallet
/// @notice A budgeted smart wallet for an autonomous agent: the owner's key holds the funds, the
/// agent's key signs receipts (ERC-1271) and may only buy and manage the wallet's usage credits
/// within the budget the owner set.
contract AgentWallet is IAgentWallet, ERC1155Holder {
    bytes4 private constant _ERC1271_INVALID = 0xffffffff;
    /// @dev `buyAndOpenChannel(uint256,address,uint256,uint40)` and
    /// `buyAndTopUpChannel(uint256,uint256,uint40)`: one-transaction funded channels and top-ups.
    bytes4 private constant _BUY_AND_OPEN = bytes4(keccak256("buyAndOpenChannel(uint256,address,uint256,uint40)"));
    bytes4 private constant _BUY_AND_TOP_UP = bytes4(keccak256("buyAndTopUpChannel(uint256,uint256,uint40)"));

    /// @inheritdoc IAgentWallet
    address public immutable OWNER;
    /// @inheritdoc IAgentWallet
    address public immutable CREDITS;

    /// @inheritdoc IAgentWallet
    address public agent;
    /// @inheritdoc IAgentWallet
    uint256 public budget;
    /// @inheritdoc IAgentWallet
    uint256 public spent;

    constructor(address owner_, address agent_, address credits_, uint256 budget_) {
        if (owner_ == address(0) || agent_ == address(0) || credits_ == address(0)) revert AgentWalletZeroAddress();
        OWNER = owner_;
        CREDITS = credits_;
        agent = agent_;
        budget = budget_;
        emit AgentChanged(address(0), agent_);
        emit BudgetSet(budget_, 0);
    }

    receive() external payable {}

    /// @inheritdoc IAgentWallet
    function setAgent(address newAgent) external {
        _onlyOwner();
        if (newAgent == address(0)) revert AgentWalletZeroAddress();
        address previous = agent;
        agent = newAgent;
        emit AgentChanged(previous, newAgent);
    }

    /// @inheritdoc IAgentWallet
    function setBudget(uint256 newBudget) external {
        _onlyOwner();
        budget = newBudget;
        emit BudgetSet(newBudget, spent);
    }

    /// @inheritdoc IAgentWallet
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != OWNER) {
            if (msg.sender != agent) revert AgentWalletNotAuthorised(msg.sender);
            bytes4 selector = _agentCall(target, data);
            uint256 total = spent + value;
            if (total > budget) revert AgentWalletBudgetExceeded(spent, value, budget);
            spent = total;
            emit AgentSpent(target, selector, value, total);
        }
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) revert AgentWalletCallFailed(result);
        return result;
    }

    /// @inheritdoc IAgentWallet
    function withdraw(address payable to, uint256 amount) external {
        _onlyOwner();
        if (to == address(0)) revert AgentWalletZeroAddress();
        emit Withdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert AgentWalletEthTransferFailed(to, amount);
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == agent) return IERC1271.isValidSignature.selector;
        return _ERC1271_INVALID;
    }

    /// @dev The agent's allow-list: CREDITS only; purchases and redemptions only to this wallet.
    function _agentCall(address target, bytes calldata data) private view returns (bytes4 selector) {
        if (target != CREDITS) revert AgentWalletTargetNotAllowed(target);
        if (data.length < 4) revert AgentWalletCallNotAllowed(bytes4(0));
        selector = bytes4(data[:4]);
        if (selector == IUsageCredits.buyCredits.selector || selector == IUsageCredits.redeem.selector) {
            // (uint256 modelId, uint256 credits, address to): `to` is the third word.
            if (data.length < 100) revert AgentWalletCallNotAllowed(selector);
            address recipient = abi.decode(data[68:100], (address));
            if (recipient != address(this)) revert AgentWalletRecipientNotWallet(recipient);
        } else if (
            selector != IUsageCredits.openChannel.selector && selector != IUsageCredits.topUpChannel.selector
                && selector != IUsageCredits.closeChannel.selector && selector != _BUY_AND_OPEN
                && selector != _BUY_AND_TOP_UP
        ) {
            revert AgentWalletCallNotAllowed(selector);
        }
    }

    function _onlyOwner() private view {
        if (msg.sender != OWNER) revert AgentWalletNotOwner(msg.sender);
    }
}
