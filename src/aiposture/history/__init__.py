"""Scan history: a store of past scans (SQLite or PostgreSQL), diffs between two scans, who
changed what (Resource Graph change records or an exported Activity Log), access reviews over
time and notifications for scheduled runs. Reads ScanResult; never read by rules, graph or
facts."""
