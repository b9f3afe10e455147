"""`config/contactability.yaml`: the rules of stage 06, read and checked once.

The file is written for analysts (see its comments); this module turns it into frozen
dataclasses and refuses a file that would make the stage quietly do something else than it
says: an unknown channel or reason, a consent model other than opt_in/opt_out, a bounce made
to suppress a whole person. Every problem is reported at once, naming the file and the key.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from helpers.config_file import read_yaml
from helpers.schema import SUPPRESSION_REASONS
from helpers.settings import ANY, ConfigError, Each, check_keys

CHANNELS: tuple[str, ...] = ("email", "phone", "sms", "mail")
CONSENT_FLAGS: tuple[str, ...] = ("email_opt_in", "phone_opt_in", "mail_opt_in")
MODELS: tuple[str, ...] = ("opt_in", "opt_out")
BOUNCES: tuple[str, ...] = ("hard_bounce", "soft_bounce")
# Golden fields a profile-completion worklist may ask for.
PROFILE_FIELDS: tuple[str, ...] = (
    "title",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "email",
    "phone",
    "address_line1",
    "postcode",
    "city",
    "country",
    "address_key",
    "national_id",
)
PHONE_TYPES: tuple[str, ...] = (
    "mobile",
    "fixed_line",
    "fixed_line_or_mobile",
    "toll_free",
    "premium_rate",
    "voip",
    "other",
)


class RulesError(ConfigError):
    """The contactability config has a mistake; the message names the file and each key."""


@dataclass(frozen=True)
class ChannelRule:
    name: str
    consent_flag: str  # the records' `<flag>_std` column that speaks for the channel
    model: str  # opt_in | opt_out


@dataclass(frozen=True)
class ReasonRule:
    name: str
    channels: str | tuple[str, ...]  # "row", "all", or a tuple of channels
    scope: str = "person"  # person | address (bounces)

    def closes(self, row_channel: str | None) -> tuple[str, ...]:
        """Channels a suppression row with this reason closes, given the row's own channel."""
        if self.channels == "all":
            return CHANNELS
        if self.channels == "row":
            return (row_channel,) if row_channel in CHANNELS else CHANNELS
        return tuple(self.channels)


@dataclass(frozen=True)
class ContactRules:
    channels: dict[str, ChannelRule]
    reasons: dict[str, ReasonRule]
    always_win: tuple[str, ...]
    soft_bounce_limit: int = 3
    unknown_reason: str = "unsubscribe"
    sms_phone_types: tuple[str, ...] = ("mobile", "fixed_line_or_mobile")
    guess_phone_country: bool = True
    unconfirmed_months: int = 24
    profile_fields: tuple[str, ...] = ("date_of_birth", "first_name", "last_name", "email", "phone", "address_key")
    path: str | None = field(default=None, compare=False)

    def channels_of_flag(self, flag: str) -> tuple[str, ...]:
        """Channels whose consent a record's flag speaks for (phone_opt_in → phone, sms)."""
        return tuple(c for c in CHANNELS if self.channels[c].consent_flag == flag)


# Every key config/contactability.yaml may hold; unknown channel and reason names are the
# loader's to name (it lists the allowed ones), their inner keys are checked here.
SCHEMA = {
    "channels": Each({"consent_flag": ANY, "model": ANY}),
    "reasons": Each({"channels": ANY, "scope": ANY}),
    "always_win": ANY,
    "soft_bounce_limit": ANY,
    "unknown_reason": ANY,
    "sms_phone_types": ANY,
    "guess_phone_country": ANY,
    "unconfirmed_months": ANY,
    "profile_fields": ANY,
}


# A key the file leaves out takes the ContactRules default: the one place defaults are written.
DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(ContactRules) if f.default is not MISSING}


def load_rules(path: str | Path) -> ContactRules:
    """Read and check `config/contactability.yaml`; every problem is reported at once."""
    path = Path(path)
    return rules_from_dict(read_yaml(path, "contactability rules", RulesError), where=str(path))


