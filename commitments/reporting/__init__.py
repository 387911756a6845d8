"""Report presentation: the e-mail of a subscription built from the selectors the pages read (nothing is written).

`message` builds it (`report_build`), from `tables` (the totals by segment and year with changes), `digest` (the
exceptions), `baseline` (what "change since the last report" compares with), `attachments` (the page downloads, from
`commitments.exports`), `chart` (the PNG) and `mime` (the multipart message). `formatting` writes amounts, changes,
years and days in the active language's conventions; `labels` holds the e-mail's words; `period` and `calendar` are
report periods and business days. The writes (claims, sends, schedules) are `commitments.services.reports*`.
"""
