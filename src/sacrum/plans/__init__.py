"""Treatment plans: goals, taper, reviews, discharge and the measurement schedule."""
