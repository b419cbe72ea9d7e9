-- One row per product and day (optional stream: no rows when it was not synced).
{%- set relation = optional_source('tiktokshop_analytics', 'product_performance_daily') %}
{%- if relation is none %}
select
    cast(null as varchar) as shop_id, cast(null as varchar) as product_id,
    cast(null as date) as performance_date, cast(null as bigint) as orders,
    cast(null as bigint) as units_sold, cast(null as varchar) as currency,
    {{ money('null') }} as gmv
where 1 = 0
{%- else %}
select
    shop_id,
    product_id,
    cast("date" as date) as performance_date,
    cast(orders as bigint) as orders,
    cast(units_sold as bigint) as units_sold,
    gmv_currency as currency,
    {{ money('gmv_amount_value') }} as gmv
from {{ newest(relation, ['shop_id', 'product_id', '"date"']) }} as products
{%- endif %}
