// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IRevenueRouter} from "./IRevenueRouter.sol";

/// @title IModelShares
/// @notice A per-model ERC-20 (votes + permit) whose holders receive, pro rata to their
/// balance over time, the revenue the RevenueRouter routes to it. Deployed as an EIP-1167 clone
/// by ModelSharesFactory; it earns revenue once the model owner lists it as a router recipient.
/// Revenue unlocks over time (docs/SHARE-REVENUE-TIMING.md): revenue the token observes (a
/// claim or `sync` sees it at the router) is locked and unlocks linearly over UNLOCK_PERIOD;
/// what is still locked when new revenue is observed unlocks together with it over a fresh
/// period. Holders earn revenue as it unlocks, pro rata to their balance at that time: a holder
/// of a fraction w of the supply for d seconds earns at most w * P * d / UNLOCK_PERIOD (+ 1 wei)
/// of a payment P, so borrowing shares around a payment earns a negligible part of it, and a
/// seller gives up the still-locked revenue to the buyer.
/// @dev Accounting ("magnified dividend" accumulator with per-account corrections, evaluated
/// lazily):
/// - Unlocked revenue is `observedRevenue() - lockedRevenue()`, read live from one stored
///   schedule {locked, start, end}: `locked` at `start` minus its floored linear unlock until
///   `end`. The accumulated revenue per share is `base + (unlocked - baseUnlocked) * MAGNITUDE /
///   totalSupply`, where `base`/`baseUnlocked` are checkpointed only when the divisor changes
///   (burn). Observation changes the schedule, never the unlocked revenue at that instant, so
///   past credits are untouched; transfers read the schedule and never call the router.
/// - Each balance change adjusts the account's correction by the exact magnified amount, so an
///   account's accumulated revenue only ever grows and a holder who never claims loses nothing.
/// - Rounding dust: the per-share value is floored (< totalSupply / MAGNITUDE wei, i.e. < 1 wei
///   since the supply is below 2^96, per evaluation and per burn checkpoint) and each holder
///   floors < 1 wei; dust stays at the router, is never attributed to anyone, and so is never
///   paid twice. Conservation: totalRevenue() = paid out + the holders' claimable +
///   lockedRevenue() + revenue not observed yet (totalRevenue() - observedRevenue()) + dust.
/// - Funds never pass through the token: they stay at the router, and a holder's claim asks
///   the router (claimAmount) to pay exactly the holder's due straight to the holder. The token
///   holds no ETH (it has no receive function) and no payment tokens.
/// - Bounds: supply <= 2^96 - 1 (checked at initialize); revenue routed to one token over its
///   life < 2^119 wei-units (corrections are int248, observed revenue uint120); vote
///   checkpoints store block numbers as uint32 (valid until block 4,294,967,295).
/// Voting: holders vote without a delegate step. `delegates(account)` returns the account
/// itself until it delegates elsewhere, so voting power follows balances from the first
/// receipt at no extra gas; `delegate(address(0))` returns to self-delegation. getPastVotes and
/// getPastTotalSupply are exact for every past block (ERC-5805, block-number clock).
/// Layout (gas): one slot {supply, block of its last change, observed revenue, flags}, one slot
/// for the unlock schedule, one slot per holder {balance, votes, block of the latest votes
/// change, number of past checkpoints}, one slot {revenue correction, flags}, past vote
/// checkpoints two per slot; router, model id, name and symbol are immutable arguments of the clone (EIP-1167 with
/// appended data), so reading them costs no storage access.
interface IModelShares {
    /// @notice A zero address was given (initial holder or claim recipient).
    error ModelSharesZeroAddress();
    /// @notice The supply does not fit the 96-bit balances.
    error ModelSharesSupplyTooLarge(uint256 supply, uint256 max);
    /// @notice initialize was called on the implementation, twice, or by someone other than the
    /// factory (same selector as OpenZeppelin's Initializable error).
    error InvalidInitialization();
    /// @notice getPastVotes / getPastTotalSupply was asked about the current or a future block.
    error ERC5805FutureLookup(uint256 timepoint, uint48 clock);
    /// @notice A permit signature is past its deadline.
    error ERC2612ExpiredSignature(uint256 deadline);
    /// @notice A permit was not signed by `owner`.
    error ERC2612InvalidSigner(address signer, address owner);
    /// @notice initialize was given a zero supply.
    error ModelSharesZeroSupply();
    /// @notice `checkpoints` was asked for a position the account does not have.
    error ModelSharesNoCheckpoint(address account, uint32 pos);
    /// @notice A burn would leave no shares, so future revenue would have no owner.
    error ModelSharesBurnsLastShares(uint256 value, uint256 totalSupply);
    /// @notice `burn(0)`: burning nothing is rejected (it would only checkpoint revenue).
    error ModelSharesZeroAmount();

