"""Compliance mappings kept as data: NIST AI RMF 1.0, ISO/IEC 42001:2023 Annex A, the EU AI Act
and CIS Microsoft Azure Foundations Benchmark v2.0.0.

Unlike MCSB, OWASP LLM and ATLAS (cited by each rule's `references`), these frameworks are
mapped here, control by control: which aiposture rules give evidence for the control, and why.
A posture tool evidences the technical side of a control only (is the model endpoint private,
are its logs kept, who can change it); the organisational side (policies, impact assessments,
human oversight procedures) stays outside what any scan can see, so those controls are listed
only when a rule speaks to them. Every framework names the text it was mapped from.

Each entry: (control id, control title, rule ids or globs, why the rules evidence it).
"""

from __future__ import annotations

Entry = tuple[str, str, tuple[str, ...], str]

NIST_AI_RMF_SOURCE = (
    "NIST AI 100-1, Artificial Intelligence Risk Management Framework (AI RMF 1.0), January "
    "2023, Core subcategories (https://doi.org/10.6028/NIST.AI.100-1)"
)
NIST_AI_RMF: tuple[Entry, ...] = (
    (
        "GOVERN 1.6",
        "Mechanisms are in place to inventory AI systems",
        ("AIP-GOV-001", "AIP-GOV-007", "AIP-GOV-008"),
        "AI resources outside the landing zone, untagged or mixed with sandboxes are the "
        "inventory gaps the rules find",
    ),
    (
        "GOVERN 6.1",
        "Policies address AI risks of third-party entities (models, data, software)",
        ("AIP-MDL-005", "AIP-MDL-006"),
        "third-party models outside the approved list or pinned to retired versions",
    ),
    (
        "MEASURE 2.6",
        "The AI system is evaluated regularly for safety risks",
        ("AIP-MDL-001", "AIP-MDL-002", "AIP-MDL-003", "AIP-MDL-004"),
        "content filters, prompt shields and their blocking mode on each deployment",
    ),
    (
        "MEASURE 2.7",
        "AI system security and resilience are evaluated and documented",
        ("AIP-NET-*", "AIP-IDN-*", "AIP-DAT-*", "AIP-PATH-*"),
        "network exposure, authentication, encryption and attack paths of the AI system",
    ),
    (
        "MEASURE 2.10",
        "Privacy risk of the AI system is examined and documented",
        ("AIP-DAT-003", "AIP-DAT-004", "AIP-MON-009", "AIP-PATH-001"),
        "data stores behind the AI open to anonymous or key access, paths from the internet to "
        "data, and where prompts (personal data) are kept",
    ),
    (
        "MEASURE 3.1",
        "Approaches are in place to identify and track existing and emergent AI risks",
        ("AIP-MON-003", "AIP-MON-004", "AIP-MON-005", "AIP-MON-008"),
        "Defender for AI services and CSPM detect and track AI threats and misconfigurations",
    ),
    (
        "MANAGE 2.4",
        "Mechanisms to supersede, disengage or deactivate AI systems; responsibilities assigned",
        ("AIP-MDL-007", "AIP-IDN-009"),
        "who can change or switch off model deployments, and whether that power is standing",
    ),
    (
        "MANAGE 4.1",
        "Post-deployment monitoring plans are implemented (incident response, change management)",
        ("AIP-MON-*",),
        "audit and request logs, activity logs, SIEM coverage and threat detection in place",
    ),
)

ISO_42001_SOURCE = (
    "ISO/IEC 42001:2023 Information technology - Artificial intelligence - Management system, "
    "Annex A (normative) reference control objectives and controls "
    "(https://www.iso.org/standard/81230.html)"
)
ISO_42001: tuple[Entry, ...] = (
    (
        "A.4.2",
        "Resource documentation",
        ("AIP-GOV-007", "AIP-GOV-001"),
        "AI resources without owner / environment / classification tags are undocumented",
    ),
    (
        "A.4.5",
        "System and computing resources",
        ("AIP-GOV-008", "AIP-GOV-009", "AIP-MDL-009"),
        "where AI runs (regions, subscriptions shared with sandboxes) and its capacity limits",
    ),
    (
        "A.6.2.6",
        "AI system operation and monitoring",
        ("AIP-MON-003", "AIP-MON-004", "AIP-MON-005", "AIP-MON-006", "AIP-MON-008"),
        "threat detection and a SIEM over the AI system in operation",
    ),
    (
        "A.6.2.8",
        "AI system recording of event logs",
        ("AIP-MON-001", "AIP-MON-002", "AIP-MON-007", "AIP-MON-009"),
        "audit, request and activity logs of the AI resources are recorded and kept",
    ),
    (
        "A.7.4",
        "Quality of data for AI systems",
        ("AIP-MDL-008", "AIP-PATH-004"),
        "training and grounding data writable beyond its workload can be poisoned",
    ),
    (
        "A.7.5",
        "Data provenance",
        ("AIP-MDL-008", "AIP-PATH-004", "AIP-DAT-003"),
        "who can write the data the models learn from or ground on",
    ),
    (
        "A.9.4",
        "Intended use of the AI system",
        ("AIP-MDL-001", "AIP-MDL-002", "AIP-MDL-003", "AIP-MDL-004"),
        "content filters and prompt shields keep each deployment to its intended use",
    ),
    (
        "A.10.3",
        "Suppliers",
        ("AIP-MDL-005", "AIP-MDL-006"),
        "models from suppliers outside the approved list, or on retired versions",
    ),
)

