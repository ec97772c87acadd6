"""The `seklik` command: what people run (start the system, mint tokens, the demo)."""
