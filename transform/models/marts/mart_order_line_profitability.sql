-- Order profitability per line (grain: one row per order line): the order's settled fees,
-- shipping and net settlement (or, unsettled, its estimate) shared among its sold lines in
-- proportion to their net sales, to 1/10000.
with lines as (
    select
        lines.*,
        sum(case when is_sale then net_amount else 0 end)
            over (partition by shop_id, order_id) as order_net_sales
    from {{ ref('int_order_lines') }} as lines
)

select
    lines.shop_id,
    lines.order_id,
    lines.order_line_item_id,
    lines.sku_id,
    lines.product_id,
    lines.currency,
    lines.is_sale,
    orders.settlement_status,
    case when lines.is_sale then lines.net_amount else 0 end as line_net_sales,
    {%- for column in ['total_fees_amount', 'shipping_cost_amount', 'net_settlement_amount',
                       'est_fee_tax_amount', 'est_settlement_amount'] %}
    {{ money('case when lines.is_sale and lines.order_net_sales <> 0 then orders.'
             ~ column ~ ' * lines.net_amount / lines.order_net_sales end') }}
        as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
from lines
inner join {{ ref('mart_order_profitability') }} as orders
    on orders.shop_id = lines.shop_id and orders.order_id = lines.order_id
