-- Stock cover per SKU and warehouse (grain: shop_id, sku_id, warehouse_id): stock on hand
-- over the average daily units sold from that warehouse in the last `stock_cover_days`
-- days (28) up to the as-of day (int_as_of). No sales in the window: no cover figure.
{%- set days = var('stock_cover_days', 28) %}
with window_sales as (
    select
        lines.shop_id,
        lines.sku_id,
        lines.warehouse_id,
        count(*) as units_sold
    from {{ ref('int_order_lines') }} as lines
    cross join {{ ref('int_as_of') }} as as_of
    where lines.is_sale
      and lines.sales_date > as_of.as_of_date - {{ days }}
      and lines.sales_date <= as_of.as_of_date
    group by lines.shop_id, lines.sku_id, lines.warehouse_id
),

stock as (
    select
        shop_id,
        sku_id,
        warehouse_id,
        max(product_id) as product_id,
        max(seller_sku) as seller_sku,
        sum(stock_on_hand) as stock_on_hand
    from {{ ref('stg_tiktokshop__product_skus') }}
    where warehouse_id is not null
    group by shop_id, sku_id, warehouse_id
)

select
    stock.shop_id,
    stock.sku_id,
    stock.warehouse_id,
    warehouses.warehouse_name,
    stock.product_id,
    stock.seller_sku,
    stock.stock_on_hand,
    as_of.as_of_date,
    {{ days }} as window_days,
    coalesce(window_sales.units_sold, 0) as units_sold_in_window,
    cast(coalesce(window_sales.units_sold, 0) as numeric(38, 4)) / {{ days }}
        as avg_daily_units,
    case
        when coalesce(window_sales.units_sold, 0) > 0
        then cast(stock.stock_on_hand * {{ days }} as numeric(38, 4)) / window_sales.units_sold
    end as days_of_cover
from stock
left join {{ ref('stg_tiktokshop__warehouses') }} as warehouses
    on warehouses.shop_id = stock.shop_id and warehouses.warehouse_id = stock.warehouse_id
cross join {{ ref('int_as_of') }} as as_of
left join window_sales
    on window_sales.shop_id = stock.shop_id
    and window_sales.sku_id = stock.sku_id
    and window_sales.warehouse_id = stock.warehouse_id
