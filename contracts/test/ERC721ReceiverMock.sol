// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @notice Test-only ERC-721 receiver: accepts (returns the selector) or rejects (returns a wrong
/// value) and records the last call, for the ERC721Packed compliance tests.
contract ERC721ReceiverMock is IERC721Receiver {
    bool public immutable ACCEPT;
    address public lastOperator;
    address public lastFrom;
    uint256 public lastTokenId;
    bytes public lastData;

    constructor(bool accept) {
        ACCEPT = accept;
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(
        address operator,
        address from,
        uint256 tokenId,
        bytes calldata data
    ) external returns (bytes4) {
        lastOperator = operator;
        lastFrom = from;
        lastTokenId = tokenId;
        lastData = data;
        return ACCEPT ? IERC721Receiver.onERC721Received.selector : bytes4(0xdeadbeef);
    }
}
