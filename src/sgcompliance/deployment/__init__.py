"""What a deployed hub and its members must have for events to flow (`sgc doctor`): the checks,
pure, over what a read-only probe saw."""
