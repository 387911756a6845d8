"""The numeric bounds every year and amount is held to, with no imports: read by `rules` (which states them as rules,
with their messages) and by `fiscal` (which parses within them), so neither has to import the other."""

# 1,000兆円, ten times a national budget: anything larger is a typo. A bigint holds 9.2×10^18, so one amount always
# fits; sums over many rows are kept in numeric columns (ProjectionTotal).
MAX_YEN = 10**15
MIN_FISCAL_YEAR = 1926  # 昭和元年度
MAX_FISCAL_YEAR = 2200
