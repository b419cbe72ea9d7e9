-- One row per video and day (optional stream: no rows when it was not synced).
{%- set relation = optional_source('tiktokshop_analytics', 'video_performance_daily') %}
{%- if relation is none %}
select
    cast(null as varchar) as shop_id, cast(null as varchar) as video_id,
    cast(null as date) as performance_date, cast(null as varchar) as title,
    cast(null as varchar) as username, cast(null as bigint) as views,
    cast(null as bigint) as sku_orders, cast(null as bigint) as units_sold,
    cast(null as varchar) as currency, {{ money('null') }} as gmv
where 1 = 0
{%- else %}
select
    shop_id,
    video_id,
    cast("date" as date) as performance_date,
    title,
    username,
    cast(views as bigint) as views,
    cast(sku_orders as bigint) as sku_orders,
    cast(units_sold as bigint) as units_sold,
    gmv_currency as currency,
    {{ money('gmv_amount_value') }} as gmv
from {{ newest(relation, ['shop_id', 'video_id', '"date"']) }} as videos
{%- endif %}
