// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ReentrantCallback
/// @notice Test-only base of the receiver-hook attackers: an owner-driven account that, when
/// armed, makes one arbitrary call from its next hook (ETH receive, ERC-721 or ERC-1155 receipt;
/// the derived contract decides which hooks fire). With `bubble` set a failing re-entry reverts
/// the whole outer call with the callee's error; otherwise the outcome is recorded (`lastOk`,
/// `lastReturn`) and the outer call goes on.
abstract contract ReentrantCallback {
    error ReentrantCallbackNotOwner(address caller);
    error ReentrantCallbackCallFailed(bytes reason);

    address public immutable OWNER;

    address public target;
    uint256 public callValue;
    bytes public callData;
    bool public bubble;
    bool public armed;

    uint256 public hooks;
    bool public lastOk;
    bytes public lastReturn;

    constructor(address owner_) {
        OWNER = owner_;
    }

    /// @notice Makes a call as this contract (owner only).
    function execute(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        _onlyOwner();
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        if (!ok) revert ReentrantCallbackCallFailed(ret);
        return ret;
    }

    function _arm(address target_, uint256 value, bytes calldata data, bool bubble_) internal {
        _onlyOwner();
        (target, callValue, callData, bubble, armed) = (target_, value, data, bubble_, true);
    }

    /// @dev Counts the hook and, if armed, disarms and makes the armed call.
    function _hook() internal {
        ++hooks;
        if (!armed) return;
        armed = false;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call{value: callValue}(callData);
        (lastOk, lastReturn) = (ok, ret);
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    function _onlyOwner() private view {
        if (msg.sender != OWNER) revert ReentrantCallbackNotOwner(msg.sender);
    }
}
