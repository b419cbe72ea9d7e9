-- One row per LIVE session (optional stream: no rows when it was not synced).
{%- set relation = optional_source('tiktokshop_analytics', 'live_performance') %}
{%- if relation is none %}
select
    cast(null as varchar) as shop_id, cast(null as varchar) as live_id,
    cast(null as varchar) as title, cast(null as date) as live_date,
    cast(null as bigint) as views, cast(null as bigint) as viewers,
    cast(null as bigint) as sku_orders, cast(null as bigint) as units_sold,
    cast(null as varchar) as currency, {{ money('null') }} as gmv
where 1 = 0
{%- else %}
select
    shop_id,
    live_id,
    title,
    cast("date" as date) as live_date,
    cast(views as bigint) as views,
    cast(viewers as bigint) as viewers,
    cast(sku_orders as bigint) as sku_orders,
    cast(coalesce(items_sold, unit_sold) as bigint) as units_sold,
    gmv_currency as currency,
    {{ money('gmv_amount_value') }} as gmv
from {{ newest(relation, ['shop_id', 'live_id']) }} as lives
{%- endif %}
