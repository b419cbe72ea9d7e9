-- TikTok's fees by type (grain: shop_id, statement_date, currency, fee_type): what the
-- statements of a day charged, from their transactions' fee and tax breakdown.
select
    shop_id,
    {{ day_of('statement_at') }} as statement_date,
    currency,
    fee_type,
    max(fee_group) as fee_group,
    count(distinct transaction_id) as transactions,
    sum(amount) as amount
from {{ ref('int_transaction_fees') }}
group by shop_id, {{ day_of('statement_at') }}, currency, fee_type
