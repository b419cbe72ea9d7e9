-- Order profitability (grain: one row per order): what the buyer's lines brought, what
-- TikTok took by fee type, shipping, and what the statements paid the seller. Orders not
-- settled yet carry TikTok's estimate from the unsettled transactions.
with lines as (
    select
        shop_id,
        order_id,
        count(*) as line_count,
        count(case when is_sale then 1 end) as units_sold,
        coalesce(sum(case when is_sale then net_amount end), 0) as line_net_sales
    from {{ ref('int_order_lines') }}
    group by shop_id, order_id
),

unsettled as (
    select
        shop_id,
        order_id,
        sum(est_revenue_amount) as est_revenue_amount,
        sum(est_fee_tax_amount) as est_fee_tax_amount,
        sum(est_shipping_cost_amount) as est_shipping_cost_amount,
        sum(est_settlement_amount) as est_settlement_amount
    from {{ ref('stg_tiktokshop__unsettled_transactions') }}
    group by shop_id, order_id
)

select
    orders.shop_id,
    orders.order_id,
    orders.order_status,
    orders.created_at,
    orders.currency,
    coalesce(lines.line_count, 0) as line_count,
    coalesce(lines.units_sold, 0) as units_sold,
    {{ money('coalesce(lines.line_net_sales, 0)') }} as line_net_sales,
    case
        when settlements.has_order_transaction then 'settled'
        when unsettled.order_id is not null then 'unsettled'
        else 'not_settled'
    end as settlement_status,
    coalesce(settlements.has_order_transaction, false) as is_settled,
    settlements.statement_id,
    settlements.statement_at,
    settlements.revenue_amount,
    settlements.platform_commission_amount,
    settlements.transaction_fee_amount,
    settlements.other_fees_amount,
    settlements.fee_taxes_amount,
    settlements.fee_tax_amount as total_fees_amount,
    settlements.shipping_cost_amount,
    settlements.adjustment_amount,
    settlements.net_settlement_amount,
    unsettled.est_revenue_amount,
    unsettled.est_fee_tax_amount,
    unsettled.est_shipping_cost_amount,
    unsettled.est_settlement_amount
from {{ ref('stg_tiktokshop__orders') }} as orders
left join lines
    on lines.shop_id = orders.shop_id and lines.order_id = orders.order_id
left join {{ ref('int_order_settlements') }} as settlements
    on settlements.shop_id = orders.shop_id and settlements.order_id = orders.order_id
left join unsettled
    on unsettled.shop_id = orders.shop_id and unsettled.order_id = orders.order_id
