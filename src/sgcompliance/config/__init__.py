"""The runtime configuration: parameters, the policy source, remediation modes, and `ConfigManager`
which loads and caches them."""