    /// @notice A claim or sync observed `amount` of revenue new since the previous observation;
    /// `locked` (this amount and what was still locked) now unlocks linearly until `unlockEnd`.
    event RevenueObserved(uint256 amount, uint256 locked, uint256 unlockEnd);
    /// @notice `account` claimed `amount` of revenue, sent to `to`.
    event RevenueClaimed(address indexed account, address indexed to, uint256 amount);
    /// @notice `account` set where `claimFor` pays its revenue (address(0): the account itself).
    event PayoutSet(address indexed account, address indexed payout);

    /// @notice Mints the whole supply of a fresh clone. Only the factory that deployed the
    /// implementation, once per clone; the implementation itself is locked. Name, symbol, model
    /// id and router are the clone's immutable arguments (see ModelSharesFactory).
    /// @param supply The whole supply, minted to `initialHolder`; no further minting exists.
    /// @param initialHolder Receives the supply (self-delegated).
    function initialize(uint256 supply, address initialHolder) external;

    /// @notice Observes revenue newly routed to the token: it starts unlocking now, together with
    /// what is still locked, over a fresh UNLOCK_PERIOD (anyone may call; every claim does it
    /// too). Revenue waiting at the router unlocks only once observed.
    function sync() external;

    /// @notice Observes new revenue (as `sync`), then pays msg.sender its accrued (unlocked)
    /// revenue in the model's payment asset.
    /// @return amount What was paid (0 if nothing was due).
    function claim() external returns (uint256 amount);

    /// @notice Like claim, but sends to `to`.
    function claimTo(address to) external returns (uint256 amount);

    /// @notice Pays `account`'s accrued revenue to its payout address (the account itself unless
    /// it set one with `setPayout`). Anyone may call it: revenue owed to a holder that cannot
    /// call `claim` (an AMM pool, a lending market, a vault, a bridge) is routed out to it or
    /// to the payout address it configured, instead of staying at the router.
    /// @dev What the receiving contract does with the tokens is its own rule: a
    /// Uniswap-v2-style pair does not pass them to its liquidity providers, its first `skim`
    /// caller takes them (docs/SHARE-REVENUE-TIMING.md: pool a wrapper that claims instead).
    /// @return amount What was paid (0 if nothing was due).
    function claimFor(address account) external returns (uint256 amount);

    /// @notice Sets where `claimFor` pays the caller's revenue; address(0) = the caller itself.
    function setPayout(address payout) external;

    /// @notice Where `claimFor` pays `account`'s revenue.
    function payoutOf(address account) external view returns (address);

    /// @notice Burns `value` of the caller's shares; revenue accrued before stays claimable, the
    /// still-locked part goes to the remaining holders as it unlocks.
    function burn(uint256 value) external;

    /// @notice Revenue `account` can claim now: its part of the revenue unlocked up to this
    /// block's timestamp, not claimed yet.
    function claimable(address account) external view returns (uint256);

    /// @notice Revenue `account` has accumulated over its life (claimed + claimable).
    function accumulatedOf(address account) external view returns (uint256);

    /// @notice Revenue `account` has claimed so far.
    function claimedOf(address account) external view returns (uint256);

    /// @notice Revenue routed to this token so far (observed or not yet observed): what holders
    /// were paid plus what the router still holds for the token.
    function totalRevenue() external view returns (uint256);

    /// @notice Revenue observed so far (unlocked or still locked); `totalRevenue() -
    /// observedRevenue()` waits at the router and starts unlocking at the next claim or sync.
    function observedRevenue() external view returns (uint256);

    /// @notice Observed revenue not unlocked yet at this block's timestamp: it goes to whoever
    /// holds the shares while it unlocks.
    function lockedRevenue() external view returns (uint256);

    /// @notice When `lockedRevenue()` reaches 0 unless new revenue is observed before (0 before
    /// the first observation).
    function unlockEnd() external view returns (uint256);

    /// @notice Seconds over which observed revenue unlocks (one day).
    function UNLOCK_PERIOD() external view returns (uint256);

    /// @notice The model this token represents.
    function modelId() external view returns (uint256);

    /// @notice The router the revenue comes from.
    function router() external view returns (IRevenueRouter);

    /// @notice The model's payment asset (address(0) = ETH).
    function asset() external view returns (address);

    /// @notice Fixed-point scale of the per-share accumulator (2^128).
    function MAGNITUDE() external view returns (uint256);

    /// @notice Accumulated revenue per share, scaled by MAGNITUDE: unlocked revenue only.
    function magnifiedRevenuePerShare() external view returns (uint256);

    /// @notice Number of vote checkpoints of `account` (as OpenZeppelin's ERC20Votes).
    function numCheckpoints(address account) external view returns (uint32);

    /// @notice The `pos`-th vote checkpoint of `account` (block number, votes from that block on).
    function checkpoints(address account, uint32 pos) external view returns (Checkpoints.Checkpoint208 memory);
}
