"""富士市's 令和8年度 budget books, shipped with the project, and the 合計 its 調書 prints."""

from pathlib import Path

FUJI_DATA = Path(__file__).resolve().parents[2] / "commitments" / "data" / "fuji"
FUJI_CHOUSHO = FUJI_DATA / "fuji_R08_2026_chousho_saimufutankoui.csv"  # 調書 (the statement attached to the budget)
FUJI_R8 = FUJI_DATA / "fuji_R08_2026_dai2hyo_saimufutankoui.csv"  # 第2表 of the 令和8年度 budget

# The printed 合計 row of the 調書 (千円 × 1,000): 限度額, spent to the end of R7, planned from R8, and the planned
# amount by source of funds.
FUJI_CHOUSHO_TOTALS = {
    "limit_yen": 68_738_703_000,
    "spent_yen": 15_817_016_000,
    "planned_yen": 52_921_687_000,
    "funding_yen": {
        "国県支出金": 4_554_364_000,
        "地方債": 6_993_100_000,
        "その他": 1_368_507_000,
        "一般財源": 40_005_716_000,
    },
}
