-- One row per coupon (optional stream: needs the promotion scope).
{%- set relation = optional_source('tiktokshop_promotions', 'coupons') %}
{%- if relation is none %}
select
    cast(null as varchar) as shop_id, cast(null as varchar) as coupon_id,
    cast(null as varchar) as title, cast(null as varchar) as coupon_status,
    cast(null as varchar) as product_scope, cast(null as varchar) as promo_code,
    {{ ts('null') }} as created_at, {{ ts('null') }} as updated_at
where 1 = 0
{%- else %}
select
    shop_id,
    id as coupon_id,
    title,
    status as coupon_status,
    product_scope,
    promo_code,
    {{ ts('create_time_iso') }} as created_at,
    {{ ts('update_time_iso') }} as updated_at
from {{ newest(relation, ['shop_id', 'id']) }} as coupons
{%- endif %}
