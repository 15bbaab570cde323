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
from collections.abc import Iterable
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
