"""What the tool leaves behind: audit records, alerts, metrics and Security Hub findings."""
