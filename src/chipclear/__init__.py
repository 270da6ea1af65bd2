"""chipclear."""
