// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GovernorUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/GovernorUpgradeable.sol";
import {GovernorCountingSimpleUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorCountingSimpleUpgradeable.sol";
import {GovernorTimelockControlUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/extensions/GovernorTimelockControlUpgradeable.sol";
import {TimelockControllerUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IModelGovernor} from "../interfaces/IModelGovernor.sol";

/// @title ModelGovernor
/// @notice Governor of one fractionalized model, driven by that model's shares. Same rules as the
/// ProtocolGovernor (simple counting, quorum fraction, timelock control), as an initializable
/// implementation that the Fractionalizer clones per model (EIP-1167, ~45 bytes each).
/// @dev The implementation's constructor disables initializers, so only clones can be initialized,
/// and the Fractionalizer initializes each clone in the transaction that creates it (no front-run).
/// Gas: OpenZeppelin's GovernorSettings, GovernorVotes and GovernorVotesQuorumFraction are
/// replaced by the same functions, events and errors over ONE packed slot (token, voting delay,
/// voting period, quorum numerator); the proposal threshold is stored only when non-zero and the
/// quorum history (a Trace208, as OpenZeppelin's) only once governance changes the numerator.
contract ModelGovernor is
    GovernorUpgradeable,
    GovernorCountingSimpleUpgradeable,
    GovernorTimelockControlUpgradeable,
    IModelGovernor
{
    using Checkpoints for Checkpoints.Trace208;

    /// @dev The settings of a clone, one slot.
    struct Config {
        IERC5805 token;
        uint48 votingDelay;
        uint32 votingPeriod;
        uint8 quorumNumerator; // until the first update; then `_quorumHistory` holds it
        bool quorumHistory;
    }

    /// @dev Name of every model governor; also its EIP-712 domain name (vote-by-signature).
    /// Clones share it: their domains differ by `verifyingContract`.
    string private constant _NAME = "Modelmint Model Governor";
    uint256 private constant _QUORUM_DENOMINATOR = 100;

    Config private _config;
    uint256 private _proposalThreshold;
    Checkpoints.Trace208 private _quorumHistory;

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
        if (votingDelay_ == 0) revert ModelGovernorZeroVotingDelay();
        if (votingPeriod_ == 0) revert GovernorInvalidVotingPeriod(0);
        if (quorumNumerator_ > _QUORUM_DENOMINATOR) {
            revert GovernorInvalidQuorumFraction(quorumNumerator_, _QUORUM_DENOMINATOR);
        }
        _config = Config({
            token: IERC5805(address(shares)),
            votingDelay: votingDelay_,
            votingPeriod: votingPeriod_,
            quorumNumerator: uint8(quorumNumerator_),
            quorumHistory: false
        });
        emit VotingDelaySet(0, votingDelay_);
        emit VotingPeriodSet(0, votingPeriod_);
        if (proposalThreshold_ != 0) _proposalThreshold = proposalThreshold_;
        emit ProposalThresholdSet(0, proposalThreshold_);
        emit QuorumNumeratorUpdated(0, quorumNumerator_);
        __GovernorTimelockControl_init(TimelockControllerUpgradeable(timelock));
    }

    // ------------------------------------------------------------------ settings

    /// @inheritdoc IModelGovernor
    function setVotingDelay(uint48 newVotingDelay) external onlyGovernance {
        if (newVotingDelay == 0) revert ModelGovernorZeroVotingDelay();
        emit VotingDelaySet(_config.votingDelay, newVotingDelay);
        _config.votingDelay = newVotingDelay;
    }

    /// @inheritdoc IModelGovernor
    function setVotingPeriod(uint32 newVotingPeriod) external onlyGovernance {
        if (newVotingPeriod == 0) revert GovernorInvalidVotingPeriod(0);
        emit VotingPeriodSet(_config.votingPeriod, newVotingPeriod);
        _config.votingPeriod = newVotingPeriod;
    }

    /// @inheritdoc IModelGovernor
    function setProposalThreshold(uint256 newProposalThreshold) external onlyGovernance {
        emit ProposalThresholdSet(_proposalThreshold, newProposalThreshold);
        _proposalThreshold = newProposalThreshold;
    }

    /// @inheritdoc IModelGovernor
    function updateQuorumNumerator(uint256 newQuorumNumerator) external onlyGovernance {
        if (newQuorumNumerator > _QUORUM_DENOMINATOR) {
            revert GovernorInvalidQuorumFraction(newQuorumNumerator, _QUORUM_DENOMINATOR);
        }
        uint256 old = quorumNumerator();
        if (!_config.quorumHistory) {
            // The configured value holds from the start; the history takes over from now on.
            _quorumHistory.push(0, uint208(old));
            _config.quorumHistory = true;
        }
        _quorumHistory.push(clock(), uint208(newQuorumNumerator));
        emit QuorumNumeratorUpdated(old, newQuorumNumerator);
    }

    /// @inheritdoc GovernorUpgradeable
    function votingDelay() public view override returns (uint256) {
        return _config.votingDelay;
    }

    /// @inheritdoc GovernorUpgradeable
    function votingPeriod() public view override returns (uint256) {
        return _config.votingPeriod;
    }

    /// @inheritdoc GovernorUpgradeable
    function proposalThreshold() public view override returns (uint256) {
        return _proposalThreshold;
    }

    // ------------------------------------------------------------------ votes and quorum

    /// @inheritdoc IModelGovernor
    function token() public view returns (IERC5805) {
        return _config.token;
    }

    /// @inheritdoc GovernorUpgradeable
    function clock() public view override returns (uint48) {
        try token().clock() returns (uint48 timepoint) {
            return timepoint;
        } catch {
            return Time.blockNumber();
        }
    }

    /// @inheritdoc GovernorUpgradeable
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public view override returns (string memory) {
        try token().CLOCK_MODE() returns (string memory clockMode) {
            return clockMode;
        } catch {
            return "mode=blocknumber&from=default";
        }
    }

    /// @inheritdoc IModelGovernor
    function quorumNumerator() public view returns (uint256) {
        Config memory c = _config;
        return c.quorumHistory ? _quorumHistory.latest() : c.quorumNumerator;
    }

    /// @inheritdoc IModelGovernor
    function quorumNumerator(uint256 timepoint) public view returns (uint256) {
        Config memory c = _config;
        if (!c.quorumHistory) return c.quorumNumerator;
        (, uint48 key, uint208 value) = _quorumHistory.latestCheckpoint();
        return key <= timepoint ? value : _quorumHistory.upperLookupRecent(SafeCast.toUint48(timepoint));
    }

    /// @inheritdoc IModelGovernor
    function quorumDenominator() external pure returns (uint256) {
        return _QUORUM_DENOMINATOR;
    }

    /// @inheritdoc GovernorUpgradeable
    function quorum(uint256 timepoint) public view override returns (uint256) {
        return Math.mulDiv(token().getPastTotalSupply(timepoint), quorumNumerator(timepoint), _QUORUM_DENOMINATOR);
    }

    /// @inheritdoc GovernorUpgradeable
    function name() public pure override returns (string memory) {
        return _NAME;
    }

    /// @inheritdoc GovernorUpgradeable
    function state(
        uint256 proposalId
    ) public view override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc GovernorUpgradeable
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(GovernorUpgradeable, GovernorTimelockControlUpgradeable) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _EIP712Name() internal pure override returns (string memory) {
        return _NAME;
    }

    function _EIP712Version() internal pure override returns (string memory) {
        return "1";
    }

    function _getVotes(
        address account,
        uint256 timepoint,
        bytes memory /*params*/
    ) internal view override returns (uint256) {
        return token().getPastVotes(account, timepoint);
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
