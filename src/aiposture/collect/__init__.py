"""Sources of snapshots: live Azure, export files, the embedded demo tenant, synthetic tenants.

The only package that talks to Azure (and it imports the Azure SDK lazily).
"""
