// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TestFlashLender, IFlashBorrower} from "./TestFlashLender.sol";

/// @notice TEST ONLY: borrows governance tokens, self-delegates and votes (or proposes) within the
/// same transaction, then repays.
contract FlashVoteAttacker is IFlashBorrower {
    TestFlashLender public immutable LENDER;
    IGovernor public immutable GOVERNOR;
    uint256 public proposalId;
    uint256 public votesDuringLoan;
    uint256 public weightCast;

    constructor(TestFlashLender lender, IGovernor governor) {
        LENDER = lender;
        GOVERNOR = governor;
    }

    /// @param proposalId_ The proposal to vote For on, or 0 to try to propose instead.
    function attack(uint256 proposalId_, uint256 amount) external {
        proposalId = proposalId_;
        LENDER.flashLoan(this, amount);
    }

    function onFlashLoan(uint256 amount) external {
        IERC20 token = LENDER.TOKEN();
        IVotes(address(token)).delegate(address(this));
        votesDuringLoan = IVotes(address(token)).getVotes(address(this));
        if (proposalId == 0) {
            // Propose with the borrowed votes (a no-op call to this contract).
            address[] memory targets = new address[](1);
            targets[0] = address(this);
            GOVERNOR.propose(targets, new uint256[](1), new bytes[](1), "flash proposal");
        } else {
            weightCast = GOVERNOR.castVote(proposalId, 1);
        }
        token.transfer(address(LENDER), amount);
    }
}
