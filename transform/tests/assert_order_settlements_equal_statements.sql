-- Reconciliation: what order profitability says the statements paid (the settled orders'
-- net settlements) plus the adjustments naming no loaded order equals the statements'
-- settlements, per shop and currency, to the cent.
with statements as (
    select shop_id, sum(settlement_amount) as total
    from {{ ref('stg_tiktokshop__statements') }}
    group by shop_id
),

orders as (
    select shop_id, sum(net_settlement_amount) as total
    from {{ ref('int_order_settlements') }}
    group by shop_id
),

unattributed as (
    select transactions.shop_id, sum(transactions.settlement_amount) as total
    from {{ ref('stg_tiktokshop__statement_transactions') }} as transactions
    left join {{ ref('int_order_settlements') }} as settlements
        on settlements.shop_id = transactions.shop_id
        and settlements.order_id = transactions.related_order_id
    where settlements.order_id is null
    group by transactions.shop_id
)

select statements.shop_id, statements.total, orders.total as orders_total,
       unattributed.total as unattributed_total
from statements
left join orders on orders.shop_id = statements.shop_id
left join unattributed on unattributed.shop_id = statements.shop_id
where round(statements.total, 2)
    <> round(coalesce(orders.total, 0) + coalesce(unattributed.total, 0), 2)
