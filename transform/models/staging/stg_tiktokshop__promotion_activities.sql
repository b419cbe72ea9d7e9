-- One row per promotion activity (optional stream: needs the promotion scope).
{%- set relation = optional_source('tiktokshop_promotions', 'promotion_activities') %}
{%- if relation is none %}
select
    cast(null as varchar) as shop_id, cast(null as varchar) as activity_id,
    cast(null as varchar) as title, cast(null as varchar) as activity_type,
    cast(null as varchar) as activity_status, cast(null as varchar) as product_level,
    {{ ts('null') }} as begins_at, {{ ts('null') }} as ends_at,
    {{ ts('null') }} as updated_at
where 1 = 0
{%- else %}
select
    shop_id,
    activity_id,
    title,
    activity_type,
    status as activity_status,
    product_level,
    {{ ts('begin_time_iso') }} as begins_at,
    {{ ts('end_time_iso') }} as ends_at,
    {{ ts('update_time_iso') }} as updated_at
from {{ newest(relation, ['shop_id', 'activity_id']) }} as activities
{%- endif %}
