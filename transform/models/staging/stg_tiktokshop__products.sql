select
    shop_id,
    id as product_id,
    title,
    status as product_status,
    {{ json_text('brand', ['name']) }} as brand_name,
    is_cod_allowed,
    {{ ts('create_time_iso') }} as created_at,
    {{ ts('update_time_iso') }} as updated_at
from {{ newest(source('tiktokshop', 'products'), ['shop_id', 'id'], 'update_time') }} as products
