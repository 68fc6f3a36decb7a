// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title ReentrantHookReceiver
/// @notice Test-only attacker for the ETH `receive` and ERC-1155 receiver hooks: when armed,
/// the next ETH payment or ERC-1155 receipt makes one arbitrary call (back into the contract
/// paying it). With `bubble` set a failing re-entry reverts the whole payment with the callee's
/// error; otherwise the outcome is recorded and the payment goes on. The owner drives it as an
/// account through `execute`.
contract ReentrantHookReceiver is IERC1155Receiver {
    error ReentrantHookReceiverNotOwner(address caller);
    error ReentrantHookReceiverCallFailed(bytes reason);

    address public immutable OWNER;

    address public target;
    bytes public callData;
    bool public bubble;
    bool public armed;

    uint256 public hooks;
    bool public lastOk;
    bytes public lastReturn;

    constructor(address owner_) {
        OWNER = owner_;
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        _hook();
    }

    /// @notice Arms the hook: the next ETH receipt or ERC-1155 receipt calls `target_` with `data`.
    function arm(address target_, bytes calldata data, bool bubble_) external {
        if (msg.sender != OWNER) revert ReentrantHookReceiverNotOwner(msg.sender);
        (target, callData, bubble, armed) = (target_, data, bubble_, true);
    }

    /// @notice Makes a call as this contract (owner only); the hook stays quiet meanwhile only
    /// if it is not armed.
    function execute(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != OWNER) revert ReentrantHookReceiverNotOwner(msg.sender);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        if (!ok) revert ReentrantHookReceiverCallFailed(ret);
        return ret;
    }

    /// @inheritdoc IERC1155Receiver
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        _hook();
        return IERC1155Receiver.onERC1155Received.selector;
    }

    /// @inheritdoc IERC1155Receiver
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        returns (bytes4)
    {
        _hook();
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    function _hook() private {
        ++hooks;
        if (!armed) return;
        armed = false;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call(callData);
        (lastOk, lastReturn) = (ok, ret);
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
