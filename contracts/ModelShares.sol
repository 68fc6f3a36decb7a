// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Bytes} from "@openzeppelin/contracts/utils/Bytes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelShares} from "../interfaces/IModelShares.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {
    Holder,
    HolderWord,
    Revenue,
    RevenueWord,
    Schedule,
    ScheduleWord,
    Totals,
    TotalsWord,
    PastVotesWord,
    ModelSharesWords
} from "./packed/ModelSharesWords.sol";

/// @title ModelShares
/// @notice Per-model revenue-sharing ERC-20 with votes (ERC-5805) and permit (ERC-2612), deployed
/// as an EIP-1167 clone with immutable arguments by ModelSharesFactory.
/// @dev A compact ERC-20 + votes core instead of OpenZeppelin's ERC20Votes, so that a transfer
/// touches one packed slot per holder for balance + votes, one for the revenue correction and,
/// in a new block, half a checkpoint slot (see IModelShares for layout, accounting and bounds).
/// Semantics follow OpenZeppelin 5 (ERC20, ERC20Permit, ERC20Votes, EIP712 with version "1";
/// same events and errors), except that holders are self-delegated by default.
contract ModelShares is
    IModelShares,
    IERC20Metadata,
    IERC20Permit,
    IERC20Errors,
    IERC5805,
    IERC5267,
    Nonces,
    ReentrancyGuardTransient
{
    using SafeCast for uint256;
    using SafeCast for int256;
    using Checkpoints for Checkpoints.Trace208;

    /// @inheritdoc IModelShares
    uint256 public constant MAGNITUDE = 2 ** 128;
    /// @inheritdoc IModelShares
    uint256 public constant UNLOCK_PERIOD = 1 days;

    uint8 private constant _HAS_DELEGATEE = 1; // Revenue flags: `_delegatees` holds the delegate
    // Revenue flags: DelegateChanged announced the account's delegate (implicitly itself).
    uint8 private constant _ANNOUNCED = 2;
    uint8 private constant _HAS_BASE = 1; // Totals flags: a burn checkpointed `_base...`
    uint256 private constant _ARGS = 0x2d; // immutable arguments start after the 45-byte proxy
    bytes32 private constant _PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    bytes32 private constant _DELEGATION_TYPEHASH =
        keccak256("Delegation(address delegatee,uint256 nonce,uint256 expiry)");
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _VERSION_HASH = keccak256("1");

    /// @dev The factory that deployed the implementation: the only caller of initialize.
    address private immutable _FACTORY;
    /// @dev The implementation's own address: it can never be initialized.
    address private immutable _SELF;

    // Packed one-word structs: contracts/packed/ModelSharesWords.sol (bit layouts, accessors).
    Totals private _totals;
    Schedule private _schedule;
    /// @dev Per-share value and unlocked revenue at the last burn (the divisor's last change).
    uint256 private _baseMagnified;
    uint256 private _baseUnlocked;
    /// @dev Revenue paid out to holders by the router on the token's behalf.
    uint256 private _paid;
    mapping(address account => Holder) private _holders;
    mapping(address account => Revenue) private _revenue;
    /// @dev Past vote checkpoints, two per slot: checkpoint i sits in slot i / 2.
    mapping(address account => mapping(uint256 slot => PastVotesWord)) private _pastVotes;
    mapping(address account => uint256) private _claimed;
    mapping(address account => address payout) private _payouts;
    mapping(address account => address) private _delegatees;
    mapping(address account => mapping(address spender => uint256)) private _allowances;
    /// @dev Total supply before `_totals.supplyBlock` (changes only at burns).
    Checkpoints.Trace208 private _pastSupply;

    /// @dev Deployed by ModelSharesFactory; clones are set up through initialize.
    constructor() {
        _FACTORY = msg.sender;
        _SELF = address(this);
    }

    // ------------------------------------------------------------------ set-up

    /// @inheritdoc IModelShares
    function initialize(uint256 supply, address initialHolder) external {
        if (msg.sender != _FACTORY || address(this) == _SELF || _totals.supply != 0) {
            revert InvalidInitialization();
        }
        if (initialHolder == address(0)) revert ModelSharesZeroAddress();
        if (supply == 0) revert ModelSharesZeroSupply();
        if (supply > type(uint96).max) revert ModelSharesSupplyTooLarge(supply, type(uint96).max);
        uint32 now32 = _now32();
        ModelSharesWords.store(_totals, ModelSharesWords.newTotals(uint96(supply), now32));
        ModelSharesWords.store(_holders[initialHolder], ModelSharesWords.newHolder(uint96(supply), now32));
        _revenue[initialHolder].flags = _ANNOUNCED;
        emit Transfer(address(0), initialHolder, supply);
        emit DelegateChanged(initialHolder, address(0), initialHolder);
        emit DelegateVotesChanged(initialHolder, 0, supply);
    }

    // ------------------------------------------------------------------ ERC-20

    /// @inheritdoc IERC20
    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20Permit
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        bytes32 structHash = keccak256(abi.encode(_PERMIT_TYPEHASH, owner, spender, value, _useNonce(owner), deadline));
        address signer = ECDSA.recover(_hashTypedData(structHash), v, r, s);
        if (signer != owner) revert ERC2612InvalidSigner(signer, owner);
        _approve(owner, spender, value);
    }

    // ------------------------------------------------------------------ votes

    /// @inheritdoc IVotes
    function delegate(address delegatee) external {
        _delegate(msg.sender, delegatee);
    }

    /// @inheritdoc IVotes
    function delegateBySig(address delegatee, uint256 nonce, uint256 expiry, uint8 v, bytes32 r, bytes32 s)
        external
    {
        if (block.timestamp > expiry) revert VotesExpiredSignature(expiry);
        bytes32 structHash = keccak256(abi.encode(_DELEGATION_TYPEHASH, delegatee, nonce, expiry));
        address signer = ECDSA.recover(_hashTypedData(structHash), v, r, s);
        _useCheckedNonce(signer, nonce);
        _delegate(signer, delegatee);
    }

    // ------------------------------------------------------------------ revenue

    /// @inheritdoc IModelShares
    function sync() external {
        _observe(ModelSharesWords.load(_totals), _totalRevenue());
    }

    /// @inheritdoc IModelShares
    function claim() external nonReentrant returns (uint256 amount) {
        return _claim(msg.sender, msg.sender);
    }

    /// @inheritdoc IModelShares
    function claimTo(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ModelSharesZeroAddress();
        return _claim(msg.sender, to);
    }

    /// @inheritdoc IModelShares
    function claimFor(address account) external nonReentrant returns (uint256 amount) {
        if (account == address(0)) revert ModelSharesZeroAddress();
        return _claim(account, payoutOf(account));
    }

    /// @inheritdoc IModelShares
    function setPayout(address payout) external {
        _payouts[msg.sender] = payout;
        emit PayoutSet(msg.sender, payout);
    }

    /// @inheritdoc IModelShares
    function burn(uint256 value) external {
        if (value == 0) revert ModelSharesZeroAmount();
        TotalsWord t = ModelSharesWords.load(_totals);
        if (value >= t.supply()) revert ModelSharesBurnsLastShares(value, t.supply());
        // The divisor changes: checkpoint the per-share value first (revenue unlocked so far is
        // spread over the supply before the burn, what unlocks from now on over the supply after).
        uint256 unlocked = _unlocked(t);
        uint256 mps = _perShare(t, unlocked);
        _baseMagnified = mps;
        _baseUnlocked = unlocked;
        t = t.withFlags(t.flags() | _HAS_BASE);

        HolderWord h = ModelSharesWords.load(_holders[msg.sender]);
        if (h.balance() < value) revert ERC20InsufficientBalance(msg.sender, h.balance(), value);
        RevenueWord rev = ModelSharesWords.load(_revenue[msg.sender]);
        h = h.subBalance(uint96(value));
        rev = rev.withCorrection((int256(rev.correction()) + (mps * value).toInt256()).toInt248());
        address d = _delegateOf(msg.sender, rev.flags());
        if (d == msg.sender) {
            h = _setVotes(msg.sender, h, h.votes() - value);
        } else {
            _addVotes(d, value, false);
        }
        ModelSharesWords.store(_holders[msg.sender], h);
        ModelSharesWords.store(_revenue[msg.sender], rev);

        uint32 now32 = _now32();
        if (t.supplyBlock() != now32) _pastSupply.push(t.supplyBlock(), t.supply());
        ModelSharesWords.store(_totals, t.withSupply(t.supply() - uint96(value), now32));
        emit Transfer(msg.sender, address(0), value);
    }

    // ------------------------------------------------------------------ views: ERC-20

    /// @inheritdoc IERC20Metadata
    function name() public view returns (string memory) {
        (string memory name_,) = _strings();
        return name_;
    }

    /// @inheritdoc IERC20Metadata
    function symbol() external view returns (string memory) {
        (, string memory symbol_) = _strings();
        return symbol_;
    }

    /// @inheritdoc IERC20Metadata
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @inheritdoc IERC20
    function totalSupply() external view returns (uint256) {
        return _totals.supply;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) external view returns (uint256) {
        return _holders[account].balance;
    }

    /// @inheritdoc IERC20
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(IERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @inheritdoc IERC20Permit
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name_,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", name(), "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    // ------------------------------------------------------------------ views: votes

    /// @inheritdoc IERC6372
    function clock() public view returns (uint48) {
        return uint48(block.number);
    }

    /// @inheritdoc IERC6372
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external pure returns (string memory) {
        return "mode=blocknumber&from=default";
    }

    /// @inheritdoc IVotes
    function getVotes(address account) external view returns (uint256) {
        return _holders[account].votes;
    }

    /// @inheritdoc IVotes
    function getPastVotes(address account, uint256 timepoint) external view returns (uint256) {
        _checkPast(timepoint);
        Holder memory h = _holders[account];
        if (timepoint >= h.votesBlock) return h.votes;
        // Last past checkpoint at or before `timepoint` (binary search; entries ascend).
        uint256 low;
        uint256 high = h.pastCount;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            (uint256 key,) = _pastEntry(account, mid);
            if (key > timepoint) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return 0;
        (, uint256 votes) = _pastEntry(account, low - 1);
        return votes;
    }

    /// @inheritdoc IVotes
    function getPastTotalSupply(uint256 timepoint) external view returns (uint256) {
        _checkPast(timepoint);
        Totals memory t = _totals;
        if (timepoint >= t.supplyBlock) return t.supply;
        return _pastSupply.upperLookupRecent(uint48(timepoint));
    }

    /// @inheritdoc IVotes
    /// @dev The account itself until it delegates elsewhere (no delegate step needed).
    function delegates(address account) external view returns (address) {
        return _delegateOf(account, _revenue[account].flags);
    }

    /// @inheritdoc IModelShares
    function numCheckpoints(address account) external view returns (uint32) {
        Holder memory h = _holders[account];
        return h.votesBlock == 0 ? h.pastCount : h.pastCount + 1;
    }

    /// @inheritdoc IModelShares
    function checkpoints(address account, uint32 pos) external view returns (Checkpoints.Checkpoint208 memory) {
        Holder memory h = _holders[account];
        if (pos == h.pastCount && h.votesBlock != 0) {
            return Checkpoints.Checkpoint208({_key: h.votesBlock, _value: h.votes});
        }
        if (pos >= h.pastCount) revert ModelSharesNoCheckpoint(account, pos);
        (uint256 key, uint256 votes) = _pastEntry(account, pos);
        return Checkpoints.Checkpoint208({_key: uint48(key), _value: uint208(votes)});
    }

    // ------------------------------------------------------------------ views: revenue

    /// @inheritdoc IModelShares
    function claimable(address account) external view returns (uint256) {
        return _accumulated(account, _perShareNow()) - _claimed[account];
    }

    /// @inheritdoc IModelShares
    function accumulatedOf(address account) external view returns (uint256) {
        return _accumulated(account, _perShareNow());
    }

    /// @inheritdoc IModelShares
    function payoutOf(address account) public view returns (address) {
        address payout = _payouts[account];
        return payout == address(0) ? account : payout;
    }

    /// @inheritdoc IModelShares
    function claimedOf(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @inheritdoc IModelShares
    function totalRevenue() external view returns (uint256) {
        return _totalRevenue();
    }

    /// @inheritdoc IModelShares
    function observedRevenue() external view returns (uint256) {
        return _totals.observed;
    }

    /// @inheritdoc IModelShares
    function lockedRevenue() external view returns (uint256) {
        return _lockedAt(ModelSharesWords.load(_schedule));
    }

    /// @inheritdoc IModelShares
    function unlockEnd() external view returns (uint256) {
        return _schedule.end;
    }

    /// @inheritdoc IModelShares
    function magnifiedRevenuePerShare() external view returns (uint256) {
        return _perShareNow();
    }

    /// @inheritdoc IModelShares
    function router() external view returns (IRevenueRouter router_) {
        (router_,) = _routerAndModel();
    }

    /// @inheritdoc IModelShares
    function modelId() external view returns (uint256 modelId_) {
        (, modelId_) = _routerAndModel();
    }

    /// @inheritdoc IModelShares
    function asset() external view returns (address) {
        (IRevenueRouter router_, uint256 modelId_) = _routerAndModel();
        return router_.registry().paymentAsset(modelId_);
    }

    // ------------------------------------------------------------------ internal: ERC-20

    /// @dev Moves `value` from `from` to `to`: balances, votes of both delegates and revenue
    /// corrections (by the exact magnified amount at the live per-share value), one write per
    /// touched slot.
    function _transfer(address from, address to, uint256 value) private {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        HolderWord f = ModelSharesWords.load(_holders[from]);
        if (f.balance() < value) revert ERC20InsufficientBalance(from, f.balance(), value);
        if (from == to || value == 0) {
            emit Transfer(from, to, value);
            return;
        }
        int256 magnified = (_perShareNow() * value).toInt256();

        HolderWord t = ModelSharesWords.load(_holders[to]);
        RevenueWord rf = ModelSharesWords.load(_revenue[from]);
        RevenueWord rt = ModelSharesWords.load(_revenue[to]);
        f = f.subBalance(uint96(value));
        t = t.addBalance(uint96(value)); // <= supply < 2^96
        rf = rf.withCorrection((int256(rf.correction()) + magnified).toInt248());
        rt = rt.withCorrection((int256(rt.correction()) - magnified).toInt248());
        if (rt.flags() & (_HAS_DELEGATEE | _ANNOUNCED) == 0) {
            // First shares of an account: announce its implicit self-delegation (ERC-5805
            // indexers rebuild delegates from DelegateChanged).
            rt = rt.withFlags(rt.flags() | _ANNOUNCED);
            emit DelegateChanged(to, address(0), to);
        }

        address df = _delegateOf(from, rf.flags());
        address dt = _delegateOf(to, rt.flags());
        if (df != dt) {
            // The delegates are usually the holders themselves: their votes live in f / t.
            if (df == from) f = _setVotes(from, f, f.votes() - value);
            else if (df == to) t = _setVotes(to, t, t.votes() - value);
            else _addVotes(df, value, false);
            if (dt == to) t = _setVotes(to, t, t.votes() + value);
            else if (dt == from) f = _setVotes(from, f, f.votes() + value);
            else _addVotes(dt, value, true);
        }
        ModelSharesWords.store(_holders[from], f);
        ModelSharesWords.store(_holders[to], t);
        ModelSharesWords.store(_revenue[from], rf);
        ModelSharesWords.store(_revenue[to], rt);
        emit Transfer(from, to, value);
    }

    function _approve(address owner, address spender, uint256 value) private {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// @dev As OpenZeppelin: an infinite allowance is never spent, no Approval event on spending.
    function _spendAllowance(address owner, address spender, uint256 value) private {
        uint256 current = _allowances[owner][spender];
        if (current != type(uint256).max) {
            if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
            unchecked {
                _allowances[owner][spender] = current - value;
            }
        }
    }

    // ------------------------------------------------------------------ internal: votes

    /// @dev Delegating to address(0) means delegating to oneself: votes are never parked at
    /// address(0), which keeps `delegates` and the vote checkpoints consistent.
    function _delegate(address account, address delegatee) private {
        if (delegatee == address(0)) delegatee = account;
        uint8 flags = _revenue[account].flags;
        address old = _delegateOf(account, flags);
        // An account whose implicit self-delegation was never announced had, for indexers, no
        // delegate yet.
        address announcedOld = flags & (_HAS_DELEGATEE | _ANNOUNCED) == 0 ? address(0) : old;
        uint8 updated = flags | _ANNOUNCED;
        if (delegatee == account) {
            if (flags & _HAS_DELEGATEE != 0) delete _delegatees[account];
            updated &= ~_HAS_DELEGATEE;
        } else {
            _delegatees[account] = delegatee;
            updated |= _HAS_DELEGATEE;
        }
        if (updated != flags) _revenue[account].flags = updated;
        emit DelegateChanged(account, announcedOld, delegatee);
        if (old != delegatee) {
            uint256 balance = _holders[account].balance;
            if (balance != 0) {
                _addVotes(old, balance, false);
                _addVotes(delegatee, balance, true);
            }
        }
    }

    /// @dev Adds (or removes) `amount` votes of an account other than the two being written by
    /// the caller.
    function _addVotes(address account, uint256 amount, bool add) private {
        HolderWord h = ModelSharesWords.load(_holders[account]);
        ModelSharesWords.store(_holders[account], _setVotes(account, h, add ? h.votes() + amount : h.votes() - amount));
    }

    /// @dev Returns `h` with votes `newVotes` (the caller stores it), first moving the previous
    /// value to the past checkpoints if it was set in an earlier block.
    function _setVotes(address account, HolderWord h, uint256 newVotes) private returns (HolderWord) {
        uint32 now32 = _now32();
        uint32 votesBlock = h.votesBlock();
        if (votesBlock != now32) {
            uint256 i = h.pastCount();
            if (votesBlock != 0) {
                mapping(uint256 => PastVotesWord) storage past = _pastVotes[account];
                if (i % 2 == 0) past[i / 2] = ModelSharesWords.firstOfPair(votesBlock, h.votes());
                else past[i / 2] = past[i / 2].withSecond(votesBlock, h.votes());
                ++i; // < number of blocks < 2^32
            }
            h = h.withVotesBlockAndPastCount(now32, uint32(i));
        }
        emit DelegateVotesChanged(account, h.votes(), newVotes);
        return h.withVotes(uint96(newVotes)); // <= supply < 2^96
    }

    function _pastEntry(address account, uint256 i) private view returns (uint256 key, uint256 votes) {
        (key, votes) = _pastVotes[account][i / 2].entry(i);
    }

    function _delegateOf(address account, uint8 flags) private view returns (address) {
        return flags & _HAS_DELEGATEE != 0 ? _delegatees[account] : account;
    }

    function _checkPast(uint256 timepoint) private view {
        uint48 now48 = clock();
        if (timepoint >= now48) revert ERC5805FutureLookup(timepoint, now48);
    }

    function _now32() private view returns (uint32) {
        return block.number.toUint32();
    }

    // ------------------------------------------------------------------ internal: revenue

    /// @dev Observes new revenue, then pays `account` what it has accumulated and not claimed.
    function _claim(address account, address to) private returns (uint256 amount) {
        uint256 paid = _paid;
        (IRevenueRouter router_, uint256 modelId_) = _routerAndModel();
        (TotalsWord t, uint256 locked) =
            _observe(ModelSharesWords.load(_totals), paid + router_.claimable(modelId_, address(this)));
        uint256 claimed = _claimed[account];
        amount = _accumulated(account, _perShare(t, t.observed() - locked)) - claimed;
        if (amount == 0) return 0;
        _claimed[account] = claimed + amount;
        // Observed revenue is unchanged: paid grows by what the router's claimable loses.
        _paid = paid + amount;
        emit RevenueClaimed(account, to, amount);
        // amount <= unlocked - paid <= observed - paid <= what the router holds for the token.
        router_.claimAmount(modelId_, amount, to);
    }

    /// @dev Revenue routed to the token up to now is `total`; what is new since the last
    /// observation joins what is still locked, and the sum unlocks over a fresh UNLOCK_PERIOD
    /// from now. The unlocked revenue (observed - locked), hence the per-share value, is the
    /// same just before and just after. Returns `t` updated and the revenue locked now.
    function _observe(TotalsWord t, uint256 total) private returns (TotalsWord, uint256 locked) {
        uint256 observed = t.observed();
        if (observed != 0) locked = _lockedAt(ModelSharesWords.load(_schedule));
        if (total <= observed) return (t, locked);
        uint256 amount = total - observed;
        locked += amount;
        uint64 start = uint64(block.timestamp);
        uint64 end = start + uint64(UNLOCK_PERIOD);
        t = t.withObserved(total.toUint120());
        ModelSharesWords.store(_totals, t);
        ModelSharesWords.store(_schedule, uint128(locked), start, end); // locked <= observed
        emit RevenueObserved(amount, locked, end);
        return (t, locked);
    }

    /// @dev What is left of the schedule's locked revenue now: `locked` minus its floored linear
    /// unlock since `start` (never below what is still locked exactly, so never paid early).
    function _lockedAt(ScheduleWord s) private view returns (uint256) {
        (uint256 locked, uint256 start, uint256 end) = s.unpack();
        if (block.timestamp >= end) return 0;
        return locked - locked * (block.timestamp - start) / (end - start);
    }

    /// @dev Observed revenue that has unlocked by now.
    function _unlocked(TotalsWord t) private view returns (uint256) {
        uint256 observed = t.observed();
        if (observed == 0) return 0;
        return observed - _lockedAt(ModelSharesWords.load(_schedule));
    }

    /// @dev The per-share value once `unlocked` revenue has unlocked: what unlocked since the
    /// last burn, spread over the supply since then, on top of the value at that burn.
    function _perShare(TotalsWord t, uint256 unlocked) private view returns (uint256) {
        if (t.flags() & _HAS_BASE == 0) return unlocked * MAGNITUDE / t.supply();
        return _baseMagnified + (unlocked - _baseUnlocked) * MAGNITUDE / t.supply();
    }

    /// @dev The live per-share value (a storage read of the schedule, no call to the router).
    function _perShareNow() private view returns (uint256) {
        TotalsWord t = ModelSharesWords.load(_totals);
        return _perShare(t, _unlocked(t));
    }

    /// @dev Revenue routed to the token so far: paid out plus what the router holds for it.
    function _totalRevenue() private view returns (uint256) {
        (IRevenueRouter router_, uint256 modelId_) = _routerAndModel();
        return _paid + router_.claimable(modelId_, address(this));
    }

    function _accumulated(address account, uint256 mps) private view returns (uint256) {
        int256 magnified = (mps * _holders[account].balance).toInt256() + _revenue[account].correction;
        return magnified.toUint256() / MAGNITUDE;
    }

    // ------------------------------------------------------------------ internal: clone args

    /// @dev Immutable arguments: router (20 bytes) | model id (12) | name length (1) | name | symbol.
    function _routerAndModel() private view returns (IRevenueRouter router_, uint256 modelId_) {
        bytes32 word;
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, _ARGS, 0x20)
            word := mload(0x00)
        }
        router_ = IRevenueRouter(address(bytes20(word)));
        modelId_ = uint96(uint256(word));
    }

    function _strings() private view returns (string memory name_, string memory symbol_) {
        if (address(this) == _SELF) return ("", ""); // the implementation has no arguments
        bytes memory code = address(this).code;
        uint256 start = _ARGS + 33;
        uint256 nameEnd = start + uint8(code[_ARGS + 32]);
        name_ = string(Bytes.slice(code, start, nameEnd));
        symbol_ = string(Bytes.slice(code, nameEnd));
    }

    // ------------------------------------------------------------------ internal: EIP-712

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(_DOMAIN_TYPEHASH, keccak256(bytes(name())), _VERSION_HASH, block.chainid, address(this))
        );
    }

    function _hashTypedData(bytes32 structHash) private view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(_domainSeparator(), structHash);
    }
}
