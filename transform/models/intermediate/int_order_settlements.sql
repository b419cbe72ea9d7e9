-- What the statements settled for each order (one row per order some transaction names):
-- its ORDER transaction(s) and the adjustments that name it, with the fees split into
-- commission, transaction fee, the other fees and the taxes on fees.
with order_transactions as (
    select
        shop_id,
        order_id,
        min(statement_id) as statement_id,
        min(statement_at) as statement_at,
        max(currency) as currency,
        sum(revenue_amount) as revenue_amount,
        sum(fee_tax_amount) as fee_tax_amount,
        sum(shipping_cost_amount) as shipping_cost_amount,
        sum(settlement_amount) as order_settlement_amount
    from {{ ref('stg_tiktokshop__statement_transactions') }}
    where transaction_type = 'ORDER' and order_id is not null
    group by shop_id, order_id
),

adjustments as (
    select shop_id, adjustment_order_id as order_id, sum(settlement_amount) as adjustment_amount
    from {{ ref('stg_tiktokshop__statement_transactions') }}
    where transaction_type <> 'ORDER' and adjustment_order_id is not null
    group by shop_id, adjustment_order_id
),

settled_orders as (
    select shop_id, order_id from order_transactions
    union
    select shop_id, order_id from adjustments
),

fees as (
    select
        shop_id,
        related_order_id as order_id,
        sum(case when fee_type = 'platform_commission_amount' then amount else 0 end)
            as platform_commission_amount,
        sum(case when fee_type = 'transaction_fee_amount' then amount else 0 end)
            as transaction_fee_amount,
        sum(case when fee_group = 'fee'
                  and fee_type not in ('platform_commission_amount', 'transaction_fee_amount')
                 then amount else 0 end) as other_fees_amount,
        sum(case when fee_group = 'tax' then amount else 0 end) as fee_taxes_amount
    from {{ ref('int_transaction_fees') }}
    where transaction_type = 'ORDER'
    group by shop_id, related_order_id
)

select
    settled_orders.shop_id,
    settled_orders.order_id,
    order_transactions.statement_id,
    order_transactions.statement_at,
    order_transactions.currency,
    coalesce(order_transactions.revenue_amount, 0) as revenue_amount,
    coalesce(fees.platform_commission_amount, 0) as platform_commission_amount,
    coalesce(fees.transaction_fee_amount, 0) as transaction_fee_amount,
    coalesce(fees.other_fees_amount, 0) as other_fees_amount,
    coalesce(fees.fee_taxes_amount, 0) as fee_taxes_amount,
    coalesce(order_transactions.fee_tax_amount, 0) as fee_tax_amount,
    coalesce(order_transactions.shipping_cost_amount, 0) as shipping_cost_amount,
    coalesce(adjustments.adjustment_amount, 0) as adjustment_amount,
    (order_transactions.order_id is not null) as has_order_transaction,
    coalesce(order_transactions.order_settlement_amount, 0)
        + coalesce(adjustments.adjustment_amount, 0) as net_settlement_amount
from settled_orders
left join order_transactions
    on order_transactions.shop_id = settled_orders.shop_id
    and order_transactions.order_id = settled_orders.order_id
left join fees
    on fees.shop_id = settled_orders.shop_id and fees.order_id = settled_orders.order_id
left join adjustments
    on adjustments.shop_id = settled_orders.shop_id
    and adjustments.order_id = settled_orders.order_id
