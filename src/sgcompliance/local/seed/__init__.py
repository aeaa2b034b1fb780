"""The demo organization seeded into the local AWS: its accounts, regions, groups and roles, as
data and as the calls that create them (the demo, the local pipeline and the tests use it)."""
