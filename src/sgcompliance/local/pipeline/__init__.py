"""The live local pipeline: stand-ins for CloudTrail, EventBridge delivery and Lambda."""
