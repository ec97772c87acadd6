"""assessment: yearly rubrics, attributable scores and tiers, fed by partner events (issue 4)."""
