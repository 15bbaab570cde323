"""The rule catalog: importing this package registers every rule."""

from aiposture.rules import (  # noqa: F401 - imported for their @rule registrations
    botservice,
    data,
    databricks,
    governance,
    identity,
    model_risk,
    monitoring,
    network,
    paths,
)
