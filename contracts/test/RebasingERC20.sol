// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title RebasingERC20
/// @notice Test-only rebasing ERC-20: accounts hold shares, a balance is shares x index / 1e18,
/// and anyone may move the index up (positive rebase) or down (negative rebase), which changes
/// every holder's balance at once without a transfer (stETH / AMPL style).
/// @dev A transfer of `value` moves `value * 1e18 / index` shares (rounded down), so after a
/// rebase the receiver may get a few wei less than `value` unless the value converts exactly.
contract RebasingERC20 is IERC20 {
    error RebasingERC20InsufficientBalance(address account, uint256 balance, uint256 needed);
    error RebasingERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error RebasingERC20ZeroIndex();

    uint256 public constant INDEX_SCALE = 1e18;

    string public constant name = "Rebasing Token"; // solhint-disable-line const-name-snakecase
    string public constant symbol = "REBASE"; // solhint-disable-line const-name-snakecase
    uint8 public constant decimals = 18; // solhint-disable-line const-name-snakecase

    uint256 public index = INDEX_SCALE;
    uint256 public totalShares;
    mapping(address account => uint256) public sharesOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @notice Mints `amount` (at the current index) to `to`; anyone may call (test token).
    function mint(address to, uint256 amount) external {
        uint256 shares = (amount * INDEX_SCALE) / index;
        sharesOf[to] += shares;
        totalShares += shares;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Sets the index: `newIndex > index` is a positive rebase, below a negative one.
    function rebase(uint256 newIndex) external {
        if (newIndex == 0) revert RebasingERC20ZeroIndex();
        index = newIndex;
    }

    /// @inheritdoc IERC20
    function totalSupply() external view returns (uint256) {
        return (totalShares * index) / INDEX_SCALE;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) public view returns (uint256) {
        return (sharesOf[account] * index) / INDEX_SCALE;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20
    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert RebasingERC20InsufficientAllowance(msg.sender, allowed, value);
            allowance[from][msg.sender] = allowed - value;
        }
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        uint256 balance = balanceOf(from);
        if (balance < value) revert RebasingERC20InsufficientBalance(from, balance, value);
        uint256 shares = (value * INDEX_SCALE) / index;
        if (shares > sharesOf[from]) shares = sharesOf[from];
        sharesOf[from] -= shares;
        sharesOf[to] += shares;
        emit Transfer(from, to, value);
    }
}
