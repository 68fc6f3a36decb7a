// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title IAgentWallet
/// @notice A smart wallet for an autonomous agent that pays Modelmint gateways.
///
/// Two keys, two powers. The `owner` holds the funds: it deposits ETH and tokens (and approves
/// UsageCredits for a token model), may call anything through `execute`, sets the agent's
/// budgets and allow-lists, rotates the agent key and withdraws. The `agent` key runs the agent.
///
/// What the agent may do, through `execute`: call only the wallet's one UsageCredits contract,
/// only to buy, lock, close or redeem credits of the wallet itself, only for models and
/// gateways the owner listed (`setModelAllowed`, `setGatewayAllowed`; nothing is listed at
/// deployment), and only within a budget per asset (`setBudget`; address(0) = ETH; every budget
/// is 0 at deployment). Every agent call is charged, in the asset of the model it concerns, by
/// the value it takes out of the wallet's control:
///  - `buyCredits`, `buyAndOpenChannel`, `buyAndTopUpChannel`: what the wallet paid (the ETH
///    `value`; for an ERC-20 model, the decrease of the wallet's token balance over the call);
///  - `openChannel`, `topUpChannel`: the value of the held credits locked to the gateway
///    (`credits * creditValue`), since locked credits are no longer the wallet's to redeem;
///  - `redeem` (to the wallet) and `closeChannel` return value and are not charged.
/// `spentOf` is cumulative and never decreases: buying credits and then locking them with
/// `openChannel` is charged twice (use `buyAndOpenChannel`), and credits refunded by a closed
/// channel are charged again when locked again; the owner raises the budget to allow more.
/// Purchases and redemptions go to the wallet only; channels are opened by the wallet, so their
/// consumer is the wallet. A stolen agent key can therefore commit at most the remaining budget
/// of each asset, only to gateways of models the owner listed, and cannot move the wallet's
/// funds or credits to any other address.
///
/// Signatures. Metering receipts are NOT signed through this wallet: a channel opened by the
/// wallet records the agent key as the key that signs its receipts (the wallet registers its
/// agent as its receipt signer with UsageCredits), and UsageCredits checks the agent key's ECDSA
/// signature directly. `isValidSignature` (ERC-1271) accepts only EIP-712 messages of the
/// (domain separator, type hash) pairs the owner allowed with `setSignable` (e.g. the license
/// access statements of one gateway and model), signed by the agent key, in the wrapped form
///     signature = ecdsa (65 bytes: r, s, v; low s) || domainSeparator (32 bytes)
///                 || encodedStruct (typeHash and one 32-byte word per member)
/// where the digest asked about must equal keccak256(0x1901 || domainSeparator ||
/// keccak256(encodedStruct)). Anything else (a bare ECDSA signature, a pair not allowed, another
/// signer) returns 0xffffffff: the agent key cannot vote, permit or sign anything else for the
/// wallet.
interface IAgentWallet is IERC1271 {
    error AgentWalletNotOwner(address caller);
    error AgentWalletNotAuthorised(address caller);
    error AgentWalletTargetNotAllowed(address target);
    error AgentWalletCallNotAllowed(bytes4 selector);
    error AgentWalletCalldataTooShort(bytes4 selector, uint256 length, uint256 needed);
    error AgentWalletRecipientNotWallet(address recipient);
    error AgentWalletModelNotAllowed(uint256 modelId);
    error AgentWalletGatewayNotAllowed(address gateway);
    error AgentWalletNotWalletChannel(uint256 channelId, address consumer);
    error AgentWalletBudgetExceeded(address asset, uint256 spent, uint256 amount, uint256 budget);
    error AgentWalletBudgetTooLarge(uint256 budget, uint256 maximum);
    error AgentWalletZeroAddress();
    error AgentWalletCallFailed(bytes reason);
    error AgentWalletEthTransferFailed(address to, uint256 amount);

    event AgentChanged(address indexed previousAgent, address indexed newAgent);
    /// @notice The agent's budget in `asset` (address(0) = ETH) is now `budget`; it has spent
    /// `spent` of that asset so far.
    event BudgetSet(address indexed asset, uint256 budget, uint256 spent);
    event ModelAllowed(uint256 indexed modelId, bool allowed);
    event GatewayAllowed(address indexed gateway, bool allowed);
    event SignableSet(bytes32 indexed domainSeparator, bytes32 indexed typeHash, bool allowed);
    /// @notice An agent call charged `amount` of `asset`; `spent` is the asset's new total.
    event AgentSpent(address indexed asset, bytes4 indexed selector, uint256 amount, uint256 spent);
    event Withdrawn(address indexed to, uint256 amount);

    /// @notice The key that holds the funds and configures the wallet.
    function OWNER() external view returns (address);

    /// @notice The only contract the agent key may call: the UsageCredits deployment.
    function CREDITS() external view returns (address);

    /// @notice The key that runs the agent: it sends the agent's calls, signs the receipts of the
    /// wallet's channels (as their recorded signer) and the EIP-712 messages the owner allowed.
    function agent() external view returns (address);

    /// @notice Total value of `asset` (address(0) = ETH) the agent may spend (cumulative).
    function budgetOf(address asset) external view returns (uint256);

    /// @notice Value of `asset` the agent has spent so far (see the charging rules above).
    function spentOf(address asset) external view returns (uint256);

    /// @notice Whether the agent may buy, lock or top up credits of `modelId`.
    function isModelAllowed(uint256 modelId) external view returns (bool);

    /// @notice Whether the agent may open or top up channels with `gateway`.
    function isGatewayAllowed(address gateway) external view returns (bool);

    /// @notice Whether the agent key may sign EIP-712 messages of type `typeHash` under the
    /// domain `domainSeparator` for the wallet (ERC-1271).
    function isSignable(bytes32 domainSeparator, bytes32 typeHash) external view returns (bool);

    /// @notice Sets a new agent key. Only the owner. Signatures of the old key stop verifying at
    /// once; channels keep the receipt signer they recorded when they were opened.
    function setAgent(address newAgent) external;

    /// @notice Sets the agent's total budget in `asset` (address(0) = ETH), compared with
    /// `spentOf(asset)`; at most 2^128 - 1. Only the owner.
    function setBudget(address asset, uint256 newBudget) external;

    /// @notice Lists (`allowed`) or unlists a model the agent may buy and lock credits of.
    /// Only the owner.
    function setModelAllowed(uint256 modelId, bool allowed) external;

    /// @notice Lists (`allowed`) or unlists a gateway the agent may lock credits to. Only the
    /// owner; not address(0).
    function setGatewayAllowed(address gateway, bool allowed) external;

    /// @notice Allows (`allowed`) or forbids the agent key to sign, for the wallet, EIP-712
    /// messages of `typeHash` under `domainSeparator`. Only the owner. For license access
    /// statements: `modelmint.access.access_signable(chain_id, gateway, model_id)`.
    function setSignable(bytes32 domainSeparator, bytes32 typeHash, bool allowed) external;

    /// @notice Calls `target` with `value` and `data`. The owner may call anything. The agent may
    /// call only CREDITS: buyCredits and redeem to this wallet, openChannel and
    /// buyAndOpenChannel for a listed model and gateway, topUpChannel and buyAndTopUpChannel of
    /// the wallet's channels of a listed model and gateway, and closeChannel; each call charged
    /// within the budget of the model's asset (reverting with AgentWalletBudgetExceeded).
    /// @return result The call's return data.
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory result);

    /// @notice Sends `amount` wei of the wallet's ETH to `to`. Only the owner (tokens and
    /// credits leave through the owner's `execute`).
    function withdraw(address payable to, uint256 amount) external;
}
