"""advocacy-kit."""
