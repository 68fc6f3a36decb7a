// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ReentrantCallback} from "./ReentrantCallback.sol";

/// @title ReentrantHookReceiver
/// @notice Test-only attacker for the ETH `receive` and ERC-1155 receiver hooks: when armed,
/// the next ETH payment or ERC-1155 receipt makes one arbitrary call (back into the contract
/// paying it). The owner drives it as an account through `execute`.
contract ReentrantHookReceiver is ReentrantCallback, IERC1155Receiver {
    constructor(address owner_) ReentrantCallback(owner_) {}

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        _hook();
    }

    /// @notice Arms the hook: the next ETH receipt or ERC-1155 receipt calls `target_` with `data`.
    function arm(address target_, bytes calldata data, bool bubble_) external {
        _arm(target_, 0, data, bubble_);
    }

    /// @inheritdoc IERC1155Receiver
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        _hook();
        return IERC1155Receiver.onERC1155Received.selector;
    }

    /// @inheritdoc IERC1155Receiver
    function onERC1155BatchReceived(
        address,
        address,
        uint256[] calldata,
        uint256[] calldata,
        bytes calldata
    ) external returns (bytes4) {
        _hook();
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }
}
