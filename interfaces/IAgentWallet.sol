// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title IAgentWallet
/// @notice A smart wallet for an autonomous agent that pays Modelmint gateways.
///
/// Two keys, two powers. The `owner` holds the funds: it deposits ETH, may call anything through
/// `execute`, sets the agent's budget, rotates the agent key and withdraws. The `agent` key runs
/// the agent: it signs metering receipts and licence access statements (the wallet's ERC-1271
/// signature is the agent key's ECDSA signature of the digest), and through `execute` it may only
/// call the wallet's one UsageCredits contract, only the functions that buy, lock, close or
/// redeem credits for the wallet itself, and only while the ETH it has spent stays within the
/// budget. A stolen agent key can therefore spend at most the remaining budget on credits of the
/// wallet, and cannot move the wallet's funds or credits anywhere else.
interface IAgentWallet is IERC1271 {
    error AgentWalletNotOwner(address caller);
    error AgentWalletNotAuthorised(address caller);
    error AgentWalletTargetNotAllowed(address target);
    error AgentWalletCallNotAllowed(bytes4 selector);
    error AgentWalletRecipientNotWallet(address recipient);
    error AgentWalletBudgetExceeded(uint256 spent, uint256 value, uint256 budget);
    error AgentWalletZeroAddress();
    error AgentWalletCallFailed(bytes reason);
    error AgentWalletEthTransferFailed(address to, uint256 amount);

    event AgentChanged(address indexed previousAgent, address indexed newAgent);
    event BudgetSet(uint256 budget, uint256 spent);
    event AgentSpent(address indexed target, bytes4 indexed selector, uint256 value, uint256 spent);
    event Withdrawn(address indexed to, uint256 amount);

    /// @notice The key that holds the funds and configures the wallet.
    function OWNER() external view returns (address);

    /// @notice The only contract the agent key may call: the UsageCredits deployment.
    function CREDITS() external view returns (address);

    /// @notice The key that signs receipts and runs the agent.
    function agent() external view returns (address);

    /// @notice Total ETH the agent key may spend through `execute` (cumulative, wei).
    function budget() external view returns (uint256);

    /// @notice ETH the agent key has spent through `execute` so far (wei).
    function spent() external view returns (uint256);

    /// @notice Sets a new agent key. Only the owner. Receipts signed by the old key stop
    /// verifying at once: settle them before rotating.
    function setAgent(address newAgent) external;

    /// @notice Sets the agent's total budget (wei; compared with `spent`). Only the owner.
    function setBudget(uint256 newBudget) external;

    /// @notice Calls `target` with `value` and `data`. The owner may call anything. The agent may
    /// call only CREDITS: buyCredits and redeem to this wallet, openChannel, topUpChannel,
    /// closeChannel, buyAndOpenChannel and buyAndTopUpChannel, with `spent + value <= budget`.
    /// @return result The call's return data.
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory result);

    /// @notice Sends `amount` wei of the wallet's ETH to `to`. Only the owner.
    function withdraw(address payable to, uint256 amount) external;
}
