"""综合评价: region, department and post evaluation derived from the case event log (GB/T 30428.4 §8)."""
