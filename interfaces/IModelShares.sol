// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRevenueRouter} from "./IRevenueRouter.sol";

/// @title IModelShares
/// @notice A per-model ERC-20 (votes + permit) whose holders receive, pro rata to their
/// balance over time, the revenue the RevenueRouter routes to it. Deployed as an EIP-1167 clone
/// by ModelSharesFactory; it earns revenue once the model owner lists it as a router recipient.
/// @dev Accounting ("magnified dividend" accumulator with per-account corrections):
/// - `magnifiedRevenuePerShare` grows by revenue * MAGNITUDE / totalSupply whenever the token
///   observes new revenue at the router (`sync`, run before every transfer, mint, burn and claim).
///   Revenue is observed through `router.claimable(modelId, this)` without moving funds, so a
///   transfer never redistributes revenue that accrued before it, even if nobody pulled it yet.
/// - Each balance change adjusts the account's correction by the exact magnified amount, so an
///   account's accumulated revenue only ever grows and a holder who never claims loses nothing.
/// - Rounding dust: each observed revenue increment loses < totalSupply / MAGNITUDE wei
///   (MAGNITUDE = 2^128) and each holder claim floors < 1 wei; dust stays in the token or at
///   the router, is never attributed to anyone, and so is never paid twice. The sum of all
///   holders' claimable never exceeds the revenue routed to the token.
/// - Funds stay at the router until a holder claims; a claim then pulls the token's whole
///   router balance (one router.claim) when the token holds less than the amount due.
/// Voting: holders vote without a delegate step. `delegates(account)` returns the account
/// itself until it delegates elsewhere, so voting power follows balances from the first
/// receipt at no extra gas; `delegate(address(0))` returns to self-delegation.
interface IModelShares {
    /// @notice initialize was given a zero address (router or initial holder).
    error ModelSharesZeroAddress();
    /// @notice initialize was given a zero supply.
    error ModelSharesZeroSupply();
    /// @notice A burn would leave no shares, so future revenue would have no owner.
    error ModelSharesBurnsLastShares(uint256 value, uint256 totalSupply);
    /// @notice ETH arrived from someone other than the router.
    error ModelSharesUnexpectedEth(address sender);
    /// @notice Sending ETH to the holder failed.
    error ModelSharesEthTransferFailed(address to, uint256 amount);

    /// @notice New revenue routed to the token was observed and spread over current holders.
    event RevenueObserved(uint256 amount, uint256 magnifiedRevenuePerShare);
    /// @notice `account` claimed `amount` of revenue, sent to `to`.
    event RevenueClaimed(address indexed account, address indexed to, uint256 amount);

    /// @notice Sets up a fresh clone. Callable once; the implementation itself is locked.
    /// @param name_ ERC-20 name (also the EIP-712 domain name for permit).
    /// @param symbol_ ERC-20 symbol.
    /// @param modelId_ The model whose revenue the token receives.
    /// @param router_ The RevenueRouter that routes the model's revenue.
    /// @param supply The whole supply, minted to `initialHolder`; no further minting exists.
    /// @param initialHolder Receives the supply.
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint256 modelId_,
        IRevenueRouter router_,
        uint256 supply,
        address initialHolder
    ) external;

    /// @notice Observes revenue newly routed to the token (anyone may call; holders never need to).
    function sync() external;

    /// @notice Pays msg.sender its accrued revenue in the model's payment asset.
    /// @return amount What was paid (0 if nothing was due).
    function claim() external returns (uint256 amount);

    /// @notice Like claim, but sends to `to`.
    function claimTo(address to) external returns (uint256 amount);

    /// @notice Burns `value` of the caller's shares; revenue accrued before stays claimable.
    function burn(uint256 value) external;

    /// @notice Revenue `account` can claim now, including revenue at the router not yet observed.
    function claimable(address account) external view returns (uint256);

    /// @notice Revenue `account` has accumulated over its life (claimed + claimable).
    function accumulatedOf(address account) external view returns (uint256);

    /// @notice Revenue `account` has claimed so far.
    function claimedOf(address account) external view returns (uint256);

    /// @notice Revenue routed to this token so far (observed or not yet observed).
    function totalRevenue() external view returns (uint256);

    /// @notice The model this token represents.
    function modelId() external view returns (uint256);

    /// @notice The router the revenue comes from.
    function router() external view returns (IRevenueRouter);

    /// @notice The model's payment asset (address(0) = ETH).
    function asset() external view returns (address);

    /// @notice Fixed-point scale of the per-share accumulator (2^128).
    function MAGNITUDE() external view returns (uint256);

    /// @notice Accumulated revenue per share, scaled by MAGNITUDE.
    function magnifiedRevenuePerShare() external view returns (uint256);
}
