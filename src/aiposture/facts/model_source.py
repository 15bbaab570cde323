"""Where the model an Azure ML / Foundry endpoint serves comes from.

Shapes (azure-rest-api-specs, Microsoft.MachineLearningServices stable 2024-04-01,
examples Workspace/ServerlessEndpoint/createOrUpdate.json and OnlineDeployment/list.json):
a serverless endpoint (`workspaces/serverlessEndpoints`) names its model in
`properties.modelSettings.modelId`; an online deployment
(`workspaces/onlineEndpoints/{endpoint}/deployments`) in `properties.model`. Both are asset
ids. A registry model is `azureml://registries/<registry>/models/<name>[/versions/<v>]`
(the form Azure Policy 19539b54 matches with `like 'azureml://registries/*'`); anything else
(a workspace model's ARM id `.../workspaces/<ws>/models/<name>/versions/<v>`, or the short
`azureml:<name>:<version>`) is a model registered in a workspace, not taken from a registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.model.entities import MLModelEndpoint

_REGISTRY_ASSET = re.compile(
    r"^azureml://registries/(?P<registry>[^/]+)/models/(?P<model>[^/]+)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ModelSource:
    """`registry` is the lower-cased registry name, None for a non-registry model."""

    registry: str | None
    model: str | None


def model_source(asset_id: str) -> ModelSource:
    m = _REGISTRY_ASSET.match(asset_id.strip())
    if m is None:
        return ModelSource(None, None)
    return ModelSource(m["registry"].lower(), m["model"])


def model_path(ep: MLModelEndpoint) -> str:
    """The property that names the endpoint's model (for evidence)."""
    return (
        "properties.modelSettings.modelId"
        if ep.endpoint_kind == "serverless"
        else "properties.model"
    )


def serves_allowed_model(
    ep: MLModelEndpoint, allowed_registries: Iterable[str], *, registries_only: bool
) -> Fact:
    """True when the endpoint serves a model from an allowed registry (or, unless
    `registries_only`, a workspace's own model); False for any other registry."""
    path = model_path(ep)
    evidence = (path, ep.model_id)
    if not ep.model_id:
        return unknown_fact(
            f"the {ep.endpoint_kind} endpoint's model id is not in the data",
            "resources",
            evidence=(evidence,),
        )
    src = model_source(ep.model_id)
    allowed = {r.lower() for r in allowed_registries}
    if src.registry is None:
        if registries_only:
            return known(
                False,
                "serves a model that is not from a registry (registries_only is set)",
                evidence,
            )
        return known(True, "serves a model registered in the workspace (not a registry)", evidence)
    if src.registry in allowed:
        return known(True, f"serves {src.model} from allowed registry {src.registry!r}", evidence)
    return known(
        False, f"serves {src.model} from registry {src.registry!r}, not an allowed one", evidence
    )


# Azure Policy built-ins restricting registry models (azure-policy built-in-policies/
# policyDefinitions/Machine Learning/OnlyDeployAllowedRegistryModels_Deny.json and
# AllowDeployRegistryModels_Audit.json; their parameter names and rules).
ALLOWED_REGISTRY_POLICY = "19539b54-c61e-4196-9a38-67598701be90"
REGISTRY_MODELS_POLICY = "12e5dd16-d201-47ff-849b-8454061c293d"


@dataclass(frozen=True, slots=True)
class RegistryPolicy:
    """A tenant's assignment of one of the registry-model policies, with its allow-list.

    19539b54 denies a registry model (`like 'azureml://registries/*'`) outside
    `allowedRegistryName` (default "": every registry), and any model whose asset id is in
    `restrictedModels`. 12e5dd16 flags a registry model (`model.registryName` exists) whose
    publisher is not in `allowedPublishers` and whose asset id contains none of
    `allowedAssetIds` (partial ids allowed; both default to [])."""

    assignment: str
    definition: str
    allowed_registry: str = ""
    restricted_models: tuple[str, ...] = ()
    allowed_publishers: tuple[str, ...] = ()
    allowed_asset_ids: tuple[str, ...] = ()

    def parameters(self) -> dict[str, object]:
        if self.definition == ALLOWED_REGISTRY_POLICY:
            return {
                "allowedRegistryName": self.allowed_registry,
                "restrictedModels": list(self.restricted_models),
            }
        return {
            "allowedPublishers": list(self.allowed_publishers),
            "allowedAssetIds": list(self.allowed_asset_ids),
        }


def _policy_verdict(p: RegistryPolicy, asset: str, src: ModelSource) -> bool | None:
    """True: the policy lets the model through; False: it would deny / flag it; None: it
    depends on the model's publisher, which the endpoint does not carry."""
    low = asset.lower()
    if p.definition == ALLOWED_REGISTRY_POLICY:
        if low in {m.lower() for m in p.restricted_models}:
            return False
        return src.registry is None or src.registry == p.allowed_registry.strip().lower()
    if src.registry is None:
        return True
    if any(a and a.lower() in low for a in p.allowed_asset_ids):
        return True
    return None if p.allowed_publishers else False


def serves_policy_allowed_model(
    ep: MLModelEndpoint, policies: Sequence[RegistryPolicy], *, registries_only: bool
) -> Fact:
    """True when every registry-model policy the tenant assigned over the endpoint lets its
    model through (the policies' own allow-lists, as Azure would evaluate them at deployment);
    False when one would deny it; unknown when that turns on the model's publisher."""
    path = model_path(ep)
    evidence = (path, ep.model_id)
    if not ep.model_id:
        return unknown_fact(
            f"the {ep.endpoint_kind} endpoint's model id is not in the data",
            "resources",
            evidence=(evidence,),
        )
    src = model_source(ep.model_id)
    what = f"{src.model} from registry {src.registry!r}" if src.registry else "a workspace model"
    if src.registry is None and registries_only:
        return known(
            False, "serves a model that is not from a registry (registries_only is set)", evidence
        )
    open_: list[RegistryPolicy] = []
    for p in policies:
        verdict = _policy_verdict(p, ep.model_id, src)
        if verdict is False:
            return known(
                False,
                f"serves {what}, outside the allow-list of assignment {p.assignment!r}",
                evidence,
            )
        if verdict is None:
            open_.append(p)
    if open_:
        return unknown_fact(
            f"serves {what}: assignment {open_[0].assignment!r} allows it only if its "
            "publisher is in allowedPublishers, and the endpoint does not carry the publisher",
            f"modelPublisher:{ep.model_id}",
            evidence=(evidence,),
        )
    names = ", ".join(repr(p.assignment) for p in policies)
    return known(True, f"serves {what}, inside the allow-list of assignment {names}", evidence)
