-- Conversion per product (grain: shop_id, product_id, over the days synced): the views of
-- the videos featuring the product (a video featuring two products counts for both) ->
-- the product's orders, units and GMV (product_performance_daily). Optional analytics
-- streams: no rows when they were not synced.
with video_views as (
    select
        video_products.shop_id,
        video_products.product_id,
        sum(videos.views) as video_views,
        count(distinct video_products.video_id) as videos
    from {{ ref('stg_tiktokshop__video_products') }} as video_products
    inner join {{ ref('stg_tiktokshop__video_performance_daily') }} as videos
        on videos.shop_id = video_products.shop_id
        and videos.video_id = video_products.video_id
        and videos.performance_date = video_products.performance_date
    group by video_products.shop_id, video_products.product_id
),

sales as (
    select
        shop_id,
        product_id,
        max(currency) as currency,
        sum(orders) as orders,
        sum(units_sold) as units_sold,
        sum(gmv) as gmv
    from {{ ref('stg_tiktokshop__product_performance_daily') }}
    group by shop_id, product_id
)

select
    sales.shop_id,
    sales.product_id,
    sales.currency,
    coalesce(video_views.videos, 0) as videos,
    coalesce(video_views.video_views, 0) as video_views,
    sales.orders,
    sales.units_sold,
    sales.gmv,
    cast(sales.orders as numeric(38, 6)) / nullif(video_views.video_views, 0)
        as conversion_rate
from sales
left join video_views
    on video_views.shop_id = sales.shop_id and video_views.product_id = sales.product_id