def rules_from_dict(doc: Any, where: str = "contactability rules") -> ContactRules:
    """The rules from a parsed YAML document (tests build variants of the real file with this)."""
    if not isinstance(doc, dict):
        raise RulesError(f"{where}: expected a mapping with keys channels, reasons, always_win, …")
    problems = check_keys(doc, SCHEMA)

    channels = _channels(doc.get("channels"), problems)
    reasons = _reasons(doc.get("reasons"), problems)
    always_win = _names(doc.get("always_win", []), "always_win", SUPPRESSION_REASONS, problems)
    for r in always_win:
        if r in BOUNCES:
            problems.append(f"always_win: {r} is about an email address, not a person; it cannot be listed here")
    limit = _positive_int(doc.get("soft_bounce_limit", DEFAULTS["soft_bounce_limit"]), "soft_bounce_limit", problems)
    months = _positive_int(
        doc.get("unconfirmed_months", DEFAULTS["unconfirmed_months"]), "unconfirmed_months", problems
    )
    unknown = doc.get("unknown_reason", DEFAULTS["unknown_reason"])
    if unknown not in SUPPRESSION_REASONS or unknown in BOUNCES:
        problems.append(
            f"unknown_reason: {unknown!r} must be a person-level reason "
            f"({', '.join(sorted(set(SUPPRESSION_REASONS) - set(BOUNCES)))})"
        )
    sms_types = _names(
        doc.get("sms_phone_types", list(DEFAULTS["sms_phone_types"])), "sms_phone_types", PHONE_TYPES, problems
    )
    guess = doc.get("guess_phone_country", DEFAULTS["guess_phone_country"])
    if not isinstance(guess, bool):
        problems.append(f"guess_phone_country: {guess!r} must be true or false")
    fields = _names(doc.get("profile_fields", []), "profile_fields", PROFILE_FIELDS, problems)
    if problems:
        raise RulesError(problems, where, "contactability rules")
    return ContactRules(
        channels=channels,
        reasons=reasons,
        always_win=always_win,
        soft_bounce_limit=limit,
        unknown_reason=unknown,
        sms_phone_types=sms_types,
        guess_phone_country=guess,
        unconfirmed_months=months,
        profile_fields=fields,
        path=where,
    )


def _channels(spec: Any, problems: list[str]) -> dict[str, ChannelRule]:
    if not isinstance(spec, dict):
        problems.append(f"channels: list each of {', '.join(CHANNELS)} with its consent_flag and model")
        return {}
    out = {}
    for name in sorted(set(spec) - set(CHANNELS)):
        problems.append(f"channels.{name}: unknown channel (channels are {', '.join(CHANNELS)})")
    for name in CHANNELS:
        rule = spec.get(name)
        if not isinstance(rule, dict):
            problems.append(f"channels.{name}: missing; give its consent_flag and model")
            continue
        flag, model = rule.get("consent_flag"), rule.get("model")
        if flag not in CONSENT_FLAGS:
            problems.append(f"channels.{name}.consent_flag: {flag!r} is not one of {', '.join(CONSENT_FLAGS)}")
        if model not in MODELS:
            problems.append(f"channels.{name}.model: {model!r} is not one of {', '.join(MODELS)}")
        if isinstance(flag, str) and isinstance(model, str):  # otherwise a problem is reported above
            out[name] = ChannelRule(name, flag, model)
    return out


def _reasons(spec: Any, problems: list[str]) -> dict[str, ReasonRule]:
    if not isinstance(spec, dict):
        problems.append(f"reasons: list each of {', '.join(sorted(SUPPRESSION_REASONS))} with its channels")
        return {}
    out = {}
    for name in sorted(set(spec) - set(SUPPRESSION_REASONS)):
        problems.append(f"reasons.{name}: unknown reason (reasons are {', '.join(sorted(SUPPRESSION_REASONS))})")
    for name in sorted(SUPPRESSION_REASONS):
        rule = spec.get(name)
        if not isinstance(rule, dict):
            problems.append(f"reasons.{name}: missing; every reason a suppression list may carry needs a rule")
            continue
        channels = rule.get("channels")
        if channels in ("row", "all"):
            closes: str | tuple[str, ...] = channels
        elif isinstance(channels, list) and channels and all(c in CHANNELS for c in channels):
            closes = tuple(channels)
        else:
            problems.append(
                f"reasons.{name}.channels: {channels!r} must be row, all, or a list of {', '.join(CHANNELS)}"
            )
            closes = ()
        scope = rule.get("scope", "person")
        if name in BOUNCES and (scope != "address" or closes != ("email",)):
            problems.append(
                f"reasons.{name}: a bounce closes one email address: write {{channels: [email], scope: address}}"
            )
        elif name not in BOUNCES and scope != "person":
            problems.append(f"reasons.{name}.scope: only bounces are about an address; {name} is about a person")
        out[name] = ReasonRule(name, closes, scope)
    return out


def _names(values: Any, key: str, allowed, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(values, list):
        problems.append(f"{key}: expected a list, got {values!r}")
        return ()
    for v in values:
        if v not in allowed:
            problems.append(f"{key}: {v!r} is not one of {', '.join(sorted(allowed))}")
    if len(set(values)) != len(values):
        problems.append(f"{key}: a name is listed twice")
    return tuple(v for v in values if v in allowed)


def _positive_int(value: Any, key: str, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(f"{key}: {value!r} must be a whole number of at least 1")
        return 1
    return value
