"""Detection rules as code (AIP-DET-nnn) and offline analysis of exported AI logs.

Each detection is defined once, as typed data (detect/catalog.py); the KQL for Microsoft
Sentinel / Log Analytics (detect/kql.py) and the SQL for the offline DuckDB engine
(detect/sql.py) are both rendered from that one definition. detect reads the Inventory (to
tailor the KQL to the tenant's AI estate) and never talks to Azure.
"""
