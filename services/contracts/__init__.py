"""contracts: price standards, budgets, contracts, media orders, proofs and payments (issue 5)."""
