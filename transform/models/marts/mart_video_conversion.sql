-- Conversion per video (grain: shop_id, video_id, over the days synced): views -> SKU
-- orders, units and GMV, from the analytics stream video_performance_daily (optional:
-- no rows when it was not synced).
select
    shop_id,
    video_id,
    max(title) as title,
    max(username) as username,
    max(currency) as currency,
    min(performance_date) as first_date,
    max(performance_date) as last_date,
    sum(views) as views,
    sum(sku_orders) as sku_orders,
    sum(units_sold) as units_sold,
    sum(gmv) as gmv,
    cast(sum(sku_orders) as numeric(38, 6)) / nullif(sum(views), 0) as conversion_rate
from {{ ref('stg_tiktokshop__video_performance_daily') }}
group by shop_id, video_id
