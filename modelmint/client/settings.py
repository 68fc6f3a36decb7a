"""Where the ``modelmint`` commands find the network, the deployment record and the account:
given once, in the environment or a profile file, and overridden by flags.

Order: a flag, then its environment variable, then the profile, then the built-in default.
The profile file is ``$MODELMINT_PROFILES``, else ``./modelmint.toml``, else
``~/.config/modelmint/profiles.toml``; a profile is one TOML table, chosen with
``--profile NAME`` / ``MODELMINT_PROFILE`` (default ``default``)::

    [default]
    rpc = "http://127.0.0.1:8545"
    record = "deployments/local.json"
    account = "owner"            # an ape keystore alias, or a keystore file path

A profile never holds a secret: a key named like one (``private_key``, ``mnemonic``,
``passphrase``...) or a value shaped like a private key is refused with
:class:`ProfileInvalid`. Keys come from ``MODELMINT_PRIVATE_KEY`` or an encrypted keystore
(ape's ``~/.ape/accounts/<alias>.json``, or any keystore file), whose passphrase comes from
``MODELMINT_PASSPHRASE`` or a prompt.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from modelmint.client.errors import AccountUnavailable, ProfileInvalid, SettingMissing

# setting -> (flag, environment variable, built-in default)
SETTINGS: dict[str, tuple[str, str, str | None]] = {
    "rpc": ("--rpc", "MODELMINT_RPC", None),
    "record": ("--record", "MODELMINT_RECORD", None),
    "account": ("--account", "MODELMINT_ACCOUNT", None),
    "gateway": ("--gateway", "MODELMINT_GATEWAY", "http://127.0.0.1:8402"),
    "wallet": ("--wallet", "MODELMINT_WALLET", None),
    "credits": ("--credits", "MODELMINT_CREDITS", None),
    "state": ("--state", "MODELMINT_STATE", "~/.modelmint"),
    "budget": ("--budget", "MODELMINT_BUDGET", None),
    "confirmations": ("--confirmations", "MODELMINT_CONFIRMATIONS", "1"),
}
KEY_ENV = "MODELMINT_PRIVATE_KEY"
LEGACY_KEY_ENV = "MODELMINT_KEY"
PASSPHRASE_ENV = "MODELMINT_PASSPHRASE"
PROFILE_ENV = "MODELMINT_PROFILE"
PROFILES_ENV = "MODELMINT_PROFILES"
_SECRET_KEY = re.compile(r"(private|secret|mnemonic|passphrase|password|seed|^key$|_key$)", re.I)
_SECRET_VALUE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


def profile_file(env: Mapping[str, str], cwd: Path) -> Path | None:
    """The profile file in use, or ``None`` if there is none."""
    if env.get(PROFILES_ENV):
        return Path(env[PROFILES_ENV]).expanduser()
    for path in (cwd / "modelmint.toml", Path("~/.config/modelmint/profiles.toml").expanduser()):
        if path.is_file():
            return path
    return None


def load_profile(path: Path | None, name: str | None) -> dict[str, Any]:
    """The profile ``name`` of ``path`` (``{}`` when there is no file or no ``default``
    table); :class:`ProfileInvalid` for an unknown name, a bad file or a secret in it."""
    if path is None:
        if name:
            raise ProfileInvalid(f"profile {name!r} asked for, but no profile file exists")
        return {}
    try:
        tables = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileInvalid(f"{path}: {exc}") from None
    for table, values in tables.items():
        for key, value in values.items() if isinstance(values, dict) else []:
            if _SECRET_KEY.search(key) or (isinstance(value, str) and _SECRET_VALUE.match(value)):
                raise ProfileInvalid(
                    f"{path} [{table}] {key}: a profile never holds a secret; set "
                    f"{KEY_ENV} or use a keystore account (account = ALIAS or FILE)",
                    profile=table,
                    key=key,
                )
    if name and name not in tables:
        raise ProfileInvalid(f"{path} has no profile [{name}]", profile=name)
    chosen = tables.get(name or "default", {})
    if not isinstance(chosen, dict):
        raise ProfileInvalid(f"{path} [{name or 'default'}] is not a table")
    unknown = set(chosen) - set(SETTINGS)
    if unknown:
        raise ProfileInvalid(f"{path} [{name or 'default'}]: unknown keys {sorted(unknown)}")
    return {k: str(v) for k, v in chosen.items()}


@dataclass
class Settings:
    """The resolved settings; ``get`` raises :class:`SettingMissing` naming where to set one."""

    values: dict[str, str | None]
    profile_name: str
    profile_path: Path | None
    env: Mapping[str, str] = field(repr=False)

    @classmethod
    def resolve(
        cls,
        flags: Mapping[str, Any],
        profile: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Settings:
        """``flags``: what the command line gave (``None`` = not given; click fills a flag
        from its environment variable, so both override the profile)."""
        env = os.environ if env is None else env
        name = profile or env.get(PROFILE_ENV) or None
        path = profile_file(env, cwd or Path.cwd())
        chosen = load_profile(path, name)
        values: dict[str, str | None] = {}
        for key, (_flag, var, default) in SETTINGS.items():
            given = flags.get(key)
            values[key] = (
                str(given) if given is not None else env.get(var) or chosen.get(key) or default
            )
        return cls(values, name or "default", path, env)

    def get(self, key: str) -> str:
        value = self.values.get(key)
        if value:
            return value
        flag, var, _ = SETTINGS[key]
        where = self.profile_path or "~/.config/modelmint/profiles.toml"
        raise SettingMissing(
            f"no {key}: pass {flag}, set {var}, or add `{key} = ...` to [{self.profile_name}] "
            f"in {where}",
            setting=key,
            env=var,
        )

    def key_text(self) -> str | None:
        """A raw private key from the environment (``MODELMINT_PRIVATE_KEY``, or the older
        ``MODELMINT_KEY``), if any."""
        return self.env.get(KEY_ENV) or self.env.get(LEGACY_KEY_ENV) or None

    def load_account(self, prompt: Callable[[str], str] | None = None) -> LocalAccount:
        """The signing account: ``account`` (ape alias or keystore file) when set, else the
        key in ``MODELMINT_PRIVATE_KEY``. :class:`SettingMissing` names both when neither."""
        name = self.values.get("account")
        if name:
            return _from_keystore(name, self.env, prompt)
        key = self.key_text()
        if key:
            account: LocalAccount = Account.from_key(key)
            return account
        flag, var, _ = SETTINGS["account"]
        raise SettingMissing(
            f"no account: pass {flag} ALIAS|FILE, set {var} (ape keystore alias or keystore "
            f"file) or {KEY_ENV}, or add `account = ...` to [{self.profile_name}] in "
            f"{self.profile_path or '~/.config/modelmint/profiles.toml'}",
            setting="account",
            env=var,
        )


def keystore_path(name: str, env: Mapping[str, str]) -> Path:
    """``name`` as a keystore file path, or ape's keystore of that alias."""
    path = Path(name).expanduser()
    if path.suffix == ".json" or os.sep in name:
        return path
    ape_data = Path(env.get("APE_DATA_FOLDER") or "~/.ape").expanduser()
    return ape_data / "accounts" / f"{name}.json"


def _from_keystore(
    name: str, env: Mapping[str, str], prompt: Callable[[str], str] | None
) -> LocalAccount:
    path = keystore_path(name, env)
    if not path.is_file():
        raise AccountUnavailable(f"no keystore {path} (account {name!r})", account=name)
    try:
        keyfile = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise AccountUnavailable(f"{path}: not a keystore ({exc})", account=name) from None
    passphrase = env.get(PASSPHRASE_ENV)
    if passphrase is None:
        if prompt is None or not sys.stdin.isatty():
            raise AccountUnavailable(
                f"keystore {path} needs a passphrase: set {PASSPHRASE_ENV} or run in a terminal",
                account=name,
            )
        passphrase = prompt(f"passphrase for {name}")
    try:
        key = Account.decrypt(keyfile, passphrase)
    except ValueError:
        raise AccountUnavailable(f"wrong passphrase for keystore {path}", account=name) from None
    account: LocalAccount = Account.from_key(key)
    return account
