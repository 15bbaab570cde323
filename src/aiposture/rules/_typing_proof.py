"""Static proof that the rule contract is typed (checked by `mypy --strict src`, never run).

`rule(target=X)` only accepts a function whose first parameter takes X: a rule whose function
does not take its target is an arg-type error. The `type: ignore[arg-type]` below is needed
for mypy to pass, and `warn_unused_ignores` (strict) fails the build if it ever stops being
needed, that is if the contract stops catching the mistake. The rule sits under TYPE_CHECKING
so it is never registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiposture.model.entities import CognitiveAccount, StorageAccount
    from aiposture.model.types import Pillar, Severity
    from aiposture.rules.registry import rule
    from aiposture.rules.types import Refs, Remediation, RuleContext, Verdict, passed

    _REM = Remediation(summary="", az_cli="", bicep="", terraform="", portal="")

    @rule(  # type: ignore[arg-type]
        id="AIP-IDN-999",
        title="wrong target",
        pillar=Pillar.IDENTITY,
        severity=Severity.LOW,
        target=CognitiveAccount,
        remediation=_REM,
        references=Refs(),
    )
    def takes_the_wrong_target(st: StorageAccount, ctx: RuleContext) -> Verdict:
        return passed(st.name)

    @rule(
        id="AIP-IDN-998",
        title="right target",
        pillar=Pillar.IDENTITY,
        severity=Severity.LOW,
        target=CognitiveAccount,
        remediation=_REM,
        references=Refs(),
    )
    def takes_its_target(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
        return passed(account.name)
