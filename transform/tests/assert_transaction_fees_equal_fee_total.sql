{{ config(severity='warn') }}
-- Each settled transaction's fees and taxes by type add up to its fee_tax total, to the
-- cent (warns: TikTok may add a fee type the OpenAPI snapshot does not list yet).
with by_type as (
    select shop_id, statement_id, transaction_id, sum(amount) as total
    from {{ ref('int_transaction_fees') }}
    group by shop_id, statement_id, transaction_id
)

select transactions.shop_id, transactions.statement_id, transactions.transaction_id,
       transactions.fee_tax_amount, by_type.total
from {{ ref('stg_tiktokshop__statement_transactions') }} as transactions
left join by_type
    on by_type.shop_id = transactions.shop_id
    and by_type.statement_id = transactions.statement_id
    and by_type.transaction_id = transactions.transaction_id
where round(coalesce(transactions.fee_tax_amount, 0), 2) <> round(coalesce(by_type.total, 0), 2)
