select
    shop_id,
    id as warehouse_id,
    name as warehouse_name,
    type as warehouse_type,
    sub_type as warehouse_sub_type,
    effect_status,
    is_default,
    {{ json_text('address', ['region_code']) }} as region_code,
    {{ json_text('address', ['city']) }} as city,
    {{ json_text('address', ['postal_code']) }} as postal_code
from {{ newest(source('tiktokshop', 'warehouses'), ['shop_id', 'id']) }} as warehouses
