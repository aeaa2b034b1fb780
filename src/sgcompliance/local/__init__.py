"""The local AWS: a moto server run by the project, and a demo organization to seed into it."""
