"""aiposture: read-only security posture assessment of AI workloads in an Azure tenant."""

__version__ = "0.1.0"
