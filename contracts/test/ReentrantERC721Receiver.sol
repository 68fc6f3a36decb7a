// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @title ReentrantERC721Receiver
/// @notice Test-only attacker: when armed, its `onERC721Received` hook makes one arbitrary call
/// (e.g. back into the LicenseManager or the ModelRegistry) in the middle of a safe transfer to
/// it. With `bubble` set a failing re-entry reverts the whole transfer with the callee's error;
/// otherwise the outcome is recorded (`lastOk`, `lastReturn`) and the transfer goes on.
/// The owner drives it as an account through `execute` (buy, approve, transfer).
contract ReentrantERC721Receiver is IERC721Receiver {
    error ReentrantERC721ReceiverNotOwner(address caller);
    error ReentrantERC721ReceiverCallFailed(bytes reason);

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

    receive() external payable {}

    /// @notice Arms the hook: the next ERC-721 receipt calls `target_` with `data` and `value`.
    function arm(address target_, uint256 value, bytes calldata data, bool bubble_) external {
        if (msg.sender != OWNER) revert ReentrantERC721ReceiverNotOwner(msg.sender);
        (target, callValue, callData, bubble, armed) = (target_, value, data, bubble_, true);
    }

    /// @notice Makes a call as this contract (owner only).
    function execute(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != OWNER) revert ReentrantERC721ReceiverNotOwner(msg.sender);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        if (!ok) revert ReentrantERC721ReceiverCallFailed(ret);
        return ret;
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        ++hooks;
        if (armed) {
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
        return IERC721Receiver.onERC721Received.selector;
    }
}
