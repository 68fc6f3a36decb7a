// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "./IModelRegistry.sol";

/// @title IRevenueRouter
/// @notice Every payment for a model lands here in the model's payment asset. A protocol fee
/// (basis points, governed, capped by MAX_FEE_BPS) accrues to the treasury; the rest accrues to
/// the model's recipients by weight through a per-model accumulator (O(1) per payment).
/// Recipients pull what they are owed.
/// @dev Accounting model (per asset): `liabilities(asset)` = fees owed to the treasury + every
/// account's claimable + rounding dust, and the router's balance of the asset is never below it
/// (solvency). Per model: revenue in = fee + accrued to recipients (+ dust); accrued = claimed +
/// claimable. Rounding dust is bounded: each payment loses < totalWeight / ACC_SCALE wei
/// (< 2^32 / 1e18, i.e. < 1e-8 wei) in the accumulator and each settlement of one recipient
/// loses < 1 wei; dust is counted in `liabilities` but no account can ever claim it, so it is
/// never paid twice. Revenue arriving while a model has no recipients accrues to the model's
/// owner of that moment (claimable like any recipient balance), so nothing is ever stuck.
interface IRevenueRouter {
    /// @notice Fee ceiling fixed in code.
    error RevenueRouterFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);
    /// @notice The caller is not `registry.governance()`.
    error RevenueRouterNotGovernance(address caller);
    /// @notice The caller does not own the model token.
    error RevenueRouterNotModelOwner(uint256 modelId, address caller);
    /// @notice No model with this id exists in the registry.
    error RevenueRouterUnknownModel(uint256 modelId);
    /// @notice A zero address was given where an account is required.
    error RevenueRouterZeroAddress();
    /// @notice A payment of zero.
    error RevenueRouterZeroAmount(uint256 modelId);
    /// @notice msg.value must equal `amount` for ETH models and be 0 for ERC-20 models.
    error RevenueRouterWrongValue(uint256 expected, uint256 sent);
    /// @notice The router received a different amount than requested (fee-on-transfer token).
    error RevenueRouterTransferMismatch(address asset, uint256 expected, uint256 received);
    /// @notice `recipients` and `weights` differ in length.
    error RevenueRouterLengthMismatch(uint256 recipients, uint256 weights);
    /// @notice More recipients than MAX_RECIPIENTS.
    error RevenueRouterTooManyRecipients(uint256 count, uint256 max);
    /// @notice A recipient was given a zero weight.
    error RevenueRouterZeroWeight(address recipient);
    /// @notice A recipient appears twice in one set.
    error RevenueRouterDuplicateRecipient(address recipient);
    /// @notice The sum of weights does not fit in a uint32.
    error RevenueRouterTotalWeightTooLarge(uint256 totalWeight);
    /// @notice claimAmount asked for more than the caller can claim on the model.
    error RevenueRouterInsufficientClaimable(uint256 modelId, address account, uint256 requested, uint256 available);
    /// @notice Sending ETH to `to` failed (only the caller's own claim is affected).
    error RevenueRouterEthTransferFailed(address to, uint256 amount);
    /// @notice A recipient is the ModelShares token of another model of this router: revenue
    /// credited to it here could never be claimed (a shares token claims its own model only).
    error RevenueRouterForeignShares(address recipient, uint256 sharesModelId);
    /// @notice The sweep of the model's credit revenue before a split change ran out of the gas
    /// the caller gave it: retry with more gas.
    error RevenueRouterSweepOutOfGas(uint256 modelId);

    /// @notice A payment was accounted: `fee` to the treasury, `amount - fee` to the recipients.
    event PaymentReceived(
        uint256 indexed modelId,
        address indexed payer,
        address indexed asset,
        uint256 amount,
        uint256 fee
    );
    /// @notice The model's recipient set was replaced; `epoch` numbers the set (starts at 1).
    event RecipientsSet(uint256 indexed modelId, uint32 indexed epoch, address[] recipients, uint32[] weights);
    /// @notice `account` claimed `amount` of the model's revenue, sent to `to`.
    event RevenueClaimed(uint256 indexed modelId, address indexed account, address indexed to, uint256 amount);
    /// @notice Protocol fees in `asset` were paid to the treasury.
    event FeesClaimed(address indexed asset, address indexed treasury, uint256 amount);
    /// @notice Governance changed the protocol fee.
    event FeeBpsSet(uint256 previousFeeBps, uint256 newFeeBps);
    /// @notice Governance changed the treasury.
    event TreasurySet(address indexed previousTreasury, address indexed newTreasury);

    // ------------------------------------------------------------------ payments

    /// @notice Pays `amount` of the model's payment asset to the model.
    /// ETH models: msg.value must equal `amount`. ERC-20 models: msg.value must be 0 and the
    /// router pulls `amount` from msg.sender with transferFrom (the caller approves first);
    /// the router measures its balance difference and reverts with
    /// RevenueRouterTransferMismatch unless it received exactly `amount` (fee-on-transfer
    /// tokens are rejected). The router never pulls from anyone but msg.sender: an allowance
    /// given to it (UsageCredits keeps a standing one for its sweeps) serves only its owner's
    /// own calls.
    /// @return credited The amount accounted (fee + recipients' share); always `amount`.
    function pay(uint256 modelId, uint256 amount) external payable returns (uint256 credited);

    // ---------------------------------------------------------------- model owner

    /// @notice Replaces the model's whole recipient set. Only the model token's owner.
    /// Everything accrued under the previous set stays claimable by its recipients (the old
    /// set's accumulator is frozen as an epoch; recipients kept in the new set are settled
    /// immediately, dropped ones lazily at their next claim - the amounts are identical).
    /// Costs O(new recipients), never O(old recipients). An empty set is allowed: revenue then
    /// accrues to the model owner.
    /// The set belongs to the model, not to the owner who set it: it stays when the model token
    /// is sold (Fractionalizer replaces it). A buyer lists it from the latest RecipientsSet event
    /// (checked with weightOf) and replaces it with this function.
    /// Another model's ModelShares token of this router is rejected (RevenueRouterForeignShares).
    /// First, the model's credit revenue settled and not swept yet is swept (the registry's
    /// `usageCredits()`), so it accrues to the set it was settled under.
    /// @param recipients Distinct non-zero accounts, at most MAX_RECIPIENTS.
    /// @param weights Non-zero weights, same length; their sum must fit in a uint32.
    function setRecipients(uint256 modelId, address[] calldata recipients, uint32[] calldata weights) external;

    // ------------------------------------------------------------------ recipients

    /// @notice Pays msg.sender everything it has accrued on `modelIds` (each in that model's
    /// asset; ETH via call). Models with nothing accrued are skipped; returns 0 if nothing.
    /// @return total Sum of the amounts paid (across assets when models use different assets).
    function claim(uint256[] calldata modelIds) external returns (uint256 total);

    /// @notice Like claim, but sends to `to` (for recipients that cannot receive ETH).
    function claimTo(uint256[] calldata modelIds, address to) external returns (uint256 total);

    /// @notice Pays `amount` of msg.sender's accrual on `modelId` to `to`; the rest stays
    /// claimable. Lets a pooled recipient (ModelShares) pay each holder straight from the router,
    /// so funds never pass through it. Reverts if `amount` is 0 or exceeds what is claimable.
    function claimAmount(uint256 modelId, uint256 amount, address to) external;

    /// @notice Pays the protocol fees owed in `asset` to the current treasury. Anyone may call.
    /// @return amount The amount paid (0 if nothing was owed).
    function claimFees(address asset) external returns (uint256 amount);

    // ------------------------------------------------------------------ governance

    /// @notice Sets the protocol fee. Only `registry.governance()`; at most MAX_FEE_BPS.
    /// Applies to payments from now on.
    function setFeeBps(uint16 newFeeBps) external;

    /// @notice Sets the treasury that receives fees. Only `registry.governance()`. Fees already
    /// accrued follow the treasury role (they are owed per asset, not per address).
    function setTreasury(address newTreasury) external;

    // ----------------------------------------------------------------------- views

    /// @notice Basis-point denominator (10_000).
    function BPS() external view returns (uint256);

    /// @notice Hard ceiling of the protocol fee, in basis points.
    function MAX_FEE_BPS() external view returns (uint256);

    /// @notice Fixed-point scale of the per-weight accumulator.
    function ACC_SCALE() external view returns (uint256);

    /// @notice Maximum number of recipients per model.
    function MAX_RECIPIENTS() external view returns (uint256);

    /// @notice The model registry (source of model owners, payment assets and governance).
    function registry() external view returns (IModelRegistry);

    /// @notice The current protocol fee in basis points.
    function feeBps() external view returns (uint16);

    /// @notice The current treasury.
    function treasury() external view returns (address);

    /// @notice What `account` could claim on `modelId` right now.
    function claimable(uint256 modelId, address account) external view returns (uint256);

    /// @notice Protocol fees owed to the treasury in `asset`.
    function feesOwed(address asset) external view returns (uint256);

    /// @notice Everything the router owes in `asset` (fees + claimables + dust).
    function liabilities(address asset) external view returns (uint256);

    /// @notice `account`'s weight in the model's current recipient set (0 if not in it).
    function weightOf(uint256 modelId, address account) external view returns (uint32);

    /// @notice The model's accumulator state: accumulated revenue per weight (scaled by
    /// ACC_SCALE) in the current epoch, the current total weight and the epoch number.
    function modelState(uint256 modelId) external view returns (uint256 accPerWeight, uint32 totalWeight, uint32 epoch);
}
