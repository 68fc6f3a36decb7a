// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GovernorUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/GovernorUpgradeable.sol";
import {GovernorSettingsUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorSettingsUpgradeable.sol";
import {GovernorCountingSimpleUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorCountingSimpleUpgradeable.sol";
import {GovernorVotesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorVotesUpgradeable.sol";
import {GovernorVotesQuorumFractionUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorVotesQuorumFractionUpgradeable.sol";
import {GovernorTimelockControlUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorTimelockControlUpgradeable.sol";
import {TimelockControllerUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IModelGovernor} from "../interfaces/IModelGovernor.sol";

/// @title ModelGovernor
/// @notice Governor of one fractionalized model, driven by that model's shares. Same rules as the
/// ProtocolGovernor (simple counting, quorum fraction, timelock control), as an initializable
/// implementation that the Fractionalizer clones per model (EIP-1167, ~45 bytes each).
/// @dev The implementation's constructor disables initializers, so only clones can be initialized,
/// and the Fractionalizer initializes each clone in the transaction that creates it (no front-run).
contract ModelGovernor is
    GovernorUpgradeable,
    GovernorSettingsUpgradeable,
    GovernorCountingSimpleUpgradeable,
    GovernorVotesUpgradeable,
    GovernorVotesQuorumFractionUpgradeable,
    GovernorTimelockControlUpgradeable,
    IModelGovernor
{
    /// @dev Name of every model governor; also its EIP-712 domain name (vote-by-signature).
    /// Clones share it: their domains differ by `verifyingContract`.
    string private constant _NAME = "Modelmint Model Governor";

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @inheritdoc IModelGovernor
    function initialize(
        IVotes shares,
        address payable timelock,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumNumerator_
    ) external initializer {
        // __Governor_init is skipped on purpose: it only stores the name and the EIP-712
        // name/version, which `name()`, `_EIP712Name()` and `_EIP712Version()` return as
        // constants below (saves three storage writes per clone).
        __GovernorSettings_init(votingDelay_, votingPeriod_, proposalThreshold_);
        __GovernorVotes_init(shares);
        __GovernorVotesQuorumFraction_init(quorumNumerator_);
        __GovernorTimelockControl_init(TimelockControllerUpgradeable(timelock));
    }

    /// @inheritdoc GovernorUpgradeable
    function name() public pure override returns (string memory) {
        return _NAME;
    }

    /// @inheritdoc GovernorUpgradeable
    function state(uint256 proposalId)
        public
        view
        override(GovernorUpgradeable, GovernorTimelockControlUpgradeable)
        returns (ProposalState)
    {
        return super.state(proposalId);
    }

    /// @inheritdoc GovernorUpgradeable
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(GovernorUpgradeable, GovernorTimelockControlUpgradeable)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @inheritdoc GovernorUpgradeable
    function proposalThreshold()
        public
        view
        override(GovernorUpgradeable, GovernorSettingsUpgradeable)
        returns (uint256)
    {
        return super.proposalThreshold();
    }

    function _EIP712Name() internal pure override returns (string memory) {
        return _NAME;
    }

    function _EIP712Version() internal pure override returns (string memory) {
        return "1";
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor()
        internal
        view
        override(GovernorUpgradeable, GovernorTimelockControlUpgradeable)
        returns (address)
    {
        return super._executor();
    }
}