EU_AI_ACT_SOURCE = (
    "Regulation (EU) 2024/1689 (Artificial Intelligence Act), OJ L 12.7.2024, Chapter III "
    "Section 2 and Article 26 (https://eur-lex.europa.eu/eli/reg/2024/1689/oj); only the "
    "technical obligations a configuration scan can evidence are mapped"
)
EU_AI_ACT: tuple[Entry, ...] = (
    (
        "Art. 10",
        "Data and data governance (integrity of training, validation and testing data)",
        ("AIP-MDL-008", "AIP-PATH-004", "AIP-DAT-003"),
        "data sets the models use are writable or readable beyond their workload",
    ),
    (
        "Art. 12",
        "Record-keeping: automatic recording of events (logs) over the lifetime of the system",
        ("AIP-MON-001", "AIP-MON-002", "AIP-MON-009"),
        "the AI resources record their requests and audit events",
    ),
    (
        "Art. 14",
        "Human oversight (ability to intervene, interrupt or stop the system)",
        ("AIP-MDL-007",),
        "who can change or stop model deployments and their safety settings",
    ),
    (
        "Art. 15",
        "Accuracy, robustness and cybersecurity (incl. data poisoning, adversarial inputs)",
        ("AIP-NET-*", "AIP-IDN-*", "AIP-PATH-*", "AIP-MDL-001", "AIP-MDL-002", "AIP-DAT-*"),
        "exposure, authentication and attack paths; prompt-injection shields (Art. 15(5))",
    ),
    (
        "Art. 26(5)",
        "Deployers monitor the operation of the high-risk AI system",
        ("AIP-MON-003", "AIP-MON-004", "AIP-MON-006", "AIP-MON-008"),
        "threat detection and SIEM coverage of the deployed AI resources",
    ),
    (
        "Art. 26(6)",
        "Deployers keep the automatically generated logs (at least six months)",
        ("AIP-MON-001", "AIP-MON-007", "AIP-MON-009"),
        "logs are sent to a Log Analytics workspace where they can be retained",
    ),
)

CIS_AZURE_SOURCE = (
    "CIS Microsoft Azure Foundations Benchmark v2.0.0, as listed in Microsoft Learn 'Regulatory "
    "Compliance details for CIS Microsoft Azure Foundations Benchmark 2.0.0' "
    "(https://learn.microsoft.com/azure/governance/policy/samples/cis-azure-2-0-0); only the "
    "recommendations that apply to AI resources and the stores they use"
)
CIS_AZURE: tuple[Entry, ...] = (
    (
        "1.23",
        "Ensure That No Custom Subscription Administrator Roles Exist",
        ("AIP-IDN-011",),
        "custom roles assignable over AI resources granting `*` or role assignment",
    ),
    (
        "2.1.7",
        "Ensure That Microsoft Defender for Storage Is Set To 'On'",
        ("AIP-MON-010",),
        "storage holding AI data",
    ),
    (
        "3.1",
        "Ensure that 'Secure transfer required' is set to 'Enabled'",
        ("AIP-DAT-005",),
        "storage accounts used by AI",
    ),
    (
        "3.7",
        "Ensure that 'Public access level' is disabled for storage accounts with blob containers",
        ("AIP-DAT-003",),
        "storage accounts used by AI",
    ),
    (
        "3.8",
        "Ensure Default Network Access Rule for Storage Accounts is Set to Deny",
        ("AIP-NET-009",),
        "storage accounts used by AI",
    ),
    (
        "3.15",
        "Ensure the 'Minimum TLS version' for storage accounts is set to 'Version 1.2'",
        ("AIP-DAT-005",),
        "storage accounts used by AI",
    ),
    (
        "8.5",
        "Ensure the Key Vault is Recoverable",
        ("AIP-DAT-006",),
        "key vaults used by AI",
    ),
    (
        "8.6",
        "Enable Role Based Access Control for Azure Key Vault",
        ("AIP-DAT-007",),
        "key vaults used by AI",
    ),
    (
        "8.7",
        "Ensure that Private Endpoints are Used for Azure Key Vault",
        ("AIP-NET-010",),
        "key vaults used by AI (a vault reachable from all networks)",
    ),
)

# key -> (name, source, entries)
MAPPED: dict[str, tuple[str, str, tuple[Entry, ...]]] = {
    "nist-ai-rmf": ("NIST AI Risk Management Framework 1.0", NIST_AI_RMF_SOURCE, NIST_AI_RMF),
    "iso-42001": ("ISO/IEC 42001:2023 Annex A", ISO_42001_SOURCE, ISO_42001),
    "eu-ai-act": ("EU AI Act (Regulation (EU) 2024/1689)", EU_AI_ACT_SOURCE, EU_AI_ACT),
    "cis-azure": ("CIS Microsoft Azure Foundations Benchmark v2.0.0", CIS_AZURE_SOURCE, CIS_AZURE),
}
