"""Live collection from Azure (Resource Graph, ARM, Microsoft Graph) with the real Azure SDK.

The SDK is imported lazily inside functions, so offline scans never load it.
"""
