-- One row per shop and day (optional stream: no rows when it was not synced).
{%- set relation = optional_source('tiktokshop_analytics', 'shop_performance_daily') %}
{%- if relation is none %}
select
    cast(null as varchar) as shop_id, cast(null as date) as performance_date,
    cast(null as bigint) as orders, cast(null as bigint) as units_sold,
    cast(null as bigint) as buyers, cast(null as bigint) as product_page_views,
    cast(null as varchar) as currency, {{ money('null') }} as gmv,
    {{ money('null') }} as gross_revenue, {{ money('null') }} as refunds
where 1 = 0
{%- else %}
select
    shop_id,
    cast("date" as date) as performance_date,
    cast(coalesce(orders, orders_count) as bigint) as orders,
    cast(coalesce(units_sold, items_sold) as bigint) as units_sold,
    cast(buyers as bigint) as buyers,
    cast(product_page_views as bigint) as product_page_views,
    gmv_currency as currency,
    {{ money('gmv_amount_value') }} as gmv,
    {{ money('gross_revenue_amount_value') }} as gross_revenue,
    {{ money('refunds_amount_value') }} as refunds
from {{ newest(relation, ['shop_id', '"date"']) }} as shop_days
{%- endif %}
