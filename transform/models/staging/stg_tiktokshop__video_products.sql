-- The products each video features on each day: the JSON array `products` of
-- video_performance_daily, one row per element (optional stream: no rows when not synced).
{%- set relation = optional_source('tiktokshop_analytics', 'video_performance_daily') %}
{%- if relation is none %}
select
    cast(null as varchar) as shop_id, cast(null as varchar) as video_id,
    cast(null as date) as performance_date, cast(null as varchar) as product_id,
    cast(null as varchar) as product_name
where 1 = 0
{%- else %}
with items as (
    select shop_id, video_id, cast("date" as date) as performance_date,
           {{ json_elements('products') }} as item
    from {{ newest(relation, ['shop_id', 'video_id', '"date"']) }} as videos
)

select
    shop_id,
    video_id,
    performance_date,
    {{ json_text('item', ['id']) }} as product_id,
    max({{ json_text('item', ['name']) }}) as product_name
from items
group by shop_id, video_id, performance_date, {{ json_text('item', ['id']) }}
{%- endif %}
