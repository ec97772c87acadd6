"""The `seklik` command: what people run (start the system, mint tokens, the demo)."""
import warnings

# nameko imports eventlet, which warns at import that it is deprecated (its own
# EventletDeprecationWarning, not a DeprecationWarning): the nameko 2.x stack depends on it
# (../shared/ARCHITECTURE.md) and a user of `seklik` can do nothing about it.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
