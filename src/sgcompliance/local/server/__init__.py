"""The local AWS: a moto server started, found again and stopped by the project."""
