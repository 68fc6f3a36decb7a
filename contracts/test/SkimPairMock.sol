// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title SkimPairMock
/// @notice Test-only: the reserve bookkeeping of a Uniswap-v2-style pair. `mint` records the
/// balances deposited as reserves (liquidity); `skim` sends any balance above the reserves to
/// whoever calls it, `sync` folds it into the reserves, as UniswapV2Pair does.
contract SkimPairMock {
    IERC20 public immutable TOKEN0;
    IERC20 public immutable TOKEN1;
    uint256 public reserve0;
    uint256 public reserve1;

    constructor(IERC20 token0_, IERC20 token1_) {
        TOKEN0 = token0_;
        TOKEN1 = token1_;
    }

    /// @notice Records the current balances as reserves (a liquidity deposit).
    function mint() external {
        sync();
    }

    /// @notice Sends the balances above the reserves to `to`.
    function skim(address to) external {
        // slither-disable-next-line unchecked-transfer
        TOKEN0.transfer(to, TOKEN0.balanceOf(address(this)) - reserve0);
        // slither-disable-next-line unchecked-transfer
        TOKEN1.transfer(to, TOKEN1.balanceOf(address(this)) - reserve1);
    }

    /// @notice Makes the reserves match the balances.
    function sync() public {
        reserve0 = TOKEN0.balanceOf(address(this));
        reserve1 = TOKEN1.balanceOf(address(this));
    }
}
