"""The engine: where a rule is judged.

Pure values and functions (`model`, `protocol`, `network`, `exposure`, `checks`, `findings`,
`exemptions`, `evaluate`) and the services over them (`scanner.ComplianceScanner`, `fleet`).
"""
