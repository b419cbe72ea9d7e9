-- Reconciliation: each shop's daily net sales in mart_daily_sales equal the sum of that
-- day's order lines sold (list price - seller discount), straight from the staged lines
-- and orders, to the cent. Returns the shop-days that differ.
with from_lines as (
    select
        lines.shop_id,
        {{ day_of('orders.created_at') }} as sales_date,
        sum(lines.original_price - lines.seller_discount) as net_sales
    from {{ ref('stg_tiktokshop__order_line_items') }} as lines
    inner join {{ ref('stg_tiktokshop__orders') }} as orders
        on orders.shop_id = lines.shop_id and orders.order_id = lines.order_id
    where not lines.is_cancelled and orders.order_status not in ('CANCELLED', 'UNPAID')
    group by lines.shop_id, {{ day_of('orders.created_at') }}
),

from_mart as (
    select shop_id, sales_date, sum(net_sales) as net_sales
    from {{ ref('mart_daily_sales') }}
    group by shop_id, sales_date
)

select
    coalesce(from_mart.shop_id, from_lines.shop_id) as shop_id,
    coalesce(from_mart.sales_date, from_lines.sales_date) as sales_date,
    from_mart.net_sales as mart_net_sales,
    from_lines.net_sales as lines_net_sales
from from_mart
full outer join from_lines
    on from_lines.shop_id = from_mart.shop_id and from_lines.sales_date = from_mart.sales_date
where round(coalesce(from_mart.net_sales, 0), 2) <> round(coalesce(from_lines.net_sales, 0), 2)
