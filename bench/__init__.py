"""SEKLIK's benchmarks: every figure beside a baseline measured in the same run, as a ratio."""
